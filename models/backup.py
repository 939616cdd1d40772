"""Backups while the bot runs, each checked before it takes its name (a failed one never leaves a half
file under it): SQLite through its online backup API, PostgreSQL through pg_dump's custom format. A folder
keeps a rotation of them (rasad-<date>-<time>.db or .dump, the newest N); a backup is restored into an
empty database only."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

PATTERN = re.compile(r"rasad-\d{8}-\d{6}\.(db|dump)")


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: dict[str, int | None]  # rows per table, read from the copy (None: a dump's, not counted)


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite"):
        raise BackupError("not_sqlite")
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("in_memory")
    return Path(path)


def backup_sqlite(url: str, out: Path) -> BackupResult:
    """Copy page by page (writers are not blocked for long), verify the copy, then move it into place, so
    a failed or interrupted backup never leaves a half-written file under the requested name."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError("no_database")
    if out.resolve() == source_path.resolve():
        raise BackupError("same_file")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    os.chmod(partial, 0o600)  # people's phone numbers and national codes: the bot's user alone reads it
    try:
        source.backup(target, pages=1024)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("integrity")
        names = [
            r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        tables = {name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        target.close()
        source.close()
    os.replace(partial, out)
    return BackupResult(out, out.stat().st_size, tables)


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def named_in(folder: Path, url: str, now: dt.datetime) -> Path:
    """A new backup's file in a folder of backups: rasad-20261204-023000.db (or .dump for PostgreSQL)."""
    return folder / f"rasad-{now:%Y%m%d-%H%M%S}.{'dump' if is_postgres(url) else 'db'}"


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups the bot named in this folder (other files are left)."""
    ours = sorted((p for p in folder.iterdir() if PATTERN.fullmatch(p.name)), key=lambda p: p.name)
    gone = ours[: max(len(ours) - keep, 0)]
    for path in gone:
        path.unlink()
    return gone


def _pg_env(url: str) -> dict[str, str]:
    """libpq's variables for pg_dump and pg_restore: the password stays out of the process list."""
    parts = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parts.host),
        ("PGPORT", parts.port),
        ("PGUSER", parts.username),
        ("PGPASSWORD", parts.password),
        ("PGDATABASE", parts.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"no_{name}")
    return found


def _run(args: list[str], url: str) -> str:
    try:
        done = subprocess.run(args, env=_pg_env(url), capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{Path(args[0]).name} took more than an hour") from None
    if done.returncode != 0:
        raise BackupError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return done.stdout


def backup_postgres(url: str, out: Path) -> BackupResult:
    """pg_dump's custom format (compressed, restored table by table), read back with pg_restore --list."""
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        partial.touch(mode=0o600)  # people's phone numbers and national codes: the bot's user alone reads it
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], url)
        listing = _run([pg_restore, "--list", str(partial)], url)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    tables: dict[str, int | None] = {}
    for line in listing.splitlines():  # "215; 0 16390 TABLE DATA public agencies postgres"
        match = re.search(r"TABLE DATA \S+ (\S+)", line)
        if match:
            tables[match.group(1)] = None
    if "agencies" not in tables:
        partial.unlink(missing_ok=True)
        raise BackupError("integrity")
    os.replace(partial, out)
    return BackupResult(out, out.stat().st_size, dict(sorted(tables.items())))


def backup(url: str, out: Path) -> BackupResult:
    return backup_postgres(url, out) if is_postgres(url) else backup_sqlite(url, out)


def restore(url: str, file: Path, tables_now: int) -> None:
    """Into an empty database only (`tables_now`: how many tables it holds): an existing one is never
    overwritten; restore into a new one and point DATABASE_URL to it."""
    if not file.is_file():
        raise BackupError("no_file")
    if tables_now:
        raise BackupError("not_empty")
    if is_postgres(url):
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={make_url(url).database}", str(file)], url)  # fmt: skip
        return
    target = sqlite_path(url)
    check = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        ok = ok and {"agencies", "alembic_version"} <= names  # the bot's, not any SQLite file
    except sqlite3.DatabaseError:
        ok = False
    finally:
        check.close()
    if not ok:
        raise BackupError("not_backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(file, partial)
    os.replace(partial, target)
