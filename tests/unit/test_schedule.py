import datetime as dt

import jdatetime

from models.jalali import deadline_date
from models.schedule import is_working_day, milestones, previous_working_day


def test_deadline_is_esfand_29_or_30_for_every_year_1400_to_1430():
    for year in range(1400, 1431):
        last = jdatetime.date.fromgregorian(date=deadline_date(year))
        assert (last.year, last.month) == (year, 12)
        assert last.day == (30 if jdatetime.date(year, 1, 1).isleap() else 29), year
        assert deadline_date(year) + dt.timedelta(days=1) == jdatetime.date(year + 1, 1, 1).togregorian()


def test_fridays_and_holidays_move_a_milestone_to_the_previous_working_day():
    # 1405/12/29 (2027-03-20) is the deadline; 1405/12/28 is a Friday.
    deadline = deadline_date(1405)
    assert deadline.weekday() == 5  # a Saturday
    by_days = {m.days_before: m.send_on for m in milestones(1405, (7, 3, 1, 0), set())}
    assert by_days[1] == dt.date(2027, 3, 18)  # Friday the 28th -> Thursday the 27th
    assert by_days[0] == deadline
    holiday = {deadline}  # 29 Esfand itself is an official holiday
    assert {m.days_before: m.send_on for m in milestones(1405, (0,), holiday)}[0] == dt.date(2027, 3, 18)
    assert not is_working_day(dt.date(2027, 3, 19), set()) and is_working_day(dt.date(2027, 3, 18), set())
    assert previous_working_day(dt.date(2027, 3, 19), {dt.date(2027, 3, 18)}) == dt.date(2027, 3, 17)


def test_leap_year_milestones():
    # 1403 is leap: the deadline is 1403/12/30 = 2025-03-20 (a Thursday).
    sends = {m.days_before: m.send_on for m in milestones(1403, (60, 0), set())}
    assert sends[0] == dt.date(2025, 3, 20)
    assert sends[60] == dt.date(2025, 1, 19)


def test_the_official_calendar_of_a_year_marks_lunar_days_as_estimates():
    from models.holidays import official_days

    days = {d.day: d for d in official_days(1405)}
    start, end = dt.date(2026, 3, 21), dt.date(2027, 3, 20)
    assert all(start <= day <= end for day in days)
    nowruz, oil = days[dt.date(2026, 3, 21)], days[dt.date(2027, 3, 20)]  # 1 Farvardin, 29 Esfand
    assert "نوروز" in nowruz.note and not nowruz.estimated
    assert "نفت" in oil.note and not oil.estimated
    ashura = next(d for d in days.values() if "عاشورا" in d.note)
    assert ashura.estimated  # lunar: the official calendar announces it each year
    assert all("تخمینی" not in d.note for d in days.values())  # said by the mark, not in the name
    solar = [d for d in days.values() if not d.estimated]
    assert len(solar) == 10  # 1-4, 12, 13 Farvardin; 14, 15 Khordad; 22 Bahman; 29 Esfand


def test_a_thursday_weekend_moves_milestones_further_back():
    from models.schedule import WEEKDAYS

    weekend = frozenset({WEEKDAYS["thursday"], WEEKDAYS["friday"]})
    deadline = deadline_date(1405)  # Saturday 1405/12/29, an official holiday
    by_days = {m.days_before: m.send_on for m in milestones(1405, (1, 0), {deadline}, weekend)}
    assert by_days == {1: dt.date(2027, 3, 17), 0: dt.date(2027, 3, 17)}  # Wednesday the 26th
    assert not is_working_day(dt.date(2027, 3, 18), set(), weekend)
