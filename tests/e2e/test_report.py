import datetime as dt

from sqlalchemy import func, select

from models.schema import Achievement, AuditEvent, Beneficiary, Draft
from tests.e2e.conftest import join, last_sent

GENERIC = "متأسفانه خطایی پیش آمد"

MARYAM = (501, "09121111111")
ALI = (502, "09122222222")


async def open_draft(bot):
    async with bot.db.session() as s:
        return (await s.execute(select(Draft))).scalars().all()


async def test_complete_report_in_persian_with_persian_digits(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("/report")
    assert "گام ۱ از ۶" in reply.text and {"کشاورزی", "صنعت", "خدمات"} <= set(reply.buttons)
    reply = await rep.press("کشاورزی")
    assert "تعداد شغل" in reply.text
    reply = await rep.send("۱۲")
    assert "تاریخ ایجاد اشتغال" in reply.text and "امروز" in reply.buttons
    reply = await rep.send("۱۴۰۵/۹/۲")
    assert "عنوان طرح" in reply.text
    reply = await rep.send("توسعه گلخانه‌های شهرستان")
    assert "کد ملی" in reply.text
    reply = await rep.send("۰۰۱۳۵۴۲۴۱۹، ۰۰۷۶۲۲۹۶۴۵")
    assert "۲ کد ملی پذیرفته شد" in reply.text and "سامانهٔ رصد" in reply.text
    reply = await rep.press("بله، ثبت شده")
    assert "کد رهگیری" in reply.text
    reply = await rep.send("۴۰۵۱۲۰۸۷۳۳")
    summary = reply.text
    for expected in (
        "جهاد کشاورزی مشهد",
        "کشاورزی",
        "۱۲",
        "۱۴۰۵/۰۹/۰۲",
        "توسعه گلخانه‌های شهرستان",
        "۲ کد",
        "4051208733",
    ):
        assert expected in summary, expected
    assert await bot.achievements() == []  # nothing before Confirm
    reply = await rep.press("✅ تأیید و ثبت")
    rows = await bot.achievements()
    assert len(rows) == 1
    a = rows[0]
    assert (a.jobs, a.sector, a.created_on, a.title, a.rasad_registered, a.tracking_code) == (
        12,
        "agriculture",
        dt.date(2026, 11, 23),
        "توسعه گلخانه‌های شهرستان",
        True,
        "4051208733",
    )
    assert f"شمارهٔ پیگیری: {str(a.id).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))}" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Beneficiary))).scalar_one() == 2
        event = (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "achievement.create"))
        ).scalar_one()
        assert event.entity_id == a.id
        assert (await s.execute(select(Draft))).first() is None
    # The confirmed summary lost its buttons; pressing again is harmless.
    assert not api_buttons(bot, rep)


def api_buttons(bot, user):
    message = user.last_bot_message
    return message.inline_buttons if message else []


async def test_a_typed_answer_takes_the_old_questions_buttons_away(bot):
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    date_question = await rep.send("۱۲")
    assert "امروز" in date_question.buttons
    title_question = await rep.send("۱۴۰۵/۹/۲")
    assert "عنوان طرح" in title_question.text
    asked = next(m for m in date_question if m.kind == "message")
    stored = bot.api.messages[(asked.chat_id, asked.message_id)]
    assert not (stored.get("reply_markup") or {}).get("inline_keyboard")  # "today" can no longer be pressed
    edits = [m for m in title_question if m.kind != "message"]
    assert [m.message_id for m in edits] == [asked.message_id]  # that question only


async def test_continuing_a_report_brings_typed_answers_back_to_it(bot):
    """A report left for an obstacle, then continued: the next typed answer is the report's, not the
    obstacle's, though the obstacle was touched last."""
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    await rep.send("/obstacle")
    await rep.press("💰 تأمین مالی")  # the obstacle now waits for its description
    await rep.send("/report")
    assert "گام ۲ از ۶" in (await rep.press("ادامهٔ همان گزارش")).text
    reply = await rep.send("۱۲")
    assert "تاریخ ایجاد اشتغال" in reply.text, reply.text
    drafts = {d.kind: d for d in await open_draft(bot)}
    assert drafts["report"].data["jobs"] == 12 and drafts["obstacle"].state == "description"


async def reach_jobs(bot, rep):
    await rep.send("/report")
    await rep.press("خدمات")


