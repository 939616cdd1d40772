"""A consistent copy of an SQLite database while the bot runs (SQLite's online backup API), checked before
it replaces anything. PostgreSQL is backed up with pg_dump (docs/operations.md, "Backups")."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: dict[str, int]  # rows per table, read from the copy


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
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
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
