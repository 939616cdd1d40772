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


# Issue 19: one-line reports keep what the rep wrote, and understand what reps say.
TODAY, YESTERDAY = dt.date(2026, 11, 29), dt.date(2026, 11, 28)  # 1405/09/08 and 09/07
ALI = (502, "09122222222")  # rep of another agency (Bank Keshavarzi, 300)


async def _answer_until_saved(rep, reply, answers: dict[str, str]) -> None:
    """Press what each question asks for (by a word of its text) until the summary, then Confirm."""
    for _ in range(8):
        if "خلاصهٔ گزارش" in reply.text:
            break
        asked = next(word for word in answers if word in reply.text.split("---")[-1])
        label = answers[asked]
        reply = await (rep.press(label) if label in reply.buttons else rep.send(label))
    reply = await rep.press("✅ تأیید و ثبت")
    assert "گزارش ثبت شد" in reply.text, reply.text


ASKED = {
    "کدام بخش": "خدمات",
    "تاریخ ایجاد": "امروز",
    "عنوان طرح": "کارگاه نمونه",
    "سامانهٔ رصد": "هنوز نه",
    "کدام است": "۲۰",
}


async def test_each_kind_of_line_is_saved_as_written(bot):
    rep = await join(bot, *MARYAM)
    lines = {
        "۱۵ نفر پروژه مجتمع خدمات رفاهی بین راهی دیروز": (
            15,
            "services",
            YESTERDAY,
            "مجتمع خدمات رفاهی بین راهی",
        ),
        "۱۰ شغل صنعت طرح فاز ۲ شهرک صنعتی امروز": (10, "industry", TODAY, "فاز ۲ شهرک صنعتی"),
        "۲۰ و ۳۰ شغل صنعت کارگاه مبل": (20, "industry", TODAY, "کارگاه مبل"),
        "۱۲ شغل ایجاد شد": (12, "services", TODAY, "کارگاه نمونه"),
        "دوازده نفر کشاورزی طرح گلخانه ۷ آذر ثبت نشده": (12, "agriculture", YESTERDAY, "گلخانه"),
        "برای ۹ نفر شغل ایجاد شد در بخش خدمات طرح نانوایی «برکت» پریروز": (
            9,
            "services",
            dt.date(2026, 11, 27),
            "نانوایی «برکت»",
        ),
    }
    for line in lines:
        reply = await rep.send(line)
        assert "گزارش از پیام شما ساخته شد" in reply.text, line
        await _answer_until_saved(rep, reply, ASKED)
    saved = [(a.jobs, a.sector, a.created_on, a.title) for a in await bot.achievements()]
    assert saved == list(lines.values())


