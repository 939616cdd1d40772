"""Deadline reminders, nudges and digests, stepped through the year with the clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import holidays
from models.schema import Outbox
from tests.e2e.conftest import join
from tests.e2e.test_status_ranking import file_report

TEHRAN = ZoneInfo("Asia/Tehran")
MARYAM, ALI, REZA = (501, "09121111111"), (502, "09122222222"), (503, "09125555555")
COUNTY_SUP = (504, "09123333333")


def at(day: dt.date, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TEHRAN).astimezone(dt.UTC)


def received(bot, chat_id: int, marker: str) -> list[str]:
    return [
        m.plain for m in bot.api.outbox if m.chat_id == chat_id and m.kind == "message" and marker in m.plain
    ]


# A year of ticks is the calendar's test; the other reminder tests cover the queries on PostgreSQL.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_year_of_milestones_on_working_days_with_a_holiday(bot):
    maryam = await join(bot, *MARYAM)
    await holidays.add(bot.db, dt.date(2027, 3, 20), "۲۹ اسفند", "test")
    dates_sent: list[dt.date] = []
    day = dt.date(2026, 3, 21)  # 1405/01/01
    while day <= dt.date(2027, 3, 22):
        before = len(received(bot, maryam.chat_id, "⏰"))
        await bot.tick(at(day))
        after = received(bot, maryam.chat_id, "⏰")
        if len(after) > before:
            await bot.tick(at(day, 18, 0))  # a second tick the same day plans nothing new
            after = received(bot, maryam.chat_id, "⏰")
        dates_sent += [day] * (len(after) - before)
        day += dt.timedelta(days=1)
    # 60, 30, 14, 7, 3 days before 1405/12/29; 1 day before is a Friday and the deadline is a holiday:
    # both fold onto Thursday 1405/12/27.
    assert dates_sent == [
        dt.date(2027, 1, 19),
        dt.date(2027, 2, 18),
        dt.date(2027, 3, 6),
        dt.date(2027, 3, 13),
        dt.date(2027, 3, 17),
        dt.date(2027, 3, 18),
    ]
    texts = received(bot, maryam.chat_id, "⏰")
    assert texts[0].startswith("⏰ ۶۰ روز تا پایان مهلت ثبت در سامانهٔ رصد (۲۹ اسفند ۱۴۰۵)")
    assert texts[-1].startswith("⏰ ۲ روز تا پایان مهلت")
    async with bot.db.session() as s:
        keys = (
            await s.execute(select(Outbox.account_id, Outbox.key).where(Outbox.kind == "milestone"))
        ).all()
    assert len(keys) == len(set(keys)) == 6


async def test_leap_year_deadline_day_reminder(bot):
    await bot.restart(BOT_YEAR=1403)
    maryam = await join(bot, *MARYAM)
    bot.clock.now = at(dt.date(2025, 3, 20))
    await bot.tick()
    [text] = received(bot, maryam.chat_id, "⏰")
    assert "امروز آخرین روز" in text and "۳۰ اسفند ۱۴۰۳" in text


async def test_personal_content_for_behind_on_pace_and_silent_agencies(bot):
    maryam, ali, reza = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, *REZA)
    sup = await join(bot, *COUNTY_SUP)
    await file_report(maryam, "100", rasad=True)
    await file_report(maryam, "20")
    await file_report(ali, "295", rasad=True)
    await bot.tick(at(dt.date(2027, 3, 13)))  # 7 days before; day 358 of 365
    [m] = received(bot, maryam.chat_id, "⏰")
    assert "⏰ ۷ روز تا پایان مهلت" in m
    assert "⚠️ جهاد کشاورزی مشهد از آهنگ موردانتظار عقب است: ۱۲۰ از ۵۰۰ (۲۴٪)؛ انتظار تا امروز: ۴۹۱." in m
    assert "ثبت در رصد: ۱۰۰ از ۱۲۰ — ۲۰ شغل هنوز در سامانه ثبت نشده است." in m
    assert "هفته‌ای ۳۳۳ شغل" in m  # 380 left over 8 days including today
    [a] = received(bot, ali.chat_id, "⏰")
    assert "✅ بانک کشاورزی مشهد مطابق آهنگ پیش می‌رود: ۲۹۵ از ۳۰۰" in a and "همهٔ ۲۹۵ شغل" in a
    [z] = received(bot, reza.chat_id, "⏰")
    assert "هنوز هیچ اشتغالی گزارش نکرده است. تعهد امسال: ۴۰۰ شغل" in z
    [s] = received(bot, sup.chat_id, "⏰")
    assert "شهرستان مشهد: ۴۱۵ از ۱٬۰۰۰ (۴۱٫۵٪)" in s and "۲ از ۳ دستگاه" in s


async def test_nudges_weekly_then_daily_and_muting(bot):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    await file_report(ali, "300", rasad=True)  # done: no nudges for Ali
    reply = await maryam.send("/settings")
    assert "یادآوری‌های هفتگی: روشن" in reply.text
    day, nudges = dt.date(2027, 2, 20), []  # 1405/12/01, a Saturday
    while day <= dt.date(2027, 3, 20):
        before = len(received(bot, maryam.chat_id, "🔔"))
        await bot.tick(at(day))
        nudges += [day] * (len(received(bot, maryam.chat_id, "🔔")) - before)
        day += dt.timedelta(days=1)
    weekly = [dt.date(2027, 2, 20), dt.date(2027, 2, 27)]  # Saturdays; 6 and 13 March are milestone days
    daily = [
        dt.date(2027, 3, d) for d in (10, 11, 12, 14, 15, 16, 19 - 0)
    ]  # last 10 days, working, no milestone
    daily = [d for d in daily if d.weekday() != 4]
    assert nudges == weekly + daily
    assert received(bot, ali.chat_id, "🔔") == []
    assert "یادآوری روزانه" in received(bot, maryam.chat_id, "🔔")[-1]
    # Muted: no nudges, no early milestones; the last-week milestones still arrive.
    await maryam.press("🔕 خاموش کردن یادآوری هفتگی")
    assert "خاموش" in (await maryam.send("/settings")).text
    await bot.restart(BOT_YEAR=1406)
    count = len(received(bot, maryam.chat_id, "⏰")) + len(received(bot, maryam.chat_id, "🔔"))
    # 1406: d60 on 2028-01-19, d14 on 03-05 (muted away), a Saturday nudge on 03-11 (muted), d7 on 03-12.
    for day in (dt.date(2028, 1, 19), dt.date(2028, 3, 5), dt.date(2028, 3, 11), dt.date(2028, 3, 12)):
        await bot.tick(at(day))
    got = received(bot, maryam.chat_id, "⏰")[-1:] + received(bot, maryam.chat_id, "🔔")
    assert len(received(bot, maryam.chat_id, "⏰")) + len(received(bot, maryam.chat_id, "🔔")) == count + 1
    assert "۷ روز تا پایان مهلت" in got[0]


async def test_admin_edits_holidays_in_chat_and_reminds_now(bot):
    await bot.restart(BOT_ADMINS="9000")
    admin = bot.user(9000, "Admin")
    maryam = await join(bot, *MARYAM)
    assert "افزوده شد" in (await admin.send("/holidays add ۱۴۰۵/۱۲/۲۵ تعطیلی ویژه")).text
    listing = (await admin.send("/holidays")).text
    assert "۲۵ اسفند ۱۴۰۵ — تعطیلی ویژه" in listing
    assert "شکل سال/ماه/روز" in (await admin.send("/holidays add فردا")).text
    assert "حذف شد" in (await admin.send("/holidays remove 1405/12/25")).text
    assert "ثبت نشده بود" in (await admin.send("/holidays remove 1405/12/25")).text
    assert "برای نقش شما" in (await maryam.send("/holidays")).text
    assert "برای نقش شما" in (await maryam.send("/remind_now")).text
    await admin.send("/remind_now")
    reply = await admin.press("۷ روز مانده")
    assert "در صف ارسال" in reply.text
    await bot.tick()
    assert len(received(bot, maryam.chat_id, "⏰")) == 1
    await admin.send("/remind_now")
    assert "پیش‌تر دریافت کرده‌اند" in (await admin.press("۷ روز مانده")).text
    await maryam.press_data("rn|7", 1)
    assert "برای نقش شما" in bot.api.outbox[-1].plain
