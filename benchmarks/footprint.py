"""Footprint: the running bot on national data (30,225 agencies, 1,000,000 achievements, 100,000 linked
accounts): time from starting the process to its first answer, and resident memory after answering a
/start, a province's /ranking and /summary, and a rep's /status. Goals: under 2 s, under 200 MB.
Ceiling: the bare PTB echo bot (benchmarks/echo_bot.py) started and asked the same way."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.national import FIRST_CHAT, bot_env, cached
from playground.fake_api import BotMessage, FakeBotApi


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def ask(api: FakeBotApi, user_id: int, words: str) -> float:
    """Send a message; seconds until the bot's first message back."""
    arrived: asyncio.Future[BotMessage] = asyncio.get_running_loop().create_future()

    def seen(message: BotMessage) -> None:
        if message.chat_id == user_id and not arrived.done():
            arrived.set_result(message)

    api.listeners.append(seen)
    user = {"id": user_id, "is_bot": False, "first_name": "u", "language_code": "fa"}
    began = time.perf_counter()
    api.push_update(api.message_update(user, words))
    try:
        await asyncio.wait_for(arrived, 60)
    finally:
        api.listeners.remove(seen)
    return time.perf_counter() - began


async def measure(
    command: list[str], env: dict[str, str], api: FakeBotApi, full: bool
) -> tuple[float, float, float]:
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        newcomer = FIRST_CHAT + 999_999
        await ask(api, newcomer, "/start")
        first_answer = time.perf_counter() - began
        if full:
            await ask(api, FIRST_CHAT, "/ranking")  # account 0: the supervisor of a province
            await ask(api, FIRST_CHAT, "/summary")
            await ask(api, FIRST_CHAT + 5_000, "/status")  # a rep
        else:
            await ask(api, newcomer, "سلام")
        rss, peak = memory_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()
    return first_answer, rss, peak


async def main(achievements: int, accounts: int) -> None:
    folder = Path(tempfile.gettempdir()) / "rasad-bench"
    folder.mkdir(exist_ok=True)
    source = await asyncio.to_thread(cached, folder, achievements, accounts)
    async with FakeBotApi(token="123456:BENCH", any_chat=True) as api:
        env = bot_env(api.base_url, api.token, f"sqlite+aiosqlite:///{source}")
        ours = await measure([sys.executable, "-m", "bot", "run"], env, api, full=True)
        echo = await measure(
            [sys.executable, "-m", "benchmarks.echo_bot", api.base_url, api.token],
            dict(os.environ),
            api,
            False,
        )
    print(
        f"\nFootprint on national data ({achievements:,} achievements, {accounts:,} linked accounts, SQLite)"
    )
    print(
        f"  start to first answer {ours[0]:5.2f} s   ceiling (echo bot) {echo[0]:5.2f} s   "
        f"ratio {ours[0] / echo[0]:4.1f}×   {'ok' if ours[0] < 2 else 'MISSED (goal < 2 s)'}"
    )
    print(
        f"  resident memory {ours[1]:5.0f} MB (peak {ours[2]:.0f})   ceiling (echo bot) {echo[1]:5.0f} MB   "
        f"ratio {ours[1] / echo[1]:4.1f}×   {'ok' if ours[2] < 200 else 'MISSED (goal < 200 MB)'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--achievements", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.achievements, args.accounts))
