"""The database refusing writes (a read-only file, a full disk, a read-only PostgreSQL) or dropping every
connection (PostgreSQL restarted). Users get a clear message in their language (never the generic error),
reads go on, the log says what is wrong in one line, and once the database is back the conversation
continues from its last saved step."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from jobs import scheduler
from models.db import Database
from models.schema import Account, Achievement
from tests.conftest import PG_URL, scalar_once
from tests.e2e.conftest import Harness, join
from tests.e2e.test_reminders import at
from tests.e2e.test_status_ranking import file_report

READ_ONLY = "پایگاه دادهٔ ربات فعلاً فقط‌خواندنی است"
FULL = "فضای ذخیره‌سازی سرور ربات پر است"
GENERIC = "متأسفانه خطایی پیش آمد"
SAVED_LATE = "پیش از وقفه‌ای در کار ربات ثبت شده بود"


def sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


async def start_report(rep) -> None:
    await rep.send("/report")
    await rep.press("صنعت")


async def finish_report(rep) -> str:
    await rep.press("امروز")
    await rep.send("طرح نمونه")
    await rep.press("رد شدن ⏭")
    await rep.press("هنوز نه")
    return (await rep.press("✅ تأیید و ثبت")).text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_read_only_database_file_answers_clearly_serves_reads_and_loses_nothing(
    api, seeded, db_url, caplog
):
    harness = Harness(api, db_url, {})
    await harness.start()
    try:
        rep = await join(harness, 501, "09121111111")
        await file_report(rep, "14")
        await start_report(rep)  # a draft waits for the number of jobs
        async with harness.db.write() as s:  # as if "saved" had never left (tests/e2e/test_crashes.py)
            await s.execute(
                update(Account).values(pending_receipt=select(func.min(Achievement.id)).scalar_subquery())
            )
        await harness.stop()
        # The file opened read-only, as SQLite does when the service's user may not write it.
        await harness.start(DATABASE_URL=f"sqlite+aiosqlite:///file:{sqlite_path(db_url)}?mode=ro&uri=true")
        caplog.clear()
        reply = await rep.send("/status")  # reads go on; the receipt is told, though it cannot be marked
        assert SAVED_LATE in reply.text and "محقق‌شده: ۱۴" in reply.text and READ_ONLY not in reply.text
        reply = await rep.send("۲۰")
        assert READ_ONLY in reply.text and GENERIC not in reply.text and SAVED_LATE not in reply.text
        assert "جهاد کشاورزی مشهد" in (await rep.send("/ranking")).text
        harness.clock.now = at(dt.date(2027, 3, 13))  # a milestone is due: the tick has rows to store
        await scheduler.Ticker(lambda: [(harness.rt, harness.app.bot)])()  # as the JobQueue runs it
        logged = [r for r in caplog.records if "the database is read-only" in r.getMessage()]
        assert any("reminder tick" in r.getMessage() for r in logged)
        assert logged and all(r.exc_info is None for r in logged)  # one line each, no traceback
        # Writable again: the report goes on from the step it had reached.
        await harness.restart(DATABASE_URL=db_url)
        assert "تاریخ" in (await rep.send("۲۰")).text
        assert "گزارش ثبت شد" in await finish_report(rep)
        assert [a.jobs for a in await harness.achievements()] == [14, 20]
    finally:
        await harness.stop()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB filesystem of its own, to fill up for real (root only: mount)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_full_disk_answers_clearly_and_the_report_goes_on_once_space_is_freed(
    api, seeded, db_url, tiny_disk, caplog
):
    path = tiny_disk / "bot.db"
    with sqlite3.connect(sqlite_path(db_url)) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    harness = Harness(api, f"sqlite+aiosqlite:///{path}", {})
    await harness.start()
    filler = tiny_disk / "filler"
    try:
        rep = await join(harness, 501, "09121111111")
        await start_report(rep)
        with pytest.raises(OSError), filler.open("wb") as f:
            shutil.copyfileobj(_zeros(), f)  # until the disk is full
        caplog.clear()
        reply = await rep.send("۲۰")
        assert FULL in reply.text and GENERIC not in reply.text
        assert "تعهد اشتغال: ۵۰۰" in (await rep.send("/status")).text
        assert any("the database is full" in r.getMessage() for r in caplog.records)
        filler.unlink()
        assert "تاریخ" in (await rep.send("۲۰")).text
        assert "گزارش ثبت شد" in await finish_report(rep)
        assert [a.jobs for a in await harness.achievements()] == [20]
    finally:
        await harness.stop()


def _zeros() -> object:
    class Zeros:
        def read(self, size: int = -1) -> bytes:
            return bytes(1 << 16)

    return Zeros()


@pytest.mark.skipif(PG_URL is None, reason="PostgreSQL runs when TEST_DATABASE_URL is set")
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_read_only_postgresql_answers_clearly_and_writes_again_once_it_is_back(bot, db_url, caplog):
    rep = await join(bot, 501, "09121111111")
    await start_report(rep)
    admin = Database(db_url)
    try:
        async with admin.engine.connect() as conn:
            name = (await conn.execute(text("SELECT current_database()"))).scalar_one()
            await conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            await conn.commit()
        await bot.db.engine.dispose()  # new connections come up read-only, as on a standby
        caplog.clear()
        reply = await rep.send("۲۰")
        assert READ_ONLY in reply.text and GENERIC not in reply.text
        assert "تعهد اشتغال: ۵۰۰" in (await rep.send("/status")).text
    finally:
        async with admin.engine.connect() as conn:
            await conn.execute(text("SET default_transaction_read_only = off"))
            await conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
            await conn.commit()
        await admin.dispose()
    await bot.db.engine.dispose()
    assert "تاریخ" in (await rep.send("۲۰")).text
    assert "گزارش ثبت شد" in await finish_report(rep)
    assert [a.jobs for a in await bot.achievements()] == [20]


PG_ONLY = [
    pytest.mark.skipif(PG_URL is None, reason="PostgreSQL runs when TEST_DATABASE_URL is set"),
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


async def _drop_connections(db_url: str) -> int:
    """What a restart does to the bot's connections: every one is cut by the server."""
    query = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return int(await scalar_once(db_url, query))


