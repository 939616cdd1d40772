"""The command line as an operator uses it: import, invite, and `python -m bot run` against a
Bot-API-compatible server."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "BOT_YEAR": "1405"}, **extra)
    return env


def cli(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as an operator runs it in tmp_path, through its entry function in this process
    (what starts a process of its own is tested apart, below)."""
    from bot.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(cli_env(tmp_path, **extra))
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help and usage errors
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["python", "-m", "bot", *args], code, out.getvalue(), err.getvalue())


def test_without_a_token_outside_a_terminal_the_service_stops_with_exit_2(tmp_path):
    # Under systemd (stdin not a terminal) no token is a configuration error, never a playground.
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr.startswith("configuration error: BOT_TOKEN is not set")
    assert not (tmp_path / "data" / "playground.db").exists()


def test_bad_config_and_a_missing_token_of_two_platforms_exit_2(tmp_path):
    result = cli(tmp_path, "run", BOT_PLATFORMS="telegram,bale", TELEGRAM_BOT_TOKEN="1:x")
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: BALE_BOT_TOKEN is not set"
    result = cli(tmp_path, "run", BOT_TIMEZONE="Nowhere/City", BOT_TOKEN="1:x")
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: BOT_TIMEZONE: unknown time zone 'Nowhere/City'"
    assert "Traceback" not in result.stderr


def test_import_good_then_bad_file_and_invite(tmp_path):
    result = cli(tmp_path, "import", str(ROOT / "examples" / "roster.xlsx"))
    assert result.returncode == 0, result.stderr
    assert "agency: 5 created" in result.stdout and "person: 4 created" in result.stdout
    again = cli(tmp_path, "import", str(ROOT / "examples" / "commitments.csv"))
    assert "commitment: 0 created, 0 updated, 5 unchanged" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,phone,role,agency_code,scope\nx,0912,rep,101,\ny,09127777777,rep,999,\n", encoding="utf-8"
    )
    result = cli(tmp_path, "import", str(bad))
    assert result.returncode == 1
    assert "people row 2: phone '0912' is not a mobile number" in result.stderr
    assert "people row 3: unknown agency code '999'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert cli(tmp_path, "import", str(tmp_path / "missing.xlsx")).returncode == 1
    result = cli(tmp_path, "invite", "--agency", "101")
    assert result.returncode == 0 and len(result.stdout.strip()) == 11 and result.stdout[5] == "-"
    assert cli(tmp_path, "invite", "--agency", "nope").returncode == 1
    assert cli(tmp_path, "db", "upgrade").stdout.strip() == "database is up to date"


