"""One-message reports through the bot: parsed, completed by questions, confirmed like /report."""

import datetime as dt

from tests.e2e.conftest import join

MARYAM = (501, "09121111111")


async def test_a_complete_line_goes_straight_to_the_summary(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("۱۲ شغل خدمات طرح توسعه گلخانه ۱۴۰۵/۹/۲ رصد ۴۰۵۱۲۰۸۷۳۳")
    text = reply.text
    assert "گزارش از پیام شما ساخته شد" in text and "خلاصهٔ گزارش" in text
    for part in ("بخش: خدمات", "تعداد شغل: ۱۲", "۱۴۰۵/۰۹/۰۲", "طرح: توسعه گلخانه", "4051208733"):
        assert part in text, part
    assert await bot.achievements() == []  # nothing before Confirm
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert (a.jobs, a.sector, a.created_on, a.title, a.rasad_registered, a.tracking_code) == (
        12,
        "services",
        dt.date(2026, 11, 23),
        "توسعه گلخانه",
        True,
        "4051208733",
    )


async def test_only_missing_fields_are_asked(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("8 نفر طرح کارگاه خیاطی")
    assert "گام ۱ از ۶" in reply.text  # the sector is missing
    reply = await rep.press("خدمات")
    assert "تاریخ ایجاد اشتغال" in reply.text  # then the date; jobs and title were understood
    reply = await rep.press("امروز")
    assert "سامانهٔ رصد" in reply.text
    reply = await rep.press("هنوز نه")
    assert "خلاصهٔ گزارش" in reply.text and "کارگاه خیاطی" in reply.text and "۸" in reply.text
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert (a.jobs, a.sector, a.title, a.rasad_registered) == (8, "services", "کارگاه خیاطی", False)


async def test_two_numbers_are_asked_about_never_guessed(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("کشاورزی طرح گلخانه 12 5 امروز ثبت نشده")
    assert "تعداد شغل** کدام است".replace("**", "") in reply.text
    assert {"۱۲", "۵"} <= set(reply.buttons)
    question = reply.last
    [five] = [data for label, data in question.inline_buttons if label == "۵"]
    reply = await rep.press("۵")
    assert "خلاصهٔ گزارش" in reply.text and "تعداد شغل: ۵" in reply.text
    reply = await rep.press_data(five, question.message_id)  # a double tap: the summary again
    assert "خلاصهٔ گزارش" in reply.text and "✅ تأیید و ثبت" in reply.buttons
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert a.jobs == 5


async def test_two_sectors_and_a_bad_date_are_flagged(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("۱۰ شغل کشاورزی صنعت طرح دام ۱۴۰۵/۱۲/۱")
    assert "دو بخش" in reply.text and "آینده" in reply.text and "گام ۱ از ۶" in reply.text


async def test_chatter_and_other_roles_are_not_reports(bot):
    rep = await join(bot, *MARYAM)
    assert "متوجه نشدم" in (await rep.send("سلام وقت بخیر")).text
    sup = await join(bot, 504, "09123333333")
    assert "متوجه نشدم" in (await sup.send("۱۲ شغل خدمات طرح الف")).text
    assert await bot.achievements() == []
