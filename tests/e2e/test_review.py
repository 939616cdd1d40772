"""Review of reports: supervisors approve or return each report with a reason; the rep edits and resubmits
(each version kept) or withdraws it until approved, and adds evidence; rankings show approved and pending
apart, and RANKING_BASIS decides which ranks. Every action is authorized on the server."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import Achievement, AchievementVersion, AgencyTotal, Attachment, AuditEvent
from tests.e2e.conftest import join, last_sent
from tests.e2e.test_status_ranking import file_report

MARYAM = (501, "09121111111")  # rep, agency 101 (Mashhad, target 500)
ALI = (502, "09122222222")  # rep, agency 102 (Mashhad, target 300)
REZA = (503, "09125555555")  # rep, agency 201 (Nishapur)
COUNTY_SUP = (504, "09123333333")
PROVINCE_SUP = (505, "09124444444")


def alerts(api) -> list[str]:
    return [a.get("text") or "" for a in api.callback_answers if a.get("show_alert")]


async def test_return_edit_resubmit_approve_with_versions_and_ranking(bot, api):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    county = await join(bot, *COUNTY_SUP)
    await file_report(maryam, "100")
    await file_report(ali, "50")
    reply = await county.send("🔎 بررسی گزارش‌ها")
    assert "۲ گزارش در انتظار بررسی" in reply.text and "گزارش ۱" in reply.text
    assert "تعداد شغل: ۱۰۰" in reply.text and "نسخهٔ ۱" in reply.text
    assert "گزارش ۲" in (await county.press("⏭ بعدی")).text
    assert "گزارش ۱" in (await county.press("⏭ بعدی")).text  # round again
    await county.press("↩️ بازگرداندن با دلیل")
    assert "دست‌کم ۳ نویسه" in (await county.send("نه")).text
    reply = await county.send("تاریخ ایجاد با مستندات نمی‌خواند؛ تعداد را هم بازبینی کنید.")
    assert "گزارش ۱ با دلیل شما به دستگاه بازگردانده شد" in reply.text
    told = last_sent(maryam.chat_messages)
    assert "گزارش ۱ شما برای اصلاح بازگردانده شد" in told.plain and "تاریخ ایجاد با مستندات" in told.plain
    assert [t for t, _ in told.inline_buttons][:2] == ["✏️ ویرایش و ارسال دوباره", "🗑 پس گرفتن"]
    reply = await maryam.press("✏️ ویرایش و ارسال دوباره")
    assert "اصلاح گزارش ۱" in reply.text and "✅ ارسال دوباره برای بررسی" in reply.buttons
    reply = await maryam.press("✏️ ویرایش")
    assert "کدهای ملی" not in reply.buttons and "تعداد شغل" in reply.buttons
    await maryam.press("تعداد شغل")
    assert "عدد نیست" in (await maryam.send("صد و خرده‌ای")).text
    reply = await maryam.send("۱۲۰")
    assert "تعداد شغل: ۱۲۰" in reply.text
    async with bot.db.session() as s:
        assert (await s.get(Achievement, 1)).jobs == 100  # nothing changes before the resubmit
    reply = await maryam.press("✅ ارسال دوباره برای بررسی")
    assert "گزارش ۱ اصلاح شد (نسخهٔ ۲)" in reply.text
    notice = last_sent(county.chat_messages)
    assert "گزارش ۱ اصلاح و دوباره فرستاده شد" in notice.plain and "نسخهٔ ۲" in notice.plain
    assert "نسخهٔ ۱" in notice.plain and "۱۰۰ شغل" in notice.plain  # the history of versions
    # A decision on the version the supervisor saw before the edit is refused.
    before = len(alerts(api))
    await county.press_data("rv|ok|1|1", notice.message_id)
    assert len(alerts(api)) == before + 1 and "تغییر کرده" in alerts(api)[-1]
    await county.press("✅ تأیید", message=notice)
    assert "گزارش ۱ شما تأیید شد" in last_sent(maryam.chat_messages).plain
    async with bot.db.session() as s:
        a = await s.get(Achievement, 1)
        assert (a.status, a.version, a.jobs, a.review_note) == ("approved", 2, 120, None)
        versions = (
            await s.execute(select(AchievementVersion).order_by(AchievementVersion.version))
        ).scalars()
        assert [(v.version, v.data["jobs"]) for v in versions if v.achievement_id == 1] == [
            (1, 100),
            (2, 120),
        ]
        total = await s.get(AgencyTotal, (1, 1405))
        assert (total.achieved, total.approved, total.reports) == (120, 120, 1)
        actions = (
            await s.execute(
                select(AuditEvent.action).where(AuditEvent.entity == "achievement", AuditEvent.entity_id == 1)
            )
        ).scalars()
        assert sorted(actions) == [
            "achievement.amend",
            "achievement.approve",
            "achievement.create",
            "achievement.return",
        ]
    text = (await county.send("/ranking")).text
    assert "رتبه بر پایهٔ همهٔ گزارش‌ها" in text
    assert "جهاد کشاورزی مشهد — ۱۲۰/۵۰۰" in text and "تأییدشده ۱۲۰، تأییدنشده ۰" in text
    assert "بانک کشاورزی مشهد — ۵۰/۳۰۰" in text and "تأییدشده ۰، تأییدنشده ۵۰" in text
    # The workbook names each report's review status.
    [workbook] = [m for m in await county.send("/export") if m.kind == "document"]
    assert workbook.document["file_name"].endswith(".xlsx")
    # Approved: no more edits, from the card or from a forged button, nor a list of people employed.
    assert "تأیید یا پس گرفته" in (await maryam.send("/beneficiaries")).text  # approved: not offered
    reply = await maryam.send("🗂 گزارش‌های من")
    assert "✅ تأییدشده" in reply.text
    reply = await maryam.press("#۱")
    assert "✏️ ویرایش و ارسال دوباره" not in reply.buttons and "📎 افزودن پیوست" in reply.buttons
    await maryam.press_data("mr|edit|1|2", reply.last.message_id)
    assert "تغییر کرده" in alerts(api)[-1]
    # Ranked on approved reports only.
    await bot.restart(RANKING_BASIS="approved")
    text = (await county.send("/ranking")).text
    assert "رتبه بر پایهٔ گزارش‌های تأییدشده" in text
    assert "بانک کشاورزی مشهد — ۰/۳۰۰" in text and "تأییدشده ۰، تأییدنشده ۵۰" in text
    assert "همهٔ" not in text.split("\n")[1]
    assert "گزارشی در انتظار بررسی" not in (await county.send("/review")).text  # Ali's is still there


async def test_withdraw_and_evidence_and_authorization(bot, api):
    maryam, ali, reza = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, *REZA)
    county, province = await join(bot, *COUNTY_SUP), await join(bot, *PROVINCE_SUP)
    await file_report(maryam, "40", rasad=True)
    reply = await maryam.send("/myreports")
    assert "⏳ در انتظار بررسی" in reply.text
    card = await maryam.press("#۱")
    message_id = card.last.message_id
    await maryam.press("📎 افزودن پیوست")
    assert "عکس یا فایل" in (await maryam.send_sticker()).text
    assert "دریافت شد (۱)" in (await maryam.send_photo()).text
    reply = await maryam.press("⏭ ادامه")
    assert "۱ پیوست به گزارش ۱ افزوده شد" in reply.text
    # Others may not touch it: a rep of another agency, of another county, and a supervisor by role.
    for user in (ali, reza):
        for data in ("mr|show|1", "mr|edit|1|1", "mr|wd|1|1", "mr|wdy|1|1", "mr|ev|1", "mr|files|1"):
            reply = await user.press_data(data, message_id)
            assert not [m for m in reply if m.kind == "message"], (data, reply.text)
    assert len(alerts(api)) == 12
    assert "در دسترس نیست" in (await county.press_data("mr|wdy|1|1", message_id)).text
    assert "در دسترس نیست" in (await maryam.press_data("rv|ok|1|1", message_id)).text
    assert "در دسترس نیست" in (await maryam.send("/review")).text
    await county.press_data("rv|ok|99|1", message_id)  # no such report
    await county.press_data("rv|zap|1|1", message_id)
    assert len(alerts(api)) == 14
    # The province's supervisor sees the evidence.
    reply = await province.send("/review")
    assert "📎 پیوست: ۱" in reply.text
    reply = await province.press("📎 دیدن پیوست‌ها")
    assert [m.kind for m in reply] == ["photo"]
    # Withdrawn after a confirmation: out of the totals, and no longer pending.
    await maryam.press("#۱")
    reply = await maryam.press("🗑 پس گرفتن")
    assert "پس گرفته شود؟" in reply.text
    reply = await maryam.press("🗑 بله، پس بگیر")
    assert "گزارش ۱ پس گرفته شد" in reply.text
    async with bot.db.session() as s:
        total = await s.get(AgencyTotal, (1, 1405))
        assert (total.achieved, total.registered, total.reports) == (0, 0, 0)
        assert (await s.get(Achievement, 1)).status == "withdrawn"
        assert (await s.execute(select(Attachment.entity))).scalars().all() == ["achievement"]
        assert (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "achievement.withdraw"))
        ).first()
    assert "گزارشی در انتظار بررسی نیست" in (await county.send("/review")).text
    assert "هنوز گزارشی ثبت نشده" in (await maryam.send("/myreports")).text
    # A second press of the old confirmation changes nothing.
    await maryam.press_data("mr|wdy|1|1", message_id)
    assert "تغییر کرده" in alerts(api)[-1]


async def test_nobody_reviews_their_own_report(bot, api):
    from sqlalchemy import update

    from models.schema import Person

    maryam = await join(bot, *MARYAM)
    await file_report(maryam, "15")
    async with bot.db.write() as s:  # promoted to supervisor of her county after reporting
        await s.execute(
            update(Person).where(Person.phone == "+989121111111").values(role="supervisor", scope_region_id=2)
        )
    reply = await maryam.send("/review")
    assert "گزارش ۱" in reply.text
    await maryam.press("✅ تأیید")
    async with bot.db.session() as s:
        assert (await s.get(Achievement, 1)).status == "reported"
    assert alerts(api)


async def test_evidence_cancelled_and_a_sticker_keeps_the_step(bot, api):
    maryam = await join(bot, *MARYAM)
    await file_report(maryam, "8")
    await maryam.send("/myreports")
    await maryam.press("#۱")
    reply = await maryam.press("📎 افزودن پیوست")
    assert "پیوست‌های گزارش ۱" in reply.text and "⏭ ادامه" not in reply.buttons  # nothing to keep yet
    assert "عکس یا فایل" in (await maryam.send_voice()).text
    await maryam.send_photo()
    reply = await maryam.press("✖️ انصراف")
    assert "لغو شد" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Attachment))).first() is None


async def test_nobody_decides_on_their_own_plan_or_obstacle_after_a_promotion(bot, api):
    from sqlalchemy import update

    from models.schema import Obstacle, Person, Plan
    from tests.e2e.test_obstacles import raise_obstacle
    from tests.e2e.test_plans import write_plan

    maryam, county = await join(bot, *MARYAM), await join(bot, 504, "09123333333")
    await write_plan(maryam, "100", "100", "100", "100")
    await maryam.press("✅ ارسال برای تأیید فرمانداری")
    await raise_obstacle(maryam, files=False)
    async with bot.db.write() as s:  # promoted to supervisor of her county after submitting both
        await s.execute(
            update(Person).where(Person.phone == "+989121111111").values(role="supervisor", scope_region_id=2)
        )
    plan_notice = [m for m in county.chat_messages if "✅ تأیید" in [t for t, _ in m.inline_buttons]][-1]
    obstacle_notice = [m for m in county.chat_messages if "✅ رفع شد" in [t for t, _ in m.inline_buttons]][-1]
    for notice, label in ((plan_notice, "✅ تأیید"), (obstacle_notice, "✅ رفع شد"), (obstacle_notice, "👁")):
        data = next(d for t, d in notice.inline_buttons if t.startswith(label))
        before = len(alerts(api))
        await maryam.press_data(data, 1)
        assert len(alerts(api)) == before + 1, label  # refused, with the reason
    await maryam.press_data(next(d for t, d in obstacle_notice.inline_buttons if "پاسخ" in t), 1)
    await maryam.send("پیگیری می‌کنم و خبر می‌دهم.")  # her own reply: a message, not an acknowledgement
    async with bot.db.session() as s:
        assert (await s.get(Plan, 1)).status == "submitted"
        assert (await s.get(Obstacle, 1)).status == "open"
    await county.press("✅ تأیید", message=plan_notice)  # another supervisor may
    async with bot.db.session() as s:
        assert (await s.get(Plan, 1)).status == "approved"
