from models.importer import import_rows
from tests.e2e.conftest import join, last_sent

MARYAM = (501, "09121111111")
ALI = (502, "09122222222")
COUNTY_SUP = (503, "09123333333")
PROVINCE_SUP = (504, "09124444444")


async def file_report(user, jobs: str, *, sector="صنعت", rasad=False):
    await user.send("/report")
    await user.press(sector)
    await user.send(jobs)
    await user.press("امروز")
    await user.send("طرح نمونه")
    await user.press("رد شدن ⏭")
    if rasad:
        await user.press("بله، ثبت شده")
        await user.send("RS-100200")
    else:
        await user.press("هنوز نه")
    return await user.press("✅ تأیید و ثبت")


async def test_status_shows_commitment_pace_deadline_and_recent_reports(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("/status")
    text = reply.text
    assert "تعهد اشتغال: ۵۰۰" in text and "محقق‌شده: ۰ (۰٪)" in text
    assert "روزهای باقی‌مانده تا پایان مهلت (۲۹ اسفند ۱۴۰۵): ۱۱۱" in text
    assert "هفته‌ای ۳۲ شغل" in text  # 500 over 112 days
    assert "عقب هستید" in text and "هنوز گزارشی ثبت نشده" in text
    await file_report(rep, "۴۰۰", rasad=True)
    await file_report(rep, "20")
    text = (await rep.send("📊 وضعیت دستگاه")).text
    assert "محقق‌شده: ۴۲۰ (۸۴٪)" in text
    assert "ثبت‌شده در رصد: ۴۰۰ — ثبت‌نشده: ۲۰" in text
    assert "هفته‌ای ۵ شغل" in text and "مطابق آهنگ" in text and "انتظار تا امروز: ۳۴۸" in text
    assert text.count("• ۱۴۰۵/۰۹/۰۸") == 2 and "(رصد ✓)" in text and "(رصد ✗)" in text


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
    assert lines[0] == "۱. بانک کشاورزی مشهد — ۲۵۰/۳۰۰ (۸۳٫۳٪) · رصد ۲۵۰"
    assert lines[1] == "۲. جهاد کشاورزی مشهد — ۱۰۰/۵۰۰ (۲۰٪) · رصد ۰ ⚠️"
    assert lines[2] == "۳. کمیته امداد مشهد — ۰/۲۰۰ (۰٪) · رصد ۰ ⚠️"
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
    assert [label for label, _ in first.inline_buttons] == ["بعدی ▶️"]
    reply = await sup.press("بعدی ▶️")
    edited = bot.api.current(first.chat_id, first.message_id)
    assert [m.kind for m in reply] == ["edit"] and "صفحهٔ ۲ از ۳" in edited.plain and "۲۱. " in edited.plain
    await sup.press("بعدی ▶️")
    edited = bot.api.current(first.chat_id, first.message_id)
    assert "۴۸. " in edited.plain and [label for label, _ in edited.inline_buttons] == ["◀️ قبلی"]
    await sup.press_data("rk|99", first.message_id)  # past the end: shows the last page
    await sup.press_data("rk|-1", first.message_id)
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
    for forged in ("rk|²", "rk|", "rk|1|2", "rk|99999", "rk|9999"):
        await rep.press_data(forged, rep.last_bot_message.message_id)
    assert [a.get("text") for a in bot.api.callback_answers[-5:]] == ["این دکمه شناخته‌شده نیست."] * 4 + [None]
    text = (await rep.send("/ranking")).text
    assert "۴. شهرداری مشهد — ۰ شغل · بدون تعهد ثبت‌شده" in text


async def bot_user_joined(bot):
    return await join(bot, *COUNTY_SUP)
