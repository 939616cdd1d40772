"""Hostile texts: long runs of markup characters, control characters, invisible titles, numbers of
thousands of digits, names that look like math. Each answered clearly; what is stored is clean."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select, text

from models.schema import Obstacle, ObstacleMessage
from tests.e2e.conftest import join
from tests.e2e.test_obstacles import COUNTY_SUP, MARYAM

GENERIC = "متأسفانه خطایی پیش آمد"


async def test_an_obstacle_of_markup_characters_is_shown_whole_to_everyone(bot):
    rep, county = await join(bot, *MARYAM), await join(bot, *COUNTY_SUP)
    await rep.send("/obstacle")
    await rep.press("💰 تأمین مالی")
    await rep.send("مانع " + "<" * 1995)
    await rep.press("رد شدن ⏭")
    reply = await rep.send("کمک " + "&" * 996)
    assert "خلاصهٔ مانع" in reply.text and GENERIC not in reply.text  # the summary arrives, in parts
    assert reply.text.count("<") >= 1995
    await rep.press("✅ تأیید و ارسال به فرمانداری")
    await county.press("💬 پاسخ")
    reply = await county.send("پاسخ " + "&" * 1995)
    assert "ثبت و فرستاده شد" in reply.text
    for person in (rep, county):
        reply = await person.send("/obstacles")
        reply = await person.press("#۱")
        assert GENERIC not in reply.text and reply.text.count("&") >= 1995 + 996, person.user_id
    async with bot.db.session() as s:
        obstacle = (await s.execute(select(Obstacle))).scalar_one()
        assert obstacle.description == "مانع " + "<" * 1995
        assert (await s.execute(select(ObstacleMessage.body))).scalar_one() == "پاسخ " + "&" * 1995


async def test_control_characters_and_invisible_titles_never_reach_the_database(bot):
    rep = await join(bot, *MARYAM)
    await rep.send("/report")
    await rep.press("خدمات")
    assert "حداکثر ۱۰۰٬۰۰۰" in (await rep.send("1" * 5000)).text  # a reason, not the generic error
    await rep.send("۱۲")
    await rep.press("امروز")
    reply = await rep.send("\u200b\u200b\u200b")
    assert "دست‌کم" in reply.text and GENERIC not in reply.text  # three zero-width spaces are no title
    reply = await rep.send("طرح\x00 گلخانه\x07 شماره\x1b ۲")
    assert GENERIC not in reply.text
    await rep.press("رد شدن ⏭")
    await rep.press("هنوز نه")
    reply = await rep.press("✅ تأیید و ثبت")
    assert "گزارش ثبت شد" in reply.text
    [achievement] = await bot.achievements()
    assert achievement.title == "طرح گلخانه شماره ۲"


async def test_a_control_character_already_stored_cannot_break_the_workbook_or_the_chart(bot):
    county = await join(bot, *COUNTY_SUP)
    async with bot.db.session() as s:  # as an older release, or a hand edit, may have left them
        await s.execute(
            text("UPDATE agencies SET name = :n WHERE code = '101'"), {"n": "جهاد $x^2$ \x01 مشهد"}
        )
        await s.commit()
    reply = await county.send("/export")
    [document] = [m for m in reply if m.kind == "document"]
    workbook = load_workbook(io.BytesIO(document.document["content"]))
    names = [c.value for row in workbook["ranking"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "جهاد $x^2$  مشهد" in names or "جهاد $x^2$ مشهد" in names
    reply = await county.send("/chart")
    assert [m for m in reply if m.kind == "photo"] and GENERIC not in reply.text
    assert "جهاد $x^2$" in (await county.send("/ranking")).text
