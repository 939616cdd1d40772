"""Command line: `python -m bot run | db upgrade | import FILE | invite --agency CODE [--role rep]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from models.db import Database

EXIT_CONFIG = 2


def _logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Rasad employment-commitment bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    imp = sub.add_parser("import", help="import agencies, commitments and people from .xlsx or .csv")
    imp.add_argument("file", type=Path)
    inv = sub.add_parser("invite", help="print a one-time invite code (valid 7 days)")
    inv.add_argument("--agency", required=True, help="agency code")
    inv.add_argument("--role", default="rep", choices=["rep"])
    return parser


def _run(settings: Settings) -> int:
    if not settings.bot_token:
        print(
            "BOT_TOKEN is not set: put BOT_TOKEN=<token from @BotFather or Bale's @botfather> in .env "
            "or the environment (and BOT_PLATFORM=bale for Bale), then run again.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    from bot.app import build_application

    app = build_application(settings)
    app.run_polling(allowed_updates=None)
    return 0


async def _upgrade(settings: Settings) -> None:
    from models.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


async def _import(settings: Settings, path: Path) -> int:
    from models.importer import ImportFileError, import_file

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        result = await import_file(db, path)
    except ImportFileError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    if not result.ok:
        for error in result.errors:
            print(error, file=sys.stderr)
        print(f"{len(result.errors)} invalid row(s); nothing was imported.", file=sys.stderr)
        return 1
    for kind in ("agency", "commitment", "person"):
        print(
            f"{kind}: {result.created[kind]} created, {result.updated[kind]} updated, "
            f"{result.unchanged[kind]} unchanged"
        )
    return 0


async def _invite(settings: Settings, agency: str, role: str) -> int:
    from models.people import create_invite, format_invite

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        code = await create_invite(db, role=role, agency_code=agency)
    except LookupError:
        print(f"unknown agency code '{agency}'", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(format_invite(code))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    _logging()
    if args.command == "run":
        return _run(settings)
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    if args.command == "import":
        if not args.file.exists():
            print(f"{args.file}: no such file", file=sys.stderr)
            return 1
        return asyncio.run(_import(settings, args.file))
    if args.command == "invite":
        return asyncio.run(_invite(settings, args.agency, args.role))
    return 1


if __name__ == "__main__":
    sys.exit(main())
