"""Command line: `rasad-bot run | playground | db upgrade | import FILE | invite | reminders | export |
holidays | year | backup | restore | doctor`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import logging
import re
import sqlite3
import sys
from pathlib import Path
from typing import cast

from sqlalchemy import inspect, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot import logs
from bot.checks import database_problem, timezone_problem, use_bundled_tzdata
from models.db import Database
from models.lead import Lead
from models.settings import ConfigError, Settings, load_settings
from models.sheets import FileProblem

EXIT_CONFIG = 2
KEEPS_TIME = ("run", "reminders", "export", "year", "holidays", "invite", "import", "doctor")
USES_DATABASE = (
    "db",
    "import",
    "invite",
    "reminders",
    "export",
    "year",
    "holidays",
    "doctor",
    "backup",
    "restore",
)


def _logging(settings: Settings | None = None) -> None:
    secrets = settings.secrets() if settings is not None else ()
    logs.setup(settings.log_level if settings is not None else logging.INFO, secrets)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rasad-bot", description="Rasad employment-commitment bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling or webhook); with no token at all, the playground")
    play = sub.add_parser("playground", help="the bot on a fake messenger in this terminal, on demo data")
    play.add_argument("--platform", default="telegram", choices=["telegram", "bale"])
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    imp = sub.add_parser(
        "import",
        help="import agencies, commitments and people from .xlsx or .csv",
        description=(
            "Import the roster: the office's own sheet (a title row or two, a header row in Persian or "
            "English such as نام دستگاه، شهرستان، استان، تعهد ۱۴۰۵، نماینده، تلفن همراه, one row per agency "
            "with its commitment and rep, a total row at the bottom; the agency code is optional) or the "
            "three-sheet format (agencies, commitments, people). A template: rasad-bot template roster "
            "--out FILE.xlsx. Nothing is written while any row is invalid; --dry-run shows every change, "
            "field by field."
        ),
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would change, field by field; write nothing"
    )
    imp.add_argument(
        "--locale", default="en", choices=["fa", "en"], help="language of the listing (default en)"
    )
    tpl = sub.add_parser("template", help="write a template: the roster, or a list of people employed")
    tpl.add_argument("which", choices=["roster", "beneficiaries"])
    tpl.add_argument("--out", required=True, type=Path, help="FILE.xlsx")
    tpl.add_argument("--locale", default=None, choices=["fa", "en"], help="default: BOT_DEFAULT_LOCALE")
    inv = sub.add_parser("invite", help="print a one-time invite code (valid 7 days)")
    inv.add_argument("--agency", required=True, help="agency code")
    inv.add_argument("--role", default="rep", choices=["rep"])
    rem = sub.add_parser("reminders", help="plan or send reminders as at a moment (Jalali, Tehran time)")
    rem.add_argument("action", choices=["plan", "send-due"])
    rem.add_argument("--at", help='e.g. "1405-12-25 09:00"; default: now')
    exp = sub.add_parser("export", help="the governorate's workbook (.xlsx) or ranking (.csv) for a scope")
    exp.add_argument(
        "--scope", required=True, help="county or province name (استان X / شهرستان X if ambiguous)"
    )
    exp.add_argument("--out", required=True, type=Path, help="FILE.xlsx or FILE.csv")
    exp.add_argument("--locale", default=None, choices=["fa", "en"])
    exp.add_argument(
        "--year", type=int, default=None, help="an earlier reporting year (default: the current)"
    )
    yr = sub.add_parser("year", help="open a new reporting year, or show what each year holds")
    yr.add_argument("action", choices=["start", "status"])
    yr.add_argument("year", nargs="?", type=int, help="the Jalali year to open, e.g. 1406")
    yr.add_argument("--commitments", type=Path, help="import this file of the year's commitments first")
    doc = sub.add_parser("doctor", help="check the kept totals against the achievements, and the audit trail")
    doc.add_argument("--fix", action="store_true", help="rewrite the totals from the achievements")
    bak = sub.add_parser(
        "backup", help="a checked backup of the database (SQLite or PostgreSQL) while it runs"
    )
    bak.add_argument(
        "--out",
        type=Path,
        default=Path("backups"),
        help="FILE.db / FILE.dump, or a folder for rasad-<date>-<time>.db|.dump (default: backups/)",
    )
    bak.add_argument("--keep", type=int, default=0, metavar="N", help="keep only the N newest in that folder")
    res = sub.add_parser("restore", help="restore a backup into an empty database (asks first)")
    res.add_argument("file", type=Path, help="a file rasad-bot backup wrote")
    res.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    hol = sub.add_parser("holidays", help="the holiday calendar (non-working days besides Fridays)")
    hol.add_argument("action", choices=["add", "remove", "list"])
    hol.add_argument("date", nargs="?", help="Jalali date, e.g. 1405/12/25")
    hol.add_argument("--note", default="")
    return parser


def _run(settings: Settings) -> int:
    missing = settings.missing_tokens()
    if missing and any((settings.bot_token, settings.telegram_bot_token, settings.bale_bot_token)):
        print(f"configuration error: {settings.token_hint()}", file=sys.stderr)
        return EXIT_CONFIG
    if missing and not (sys.stdin.isatty() and sys.stdout.isatty()):  # a service, not a newcomer
        print(
            "configuration error: BOT_TOKEN is not set (put BOT_TOKEN=<token from @BotFather or Bale's "
            "@botfather> in .env, and BOT_PLATFORM=bale for Bale; in a terminal, no token starts the "
            "playground)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if missing:  # no token at all, in a terminal: a newcomer trying it out
        from playground.terminal import run_playground

        print(
            "BOT_TOKEN is not set: starting the local playground (no network, demo data). "
            "For a real bot put BOT_TOKEN=<token from @BotFather or Bale's @botfather> in .env "
            "(and BOT_PLATFORM=bale for Bale), then run again.",
            file=sys.stderr,
        )
        return run_playground()
    from bot.deployment import Deployment

    try:
        asyncio.run(Deployment(settings).serve_forever())
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


async def _upgrade(settings: Settings) -> None:
    from models.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


def _missing_sqlite(settings: Settings) -> Path | None:
    """The SQLite file DATABASE_URL names, when it does not exist."""
    from models.backup import sqlite_path

    if not settings.database_url.startswith("sqlite"):
        return None
    where = Path(str(sqlite_path(settings.database_url)).removeprefix("file:"))
    return None if where.exists() else where


def _file_problem(exc: FileProblem, locale: str = "en") -> str:
    from views.render import Renderer

    return str(Renderer("plain", locale)(f"files.{exc.reason}", **exc.values))


async def _import(settings: Settings, path: Path, dry_run: bool, locale: str) -> int:
    from models.importer import import_file
    from views import import_preview
    from views.render import Renderer

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        result = await import_file(db, path, dry_run=dry_run, default_year=settings.year, year=settings.year)
    except FileProblem as exc:
        print(f"{path}: {_file_problem(exc, locale)}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    r = Renderer("plain", locale)
    for line in import_preview.skipped_lines(r, result):
        print(line)
    if not result.ok:
        for error in result.errors:
            reason = import_preview.error_text(r, error)
            print(f"{error.sheet} row {error.row}: {reason}", file=sys.stderr)
        print(f"{len(result.errors)} invalid row(s); nothing was imported.", file=sys.stderr)
        return 1
    for line in import_preview.warning_lines(r, result):
        print(line)
    if dry_run:
        for line in import_preview.change_lines(r, result):
            print(line)
    for kind in ("agency", "commitment", "county_commitment", "person"):
        if kind != "county_commitment" or result.created[kind] or result.updated[kind]:
            print(
                f"{kind}: {result.created[kind]} created, {result.updated[kind]} updated, "
                f"{result.unchanged[kind]} unchanged"
            )
    if dry_run:
        print("dry run: nothing was written")
    return 0


def _template(settings: Settings, which: str, out: Path, locale: str | None) -> int:
    from handlers import templates
    from views.render import Renderer

    r = Renderer("plain", locale or settings.bot_default_locale)
    content = templates.roster(r, settings.year) if which == "roster" else templates.beneficiaries(r)
    try:
        out.write_bytes(content)
    except OSError as exc:
        print(f"{out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{out}: the {which} template ({len(content)} bytes)")
    return 0


async def _invite(settings: Settings, agency: str, role: str) -> int:
    from sqlalchemy import select

    from models.jalali import to_jalali
    from models.people import INVITE_TTL, create_invite, format_invite
    from models.schema import Agency, utcnow

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        code = await create_invite(db, role=role, agency_code=agency)
        async with db.session() as session:
            name = (await session.execute(select(Agency.name).where(Agency.code == agency))).scalar_one()
    except LookupError:
        print(f"unknown agency code '{agency}'", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    expires = (utcnow() + INVITE_TTL).astimezone(settings.tz)
    print(format_invite(code))  # alone on its line, for scripts
    print(
        f"a one-time code for a rep of {name} (code {agency}); it expires on "
        f"{to_jalali(expires.date()).strftime('%Y/%m/%d')} at {expires:%H:%M}",
        file=sys.stderr,
    )
    return 0


def parse_at(text: str, settings: Settings) -> dt.datetime:
    """A Jalali moment such as `1405-12-25 09:00` (any digit script) in the bot's time zone."""
    from models.jalali import parse_jalali
    from models.settings import parse_hhmm
    from models.textnorm import to_ascii_digits

    day_text, _, time_text = to_ascii_digits(text).strip().partition(" ")
    if day_text[:2] in ("19", "20"):
        raise ValueError("gregorian")
    day = parse_jalali(day_text, settings.year)
    clock = parse_hhmm(time_text) if time_text.strip() else dt.time(0, 0)
    return dt.datetime.combine(day, clock, tzinfo=settings.tz).astimezone(dt.UTC)


