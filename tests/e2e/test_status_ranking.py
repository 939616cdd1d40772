from models.importer import import_rows
from tests.e2e.conftest import join, last_sent, send_count, tracking_code

MARYAM = (501, "09121111111")
ALI = (502, "09122222222")
COUNTY_SUP = (503, "09123333333")
PROVINCE_SUP = (504, "09124444444")


async def file_report(user, jobs: str, *, sector="صنعت", rasad=False, confirm=True):
    """A /report from start to Confirm (or to the summary, without confirm)."""
    await user.send("/report")
    await user.press(sector)
    await send_count(user, jobs)
    await user.press("امروز")
    await user.send("طرح نمونه")
    await user.press("رد شدن ⏭")
    if rasad:
        await user.press("بله، ثبت شده")
        summary = await user.send(tracking_code(user))
    else:
        summary = await user.press("هنوز نه")
    if not confirm:
        return summary
    return await user.press("✅ تأیید و ثبت")


async def test_status_shows_commitment_pace_deadline_and_recent_reports(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("/status")
    text = reply.text
    assert "تعهد اشتغال: ۵۰۰" in text and "محقق‌شده: ۰ (۰٪)" in text
    assert "روزهای باقی‌مانده تا پایان مهلت (۲۹ اسفند ۱۴۰۵): ۱۱۱" in text
    assert "هفته‌ای ۳۲ شغل" in text  # 500 over 112 days
    # Nothing in the last 30 days: at risk, as the governorate's ranking marks it.
    assert "🔴 با سرعت ۳۰ روز اخیر تا پایان مهلت به ۰ می‌رسید" in text and "هنوز گزارشی ثبت نشده" in text
    await file_report(rep, "250")
    text = (await rep.send("/status")).text  # 250 of the 348 expected, but a pace that reaches 500
    assert "⚠️ از آهنگ موردانتظار عقب هستید (انتظار تا امروز: ۳۴۸)" in text
    await file_report(rep, "۱۵۰", rasad=True)
    await file_report(rep, "20")
    text = (await rep.send("📊 وضعیت دستگاه")).text
    assert "محقق‌شده: ۴۲۰ (۸۴٪)" in text
    assert "ثبت‌شده در رصد: ۱۵۰ — ثبت‌نشده: ۲۷۰" in text
    assert "هفته‌ای ۵ شغل" in text and "مطابق آهنگ" in text and "انتظار تا امروز: ۳۴۸" in text
    assert text.count("• ۱۴۰۵/۰۹/۰۸") == 3 and "(رصد ✓)" in text and "(رصد ✗)" in text


async def test_status_on_the_deadline_day_and_after(bot):
    rep = await join(bot, *MARYAM)
    import datetime as dt

    bot.clock.now = dt.datetime(2027, 3, 20, 6, 0, tzinfo=dt.UTC)  # 1405/12/29 in Tehran
    text = (await rep.send("/status")).text
    assert "امروز آخرین روز مهلت" in text and "هفته‌ای ۵۰۰ شغل" in text
    bot.clock.now = dt.datetime(2027, 3, 21, 6, 0, tzinfo=dt.UTC)
    assert "به پایان رسیده" in (await rep.send("/status")).text


async def test_ranking_for_deputy_changes_after_a_report(bot):
    sup = await join(bot, *COUNTY_SUP)
    text = (await sup.send("/ranking")).text
    assert "رتبه‌بندی دستگاه‌های شهرستان مشهد" in text and "۱۴۰۵/۰۹/۰۸" in text
    assert "جمع: ۰ از ۱٬۰۰۰ (۰٪)" in text and "نیشابور" not in text
    assert "۳ از ۳ دستگاه از آهنگ موردانتظار عقب‌اند" in text
    ali = await join(bot, *ALI)
    await file_report(ali, "250", rasad=True)
    maryam = await join(bot, *MARYAM)
    await file_report(maryam, "100")
    text = (await sup.send("🏆 رتبه‌بندی")).text
    lines = [line for line in text.splitlines() if line[:2] in ("۱.", "۲.", "۳.")]
    assert lines[0] == "۱. بانک کشاورزی مشهد — ۲۵۰/۳۰۰ (۸۳٫۳٪) · رصد ۲۵۰ ✅"
    # 100 jobs in the last 30 days: 100 + 100 × 111 / 30 = 470 by year end < 500, so at risk.
    assert lines[1] == "۲. جهاد کشاورزی مشهد — ۱۰۰/۵۰۰ (۲۰٪) · رصد ۰ 🔴"
    assert lines[2] == "۳. کمیته امداد مشهد — ۰/۲۰۰ (۰٪) · رصد ۰ 🔴"
    assert "جمع: ۳۵۰ از ۱٬۰۰۰ (۳۵٪) — ثبت در رصد: ۲۵۰" in text
    province = await join(bot, *PROVINCE_SUP)
    text = (await province.send("/ranking")).text
    assert "استان خراسان رضوی" in text and "جهاد کشاورزی نیشابور" in text and "جمع: ۳۵۰ از ۱٬۴۰۰" in text


async def test_ranking_pages_in_place(bot):
    rows = {"agencies": [], "commitments": []}
    for i in range(45):
        code = str(3000 + i)
        rows["agencies"].append(
            (i + 2, {"code": code, "name": f"دستگاه {i:02d}", "county": "مشهد", "province": "خراسان رضوی"})
        )
        rows["commitments"].append((i + 2, {"agency_code": code, "year": "1405", "target": str(100 + i)}))
    assert (await import_rows(bot.db, rows)).ok
    sup = await join(bot, *COUNTY_SUP)
    reply = await sup.send("/ranking")
    first = last_sent(reply)
    assert "صفحهٔ ۱ از ۳" in first.plain and first.plain.count("\n۲۰. ") == 1
    assert [label for label, _ in first.inline_buttons if "▶️" in label or "◀️" in label] == ["◀️ بعدی"]
    reply = await sup.press("◀️ بعدی")
    edited = bot.api.current(first.chat_id, first.message_id)
    assert [m.kind for m in reply] == ["edit"] and "صفحهٔ ۲ از ۳" in edited.plain and "۲۱. " in edited.plain
    paging = [label for label, _ in edited.inline_buttons if "▶️" in label or "◀️" in label]
    assert paging == ["◀️ بعدی", "قبلی ▶️"]  # right to left: the next page lies to the left
    await sup.press("◀️ بعدی")
    edited = bot.api.current(first.chat_id, first.message_id)
    assert "۴۸. " in edited.plain
    assert [label for label, _ in edited.inline_buttons if "▶️" in label or "◀️" in label] == ["قبلی ▶️"]
    await sup.press_data("rk|a|p|99", first.message_id)  # past the end: shows the last page
    assert "۴۸. " in bot.api.current(first.chat_id, first.message_id).plain
    await sup.press_data("rk|a|p|-1", first.message_id)
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."


async def test_rep_ranking_follows_configuration(bot):
    rep = await join(bot, *MARYAM)
    assert "شهرستان مشهد" in (await rep.send("/ranking")).text
    await bot.restart(BOT_RANKING_PUBLIC=False)
    assert "فقط برای کارشناسان" in (await rep.send("/ranking")).text
    assert "/ranking" not in (await rep.send("/help")).text


async def test_supervisor_without_scope_and_reps_only_commands(bot):
    sup = await join(bot, *COUNTY_SUP)
    assert "برای نقش شما" in (await sup.send("/status")).text
    assert "برای نقش شما" in (await sup.send("/report")).text
    assert "این فرمان را نمی‌شناسم" in (await sup.send("/foo")).text
    assert "متوجه نشدم" in (await sup.send("سلام")).text


async def test_forged_page_numbers_and_agencies_without_commitment(bot):
    rows = {
        "agencies": [
            (2, {"code": "150", "name": "شهرداری مشهد", "county": "مشهد", "province": "خراسان رضوی"})
        ]
    }
    assert (await import_rows(bot.db, rows)).ok
    rep = await bot_user_joined(bot)
    await rep.send("/ranking")
    for forged in ("rk|²", "rk|", "rk|1|2", "rk|a|p|99999", "rk|x|p|0", "rk|a|p|0"):
        await rep.press_data(forged, rep.last_bot_message.message_id)
    assert [a.get("text") for a in bot.api.callback_answers[-6:]] == ["این دکمه شناخته‌شده نیست."] * 5 + [None]
    text = (await rep.send("/ranking")).text
    assert "۴. شهرداری مشهد — ۰ شغل · بدون تعهد ثبت‌شده" in text


async def bot_user_joined(bot):
    return await join(bot, *COUNTY_SUP)


async def test_every_ranking_button(bot):
    maryam, ali, reza = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, 505, "09125555555")
    await file_report(maryam, "50", rasad=True)
    await file_report(maryam, "150")
    await file_report(ali, "120", rasad=True)
    await file_report(reza, "10", rasad=True)
    sup = await join(bot, *COUNTY_SUP)
    reply = await sup.send("/ranking")
    message = last_sent(reply)
    assert "به ترتیب درصد تحقق تعهد" in message.plain
    assert [label for label, _ in message.inline_buttons] == [
        "۱",  # each agency of the page opens its card
        "۲",
        "۳",
        "• 🏢 دستگاه‌ها",
        "🗺 شهرستان‌ها",
        "• ٪ تحقق",
        "٪ ثبت در رصد",
        "تعداد شغل",
    ]

    def ranked(text: str) -> list[str]:
        return [line.split(" — ")[0].split(". ", 1)[1] for line in text.splitlines() if ". " in line[:4]]

    current = lambda: bot.api.current(message.chat_id, message.message_id)  # noqa: E731
    # Both at 40%: the tie goes to more registered in Rasad (120 against 50).
    assert ranked(current().plain) == ["بانک کشاورزی مشهد", "جهاد کشاورزی مشهد", "کمیته امداد مشهد"]
    await sup.press("٪ ثبت در رصد")
    text = current().plain
    assert "به ترتیب درصد ثبت در سامانهٔ رصد" in text
    assert ranked(text) == ["بانک کشاورزی مشهد", "جهاد کشاورزی مشهد", "کمیته امداد مشهد"]  # 40% vs 10%
    assert "۱. بانک کشاورزی مشهد — ثبت‌شده ۱۲۰/۳۰۰ (۴۰٪) · محقق ۱۲۰" in text
    await sup.press("تعداد شغل")
    text = current().plain
    assert ranked(text) == ["جهاد کشاورزی مشهد", "بانک کشاورزی مشهد", "کمیته امداد مشهد"]
    assert "۱. جهاد کشاورزی مشهد — ۲۰۰ شغل (۴۰٪) · رصد ۵۰" in text
    reply = await sup.press("🗺 شهرستان‌ها")
    assert [m.kind for m in reply] == ["edit"]  # edited in place, not sent again
    text = current().plain
    assert "رتبه‌بندی شهرستان‌های استان خراسان رضوی" in text
    assert "۱. مشهد — ۳۲۰ شغل (۳۲٪) · رصد ۱۷۰" in text and "۲. نیشابور — ۱۰ شغل (۲٫۵٪) · رصد ۱۰" in text
    await sup.press("٪ تحقق")
    assert "۱. مشهد — ۳۲۰/۱٬۰۰۰ (۳۲٪) · رصد ۱۷۰" in current().plain
    await sup.press("🏢 دستگاه‌ها")
    assert "رتبه‌بندی دستگاه‌های شهرستان مشهد" in current().plain
    await sup.press("تعداد شغل")
    reply = await sup.press("۲")  # the second by jobs: Bank Keshavarzi, its card in the page's place
    assert [m.kind for m in reply] == ["edit"] and "بانک کشاورزی مشهد" in current().plain
    card_buttons = [t for t, _ in current().inline_buttons]
    assert "تعهد" in current().plain and card_buttons[-1] == "↩️ بازگشت به رتبه‌بندی"
    await sup.press("↩️ بازگشت به رتبه‌بندی")  # back to the same view and measure
    assert "۱. جهاد کشاورزی مشهد — ۲۰۰ شغل (۴۰٪) · رصد ۵۰" in current().plain
    await sup.press_data("ag|4|a|j|0", message.message_id)  # Nishapur's agency: outside the county's scope
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."
    assert "رتبه‌بندی دستگاه‌های شهرستان مشهد" in current().plain
    rep_view = last_sent(await maryam.send("/ranking"))
    assert "🗺 شهرستان‌ها" not in [label for label, _ in rep_view.inline_buttons]
    assert "۱" not in [label for label, _ in rep_view.inline_buttons]  # a rep's ranking opens no card
    await maryam.press_data("rk|c|p|0", rep_view.message_id)  # a rep cannot switch to counties
    assert "رتبه‌بندی دستگاه‌های شهرستان مشهد" in bot.api.current(rep_view.chat_id, rep_view.message_id).plain
