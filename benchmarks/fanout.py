"""Reminder fan-out to 100,000 recipients (national data: 30,225 agencies, a rep per account).

1. Limited: the fake Bot API answers 429 beyond 30 sendMessage per second (Telegram's overall limit); the
   bot sends with its defaults for two minutes. Figure: messages per second over the window as a share of
   the limit (goal ≥ 95%), with none lost (every row marked sent reached the server) or duplicated.
2. Unlimited: no server limit, SEND_RATE raised out of the way; messages per second from one process
   (goal ≥ 1,000/s). Ceiling: a bare PTB loop sending as many messages of the same length with the same
   concurrency (benchmarks/bare_sender.py).
Each side runs in its own process; the fake (`python -m playground.fake_api`) counts and times arrivals."""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.national import bot_env, cached, copy, start_fake
from jobs.sender import CONCURRENCY

TOKEN = "123456:BENCH"
AT = "1405-12-22 09:30"  # the 7-days milestone: every linked account gets one


def fake_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as response:
        return json.loads(response.read())


def send_due(db: Path, api_port: int, **extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bot", "reminders", "send-due", "--at", AT]
    env = bot_env(
        f"http://127.0.0.1:{api_port}/bot",
        TOKEN,
        f"sqlite+aiosqlite:///{db}",
        DIGEST_TIME="23:00",  # one reminder per account: the milestone, not also the morning digest
        **extra,
    )
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def rate(stats: dict) -> float:
    span = (stats["last"] or 0) - (stats["first"] or 0)
    return (stats["messages"] - 1) / span if span > 0 else 0.0


def unlimited(source: Path, folder: Path, recipients: int) -> None:
    fake, ports = start_fake()
    try:
        db = copy(source, folder / "unlimited.db")
        began = time.perf_counter()
        process = send_due(db, ports["api_port"], SEND_RATE="100000", SEND_CHAT_INTERVAL="0")
        process.wait()
        total = time.perf_counter() - began
        bot = fake_stats(ports["control_port"])
    finally:
        fake.terminate()
    length = bot["chars"] // max(bot["messages"], 1)
    fake, ports = start_fake()
    try:
        base = f"http://127.0.0.1:{ports['api_port']}/bot"
        args = [base, TOKEN, str(bot["messages"]), str(CONCURRENCY), str(length)]
        subprocess.run([sys.executable, "-m", "benchmarks.bare_sender", *args], check=True)
        bare = fake_stats(ports["control_port"])
    finally:
        fake.terminate()
    ours, ceiling = rate(bot), rate(bare)
    print(f"\nFan-out without a server limit: {bot['messages']:,} reminders (of {recipients:,} accounts)")
    print(
        f"  bot {ours:7.0f} msg/s   ceiling (bare PTB loop, concurrency {CONCURRENCY}) "
        f"{ceiling:7.0f} msg/s   "
        f"ratio {ours / ceiling:4.2f}   {'ok' if ours >= 1000 else 'MISSED (goal ≥ 1,000/s)'}"
    )
    print(
        f"  duplicates {bot['duplicates']}; whole command incl. start-up and planning {total:.0f} s; "
        f"{length} characters per message"
    )


def limited(source: Path, folder: Path, window: float) -> None:
    fake, ports = start_fake("--rate-limit", "30")
    db = copy(source, folder / "limited.db")
    try:
        process = send_due(db, ports["api_port"])
        first = None
        while first is None:
            time.sleep(0.2)
            first = fake_stats(ports["control_port"])["first"]
        while fake_stats(ports["control_port"])["clock"] < first + window:
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)  # stop mid fan-out, as a crash would
        process.wait()
        stats = fake_stats(ports["control_port"])
    finally:
        fake.terminate()
    with sqlite3.connect(db) as con:
        marked = con.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM outbox WHERE error LIKE '429%'").fetchone()[0]
    in_window = stats["messages"]
    share = in_window / window / 30
    print(f"\nFan-out at Telegram's limit (the fake answers 429 beyond 30/s), a {window:.0f}-second window")
    print(
        f"  {in_window:,} messages = {in_window / window:.1f} msg/s = {share:.1%} of the limit   "
        f"{'ok' if share >= 0.95 else 'MISSED (goal ≥ 95%)'}"
    )
    print(
        f"  duplicates {stats['duplicates']}; marked sent {marked:,} (received but not yet marked at the "
        f"kill: {in_window - marked}); rows that met a 429: {rejected}"
    )
    slow = [(second, n) for second, n in enumerate(stats["per_second"][: int(window)]) if n < 25]
    if slow:
        print("  seconds under 25 messages (second: count): " + ", ".join(f"{s}: {n}" for s, n in slow))
    assert marked <= in_window, "a row marked sent never reached the server"


def main(recipients: int, window: float, only: str | None = None) -> None:
    folder = Path(tempfile.gettempdir()) / "rasad-bench"
    folder.mkdir(exist_ok=True)
    began = time.perf_counter()
    source = cached(folder, 100_000, recipients)
    print(
        f"national database with {recipients:,} linked accounts ready in {time.perf_counter() - began:.0f} s"
    )
    with tempfile.TemporaryDirectory() as work:
        if only in (None, "unlimited"):
            unlimited(source, Path(work), recipients)
        if only in (None, "limited"):
            limited(source, Path(work), window)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=120.0)
    parser.add_argument("--only", choices=["limited", "unlimited"])
    args = parser.parse_args()
    main(args.recipients, args.window, args.only)