async def _reminders(settings: Settings, action: str, at: dt.datetime | None) -> int:
    from jobs import scheduler
    from jobs.sender import render_message
    from models.runtime import Runtime, system_clock

    await _upgrade(settings)
    db = Database(settings.database_url)
    clock = (lambda: at) if at else system_clock
    try:
        if action == "plan":
            total = 0
            for name in settings.platform_names:
                rt = Runtime(settings=settings, db=db, clock=clock, platform=name)
                planned = await scheduler.plan_now(rt)
                total += len(planned)
                for row in planned:
                    rendered = await render_message(
                        rt, row.recipient.account_id, row.recipient.person_id, row.kind, row.payload
                    )
                    print(
                        f"== {row.key} -> person {row.recipient.person_id} ({row.recipient.role}), "
                        f"{name} chat {row.recipient.chat_id}"
                    )
                    # Operators read it in a terminal: drop the platform markup.
                    print(
                        html.unescape(re.sub(r"</?b>", "", rendered[1])) if rendered else "(nothing to send)"
                    )
            print(
                f"{total} reminder(s) due at that moment (those already stored are not added again); "
                "nothing was sent."
            )
            return 0
        if settings.missing_tokens():
            print(
                f"{settings.missing_tokens()[0]} is not set: sending needs the bot's token.", file=sys.stderr
            )
            return EXIT_CONFIG
        from telegram import Bot
        from telegram.error import InvalidToken, NetworkError

        from bot.request import PlatformRequest

        code = 0
        for platform in settings.platforms():  # one messenger failing must not hold back the other
            rt = Runtime(settings=settings, db=db, clock=clock, platform=platform.name)
            if not db.is_sqlite:  # a running instance may be draining: this process sends only if not
                rt.lead = Lead(db, platform.name, platform.token)
            try:
                request = PlatformRequest(platform.name, connection_pool_size=64, proxy=platform.proxy)
                async with Bot(
                    platform.token,
                    base_url=platform.base_url,
                    base_file_url=platform.file_url,
                    request=request,
                ) as bot:
                    try:
                        stats = await scheduler.tick(rt, bot, wait_for_retries=True)
                        drained = rt.lead is None or rt.lead.holding
                    finally:
                        if rt.lead is not None:
                            await rt.lead.release()
            except InvalidToken:
                print(
                    f"{platform.name}: the Bot API refused the token (check it and the API URL)",
                    file=sys.stderr,
                )
                code = EXIT_CONFIG
                continue
            except NetworkError as exc:
                print(
                    f"{platform.name}: the Bot API is unreachable ({exc}); try again later", file=sys.stderr
                )
                code = code or 1
                continue
            if not drained:
                print(
                    f"{platform.name}: a running instance drains the outbox and sends what is due "
                    "(reminders of a day gone by are skipped)"
                )
                continue
            if stats.unreachable:
                print(f"{platform.name}: the Bot API became unreachable; the rest wait", file=sys.stderr)
                code = code or 1
            print(
                f"{platform.name}: sent {stats.sent}, skipped {stats.skipped}, blocked {stats.blocked}, "
                f"failed {stats.failed}"
            )
        return code
    finally:
        await db.dispose()


