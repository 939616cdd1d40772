"""/plan: a rep's month-by-month catch-up plan, the gap it must close, the governorate's approval or
return with a comment, plan against actual in /status and /agency, and the month's figure in reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.schema import AuditEvent, Plan
from tests.e2e.conftest import join, last_sent
from tests.e2e.test_reminders import at, received
from tests.e2e.test_status_ranking import file_report

MARYAM = (501, "09121111111")  # rep, agency 101 (target 500)
ALI = (502, "09122222222")  # rep, agency 102 (target 300)
REZA = (503, "09125555555")  # rep, agency 201 (Nishapur)
COUNTY_SUP = (504, "09123333333")


async def write_plan(rep, *entries: str):
    await rep.send("/plan")
    reply = None
    for entry in entries:
        reply = await rep.send(entry)
    return reply


async def test_plan_with_bad_entries_then_returned_then_approved(bot, api):
    rep, county = await join(bot, *MARYAM), await join(bot, *COUNTY_SUP)
    reply = await rep.send("/plan")  # 1405/09/08: Azar to Esfand are left
    assert "فاصله تا تعهد: ۵۰۰ شغل" in reply.text and "۴ ماه" in reply.text
    assert "آذر (۱ از ۴)" in reply.text
    assert "«صد» عدد نیست" in (await rep.send("صد")).text
    assert "نمی‌تواند منفی باشد" in (await rep.send("-5")).text
    assert "حداکثر ۱۰۰٬۰۰۰" in (await rep.send("1000000")).text
    assert "یک عدد" in (await rep.send("1 2 3")).text
    assert "یک عدد" in (await rep.send_photo()).text
    assert "ثبت در رصد نمی‌تواند" in (await rep.send("10 50")).text
    reply = await rep.send("۱۰۰")
    assert "دی (۲ از ۴)" in reply.text and "تا اینجا: ۱۰۰" in reply.text
    await rep.press("مانند ماه قبل (۱۰۰)")
    await rep.send("100 90")
    reply = await rep.send("50")
    assert "خلاصهٔ برنامهٔ جبرانی" in reply.text
    assert "• بهمن: ۱۰۰ شغل — ثبت در رصد: ۹۰" in reply.text and "جمع برنامه: ۳۵۰ شغل" in reply.text
    assert "۱۵۰ شغل کم است" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Plan))).first() is None
    reply = await rep.press("✅ ارسال برای تأیید فرمانداری")
    assert "برنامهٔ جبرانی با شمارهٔ ۱" in reply.text
    notice = last_sent(county.chat_messages)
    assert "برنامهٔ جبرانی تازه برای تأیید" in notice.plain and "جهاد کشاورزی مشهد" in notice.plain
    assert "۱۵۰ شغل کم است" in notice.plain
    assert [t for t, _ in notice.inline_buttons] == ["✅ تأیید", "↩️ بازگرداندن با توضیح"]
    # /status meanwhile says it waits.
    assert "در انتظار تأیید فرمانداری" in (await rep.send("/status")).text
    await county.press("↩️ بازگرداندن با توضیح")
    assert "دست‌کم ۳ نویسه" in (await county.send("نه")).text
    reply = await county.send("فاصله را نمی‌بندد؛ ماه‌های پایانی را بیشتر کنید.")
    assert "با توضیح شما به دستگاه بازگردانده شد" in reply.text
    told = last_sent(rep.chat_messages)
    assert "بازگردانده شد" in told.plain and "ماه‌های پایانی را بیشتر کنید" in told.plain
    assert "بازگردانده شد" in (await rep.send("/status")).text
    # The old notice's buttons no longer decide anything.
    await county.press_data("px|ok|1", notice.message_id)
    assert "پیش‌تر تصمیم گرفته شده" in (api.callback_answers[-1].get("text") or "")
    await rep.press("🗓 نوشتن برنامهٔ تازه")
    for entry in ("200", "100", "100"):
        await rep.send(entry)
    reply = await rep.send("100")
    assert "این برنامه فاصله تا تعهد را می‌بندد" in reply.text
    await rep.press("✅ ارسال برای تأیید فرمانداری")
    reply = await county.press("✅ تأیید")
    assert "برنامهٔ ۲ (جهاد کشاورزی مشهد) تأیید شد" in reply.text
    assert "برنامهٔ جبرانی ۲ شما تأیید شد" in last_sent(rep.chat_messages).plain
    await file_report(rep, "20")
    text = (await rep.send("/status")).text
    assert "برنامهٔ جبرانی تأییدشده (۲)" in text and "• آذر: برنامه ۲۰۰ — عملکرد ۲۰" in text
    assert "• دی: برنامه ۱۰۰ — عملکرد ۰" in text
    text = (await county.send("/agency 101")).text
    assert "برنامهٔ جبرانی تأییدشده (۲)" in text and "• آذر: برنامه ۲۰۰ — عملکرد ۲۰" in text
    # A third plan, approved, replaces the second; history is kept.
    await write_plan(rep, "150", "150", "100", "100")
    await rep.press("✅ ارسال برای تأیید فرمانداری")
    await county.press("✅ تأیید")
    async with bot.db.session() as s:
        statuses = (await s.execute(select(Plan.status).order_by(Plan.id))).scalars().all()
        assert statuses == ["returned", "replaced", "approved"]
        actions = (await s.execute(select(AuditEvent.action).where(AuditEvent.entity == "plan"))).scalars()
        assert sorted(actions) == ["plan.approve", "plan.approve", "plan.return"] + ["plan.submit"] * 3


async def test_plan_decisions_are_authorized(bot, api):
    rep, other, far = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, *REZA)
    county = await join(bot, *COUNTY_SUP)
    await write_plan(rep, "100", "100", "100", "100")
    await rep.press("✅ ارسال برای تأیید فرمانداری")
    message_id = last_sent(county.chat_messages).message_id
    for user in (rep, other, far):
        await user.press_data("px|ok|1", message_id)
        await user.press_data("px|ret|1", message_id)
    for user in (other, far):
        await user.press_data("px|show|1", message_id)
        await user.press_data("px|again|1", message_id)
    await county.press_data("px|again|1", message_id)  # only the rep writes plans
    await county.press_data("px|ok|77", message_id)
    refused = [a for a in api.callback_answers if a.get("show_alert")]
    assert len(refused) == 12
    async with bot.db.session() as s:
        assert (await s.get(Plan, 1)).status == "submitted"
    assert "در دسترس نیست" in (await county.send("/plan")).text


async def test_plan_not_needed_cancel_and_reminders(bot, api):
    rep, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    county = await join(bot, *COUNTY_SUP)
    await rep.send("/plan")
    reply = await rep.press("✖️ انصراف")
    assert "برنامهٔ جبرانی لغو شد" in reply.text
    await write_plan(rep, "100", "100", "100", "100")
    await rep.press("✅ ارسال برای تأیید فرمانداری")
    await county.press("✅ تأیید")
    # 60 days before the deadline (1405/10/30, in Dey): the rep's reminder gives Dey's planned figure;
    # Ali's agency, behind without a plan, is asked for one.
    await bot.tick(at(dt.date(2027, 1, 19)))
    [mine] = received(bot, rep.chat_id, "⏰")
    assert "برنامهٔ دی: ۱۰۰ شغل — تاکنون در این ماه: ۰" in mine
    [his] = received(bot, ali.chat_id, "⏰")
    assert "لطفاً با /plan برنامهٔ جبرانی" in his
    # A commitment met and registered needs no plan.
    await file_report(ali, "300", rasad=True)
    assert "برنامهٔ جبرانی لازم نیست" in (await ali.send("/plan")).text