async def test_make_run_entry_point_answers_through_any_bot_api_server(tmp_path, api):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=cli_env(
            tmp_path,
            BOT_PLATFORM=api.platform,
            BOT_TOKEN=api.token,
            BOT_API_BASE_URL=api.base_url,
            BOT_API_FILE_URL=api.file_base_url,
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        user = {"id": 8080, "is_bot": False, "first_name": "Test", "language_code": "fa"}
        api.push_update(api.message_update(user, "/start"))
        for _ in range(300):
            if api.chat_messages(8080):
                break
            await asyncio.sleep(0.1)
        assert api.chat_messages(8080), "the bot did not answer /start"
        assert "شمارهٔ همراه" in api.chat_messages(8080)[0].plain
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert api.token not in stderr.decode()  # tokens never reach the log


def test_export_from_the_command_line(tmp_path):
    from openpyxl import load_workbook

    assert cli(tmp_path, "import", str(ROOT / "examples" / "roster.xlsx")).returncode == 0
    result = cli(tmp_path, "export", "--scope", "استان خراسان رضوی", "--out", str(tmp_path / "out.xlsx"))
    assert result.returncode == 0, result.stderr
    assert "5 agencies, 0 achievements" in result.stdout
    wb = load_workbook(tmp_path / "out.xlsx")
    first = next(wb["ranking"].iter_rows(min_row=2))
    assert first[2].value == "آموزش فنی و حرفه‌ای مشهد"  # no reports: ties go by name
    result = cli(tmp_path, "export", "--scope", "مشهد", "--out", str(tmp_path / "r.csv"), "--locale", "en")
    assert result.returncode == 0
    assert (tmp_path / "r.csv").read_text("utf-8-sig").startswith("Rank,Code,Agency")
    bad = cli(tmp_path, "export", "--scope", "تهران", "--out", str(tmp_path / "x.xlsx"))
    assert bad.returncode == 1 and "unknown county or province" in bad.stderr


def test_backup_is_a_consistent_checked_copy_while_a_writer_holds_a_transaction(tmp_path):
    import sqlite3

    assert cli(tmp_path, "import", str(ROOT / "examples" / "roster.xlsx")).returncode == 0
    live = sqlite3.connect(tmp_path / "cli.db", isolation_level=None, timeout=30)
    agencies = live.execute("SELECT count(*) FROM agencies").fetchone()[0]
    assert agencies > 0
    live.execute("BEGIN IMMEDIATE")  # a writer in the middle of its work, not yet committed
    live.execute("INSERT INTO holidays (day, note) VALUES ('2027-03-19', 'uncommitted')")
    result = cli(tmp_path, "backup", "--out", str(tmp_path / "copies" / "rasad.db"))
    live.execute("ROLLBACK")
    live.close()
    assert result.returncode == 0, result.stderr
    assert f"agencies {agencies}" in result.stdout and "holidays 0" in result.stdout
    copy = sqlite3.connect(tmp_path / "copies" / "rasad.db")
    assert copy.execute("SELECT count(*) FROM agencies").fetchone()[0] == agencies
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert not (tmp_path / "copies" / "rasad.db.partial").exists()
    # Onto the live file itself: refused, nothing touched.
    same = cli(tmp_path, "backup", "--out", str(tmp_path / "cli.db"))
    assert same.returncode == 1 and "would overwrite the database itself" in same.stderr
    # A PostgreSQL out of reach: said before anything is tried.
    pg = cli(tmp_path, "backup", "--out", "x.dump", DATABASE_URL="postgresql+asyncpg://u@127.0.0.1:1/none")
    assert pg.returncode == 1 and "cannot be used" in pg.stderr and not (tmp_path / "x.dump").exists()


def test_year_start_checks_commitments_then_opens_and_an_earlier_year_stays_exportable(tmp_path):
    from models.jalali import current_jalali_year

    year = current_jalali_year()  # the command works on the machine's calendar
    env = {"BOT_YEAR": str(year)}
    assert cli(tmp_path, "import", str(ROOT / "examples" / "agencies.csv"), **env).returncode == 0
    early = cli(tmp_path, "year", "start", str(year + 1), **env)
    assert early.returncode == 1 and f"{year + 1} begins on {year + 1}/01/01" in early.stderr
    over = cli(tmp_path, "year", "start", str(year - 1), **env)
    assert over.returncode == 1 and f"{year - 1} is over" in over.stderr
    (tmp_path / "next.csv").write_text(f"agency_code,year,target\n101,{year + 1},90\n", encoding="utf-8")
    refused = cli(
        tmp_path, "year", "start", str(year + 1), "--commitments", str(tmp_path / "next.csv"), **env
    )
    assert refused.returncode == 1 and f"{year + 1}:" not in cli(tmp_path, "year", "status", **env).stdout
    none = cli(tmp_path, "year", "start", str(year), **env)
    assert none.returncode == 1 and f"no commitment is imported for {year}" in none.stderr
    (tmp_path / "c.csv").write_text(f"agency_code,year,target\n101,{year},120\n", encoding="utf-8")
    opened = cli(tmp_path, "year", "start", str(year), "--commitments", str(tmp_path / "c.csv"), **env)
    assert opened.returncode == 0, opened.stderr
    assert f"{year} is open: 1 agencies committed to 120 jobs" in opened.stdout
    assert f"have no commitment for {year}: 102, 103" in opened.stdout
    assert f"{year} was already open" in cli(tmp_path, "year", "start", str(year), **env).stdout
    (tmp_path / "bad.csv").write_text(f"agency_code,year,target\n999,{year},1\n", encoding="utf-8")
    bad = cli(tmp_path, "year", "start", str(year), "--commitments", str(tmp_path / "bad.csv"), **env)
    assert bad.returncode == 1 and "unknown agency code '999'" in bad.stderr
    status = cli(tmp_path, "year", "status", **env)
    assert f"{year}: 1 commitments (target 120), 0 reports (0 jobs), opened" in status.stdout
    # An earlier year's workbook (empty here) is still produced; a year not begun is refused.
    out = tmp_path / "brief.csv"
    args = ("export", "--scope", "شهرستان مشهد", "--out", str(out), "--year")
    result = cli(tmp_path, *args, str(year - 1), **env)
    assert result.returncode == 0, result.stderr
    late = cli(tmp_path, *args, str(year + 1), **env)
    assert late.returncode == 1 and "has not begun" in late.stderr


def test_import_dry_run_lists_each_change_and_writes_nothing(tmp_path):
    from tests.kit import office_sheets

    assert cli(tmp_path, "import", str(ROOT / "examples" / "roster.xlsx")).returncode == 0
    sheet = tmp_path / "نیشابور.xlsx"
    sheet.write_bytes(office_sheets.nishapur_office())
    result = cli(tmp_path, "import", str(sheet), "--dry-run", "--locale", "fa")
    assert result.returncode == 0, result.stderr
    new = "➕ کد ۲۰۲ «اداره تعاون، کار و رفاه اجتماعی» (تازه): شهرستان نیشابور، تعهد ۱۴۰۵: ۱٬۲۰۰"
    assert new in result.stdout
    assert "ردیف ۱۱ جمع به نظر می‌رسد" in result.stdout
    assert "agency: 5 created, 0 updated, 1 unchanged" in result.stdout  # 201 found by its name
    assert result.stdout.rstrip().endswith("dry run: nothing was written")
    again = cli(tmp_path, "import", str(sheet), "--dry-run")
    assert "agency: 5 created" in again.stdout and "code 202" in again.stdout  # English by default
    help_text = cli(tmp_path, "import", "--help").stdout
    assert "template roster" in help_text and "--dry-run" in help_text


def test_operator_slips_get_one_line_each(tmp_path):
    assert cli(tmp_path, "doctor").returncode == 1  # no database yet: said, not created
    assert "there is no database at" in cli(tmp_path, "doctor").stderr
    assert not (tmp_path / "cli.db").exists()
    assert cli(tmp_path, "import", str(ROOT / "examples" / "roster.xlsx")).returncode == 0
    result = cli(
        tmp_path, "export", "--scope", "شهرستان مشهد", "--out", str(tmp_path / "no" / "such" / "b.xlsx")
    )
    assert result.returncode == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr
    result = cli(tmp_path, "reminders", "plan", "--at", "2027-03-10 09:00")
    assert result.returncode == 1 and "Gregorian" in result.stderr and "Traceback" not in result.stderr
    result = cli(tmp_path, "invite", "--agency", "101")
    assert result.returncode == 0 and len(result.stdout.strip()) == 11
    assert "جهاد کشاورزی مشهد" in result.stderr and "expires on 1405/" in result.stderr
    result = cli(tmp_path, "holidays", "add", "1405/12/30")
    assert result.returncode == 1 and "no such day" in result.stderr
    result = cli(tmp_path, "holidays", "add", "1404/12/01")
    assert result.returncode == 1 and "not in the reporting year 1405" in result.stderr
