"""`rasad-bot backup` and `rasad-bot restore` on a year's worth of records, on SQLite and on PostgreSQL: the
backup is checked, a folder keeps a rotation, a restore goes into an empty database only (after asking),
and what comes back holds every row."""

from __future__ import annotations

import asyncio

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from models.schema import Base
from tests.e2e.conftest import join
from tests.e2e.test_cli import cli
from tests.e2e.test_obstacles import raise_obstacle
from tests.e2e.test_plans import write_plan
from tests.e2e.test_status_ranking import file_report

MARYAM, ALI = (501, "09121111111"), (502, "09122222222")


async def _counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tables = [t.name for t in Base.metadata.sorted_tables]
            return {t: (await conn.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one() for t in tables}
    finally:
        await engine.dispose()


async def _empty_twin(url: str, tmp_path) -> str:
    """A new, empty database beside the test's: a file for SQLite, a created database for PostgreSQL."""
    if url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'bot.db'}"
    base = make_url(url)
    name = f"{base.database}_restored"
    engine = create_async_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def test_a_populated_year_backed_up_rotated_and_restored(bot, db_url, tmp_path):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    await file_report(maryam, "20", rasad=True)
    await file_report(ali, "35")
    await write_plan(ali, "100", "100", "50", "50")
    await ali.press("✅ ارسال برای تأیید فرمانداری")
    await raise_obstacle(maryam, files=False)
    before = await _counts(db_url)
    assert before["achievements"] == 2 and before["plans"] == 1 and before["obstacles"] == 1

    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the office's own file")  # not the bot's: never rotated away
    (folder / "rasad-before-the-upgrade.db").write_bytes(b"kept by hand")
    written = []
    for _ in range(3):
        done = await asyncio.to_thread(
            cli, tmp_path, "backup", "--out", str(folder), "--keep", "2", DATABASE_URL=db_url
        )
        assert done.returncode == 0, done.stderr
        written.append(done.stdout.split("backup written to ")[1].split(" (")[0])
        await asyncio.sleep(1.1)  # names carry the second
    kept = sorted(
        p.name for p in folder.iterdir() if p.name not in ("notes.txt", "rasad-before-the-upgrade.db")
    )
    assert len(kept) == 2 and kept == sorted(p.rsplit("/", 1)[-1] for p in written[1:])
    assert (folder / "notes.txt").exists() and (folder / "rasad-before-the-upgrade.db").exists()
    assert all((folder / name).stat().st_mode & 0o077 == 0 for name in kept)  # the bot's user alone
    assert "removed 1 older backup(s), keeping the 2 newest" in done.stdout
    suffix = ".dump" if db_url.startswith("postgresql") else ".db"
    assert all(name.endswith(suffix) for name in kept)
    latest = folder / kept[-1]

    target = await _empty_twin(db_url, tmp_path)
    asked = await asyncio.to_thread(cli, tmp_path, "restore", str(latest), DATABASE_URL=target)
    assert asked.returncode == 1 and "--yes" in asked.stderr  # not a terminal: it asks for --yes
    done = await asyncio.to_thread(cli, tmp_path, "restore", str(latest), "--yes", DATABASE_URL=target)
    assert done.returncode == 0, done.stderr
    assert await _counts(target) == before
    doctor = await asyncio.to_thread(cli, tmp_path, "doctor", DATABASE_URL=target)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr

    # Never over a database that holds anything: the live one, or the one just restored.
    again = await asyncio.to_thread(cli, tmp_path, "restore", str(latest), "--yes", DATABASE_URL=target)
    assert again.returncode == 1 and "already holds tables" in again.stderr
    assert await _counts(target) == before


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "rasad-20261204-030000.db"
    bogus.write_bytes(b"not a database at all" * 100)
    target = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    done = cli(tmp_path, "restore", str(bogus), "--yes", DATABASE_URL=target)
    assert done.returncode == 1 and "not a backup the bot wrote" in done.stderr
    assert not (tmp_path / "new.db").exists()
