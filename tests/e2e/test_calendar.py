"""The official calendar: each reporting year's holidays seeded once (lunar ones marked as estimates),
kept as admins edit them, and reminders of the deadline day moved before it; the office week
(WEEKEND_DAYS); holiday dates checked against the reporting year."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from models.schema import Holiday
from tests.e2e.conftest import join
from tests.e2e.test_reminders import MARYAM, at, received

ADMIN = 4242


async def _admin(bot, **settings):
    await bot.restart(BOT_ADMINS=str(ADMIN), OFFICIAL_HOLIDAYS=True, **settings)
    admin = bot.user(ADMIN, "مدیر")
    await admin.send("/start")
    return admin


async def _count(bot) -> int:
    async with bot.db.session() as s:
        return (await s.execute(select(func.count()).select_from(Holiday))).scalar_one()


async def test_the_years_holidays_are_seeded_once_and_admins_keep_the_last_word(bot):
    admin = await _admin(bot)
    seeded = await _count(bot)
    assert seeded >= 20
    text = (await admin.send("/holidays")).text
    assert "۲۹ اسفند ۱۴۰۵ — روز ملی شدن صنعت نفت ایران" in text
    assert "(قمری؛ تاریخ تخمینی تا اعلام تقویم رسمی)" in text  # a lunar day
    assert "۲ دی ۱۴۰۵ — ولادت امام علی" in text
    # An admin removes a seeded day (the province announced otherwise): a restart does not bring it back.
    assert "حذف شد" in (await admin.send("/holidays remove ۱۴۰۵/۱۰/۰۲")).text
    await bot.restart()
    await bot.tick()
    assert await _count(bot) == seeded - 1
    # Adding an estimated day confirms it.
    await admin.send("/holidays add 1405/12/19")
    async with bot.db.session() as s:
        day = await s.get(Holiday, dt.date(2027, 3, 10))
    assert day is not None and day.official and not day.estimated


async def test_holiday_dates_are_checked_against_the_reporting_year(bot):
    admin = await _admin(bot)
    before = await _count(bot)
    reply = await admin.send("/holidays add 1404/12/01")
    assert "در سال گزارش‌دهی ۱۴۰۵ نیست" in reply.text and "افزوده شد" not in reply.text
    reply = await admin.send("/holidays add 1405/12/30")
    assert "در تقویم روزی با تاریخ ۱۴۰۵/۱۲/۳۰ نیست" in reply.text
    assert "شکل سال/ماه/روز" in (await admin.send("/holidays add فردا")).text
    assert await _count(bot) == before


async def test_the_deadline_day_reminder_comes_on_the_last_working_day(bot):
    await _admin(bot, WEEKEND_DAYS="friday,thursday")
    maryam = await join(bot, *MARYAM)
    # 29 Esfand 1405 is an official holiday (seeded), the 28th a Friday and the 27th a Thursday: the
    # reminders of 1 and 0 days before come together on Wednesday the 26th.
    for day in (dt.date(2027, 3, 16), dt.date(2027, 3, 17), dt.date(2027, 3, 18), dt.date(2027, 3, 20)):
        await bot.tick(at(day))
    [text] = [t for t in received(bot, maryam.chat_id, "⏰")]
    assert text.startswith("⏰ ۳ روز تا پایان مهلت")
    assert bot.clock.now == at(dt.date(2027, 3, 20))