async def test_each_bad_input_at_each_step_keeps_the_step(bot):
    rep = await join(bot, *MARYAM)
    await rep.send("/report")
    # sector: text, sticker where a button is expected
    assert "دکمه" in (await rep.send("خدمات")).text
    assert "دکمه" in (await rep.send_sticker()).text
    await rep.press("خدمات")
    # jobs
    cases = {
        "چند نفر": "عدد نیست",
        "۲۰ و ۳۰": "دو عدد",  # two candidates: asked again, never added
        "۰": "دست‌کم ۱",
        "-3": "دست‌کم ۱",
        "۲٫۵": "عدد صحیح",
        "100001": "حداکثر",
        "999999999999999999999": "حداکثر",
    }
    for typed, expected in cases.items():
        reply = await rep.send(typed)
        assert expected in reply.text and "گام ۲ از ۶" in reply.text, typed
    assert "به صورت متن" in (await rep.send_photo()).text
    assert "به صورت متن" in (await rep.send_voice()).text
    reply = await rep.send("1,200")  # more than the commitment (۵۰۰): asked, with the figures
    assert "۱٬۲۰۰ شغل" in reply.text and "باقی‌ماندهٔ تعهد: ۵۰۰" in reply.text
    assert "حداکثر" in (await rep.send("200000")).text  # a new number typed here is checked as at the step
    reply = await rep.send("۱۲۰۰")  # the same number again: it is right
    assert "گام ۳ از ۶" in reply.text
    # date
    for typed, expected in {
        "فردا": "۸ آذر",
        "1405/13/01": "وجود ندارد",
        "1405/12/01": "آینده",
        "1404/12/01": "پیش از آغاز سال",
        "1405/12/30": "وجود ندارد",
    }.items():
        reply = await rep.send(typed)
        assert expected in reply.text and "گام ۳ از ۶" in reply.text, typed
    await rep.press("دیروز")
    # title
    assert "دست‌کم ۳" in (await rep.send("ab")).text
    assert "حداکثر ۲۰۰" in (await rep.send("x" * 201)).text
    await rep.send("<b>طرح</b> & *ویژه*")
    # codes
    reply = await rep.send("1234567890 0013542419")
    assert "نامعتبرند" in reply.text and "۱۲۳۴۵۶۷۸۹۰" in reply.text
    assert "کد ملی‌ای پیدا نکردم" in (await rep.send("،،")).text
    await rep.press("رد شدن ⏭")
    # rasad -> tracking
    assert "دکمه" in (await rep.send("بله")).text
    await rep.press("بله، ثبت شده")
    assert "۴ تا ۳۰" in (await rep.send("کد!")).text
    reply = await rep.send("AB-12345")
    if bot.api.platform == "telegram":
        assert "&lt;b&gt;طرح&lt;/b&gt;" in last_sent(reply).text  # user text escaped for HTML
    else:  # Bale reads light Markdown: the user's own * cannot turn anything bold
        assert "طرح: <b>طرح</b> & ∗ویژه∗" in last_sent(reply).plain
    assert "۱٬۲۰۰" in reply.text and "۱۴۰۵/۰۹/۰۷" in reply.text
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert (a.jobs, a.created_on, a.title, a.tracking_code) == (
        1200,
        dt.date(2026, 11, 28),
        "<b>طرح</b> & *ویژه*",
        "AB-12345",
    )


async def test_edit_from_summary_and_back(bot):
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    await rep.send("5")
    await rep.press("امروز")
    await rep.send("طرح اول")
    await rep.send("0013542419 0076229645")
    reply = await rep.press("هنوز نه")
    assert "خلاصهٔ گزارش" in reply.text
    await rep.press("✏️ ویرایش")
    await rep.press("تعداد شغل")
    assert "نمی‌تواند کمتر" in (await rep.send("1")).text  # 2 codes already given
    reply = await rep.send("7")
    assert "خلاصهٔ گزارش" in reply.text and "۷" in reply.text
    await rep.press("✏️ ویرایش")
    await rep.press("ثبت در رصد")
    await rep.press("بله، ثبت شده")
    reply = await rep.send("TR-9988")
    assert "TR-9988" in reply.text
    await rep.press("✏️ ویرایش")
    await rep.press("عنوان طرح")
    reply = await rep.send("طرح اصلاح‌شده")
    assert "طرح اصلاح‌شده" in reply.text
    await rep.press("✏️ ویرایش")
    reply = await rep.press("↩️ بازگشت")
    assert "خلاصهٔ گزارش" in reply.text
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert (a.jobs, a.title, a.rasad_registered, a.tracking_code) == (7, "طرح اصلاح‌شده", True, "TR-9988")


async def test_cancel_button_and_cancel_command_save_nothing(bot):
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    reply = await rep.press("✖️ انصراف")
    assert "لغو شد" in reply.text
    await reach_jobs(bot, rep)
    await rep.send("3")
    reply = await rep.send("/cancel")
    assert "لغو شد" in reply.text
    assert "کاری در جریان نیست" in (await rep.send("/cancel")).text
    assert await bot.achievements() == []
    assert await open_draft(bot) == []


async def test_report_while_open_offers_continue_or_restart(bot):
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    await rep.send("4")
    status = await rep.send("/status")  # another command mid-flow works
    assert "وضعیت جهاد کشاورزی مشهد" in status.text
    reply = await rep.send("/report")
    assert "نیمه‌تمام" in reply.text
    reply = await rep.press("ادامهٔ همان گزارش")
    assert "گام ۳ از ۶" in reply.text
    await rep.send("/report")
    reply = await rep.press("شروع از نو")
    assert "گام ۱ از ۶" in reply.text
    [draft] = await open_draft(bot)
    assert draft.state == "sector" and draft.data.get("jobs") is None


