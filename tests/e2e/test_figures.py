"""Every figure the bot shows, checked against the rows it comes from.

One sequence through the bot as people use it (reports over six weeks, one returned then edited and
approved, one returned and left so, a 500-job report withdrawn, reports approved or pending, a report of an
earlier month), then each test reads one place the bot shows figures (ranking, /status, /agency, /summary,
the digest, a reminder, the workbook's sheets, the chart's bars) and compares every number in it with a
figure computed here, independently, from the achievement rows in the database."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field

import jdatetime
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models.schema import Achievement, Agency, Commitment, Region
from models.textnorm import to_ascii_digits
from tests.conftest import NOW, YEAR
from tests.e2e.conftest import join, last_sent, send_count, tracking_code
from tests.e2e.test_admin_chat import admin_of
from tests.e2e.test_reminders import received

pytestmark = pytest.mark.parametrize("platform", ["telegram"], indirect=True)  # figures are not per messenger

MARYAM, ALI, REZA = (501, "09121111111"), (502, "09122222222"), (503, "09125555555")
COUNTY_SUP = (504, "09123333333")
TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))
MONTHS = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
]


def num(text: str) -> int:
    return int(to_ascii_digits(text).replace("٬", "").replace(",", ""))


def percent(part: int, whole: int) -> str:
    """As the messages print it: one decimal at most, Persian digits and decimal mark."""
    if whole <= 0:
        return "—"
    value = round(part * 100 / whole, 1)
    shown = f"{value:.1f}".rstrip("0").rstrip(".")
    whole_part, _, fraction = shown.partition(".")
    grouped = f"{int(whole_part):,}".replace(",", "٬")
    return to_persian(grouped + ("٫" + fraction if fraction else "")) + "٪"


def to_persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def fa(value: int) -> str:
    return to_persian(f"{value:,}".replace(",", "٬"))


@dataclass
class Figures:
    """Per agency, from the rows: what is reported (not withdrawn), registered in Rasad, approved."""

    name: str
    code: str
    county: str
    target: int
    achieved: int = 0
    registered: int = 0
    approved: int = 0
    months: dict[int, list[int]] = field(default_factory=dict)  # Jalali month -> [jobs, registered]

    @property
    def unregistered(self) -> int:
        return self.achieved - self.registered


@dataclass
class Truth:
    agencies: dict[str, Figures]  # by code
    rows: list[Achievement]
    days_elapsed: int
    days_in_year: int
    days_left: int

    def county(self, name: str) -> list[Figures]:
        return [f for f in self.agencies.values() if f.county == name]

    def totals(self, county: str) -> tuple[int, int, int]:
        """(achieved, target, registered) of a county's agencies."""
        rows = self.county(county)
        return sum(f.achieved for f in rows), sum(f.target for f in rows), sum(f.registered for f in rows)

    def expected(self, target: int) -> int:
        return -(-target * self.days_elapsed // self.days_in_year)

    def behind(self, f: Figures) -> bool:
        return f.target > 0 and f.achieved * self.days_in_year < f.target * self.days_elapsed

    def weekly(self, f: Figures) -> int:
        remaining = max(f.target - f.achieved, 0)
        days = self.days_left + 1
        return remaining if days <= 7 or remaining == 0 else math.ceil(remaining * 7 / days)

    def new_since(self, county: str, since: dt.datetime) -> int:
        codes = {f.code for f in self.county(county)}
        return sum(
            a.jobs
            for a in self.rows
            if a.status != "withdrawn" and a.created_at >= since and self._code[a.agency_id] in codes
        )

    _code: dict[int, str] = field(default_factory=dict)


async def truth(bot) -> Truth:
    """The figures computed from the database's rows, without the bot's totals or queries."""
    async with bot.db.session() as s:
        agencies = (
            await s.execute(select(Agency.id, Agency.code, Agency.name, Region.name).join(Region))
        ).all()
        targets = dict(
            (await s.execute(select(Commitment.agency_id, Commitment.target).where(Commitment.year == YEAR)))
            .tuples()
            .all()
        )
        rows = list((await s.execute(select(Achievement).where(Achievement.year == YEAR))).scalars())
    by_id = {
        agency_id: Figures(name, code, county, targets.get(agency_id, 0))
        for agency_id, code, name, county in agencies
    }
    for a in rows:
        if a.status == "withdrawn":
            continue
        f = by_id[a.agency_id]
        registered = a.jobs if a.rasad_registered else 0
        f.achieved += a.jobs
        f.registered += registered
        f.approved += a.jobs if a.status == "approved" else 0
        month = jdatetime.date.fromgregorian(date=a.created_on).month
        f.months.setdefault(month, [0, 0])
        f.months[month][0] += a.jobs
        f.months[month][1] += registered
    today = NOW.astimezone(TEHRAN).date()
    start = jdatetime.date(YEAR, 1, 1).togregorian()
    end = jdatetime.date(YEAR + 1, 1, 1).togregorian()
    deadline = end - dt.timedelta(days=1)
    result = Truth(
        {f.code: f for f in by_id.values()},
        rows,
        (today - start).days + 1,
        (end - start).days,
        (deadline - today).days,
    )
    result._code = {agency_id: f.code for agency_id, f in by_id.items()}
    return result


async def report(user, jobs: str, *, date: str | None = None, rasad: bool = False) -> str:
    await user.send("/report")
    await user.press("خدمات")
    await send_count(user, jobs)
    if date is None:
        await user.press("امروز")
    else:
        await user.send(date)
    await user.send("طرح توسعهٔ کسب‌وکارهای خانگی")
    await user.press("رد شدن ⏭")
    if rasad:
        await user.press("بله، ثبت شده")
        await user.send(tracking_code(user))
    else:
        await user.press("هنوز نه")
    reply = await user.press("✅ تأیید و ثبت")
    assert "گزارش ثبت شد" in reply.text, reply.text
    return reply.text


@pytest.fixture
async def scene(bot):
    """Six weeks of a county's reporting, with every kind of change a report goes through."""
    maryam, ali, reza = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, *REZA)
    county = await join(bot, *COUNTY_SUP)
    bot.clock.now = NOW - dt.timedelta(days=40)
    await report(reza, "30", rasad=True)
    bot.clock.now = NOW - dt.timedelta(days=10)
    await report(maryam, "200", rasad=True)
    await county.send("/review")
    await county.press("✅ تأیید")
    bot.clock.now = NOW - dt.timedelta(days=2)
    await report(ali, "50")
    await county.send("/review")
    await county.press("↩️ بازگرداندن با دلیل")
    await county.send("تعداد با فهرست شاغلان نمی‌خواند.")
    await ali.press("✏️ ویرایش و ارسال دوباره")
    await ali.press("✏️ ویرایش")
    await ali.press("تعداد شغل")
    await ali.send("۸۰")
    await ali.press("✅ ارسال دوباره برای بررسی")
    await county.press("✅ تأیید", message=last_sent(county.chat_messages))
    await report(ali, "40")
    await county.send("/review")
    await county.press("↩️ بازگرداندن با دلیل")
    await county.send("مستندات پیوست نشده است.")
    bot.clock.now = NOW - dt.timedelta(hours=3)
    await report(maryam, "500")
    await maryam.send("/myreports")
    await maryam.press("#۵")  # the 500-job report (reports 1-4 came before)
    await maryam.press("🗑 پس گرفتن")
    assert "پس گرفته شد" in (await maryam.press("🗑 بله، پس بگیر")).text
    bot.clock.now = NOW - dt.timedelta(hours=1)
    await report(maryam, "112", rasad=True)
    await report(reza, "10", date="۱۴۰۵/۸/۱۵")
    bot.clock.now = NOW
    t = await truth(bot)
    statuses = sorted(a.status for a in t.rows)
    assert statuses == ["approved", "approved", "reported", "reported", "reported", "returned", "withdrawn"]
    return t, {"maryam": maryam, "ali": ali, "reza": reza, "county": county}


