"""/obstacle: a rep raises an obstacle with evidence; the county's supervisors hear of it at once and
answer in a kept thread; /obstacles lists open ones; every action is authorized on the server."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import Attachment, AuditEvent, Obstacle, ObstacleMessage
from tests.e2e.conftest import join, last_sent

MARYAM = (501, "09121111111")  # rep, agency 101 (Mashhad)
ALI = (502, "09122222222")  # rep, agency 102 (Mashhad)
REZA = (503, "09125555555")  # rep, agency 201 (Nishapur)
COUNTY_SUP = (504, "09123333333")  # supervisor, Mashhad county
PROVINCE_SUP = (505, "09124444444")  # supervisor, the province

DESCRIPTION = "بانک عامل تسهیلات اشتغال روستایی را از مهر متوقف کرده است و ۴۰ طرح معطل مانده‌اند."


async def raise_obstacle(rep, *, files: bool = True):
    await rep.send("/obstacle")
    await rep.press("💰 تأمین مالی")
    await rep.send(DESCRIPTION)
    if files:
        await rep.send_photo()
        await rep.send_document("letter.pdf", b"%PDF-1.4 letter", mime_type="application/pdf")
        await rep.press("⏭ ادامه")
    else:
        await rep.press("رد شدن ⏭")
    await rep.send("پیگیری از مدیریت بانک استان")
    return await rep.press("✅ تأیید و ارسال به فرمانداری")


def alerts(api) -> list[str]:
    return [a.get("text") or "" for a in api.callback_answers if a.get("show_alert")]


async def test_rep_raises_an_obstacle_with_bad_answers_on_the_way(bot, api):
    rep = await join(bot, *MARYAM)
    county, province = await join(bot, *COUNTY_SUP), await join(bot, *PROVINCE_SUP)
    reply = await rep.send("/obstacle")
    assert "اعلام مانع — گام ۱ از ۴" in reply.text and "⚖️ حقوقی" in reply.buttons
    assert "لطفاً یکی از دکمه‌ها" in (await rep.send("مالی")).text  # buttons expected
    await rep.press("💰 تأمین مالی")
    assert "دست‌کم ۱۰ نویسه" in (await rep.send("پول نیست")).text
    assert "به صورت متن" in (await rep.send_sticker()).text
    assert "حداکثر ۲٬۰۰۰ نویسه" in (await rep.send("ا" * 2001)).text
    reply = await rep.send(DESCRIPTION)
    assert "گام ۳ از ۴" in reply.text and "رد شدن ⏭" in reply.buttons
    assert "عکس یا فایل بفرستید" in (await rep.send("نامه دارم")).text
    assert "عکس یا فایل بفرستید" in (await rep.send_voice()).text
    reply = await rep.send_photo()
    assert "فایل دریافت شد (۱)" in reply.text and "⏭ ادامه" in reply.buttons
    await rep.send_document("letter.pdf", b"%PDF-1.4 letter", mime_type="application/pdf")
    await rep.press("⏭ ادامه")
    # A command mid-flow answers, and the obstacle stays where it was.
    assert "تعهد اشتغال" in (await rep.send("/status")).text
    reply = await rep.send("پیگیری از مدیریت بانک استان")
    assert "خلاصهٔ مانع" in reply.text and "📎 پیوست: ۲" in reply.text and "تأمین مالی" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Obstacle))).first() is None  # nothing before the confirm
    reply = await rep.press("✅ تأیید و ارسال به فرمانداری")
    assert "مانع با شمارهٔ ۱ ثبت شد" in reply.text
    async with bot.db.session() as s:
        obstacle = (await s.execute(select(Obstacle))).scalar_one()
        assert (obstacle.agency_id, obstacle.category, obstacle.status) == (1, "financing", "open")
        assert obstacle.description == DESCRIPTION
        files = (await s.execute(select(Attachment).order_by(Attachment.id))).scalars().all()
        assert [(f.kind, f.name, f.platform) for f in files] == [
            ("photo", None, api.platform),
            ("document", "letter.pdf", api.platform),
        ]
        assert (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "obstacle.create"))
        ).scalar_one()
    # The county's supervisor hears of it at once, with its buttons; the province's does not (the county
    # has its own).
    notice = last_sent(county.chat_messages)
    assert "مانع تازه از یک دستگاه" in notice.plain and "جهاد کشاورزی مشهد" in notice.plain
    labels = [t for t, _ in notice.inline_buttons]
    assert labels == ["👁 در دست رسیدگی", "💬 پاسخ", "✅ رفع شد", "📎 دیدن پیوست‌ها"]
    assert not any("مانع تازه" in m.plain for m in province.chat_messages)


async def test_thread_between_supervisor_and_rep_then_resolved(bot, api):
    rep, county = await join(bot, *MARYAM), await join(bot, *COUNTY_SUP)
    await raise_obstacle(rep)
    await county.press("💬 پاسخ")
    assert "دست‌کم ۲ نویسه" in (await county.send("خ")).text
    reply = await county.send("با مدیر بانک جلسه گذاشتیم؛ فهرست طرح‌ها را بفرستید.")
    assert "پاسخ شما دربارهٔ مانع ۱ ثبت و فرستاده شد" in reply.text
    told = last_sent(rep.chat_messages)
    assert "پاسخ تازه دربارهٔ مانع ۱" in told.plain and "فهرست طرح‌ها را بفرستید" in told.plain
    await rep.press("💬 پاسخ به فرمانداری")
    await rep.send("فهرست ۴۰ طرح پیوست نامه است.")
    assert "فهرست ۴۰ طرح" in last_sent(county.chat_messages).plain
    reply = await county.send("/obstacles")
    assert "موانع باز (۱)" in reply.text and "در دست رسیدگی" in reply.text  # a reply acknowledges
    reply = await county.press("#۱")
    assert "گفت‌وگو" in reply.text and reply.text.count("• ") == 2
    reply = await county.press("📎 دیدن پیوست‌ها")
    assert [m.kind for m in reply] == ["photo", "document"]
    assert reply[1].document["file_name"] == "letter.pdf"
    await county.press("✅ رفع شد")
    assert "مانع ۱ شما رفع‌شده اعلام شد" in last_sent(rep.chat_messages).plain
    assert "مانع بازی وجود ندارد" in (await county.send("/obstacles")).text
    assert "مانع بازی وجود ندارد" in (await rep.send("/obstacles")).text
    async with bot.db.session() as s:
        thread = (await s.execute(select(ObstacleMessage).order_by(ObstacleMessage.id))).scalars().all()
        assert len(thread) == 2 and (await s.get(Obstacle, 1)).status == "resolved"
        actions = (
            await s.execute(select(AuditEvent.action).where(AuditEvent.entity == "obstacle"))
        ).scalars()
        assert sorted(actions) == [
            "obstacle.create",
            "obstacle.message",
            "obstacle.message",
            "obstacle.resolve",
        ]
    # A resolved obstacle takes no more replies, even from an old button.
    await rep.press("💬 پاسخ به فرمانداری")
    assert "رفع‌شده و بسته است" in rep.chat_messages[-1].plain


async def test_obstacle_actions_are_authorized_on_the_server(bot, api):
    rep, county = await join(bot, *MARYAM), await join(bot, *COUNTY_SUP)
    other_rep, far_rep = await join(bot, *ALI), await join(bot, *REZA)
    province = await join(bot, *PROVINCE_SUP)
    await raise_obstacle(rep, files=False)
    message_id = last_sent(county.chat_messages).message_id
    for user in (other_rep, far_rep):
        for data in ("ox|show|1", "ox|reply|1", "ox|ack|1", "ox|res|1", "ox|files|1"):
            reply = await user.press_data(data, message_id)
            assert not [m for m in reply if m.kind == "message"], (data, reply.text)
        assert "مانع بازی وجود ندارد" in (await user.send("/obstacles")).text
    assert len(alerts(api)) == 10
    before = len(alerts(api))
    await rep.press_data("ox|res|1", message_id)  # the rep may not resolve their own obstacle
    await county.press_data("ox|show|999", message_id)  # no such obstacle
    await county.press_data("ox|zap|1", message_id)  # no such action
    assert len(alerts(api)) == before + 3
    async with bot.db.session() as s:
        assert (await s.get(Obstacle, 1)).status == "open"
    # The province's supervisor may act on it (the county is in the province).
    reply = await province.press_data("ox|show|1", message_id)
    assert "مانع ۱" in reply.text
    await province.press_data("ox|ack|1", message_id)
    async with bot.db.session() as s:
        assert (await s.get(Obstacle, 1)).status == "acknowledged"
    assert "در دست رسیدگی فرمانداری است" in last_sent(rep.chat_messages).plain


async def test_cancel_and_stale_buttons(bot, api):
    rep = await join(bot, *MARYAM)
    await rep.send("/obstacle")
    first = rep.chat_messages[-1]
    data, message_id = first.inline_buttons[0][1], first.message_id
    await rep.press("🏗 زمین یا محل")
    reply = await rep.press_data(data, message_id)  # pressed again: the conversation is a step further
    assert "گام ۲ از ۴" in reply.text
    reply = await rep.send("/cancel")
    assert "کار جاری لغو شد؛ چیزی ذخیره نشد" in reply.text
    reply = await rep.press_data(data, message_id)
    assert "دیگر معتبر نیست" in (api.callback_answers[-1].get("text") or "")
    async with bot.db.session() as s:
        assert (await s.execute(select(Obstacle))).first() is None
    # A supervisor may not start one.
    county = await join(bot, *COUNTY_SUP)
    assert "در دسترس نیست" in (await county.send("/obstacle")).text


async def test_a_reply_cancelled_sends_nothing(bot, api):
    rep, county = await join(bot, *MARYAM), await join(bot, *COUNTY_SUP)
    await raise_obstacle(rep, files=False)
    seen = len(rep.chat_messages)
    await county.press("💬 پاسخ")
    reply = await county.press("✖️ انصراف")
    assert "لغو شد؛ چیزی فرستاده نشد" in reply.text
    reply = await county.send("این متن پاسخ نیست")  # no reply open any more
    assert "متوجه نشدم" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(ObstacleMessage))).first() is None
    assert len(rep.chat_messages) == seen
