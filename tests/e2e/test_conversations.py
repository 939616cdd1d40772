"""What every conversation does the same way (handlers/conversation.py): edit one answer from the summary
and come back to it, and give a message to the conversation the user is in."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import Achievement, Draft, Obstacle, ObstacleMessage
from tests.e2e.conftest import join
from tests.e2e.test_obstacles import COUNTY_SUP, raise_obstacle

MARYAM = (501, "09121111111")  # rep, agency 101
NEW_DESCRIPTION = "اعتبار تبصرهٔ ۱۸ هنوز ابلاغ نشده و ۱۲ طرح صنایع دستی بدون تسهیلات مانده‌اند."


async def test_an_obstacle_is_edited_from_its_summary(bot):
    rep = await join(bot, *MARYAM)
    await rep.send("/obstacle")
    await rep.press("💰 تأمین مالی")
    await rep.send("بانک عامل پرونده‌ها را از مهر نپذیرفته است.")
    await rep.press("رد شدن ⏭")
    reply = await rep.send("پیگیری از مدیریت بانک استان")
    assert "خلاصهٔ مانع" in reply.text and "✏️ ویرایش" in reply.buttons
    reply = await rep.press("✏️ ویرایش")
    assert {"نوع مانع", "شرح", "پیوست‌ها", "کمک درخواستی", "↩️ بازگشت"} <= set(reply.buttons)
    reply = await rep.press("شرح")
    assert "گام ۲ از ۴" in reply.text
    assert "↩️ بازگشت" in reply.buttons and "✖️ انصراف" not in reply.buttons  # leaving keeps the rest
    assert "دست‌کم ۱۰ نویسه" in (await rep.send("کوتاه")).text  # the step's own checks still apply
    reply = await rep.send(NEW_DESCRIPTION)
    assert "خلاصهٔ مانع" in reply.text and "صنایع دستی" in reply.text  # straight back to the summary
    await rep.press("✏️ ویرایش")
    reply = await rep.press("↩️ بازگشت")
    assert "خلاصهٔ مانع" in reply.text and "✅ تأیید و ارسال به فرمانداری" in reply.buttons
    await rep.press("✏️ ویرایش")
    await rep.press("پیوست‌ها")
    await rep.send_photo()
    reply = await rep.press("⏭ ادامه")
    assert "📎 پیوست: ۱" in reply.text  # a file added from the summary; back to it
    await rep.press("✏️ ویرایش")
    await rep.press("کمک درخواستی")
    reply = await rep.press("↩️ بازگشت")  # changed their mind: the summary as it was
    assert "خلاصهٔ مانع" in reply.text and "پیگیری از مدیریت بانک استان" in reply.text
    assert "📎 پیوست: ۱" in reply.text
    await rep.press("✅ تأیید و ارسال به فرمانداری")
    async with bot.db.session() as s:
        obstacle = (await s.execute(select(Obstacle))).scalar_one()
    assert obstacle.description == NEW_DESCRIPTION and obstacle.help_needed == "پیگیری از مدیریت بانک استان"


async def _save_a_report(rep) -> None:
    await rep.send("/report")
    await rep.press("خدمات")
    await rep.send("۳")
    await rep.press("امروز")
    await rep.send("طرح مشاغل خانگی")
    await rep.press("رد شدن ⏭")
    await rep.press("هنوز نه")
    await rep.press("✅ تأیید و ثبت")


async def _report_at_title(rep) -> None:
    await rep.send("/report")
    await rep.press("کشاورزی")
    await rep.send("۴")
    await rep.press("امروز")


async def test_text_goes_past_a_list_waiting_for_its_file(bot):
    rep = await join(bot, *MARYAM)
    await _save_a_report(rep)
    await _report_at_title(rep)
    await rep.send("/beneficiaries")
    reply = await rep.press("#۱")
    assert "✖️ انصراف" in reply.buttons  # the list waits for its file, and may be cancelled
    reply = await rep.send("طرح پرورش قارچ")  # text: the list takes none, the report does
    assert "رد شدن ⏭" in reply.buttons  # the report's next step: the national codes
    async with bot.db.session() as s:
        drafts = {d.kind: d for d in (await s.execute(select(Draft))).scalars()}
    assert drafts["report"].state == "codes" and drafts["report"].data["title"] == "طرح پرورش قارچ"
    assert drafts["beneficiaries"].state == "file"
    # A file: to the list that asked for one, not to the report's codes step (newer, taking text too).
    reply = await rep.send_document("list.csv", "کد ملی\n0013542419\n".encode())
    assert "✅ افزودن" in reply.buttons
    async with bot.db.session() as s:
        drafts = {d.kind: d for d in (await s.execute(select(Draft))).scalars()}
    waiting = drafts["beneficiaries"]
    assert waiting.state == "confirm" and waiting.data["codes"] == ["0013542419"]
    assert drafts["report"].state == "codes" and drafts["report"].data["jobs"] == 4


async def test_the_newest_conversation_holds_what_it_cannot_take(bot):
    rep = await join(bot, *MARYAM)
    await _report_at_title(rep)
    await rep.send("/obstacle")  # newer than the report, waiting for a button
    reply = await rep.send("طرح پرورش قارچ")
    assert "لطفاً یکی از دکمه‌های پیام را بزنید" in reply.text and "💰 تأمین مالی" in reply.buttons
    async with bot.db.session() as s:
        drafts = {d.kind: d for d in (await s.execute(select(Draft))).scalars()}
    assert drafts["report"].state == "title" and "title" not in drafts["report"].data
    await rep.press("✖️ انصراف")
    reply = await rep.send("طرح پرورش قارچ")  # the obstacle gone, the report takes it
    assert "رد شدن ⏭" in reply.buttons


async def test_a_reply_prompt_takes_text_only_while_it_is_the_newest(bot):
    rep, county = await join(bot, *MARYAM), await join(bot, *COUNTY_SUP)
    await _save_a_report(rep)
    await raise_obstacle(rep, files=False)
    await county.press("💬 پاسخ")
    await county.send("فهرست طرح‌ها را بفرستید.")
    await rep.press("💬 پاسخ به فرمانداری")  # the reply prompt opens; the rep does something else first
    await rep.send("/beneficiaries")
    reply = await rep.send("۳ شغل کشاورزی امروز طرح پرورش قارچ")  # a one-line report, not a reply
    assert "گزارش از پیام شما ساخته شد" in reply.text and "بله، ثبت شده" in reply.buttons
    async with bot.db.session() as s:
        thread = (await s.execute(select(ObstacleMessage))).scalars().all()
        reports = (await s.execute(select(Achievement))).scalars().all()
    assert len(thread) == 1 and len(reports) == 1  # the county's message only; nothing saved yet


async def test_a_forged_argument_on_a_report_button_is_refused_not_an_error(bot):
    rep = await join(bot, *MARYAM)
    await _save_a_report(rep)
    for data in ("mr|show|1|x", "mr|show|1|9999999"):
        await rep.press_data(data, 1)
        assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."
    assert not any("خطایی پیش آمد" in m.plain for m in rep.chat_messages)
