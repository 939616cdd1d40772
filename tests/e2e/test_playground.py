"""`make run` without a token: the playground, driven through a pseudo-terminal as a newcomer would."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import urllib.request
from urllib.parse import unquote

import pexpect

TIMEOUT = 40


def press(child: pexpect.spawn, label: str) -> None:
    """Find the number the terminal gave a button, and press it."""
    child.expect(r"\[#(\d+)\] " + label)
    child.sendline(f"#{child.match.group(1)}")


def test_playground_runs_in_a_terminal_without_a_token(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "DATABASE_URL", "TELEGRAM_", "BALE_"))
    }
    child = pexpect.spawn(
        sys.executable, ["-m", "bot", "run"], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=TIMEOUT
    )
    try:
        child.expect("demo data loaded")
        child.expect("Start with /start")
        child.sendline("/start")
        child.expect("شمارهٔ همراه")
        child.sendline("/contact")
        child.expect("حساب شما متصل شد")
        child.sendline("/report")
        child.expect("گام ۱ از ۶")
        press(child, "صنعت")
        child.expect("تعداد شغل")
        child.sendline("abc")  # bad input keeps the step
        child.expect("عدد")
        child.sendline("۱۷")
        press(child, "امروز")
        child.expect("عنوان طرح")
        child.sendline("کارگاه قطعه‌سازی")
        press(child, "رد شدن ⏭")
        press(child, "هنوز نه")
        press(child, "✅ تأیید و ثبت")
        child.expect("گزارش ثبت شد")
        child.sendline("/as supervisor")
        child.expect("you are now the supervisor")
        child.sendline("/start")
        child.sendline("/contact")
        child.expect("معاون")
        child.sendline("/ranking")
        child.expect("اداره ورزش و جوانان نیشابور")  # the agency with nothing reported, last
        child.sendline("/dashboard")
        child.expect(r"🔗 [^:]+: (http://127\.0\.0\.1:\d+/app/)\?t=")
        child.sendline("/web")
        child.expect(r"the dashboard as the supervisor: (http://127\.0\.0\.1:\d+/app/)#tgWebAppData=(\S+)")
        address, launch = child.match.group(1), unquote(child.match.group(2))
        request = urllib.request.Request(address + "api/ranking", headers={"Authorization": "tma " + launch})
        with urllib.request.urlopen(request, timeout=10) as answer:  # the page's request, as the supervisor
            ranking = json.load(answer)
        assert ranking["scope"] == {"kind": "county", "name": "نیشابور"} and len(ranking["rows"]) == 12
        child.sendline("/as admin")
        child.sendline("/holidays")
        child.expect("تعطیل")
        child.sendline("#999")
        child.expect("no button #999")
        child.sendline("/quit")
        child.expect("bye")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    with sqlite3.connect(tmp_path / "data" / "playground.db") as conn:
        jobs = conn.execute(
            "SELECT jobs, sector, title FROM achievements ORDER BY id DESC LIMIT 1"
        ).fetchone()
        agencies = conn.execute("SELECT count(*) FROM agencies").fetchone()[0]
    assert jobs == (17, "industry", "کارگاه قطعه‌سازی") and agencies == 12