@PG_ONLY[0]
@PG_ONLY[1]
async def test_postgresql_cutting_every_connection_mid_report_is_not_felt(bot, db_url):
    rep = await join(bot, 501, "09121111111")
    await start_report(rep)
    assert await _drop_connections(db_url) >= 1  # the bot's pooled connections
    assert "تاریخ" in (await rep.send("۲۰")).text  # the pool notices and connects again
    assert "گزارش ثبت شد" in await finish_report(rep)
    await _drop_connections(db_url)
    assert (await bot.tick()).sent == 0  # the scheduler's session reconnects too
    assert [a.jobs for a in await bot.achievements()] == [20]


def _cluster() -> list[str] | None:
    """pg_ctlcluster's version and name for the local server, when this machine runs it and we may."""
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        return None
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()
    return listed[:2] if len(listed) >= 4 and listed[2] == "5432" and listed[3] == "online" else None


@pytest.mark.serial
@PG_ONLY[0]
@PG_ONLY[1]
async def test_postgresql_restarted_mid_report_is_told_then_the_report_goes_on(bot, db_url, caplog):
    cluster = _cluster()
    if cluster is None or "127.0.0.1" not in db_url:
        pytest.skip("needs the local PostgreSQL cluster, restartable with pg_ctlcluster")
    rep = await join(bot, 501, "09121111111")
    await start_report(rep)
    try:
        assert await _run("pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "stop", "-m", "fast") == 0
        reply = await rep.send("۲۰")  # while it is down
        assert "پایگاه دادهٔ ربات لحظه‌ای در دسترس نیست" in reply.text and GENERIC not in reply.text
        assert any("the database is unavailable" in r.getMessage() for r in caplog.records)
    finally:
        assert await _run("pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "start") == 0
        for _ in range(100):
            if await _run("pg_isready", "-q", "-h", "127.0.0.1") == 0:
                break
            await asyncio.sleep(0.1)
    assert "تاریخ" in (await rep.send("۲۰")).text
    assert "گزارش ثبت شد" in await finish_report(rep)
    assert [a.jobs for a in await bot.achievements()] == [20]


async def _run(*command: str) -> int:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return await process.wait()