async def test_ranking_lines_and_total(bot, scene):
    t, users = scene
    text = (await users["county"].send("/ranking")).text
    mashhad = t.county("مشهد")
    lines = [line for line in text.splitlines() if re.match(r"^[۰-۹]+\. ", line)]
    assert len(lines) == len(mashhad)
    ordered = sorted(mashhad, key=lambda f: (-f.achieved / f.target, -f.registered, f.name))
    for line, f in zip(lines, ordered, strict=True):
        share = f"{fa(f.achieved)}/{fa(f.target)} ({percent(f.achieved, f.target)})"
        expected = f"{f.name} — {share} · رصد {fa(f.registered)}"
        assert expected in line, (line, expected)
        assert ("⚠️" in line or "🔴" in line) == t.behind(f), line
        if any(a.status == "approved" for a in t.rows):
            assert f"تأییدشده {fa(f.approved)}، تأییدنشده {fa(f.achieved - f.approved)}" in line, line
    achieved, target, registered = t.totals("مشهد")
    total = (
        f"جمع: {fa(achieved)} از {fa(target)} ({percent(achieved, target)}) — ثبت در رصد: {fa(registered)}"
    )
    assert total in text


async def test_status_of_each_rep(bot, scene):
    t, users = scene
    for user, code in ((users["maryam"], "101"), (users["ali"], "102"), (users["reza"], "201")):
        f = t.agencies[code]
        text = (await user.send("/status")).text
        assert f"تعهد اشتغال: {fa(f.target)}" in text
        assert f"محقق‌شده: {fa(f.achieved)} ({percent(f.achieved, f.target)})" in text, text
        assert f"ثبت‌شده در رصد: {fa(f.registered)} — ثبت‌نشده: {fa(f.unregistered)}" in text
        assert f"(۲۹ اسفند ۱۴۰۵): {fa(t.days_left)}" in text
        assert f"هفته‌ای {fa(t.weekly(f))} شغل" in text
        if t.behind(f):
            assert f"انتظار تا امروز: {fa(t.expected(f.target))}" in text