async def _holidays(settings: Settings, action: str, date_text: str | None, note: str) -> int:
    from models import holidays
    from models.jalali import DateError, parse_jalali, to_jalali

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        if action == "list":
            for h in await holidays.listed(db):
                mark = " (lunar: an estimate)" if h.estimated else ""
                print(f"{to_jalali(h.day).strftime('%Y/%m/%d')}  {h.note}{mark}")
            return 0
        if not date_text:
            print("a Jalali date is needed, e.g. 1405/12/25", file=sys.stderr)
            return 1
        try:
            day = parse_jalali(date_text, settings.year)
            if action == "add":
                holidays.check_in_year(day, settings.year)
        except DateError as exc:
            reasons = {
                "no_such_day": f"there is no such day as {date_text}",
                "outside_year": f"{date_text} is not in the reporting year {settings.year}",
            }
            print(
                reasons.get(exc.reason, f"'{date_text}' is not a Jalali date such as 1405/12/25"),
                file=sys.stderr,
            )
            return 1
        if action == "add":
            added = await holidays.add(db, day, note, "cli")
            print("added" if added else "already a holiday; note updated")
            return 0
        removed = await holidays.remove(db, day, "cli")
        print("removed" if removed else "not a holiday")
        return 0 if removed else 1
    finally:
        await db.dispose()


