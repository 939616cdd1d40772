import datetime as dt

import pytest

from models.jalali import (
    DateError,
    check_report_date,
    current_jalali_year,
    deadline_at,
    deadline_date,
    local_today,
    pace_for,
    parse_jalali,
    year_start,
)


def test_deadline_is_last_day_of_esfand_with_leap_years():
    assert deadline_date(1403) == dt.date(2025, 3, 20)  # leap: 30 Esfand
    assert deadline_date(1404) == dt.date(2026, 3, 20)
    assert deadline_date(1405) == dt.date(2027, 3, 20)
    assert year_start(1405) == dt.date(2026, 3, 21)
    assert deadline_at(1405).isoformat() == "2027-03-20T23:59:00+03:30"


def test_today_is_taken_in_tehran_not_utc():
    # 21:00 UTC on 20 March 2026 is already 00:30 on 1 Farvardin 1405 in Tehran.
    now = dt.datetime(2026, 3, 20, 21, 0, tzinfo=dt.UTC)
    assert local_today(now=now) == dt.date(2026, 3, 21)
    assert current_jalali_year(now=now) == 1405


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1405/9/8", dt.date(2026, 11, 29)),
        ("۱۴۰۵/۰۹/۰۸", dt.date(2026, 11, 29)),
        ("١٤٠٥-٩-٨", dt.date(2026, 11, 29)),
        ("05/9/8", dt.date(2026, 11, 29)),
        ("9/8", dt.date(2026, 11, 29)),
        ("1405.1.1", dt.date(2026, 3, 21)),
    ],
)
def test_jalali_dates_in_any_script(typed, expected):
    assert parse_jalali(typed, 1405) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1405/13/1", "no_such_day"),
        ("1405/12/30", "no_such_day"),
        ("دیروز", "format"),
        ("1405/9", "format"),
        ("", "format"),
    ],
)
def test_bad_dates_have_reasons(typed, reason):
    with pytest.raises(DateError) as info:
        parse_jalali(typed, 1405)
    assert info.value.reason == reason


def test_report_dates_must_be_in_the_year_and_not_future():
    today = dt.date(2026, 11, 29)
    assert check_report_date(today, 1405, today) == today
    with pytest.raises(DateError, match="future"):
        check_report_date(today + dt.timedelta(days=1), 1405, today)
    with pytest.raises(DateError, match="before_year"):
        check_report_date(dt.date(2026, 3, 20), 1405, today)


def test_pace_is_linear_pro_rata():
    pace = pace_for(1405, dt.date(2026, 11, 29))  # 1405/09/08: day 254 of 365
    assert (pace.days_in_year, pace.days_elapsed, pace.days_left) == (365, 254, 111)
    assert pace.expected(1000) == 696  # 695.9 rounded up
    assert pace.is_behind(695, 1000) is True  # 695 < 695.9
    assert pace.is_behind(696, 1000) is False
    assert pace.weekly_needed(100, 1000) == 57  # 900 jobs over 112 days
    assert pace.weekly_needed(1000, 1000) == 0
    last = pace_for(1405, dt.date(2027, 3, 20))
    assert last.days_left == 0 and last.weekly_needed(0, 10) == 10
    assert pace_for(1405, dt.date(2027, 4, 1)).days_left < 0