async def test_agency_card_and_its_months(bot, scene):
    t, users = scene
    for code in ("101", "102", "103"):
        f = t.agencies[code]
        text = (await users["county"].send(f"/agency {code}")).text
        assert f"تعهد: {fa(f.target)} — محقق: {fa(f.achieved)} ({percent(f.achieved, f.target)})" in text
        assert f"ثبت در رصد: {fa(f.registered)} — ثبت‌نشده: {fa(f.unregistered)}" in text
        for month, (jobs, registered) in f.months.items():
            assert f"{MONTHS[month - 1]}: {fa(jobs)} / {fa(registered)}" in text, (code, month, text)
        shown = re.findall(r"^(\S+): [۰-۹٬]+ / [۰-۹٬]+$", text, re.M)
        assert sorted(shown) == sorted(MONTHS[m - 1] for m in f.months)


async def test_summary_brief(bot, scene):
    t, users = scene
    text = (await users["county"].send("/summary")).text
    mashhad = t.county("مشهد")
    achieved, target, registered = t.totals("مشهد")
    assert (
        f"تعهد {fa(target)} شغل؛ محقق {fa(achieved)} ({percent(achieved, target)}); "
        f"ثبت در رصد {fa(registered)} ({percent(registered, target)})".replace("; ", "؛ ")
    ) in text
    week = t.new_since("مشهد", NOW - dt.timedelta(days=7))
    assert f"در هفتهٔ گذشته {fa(week)} شغل تازه گزارش شد" in text  # the withdrawn 500 is not in it
    behind = [f for f in mashhad if t.behind(f)]
    assert f"{fa(len(behind))} از {fa(len(mashhad))} دستگاه از آهنگ موردانتظار عقب‌اند" in text
    for f in behind:
        share = f"{fa(f.achieved)}/{fa(f.target)} ({percent(f.achieved, f.target)})"
        assert f"{f.name} — {share}؛ فاصله {fa(f.target - f.achieved)} شغل" in text
    for f in mashhad:
        assert (f"• {f.name} — {fa(f.unregistered)} شغل" in text) == (f.unregistered > 0), f.name


async def test_daily_digest(bot, scene):
    t, users = scene
    text = (await users["county"].send("/digest")).text
    mashhad = t.county("مشهد")
    achieved, target, registered = t.totals("مشهد")
    assert (
        f"جمع: {fa(achieved)} از {fa(target)} ({percent(achieved, target)}) — ثبت در رصد: {fa(registered)}"
        in text
    )
    day = t.new_since("مشهد", NOW - dt.timedelta(hours=24))
    assert f"در ۲۴ ساعت گذشته: {fa(day)} شغل تازه گزارش شد" in text
    behind = [f for f in mashhad if t.behind(f)]
    assert f"عقب‌تر از آهنگ موردانتظار ({fa(len(behind))} دستگاه)" in text
    for f in behind:
        assert f"• {f.name} — {fa(f.achieved)}/{fa(f.target)} ({percent(f.achieved, f.target)})" in text
    unregistered = sum(f.unregistered for f in mashhad)
    assert f"ایجادشده ولی ثبت‌نشده در رصد: {fa(unregistered)} شغل" in text