async def _export(
    settings: Settings, scope_name: str, out: Path, locale: str | None, year: int | None
) -> int:
    from models.jalali import deadline_date, local_today
    from models.schema import utcnow
    from models.stats import scope_named
    from views import workbook
    from views.render import Renderer
    from views.texts import summary_text

    if out.suffix.lower() not in (".xlsx", ".csv"):
        print(f"{out}: the output must end in .xlsx or .csv", file=sys.stderr)
        return 1
    if not out.parent.is_dir():
        print(f"{out}: the folder {out.parent} does not exist", file=sys.stderr)
        return 1
    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            scope = await scope_named(session, scope_name)
            if isinstance(scope, str):
                print(scope, file=sys.stderr)
                return 1
            now = utcnow()
            today = local_today(settings.tz, now)
            current = settings.year_at(now)
            if year is not None and year > current:
                print(f"{year} has not begun (the current reporting year is {current})", file=sys.stderr)
                return 1
            if year is not None and year < current:
                today = deadline_date(year)  # an earlier year as it closed
            year = year or current
            data = await workbook.gather(session, scope, year, today, now, settings.tz)
    finally:
        await db.dispose()
    r = Renderer("plain", locale or settings.bot_default_locale)
    title = (
        r(f"ranking.scope_{scope.kind}", name=scope.name or "")
        if scope.kind != "all"
        else r("ranking.scope_all")
    )
    if out.suffix.lower() == ".csv":
        content = workbook.build_csv(data, r)
    else:
        content = workbook.build_xlsx(data, r, summary_text(r, title, data.brief, today))
    try:
        await asyncio.to_thread(out.write_bytes, content)
    except OSError as exc:
        print(f"{out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{out}: {len(data.brief.rows)} agencies, {len(data.achievements)} achievements")
    return 0


def _machine_problem(command: str, settings: Settings) -> int | None:
    """The start-up checks (bot/checks.py): an exit code and a line on standard error, or None to go on."""
    if command in KEEPS_TIME:
        zone = timezone_problem()
        if zone is not None:
            print(f"configuration error: {zone}", file=sys.stderr)
            return EXIT_CONFIG
    if command in USES_DATABASE or (command == "run" and not settings.missing_tokens()):
        database = asyncio.run(database_problem(settings.database_url))
        if database is not None and database.permanent:
            print(f"configuration error: {database.message}", file=sys.stderr)
            return EXIT_CONFIG
        if database is not None:  # down for now (a restart, a slow boot): systemd starts the bot again
            print(f"error: {database.message}", file=sys.stderr)
            return 1
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    use_bundled_tzdata()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    _logging(settings)
    failed = _machine_problem(args.command, settings)
    if failed is not None:
        return failed
    from models import stats

    stats.use_basis(settings.ranking_basis)  # exports and reminders rank as the bot does
    if args.command == "run":
        return _run(settings)
    if args.command == "playground":
        from playground.terminal import run_playground

        return run_playground(args.platform)
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    if args.command == "import":
        if not args.file.is_file():
            print(f"{args.file}: no such file", file=sys.stderr)
            return 1
        return asyncio.run(_import(settings, args.file, args.dry_run, args.locale))
    if args.command == "invite":
        return asyncio.run(_invite(settings, args.agency, args.role))
    if args.command == "template":
        return _template(settings, args.which, args.out, args.locale)
    if args.command == "reminders":
        try:
            at = parse_at(args.at, settings) if args.at else None
        except ValueError as exc:
            hint = (
                " (that looks like a Gregorian date: write the Jalali one)" if str(exc) == "gregorian" else ""
            )
            print(
                f"--at '{args.at}' is not a Jalali moment such as \"1405-12-25 09:00\"{hint}", file=sys.stderr
            )
            return 1
        return asyncio.run(_reminders(settings, args.action, at))
    if args.command == "export":
        return asyncio.run(_export(settings, args.scope, args.out, args.locale, args.year))
    if args.command == "year":
        if args.action == "start" and args.year is None:
            print("which year? e.g. rasad-bot year start 1406", file=sys.stderr)
            return 1
        return asyncio.run(_year(settings, args.action, args.year, args.commitments))
    if args.command == "holidays":
        return asyncio.run(_holidays(settings, args.action, args.date, args.note))
    if args.command == "backup":
        return _backup(settings, args.out, args.keep)
    if args.command == "restore":
        return _restore(settings, args.file, args.yes)
    if args.command == "doctor":
        missing = _missing_sqlite(settings)
        if missing is not None:  # migrating would create an empty one and find it fine
            print(f"there is no database at {missing} (DATABASE_URL): nothing to check", file=sys.stderr)
            return 1
        return asyncio.run(_doctor(settings, args.fix))
    return 1


