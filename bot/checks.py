"""Start-up checks of the machine the bot runs on, each naming its fix."""

from __future__ import annotations

import datetime as dt
import importlib.util
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from models.backup import is_postgres

IRAN = "Asia/Tehran"
IRAN_OFFSET = dt.timedelta(hours=3, minutes=30)  # all year since 2022, when Iran dropped daylight saving


def use_bundled_tzdata() -> None:
    """Read time zones from the tzdata package installed with the bot (pinned in the lock), not from the
    system, whose data on an old server still moves Iran's clocks for summer. Without the package, the
    system's (timezone_problem then says whether it will do)."""
    if importlib.util.find_spec("tzdata") is not None:
        zoneinfo.reset_tzpath([])
        ZoneInfo.clear_cache()


def timezone_problem(zone: Callable[[str], dt.tzinfo] = ZoneInfo, year: int | None = None) -> str | None:
    """Old time-zone data still moves Iran's clocks to +04:30 from Farvardin to Shahrivar: every reminder
    and "today" would be an hour off for half the year. None when Asia/Tehran is +03:30 in January and in
    July."""
    year = year or dt.datetime.now(dt.UTC).year
    tehran = zone(IRAN)
    for month in (1, 7):
        offset = dt.datetime(year, month, 15, 12, tzinfo=tehran).utcoffset()
        if offset != IRAN_OFFSET:
            shown = f"UTC{'+' if offset and offset >= dt.timedelta(0) else '-'}{_hhmm(offset)}"
            return (
                f"this machine's time-zone data puts {IRAN} at {shown} on {year}-{month:02d}-15, not "
                "UTC+03:30: it predates Iran's end of daylight saving (2022), and every reminder would be an "
                "hour off. Fix: install the bot again from its lock file (make install), which brings a "
                "current tzdata package, or upgrade the system's: sudo apt-get install --only-upgrade tzdata"
            )
    return None


def _hhmm(offset: dt.timedelta | None) -> str:
    minutes = abs(int((offset or dt.timedelta(0)).total_seconds())) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# What only the operator can fix (a wrong password, a role or database that does not exist): exit 2, not
# restarted. Anything else (refused, timed out, starting up) passes: systemd tries again.
_PERMANENT = {"InvalidPasswordError", "InvalidAuthorizationSpecificationError", "InvalidCatalogNameError"}


@dataclass(frozen=True)
class DatabaseProblem:
    message: str
    permanent: bool


async def database_problem(url: str) -> DatabaseProblem | None:
    """A PostgreSQL database that cannot be used, in one line with what to check; None when it answers.
    SQLite needs no check: its file is made where it is missing."""
    if not is_postgres(url):
        return None
    engine = create_async_engine(url, connect_args={"timeout": 10})
    try:
        async with engine.connect() as connection:
            await connection.execute(text("select 1"))
    except Exception as exc:  # refused, unknown host, wrong password, no such database: all one line
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        message = (
            f"the database {shown} (DATABASE_URL) cannot be used: {reason}. Is PostgreSQL running there, "
            "and do its user, password and database exist (docs/operations.md, PostgreSQL)?"
        )
        return DatabaseProblem(message, bool(_causes(exc) & _PERMANENT))
    finally:
        await engine.dispose()
    return None


def _causes(exc: BaseException) -> set[str]:
    """The names of an exception and of those it was raised from (the driver's, under SQLAlchemy's)."""
    names: set[str] = set()
    seen: BaseException | None = exc
    while seen is not None and len(names) < 10:
        names.add(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return names