async def test_a_reminder_carries_each_agencys_figures(bot, scene):
    t, users = scene
    admin = await admin_of(bot)
    await admin.send("/remind_now")
    await admin.press("۷ روز مانده")
    await bot.tick()
    for key, code in (("maryam", "101"), ("ali", "102"), ("reza", "201")):
        f = t.agencies[code]
        [text] = received(bot, users[key].chat_id, "⏰")
        assert f"{fa(f.achieved)} از {fa(f.target)} ({percent(f.achieved, f.target)})" in text, text
        if f.unregistered:
            assert f"ثبت در رصد: {fa(f.registered)} از {fa(f.achieved)} — {fa(f.unregistered)} شغل" in text
        else:
            assert f"همهٔ {fa(f.achieved)} شغل گزارش‌شده در رصد ثبت شده است" in text
        assert f"هفته‌ای {fa(t.weekly(f))} شغل" in text


async def test_workbook_sheets_sum_to_the_figures(bot, scene):
    t, users = scene
    [document] = [m for m in await users["county"].send("/export") if m.kind == "document"]
    wb = load_workbook(io.BytesIO(document.document["content"]))
    mashhad = {f.code: f for f in t.county("مشهد")}
    header = [c.value for c in wb["ranking"][1]]
    col = {name: header.index(name) for name in header}
    for row in wb["ranking"].iter_rows(min_row=2, values_only=True):
        f = mashhad[row[1]]
        assert (row[col["تعهد"]], row[col["محقق"]]) == (f.target, f.achieved), row
    agencies = {row[0]: row for row in wb["agencies"].iter_rows(min_row=2, values_only=True)}
    assert {code: (row[3], row[4], row[5]) for code, row in agencies.items()} == {
        code: (f.target, f.achieved, f.registered) for code, f in mashhad.items()
    }
    jobs_column = [c.value for c in wb["achievements"][1]].index("تعداد شغل")
    kept = [row for row in wb["achievements"].iter_rows(min_row=2, values_only=True)]
    assert sum(row[jobs_column] for row in kept) == sum(f.achieved for f in mashhad.values())
    withdrawn = [row for row in wb["withdrawn"].iter_rows(min_row=2, values_only=True)]
    expected = [a.jobs for a in t.rows if a.status == "withdrawn" and t._code[a.agency_id] in mashhad]
    assert [row[jobs_column] for row in withdrawn] == expected
    brief = "\n".join(str(row[0]) for row in wb["summary"].iter_rows(min_row=2, values_only=True))
    week = t.new_since("مشهد", NOW - dt.timedelta(days=7))
    assert f"در هفتهٔ گذشته {fa(week)} شغل تازه گزارش شد" in brief


async def test_chart_bars_are_drawn_from_the_figures(bot, scene, monkeypatch):
    from views import charts

    t, users = scene
    drawn: dict[str, object] = {}
    bars, line = charts.ranking_bars, charts.cumulative_line

    def spy_bars(r, title, rows, pace):
        drawn["bars"] = {row.name: (row.achieved, row.target) for row in rows}
        return bars(r, title, rows, pace)

    def spy_line(r, title, monthly, target, months_done):
        drawn["line"] = (list(monthly), target)
        return line(r, title, monthly, target, months_done)

    monkeypatch.setattr(charts, "ranking_bars", spy_bars)
    monkeypatch.setattr(charts, "cumulative_line", spy_line)
    reply = await users["county"].send("/chart")
    assert len([m for m in reply if m.kind == "photo"]) == 2
    mashhad = t.county("مشهد")
    assert drawn["bars"] == {f.name: (f.achieved, f.target) for f in mashhad}
    monthly, target = drawn["line"]
    assert target == sum(f.target for f in mashhad)
    by_month = [sum(f.months.get(m, [0])[0] for f in mashhad) for m in range(1, 13)]
    assert monthly[: len(by_month)] == by_month