async def _year(settings: Settings, action: str, year: int | None, commitments: Path | None) -> int:
    from models import holidays, years
    from models.importer import import_file
    from models.jalali import local_today, to_jalali

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        if action == "status":
            async with db.session() as session:
                for y in await years.figures(session):
                    opened = f", opened {y.opened_at:%Y-%m-%d}" if y.opened_at else ""
                    print(
                        f"{y.year}: {y.committed} commitments (target {y.target}), "
                        f"{y.reports} reports ({y.jobs} jobs){opened}"
                    )
            return 0
        assert year is not None
        try:
            years.check_dates(year, local_today(settings.tz))  # before importing anything for it
            problem = None
        except years.YearProblem as exc:
            problem = exc
        if commitments is not None and problem is None:
            try:
                result = await import_file(db, commitments, actor="cli:year", default_year=year)
            except FileProblem as exc:
                print(f"{commitments}: {_file_problem(exc)}", file=sys.stderr)
                return 1
            except OSError as exc:
                print(f"{commitments}: {exc}", file=sys.stderr)
                return 1
            if not result.ok:
                for error in result.errors:
                    print(error, file=sys.stderr)
                print("nothing was imported and the year was not opened", file=sys.stderr)
                return 1
        try:
            if problem is not None:
                raise problem
            opening = await years.start(db, year, local_today(settings.tz))
            seeded = await holidays.seed(db, year, "cli:year") if settings.official_holidays else None
        except years.YearProblem as exc:
            if exc.reason == "not_begun":
                begins = to_jalali(cast(dt.date, exc.values["begins"])).strftime("%Y/%m/%d")
                print(f"{year} begins on {begins}; it cannot be opened before", file=sys.stderr)
            elif exc.reason == "over":
                print(
                    f"{year} is over (this is {exc.values['current']}); its data stays in exports (--year)",
                    file=sys.stderr,
                )
            else:
                print(
                    f"no commitment is imported for {year}: import them first "
                    f"(rasad-bot year start {year} --commitments FILE)",
                    file=sys.stderr,
                )
            return 1
    finally:
        await db.dispose()
    state = "was already open" if opening.already else "is open"
    print(f"{year} {state}: {opening.committed} agencies committed to {opening.target} jobs")
    if seeded:
        print(
            f"{seeded} official holidays of {year} are in the calendar (lunar ones are estimates: /holidays)"
        )
    if opening.without:
        shown = ", ".join(opening.without[:20]) + (" …" if len(opening.without) > 20 else "")
        print(f"{len(opening.without)} agencies have no commitment for {year}: {shown}")
    if settings.bot_year is not None and settings.bot_year != year:
        print(f"BOT_YEAR is {settings.bot_year}: set BOT_YEAR={year} (or remove it) and restart the bot")
    else:
        print("the bot reports into the year of the calendar; earlier years stay in exports (--year)")
    return 0


