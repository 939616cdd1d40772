"""Jalali calendar rules: the reporting year, its deadline, typed dates, and the pace of progress."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jdatetime

from models.textnorm import strip_invisible, to_ascii_digits

TEHRAN = ZoneInfo("Asia/Tehran")


def current_jalali_year(tz: ZoneInfo = TEHRAN, now: dt.datetime | None = None) -> int:
    return jdatetime.date.fromgregorian(date=local_today(tz, now)).year


def local_today(tz: ZoneInfo = TEHRAN, now: dt.datetime | None = None) -> dt.date:
    """Today in the bot's time zone, never the host's."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(tz).date()


def year_start(year: int) -> dt.date:
    return jdatetime.date(year, 1, 1).togregorian()


def deadline_date(year: int) -> dt.date:
    """The last day of Esfand: 29th, or 30th in a leap year."""
    return (jdatetime.date(year + 1, 1, 1) - jdatetime.timedelta(days=1)).togregorian()


def deadline_at(year: int, tz: ZoneInfo = TEHRAN) -> dt.datetime:
    return dt.datetime.combine(deadline_date(year), dt.time(23, 59), tzinfo=tz)


def to_jalali(day: dt.date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def jalali_text(day: dt.date) -> str:
    """1405/09/08: the Jalali date in Latin digits (files and data; the renderer localises for chat)."""
    j = to_jalali(day)
    return f"{j.year}/{j.month:02d}/{j.day:02d}"


class DateError(ValueError):
    """Why a typed date was refused: `format`, `no_such_day`, `future` or `before_year`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_DATE_RE = re.compile(r"^(?:(\d{2}|\d{4})[/\-.])?(\d{1,2})[/\-.](\d{1,2})$")


def parse_jalali(text: str, year: int) -> dt.date:
    """`1405/9/8`, `05/9/8` or `9/8` (in the reporting year), any digit script; returns a Gregorian date."""
    raw = re.sub(r"\s+", "", to_ascii_digits(strip_invisible(text)))
    match = _DATE_RE.match(raw)
    if not match:
        raise DateError("format")
    y_txt, m_txt, d_txt = match.groups()
    y = year if y_txt is None else int(y_txt) + (1400 if len(y_txt) == 2 else 0)
    if not 1300 <= y <= 1500:  # 2027/03/10 is a Gregorian date, never the Jalali year 2027
        raise DateError("format")
    try:
        return jdatetime.date(y, int(m_txt), int(d_txt)).togregorian()
    except ValueError:
        raise DateError("no_such_day") from None


def check_report_date(day: dt.date, year: int, today: dt.date) -> dt.date:
    """A job's creation date: inside the reporting year and not in the future."""
    if day > today:
        raise DateError("future")
    if day < year_start(year):
        raise DateError("before_year")
    if day > deadline_date(year):
        raise DateError("future")
    return day


@dataclass(frozen=True)
class Pace:
    """Where an agency stands against the linear pro-rata path of its target."""

    days_in_year: int
    days_elapsed: int  # including today, capped to the year
    days_left: int  # until the deadline day; 0 on the deadline day, negative after it

    def expected(self, target: int) -> int:
        """Jobs due by today, rounded up: behind <=> achieved < expected."""
        return -(-target * self.days_elapsed // self.days_in_year)

    def is_behind(self, achieved: int, target: int) -> bool:
        # Integers only: achieved / target < elapsed / days_in_year.
        return target > 0 and achieved * self.days_in_year < target * self.days_elapsed

    def weekly_needed(self, achieved: int, target: int) -> int:
        remaining = max(target - achieved, 0)
        if remaining == 0:
            return 0
        days = self.days_left + 1  # today still counts
        if days <= 7:
            return remaining
        return math.ceil(remaining * 7 / days)


def pace_for(year: int, today: dt.date) -> Pace:
    start, end = year_start(year), deadline_date(year)
    days_in_year = (end - start).days + 1
    elapsed = min(max((today - start).days + 1, 0), days_in_year)
    return Pace(days_in_year=days_in_year, days_elapsed=elapsed, days_left=(end - today).days)