async def test_open_report_survives_a_restart(bot):
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    await rep.send("8")
    await bot.restart()
    reply = await rep.send("۱۴۰۵/۸/۱")
    assert "عنوان طرح" in reply.text
    await rep.send("طرح پس از راه‌اندازی دوباره")
    await rep.press("رد شدن ⏭")
    await rep.press("هنوز نه")
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert (a.jobs, a.created_on) == (8, dt.date(2026, 10, 23))


async def test_duplicate_national_codes_across_two_agencies(bot):
    maryam = await join(bot, *MARYAM)
    ali = await join(bot, *ALI)
    for user, codes in ((maryam, "0013542419 1583250689"), (ali, "0013542419\n3974017844")):
        await reach_jobs(bot, user)
        await user.send("2")
        await user.press("امروز")
        await user.send("طرح مشترک")
        reply = await user.send(codes)
        if user is ali:
            assert (
                "پیش‌تر" in reply.text and "۰۰۱۳۵۴۲۴۱۹" in reply.text and "۱ کد ملی پذیرفته شد" in reply.text
            )
        await user.press("هنوز نه")
        await user.press("✅ تأیید و ثبت")
    async with bot.db.session() as s:
        rows = (
            await s.execute(select(Beneficiary.national_code, Achievement.agency_id).join(Achievement))
        ).all()
    assert sorted(c for c, _ in rows) == ["0013542419", "1583250689", "3974017844"]


async def test_stale_and_forged_buttons(bot):
    rep = await join(bot, *MARYAM)
    await rep.send("/report")
    first = rep.last_bot_message
    await rep.press("✖️ انصراف")
    await rep.send("/report")
    reply = await rep.press_data(first.inline_buttons[0][1], first.message_id)
    assert bot.api.callback_answers[-1].get("text") == "این دکمه دیگر معتبر نیست."
    current = rep.last_bot_message
    token = current.inline_buttons[0][1].split("|")[1]
    for forged in (f"rp|{token}|sec|oil", f"rp|{token}|nope", "rp|x", "zz|1", f"rp|{token}|ok"):
        await rep.press_data(forged, current.message_id)
    answers = [a.get("text") for a in bot.api.callback_answers[-5:]]
    assert answers[:4] == ["این دکمه شناخته‌شده نیست."] * 4
    assert answers[4] == "این دکمه مربوط به مرحلهٔ دیگری است؛ به مرحلهٔ فعلی برگردیم."
    [draft] = await open_draft(bot)
    assert draft.state == "sector" and "sector" not in draft.data
    assert reply is not None


async def test_supervisor_cannot_report_even_with_a_forged_button(bot):
    sup = await join(bot, 503, "09123333333")
    rep = await join(bot, *MARYAM)
    await rep.send("/report")
    data = rep.last_bot_message.inline_buttons[0][1]
    reply = await sup.press_data(data, 1)
    assert "برای نقش شما" in reply.text
    [draft] = await open_draft(bot)
    assert draft.state == "sector" and "sector" not in draft.data  # the rep's draft is untouched
    assert await bot.achievements() == []


async def test_saved_report_is_kept_when_the_reply_fails(bot, monkeypatch):
    from bot.request import PlatformRequest

    monkeypatch.setattr(PlatformRequest, "gateway_backoff", ())  # the reply fails for good
    rep = await join(bot, *MARYAM)
    await reach_jobs(bot, rep)
    await rep.send("2")
    await rep.press("امروز")
    await rep.send("طرح آزمایشی")
    await rep.press("رد شدن ⏭")
    await rep.press("هنوز نه")
    bot.api.fail_next("sendMessage", 502, "Bad Gateway")
    reply = await rep.press("✅ تأیید و ثبت")
    assert len(await bot.achievements()) == 1
    assert "گزارش ثبت شد" not in reply.text  # the reply was lost...
    assert "خطایی پیش آمد" not in reply.text  # ...and never "something went wrong" for a saved report
    status = await rep.send("/status")
    assert "طرح آزمایشی" in status.text


async def test_buttons_of_a_message_older_than_two_days_still_work(bot):
    # Telegram sends a press on a message over 48 hours old as an InaccessibleMessage: no chat id, no text.
    rep = await join(bot, 501, "09121111111")
    await rep.send("/report")
    first = rep.chat_messages[-1]
    services = dict(first.inline_buttons)["خدمات"]
    assert "تعداد شغل" in (await rep.press("صنعت", old=True)).text
    reply = await rep.press_data(services, first.message_id, old=True)  # a step already answered
    assert "تعداد شغل" in reply.text and GENERIC not in reply.text
    await rep.send("/cancel")
    reply = await rep.press_data(services, first.message_id, old=True)  # a report no longer open
    assert GENERIC not in reply.text and bot.api.callback_answers[-1].get("show_alert")
    await rep.send("12 شغل خدمات طرح گلخانه امروز")
    await rep.press("هنوز نه", old=True)
    assert "گزارش ثبت شد" in (await rep.press("✅ تأیید و ثبت", old=True)).text
    await rep.send("/beneficiaries")
    listing = rep.chat_messages[-1]
    data = listing.inline_buttons[0][1]
    await rep.send("/cancel")
    reply = await rep.press_data(data, listing.message_id, old=True)  # a list no longer asked for
    assert GENERIC not in reply.text