async def _doctor(settings: Settings, fix: bool) -> int:
    from models import doctor

    await _upgrade(settings)
    db = Database(settings.database_url)
    try:
        found = await doctor.examine(db)
        print(f"checked {found.achievements} achievements of {found.agencies} agencies")
        for (agency_id, year), name, have, want in found.totals[:50]:
            print(f"agency {agency_id}, {year}: {name} is {have}, the achievements sum to {want}")
        for (agency_id, year, day), name, have, want in found.days[:50]:
            print(
                f"agency {agency_id}, {year}, {day}: daily {name} is {have}, the achievements sum to {want}"
            )
        if found.unaudited:
            print(f"achievements not in the audit log ({len(found.unaudited)}): {found.unaudited[:20]}")
        if found.unversioned:
            print(f"achievements without their version ({len(found.unversioned)}): {found.unversioned[:20]}")
        if found.ok:
            print("totals equal the sum of achievements; every achievement is audited and versioned")
            return 0
        if fix and (found.totals or found.days):
            written = await doctor.fix_totals(db, found)
            again = await doctor.examine(db)
            print(f"totals rewritten from the achievements for {written} agency-years")
            return 0 if again.ok else 1
        if found.totals or found.days:
            print("run rasad-bot doctor --fix to rewrite the totals from the achievements")
        return 1
    finally:
        await db.dispose()


BACKUP_PROBLEMS = {
    "same_file": "the backup would overwrite the database itself: name another file",
    "no_database": "there is no database file yet (DATABASE_URL): nothing to back up",
    "in_memory": "an in-memory database cannot be backed up",
    "integrity": "the copy did not read back whole; nothing was kept (is the disk full?)",
    "no_pg_dump": "pg_dump is not installed: apt-get install postgresql-client",
    "no_pg_restore": "pg_restore is not installed: apt-get install postgresql-client",
    "no_file": "no such backup file",
    "not_backup": "the file is not a backup the bot wrote, or it is damaged; nothing was restored",
    "not_empty": "the database already holds tables: restore into a new, empty one (createdb), point "
    "DATABASE_URL to it, and run restore again",
}


def _backup(settings: Settings, out: Path, keep: int) -> int:
    from models.backup import BackupError, backup, is_postgres, named_in, rotate

    folder = out if out.suffix not in (".db", ".dump") else None
    target = named_in(folder, settings.database_url, dt.datetime.now()) if folder is not None else out
    try:
        result = backup(settings.database_url, target)
    except (BackupError, sqlite3.Error, OSError) as exc:  # or a folder it may not write to, a full disk
        print(f"backup failed: {BACKUP_PROBLEMS.get(str(exc), str(exc))}", file=sys.stderr)
        return 1
    if is_postgres(settings.database_url):
        checked = f"pg_restore reads its {len(result.tables)} tables"
    else:
        checked = ", ".join(
            f"{name} {count}" for name, count in result.tables.items() if not name.startswith("alembic")
        )
    print(f"backup written to {result.path} ({result.size} bytes; checked: {checked})")
    if keep > 0:
        removed = rotate(result.path.parent, keep)
        if removed:
            print(f"removed {len(removed)} older backup(s), keeping the {keep} newest")
    return 0


def _restore(settings: Settings, file: Path, yes: bool) -> int:
    from models.backup import BackupError, restore

    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    if "database_url" not in settings.model_fields_set:  # run elsewhere than beside .env: not a guess
        print(
            "DATABASE_URL is not set: run restore in the bot's folder, where .env names the database to "
            "restore into (cd /opt/rasad-bot), or set it",
            file=sys.stderr,
        )
        return 1
    if not yes:
        if not sys.stdin.isatty():
            print("restore asks first: run it in a terminal, or add --yes", file=sys.stderr)
            return 1
        answer = input(f"restore {file} into {shown}? type yes to go on: ")
        if answer.strip().lower() != "yes":
            print("nothing restored", file=sys.stderr)
            return 1
    try:
        restore(settings.database_url, file, asyncio.run(_tables(settings)))
    except (BackupError, OSError) as exc:
        print(f"restore failed: {BACKUP_PROBLEMS.get(str(exc), str(exc))}", file=sys.stderr)
        return 1
    asyncio.run(_upgrade(settings))  # a backup of an older version is brought up to this one
    print(f"restored {file} into {shown}; check it with: rasad-bot doctor")
    return 0


async def _tables(settings: Settings) -> int:
    """How many tables the database holds (0: empty, or an SQLite file not made yet)."""
    missing = _missing_sqlite(settings)
    if missing is not None:
        return 0
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            return len(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