async def test_the_year_taken_for_a_month_name_is_said(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("۳ شغل خدمات طرح آرایشگاه هشتم آذر ثبت نشده")
    assert "تاریخ ایجاد: ۱۴۰۵/۰۹/۰۸" in reply.text and "سال ۱۴۰۵ در نظر گرفته شد" in reply.text
    reply = await rep.send("/report")  # the guided report takes the same words at its date step
    await rep.press("شروع از نو")
    await rep.press("خدمات")
    await rep.send("دوازده نفر")
    reply = await rep.send("۷ آذر")
    assert "گام ۴ از ۶" in reply.text
    await rep.send("طرح آرایشگاه")
    await rep.press("رد شدن ⏭")
    reply = await rep.press("هنوز نه")
    assert "تعداد شغل: ۱۲" in reply.text and "۱۴۰۵/۰۹/۰۷" in reply.text and "سال ۱۴۰۵" in reply.text


async def test_a_title_read_from_pieces_is_shown_to_be_confirmed(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("۵ شغل کارگاه خیاطی امروز بخش خدمات سرمایه گذاری خصوصی ثبت نشده")
    assert "عنوان طرح را «کارگاه خیاطی» تشخیص دادم" in reply.text and "✅ همین عنوان" in reply.buttons
    reply = await rep.send("کارگاه خیاطی بانوان")  # or typed
    assert "طرح: کارگاه خیاطی بانوان" in reply.text
    await rep.press("✅ تأیید و ثبت")
    reply = await rep.send("۴ شغل کارگاه مبل امروز بخش صنعت سرمایه گذاری خصوصی ثبت نشده")
    reply = await rep.press("✅ همین عنوان")
    assert "طرح: کارگاه مبل" in reply.text
    await rep.press("✅ تأیید و ثبت")
    assert [a.title for a in await bot.achievements()] == ["کارگاه خیاطی بانوان", "کارگاه مبل"]


async def test_a_large_count_is_asked_about_with_both_figures(bot):
    rep = await join(bot, *MARYAM)  # agency 101: a commitment of 500
    await rep.send("۱۰۰ شغل کشاورزی طرح گلخانه امروز ثبت نشده")
    await rep.press("✅ تأیید و ثبت")  # 100: within a third (166) and what is left (500)
    reply = await rep.send("۲۰۰ شغل کشاورزی طرح دامداری امروز ثبت نشده")
    text = reply.text
    assert "۲۰۰ شغل نوشته‌اید؛ این عدد از یک‌سوم کل تعهد دستگاه بیشتر است" in text
    assert "تعهد امسال دستگاه: ۵۰۰ شغل (یک‌سوم آن: ۱۶۶)" in text
    assert "ثبت‌شده تاکنون: ۱۰۰ شغل؛ باقی‌ماندهٔ تعهد: ۴۰۰" in text
    reply = await rep.press("✏️ اصلاح تعداد")
    assert "تعداد درست شغل را بنویسید" in reply.text and "باقی‌ماندهٔ تعهد: ۴۰۰" in reply.text
    reply = await rep.send("۴۵۰")  # more than what is left: asked again
    assert "۴۵۰ شغل نوشته‌اید؛ این عدد از باقی‌ماندهٔ تعهد دستگاه بیشتر است" in reply.text
    reply = await rep.press("✅ بله، ۴۵۰ درست است")
    assert "تعداد شغل: ۴۵۰" in reply.text
    await rep.press("✅ تأیید و ثبت")
    assert [a.jobs for a in await bot.achievements()] == [100, 450]
    # Answered in words: «نه» asks for the number (never read as 9), «بله» or the same number goes on.
    await rep.send("۳۰ شغل کشاورزی طرح زنبورداری امروز ثبت نشده")  # 550 reported: the commitment is met
    reply = await rep.send("نه")
    assert "تعداد درست شغل را بنویسید" in reply.text
    reply = await rep.send("۳۰")
    assert "خلاصهٔ گزارش" in reply.text and "تعداد شغل: ۳۰" in reply.text
    await rep.press("✅ تأیید و ثبت")
    reply = await rep.send("۲ شغل کشاورزی طرح قارچ امروز ثبت نشده")
    assert "تعهد امسال دستگاه پیش‌تر کامل شده است" in reply.text
    reply = await rep.send("بله")
    assert "خلاصهٔ گزارش" in reply.text and "تعداد شغل: ۲" in reply.text


async def test_a_tracking_code_of_another_report_is_refused(bot):
    ali, rep = await join(bot, *ALI), await join(bot, *MARYAM)
    await ali.send("۲۰ شغل خدمات طرح شعبه جدید امروز رصد RS-9001")
    await ali.press("✅ تأیید و ثبت")
    reply = await rep.send("۵ شغل کشاورزی طرح قارچ امروز رصد rs-9001")
    assert "این کد رهگیری پیش‌تر برای گزارش ۱ ثبت شده است" in reply.text
    assert "کد رهگیری" in reply.text.split("---")[-1]  # the code is asked for
    assert "گزارش ۱" in (await rep.send("RS-9001")).text  # typed again: refused again
    reply = await rep.send("RS-9002")
    assert "RS-9002" in reply.text and "خلاصهٔ گزارش" in reply.text
    await rep.press("✅ تأیید و ثبت")
    assert [a.tracking_code for a in await bot.achievements()] == ["RS-9001", "RS-9002"]
    await rep.send("۳ شغل کشاورزی طرح قارچ امروز رصد RS-9002")  # no right code at hand: not registered yet
    reply = await rep.press("هنوز نه")
    assert "ثبت در رصد: هنوز نه" in reply.text


async def test_a_confirm_of_a_summary_changed_since_saves_nothing(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("۱۲ شغل خدمات طرح کافه امروز ثبت نشده")
    old = reply.last
    [confirm] = [data for label, data in old.inline_buttons if label == "✅ تأیید و ثبت"]
    await rep.press("✏️ ویرایش")
    await rep.press("تعداد شغل")
    reply = await rep.send("۱۳")
    assert "تعداد شغل: ۱۳" in reply.text
    reply = await rep.press_data(confirm, old.message_id)  # the first summary's Confirm, lagging
    assert "دکمه‌ای که زدید مربوط به خلاصهٔ قبلی بود" in reply.text and "تعداد شغل: ۱۳" in reply.text
    assert await bot.achievements() == []
    await rep.press("✅ تأیید و ثبت")
    assert [a.jobs for a in await bot.achievements()] == [13]


async def test_the_large_count_question_takes_words_and_no_back_door(bot):
    rep = await join(bot, *MARYAM)  # a commitment of 500: a third is 166
    await rep.send("۲۰۰ شغل کشاورزی طرح گلخانه امروز ثبت نشده")
    reply = await rep.send("بله درسته")
    assert "خلاصهٔ گزارش" in reply.text and "تعداد شغل: ۲۰۰" in reply.text
    await rep.press("✏️ ویرایش")
    question = (await rep.press("تعداد شغل")).last
    [back] = [data for label, data in question.inline_buttons if label == "↩️ بازگشت"]
    reply = await rep.send("۳۰۰")
    assert "۳۰۰ شغل نوشته‌اید" in reply.text and "↩️ بازگشت" not in reply.buttons
    asked_300 = [m for m in reply if m.kind == "message"][-1]
    [yes_300] = [data for label, data in asked_300.inline_buttons if label.startswith("✅ بله")]
    reply = await rep.press_data(back, question.message_id)  # the count question's old Back, pressed late
    reply = await rep.press("✅ تأیید و ثبت")
    assert "۳۰۰ شغل نوشته‌اید" in reply.text  # asked, not saved unconfirmed
    assert await bot.achievements() == []
    reply = await rep.send("نه، ۱۸۰ نفر")  # no, and the number: that number, asked about again (over a third)
    assert "۱۸۰ شغل نوشته‌اید" in reply.text
    await rep.press_data(yes_300, asked_300.message_id)  # the «yes, 300» of before confirms nothing now
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."
    reply = await rep.send("۱۸۰")
    assert "تعداد شغل: ۱۸۰" in reply.text
    await rep.press("✅ تأیید و ثبت")
    assert [a.jobs for a in await bot.achievements()] == [180]


async def test_registered_in_rasad_is_never_saved_without_its_code(bot):
    rep = await join(bot, *MARYAM)
    asked = (await rep.send("۵ شغل کشاورزی طرح قارچ امروز")).last
    [yes] = [data for label, data in asked.inline_buttons if label == "بله، ثبت شده"]
    await rep.press("بله، ثبت شده")
    reply = await rep.press_data(yes, asked.message_id)  # a double tap: still the code is asked
    assert "کد رهگیری" in reply.text and "خلاصهٔ گزارش" not in reply.text
    reply = await rep.send("RS-7001")
    assert "RS-7001" in reply.text
    await rep.press("✏️ ویرایش")
    await rep.press("ثبت در رصد")
    await rep.press("هنوز نه")  # the code goes
    await rep.press("✏️ ویرایش")
    await rep.press("ثبت در رصد")
    await rep.press("بله، ثبت شده")  # and at the code's question, Back: registered, without a code
    reply = await rep.press("↩️ بازگشت")
    reply = await rep.press("✅ تأیید و ثبت")
    assert "کد رهگیری" in reply.text and await bot.achievements() == []  # asked, not saved without it
    reply = await rep.send("RS-7002")
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert (a.rasad_registered, a.tracking_code) == (True, "RS-7002")
