"""/invite in chat: a supervisor issues a one-time code for a rep of an agency of their scope only."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import AuditEvent, Person
from tests.e2e.conftest import join, last_sent

MARYAM = (501, "09121111111")
COUNTY_SUP = (504, "09123333333")  # Mashhad county
PROVINCE_SUP = (505, "09124444444")


async def test_supervisor_invites_a_new_rep_who_joins_with_the_code(bot, api):
    county = await join(bot, *COUNTY_SUP)
    assert "کد یا نام دستگاه" in (await county.send("/invite")).text
    assert "پیدا نشد" in (await county.send("/invite 201")).text  # Nishapur: not in the county
    reply = await county.send("/invite ۱۰۳")
    assert "کد دعوت نمایندهٔ کمیته امداد مشهد" in reply.text
    code = reply.text.split("\n")[1].strip()
    newcomer = bot.user(601, "نرگس")
    await newcomer.send("/start")
    reply = await newcomer.send(code)
    assert "حساب شما متصل شد" in reply.text and "کمیته امداد مشهد" in reply.text
    assert "معتبر نیست" in (await bot.user(602, "دیگری").send(code)).text  # single use
    async with bot.db.session() as s:
        person = (await s.execute(select(Person).where(Person.name == "نرگس"))).scalar_one()
        assert (person.role, person.agency_id) == ("rep", 3)
        event = (await s.execute(select(AuditEvent).where(AuditEvent.action == "invite.create"))).scalar_one()
        assert event.actor_person_id is not None and event.actor.startswith("person:")


async def test_invite_choices_and_authorization(bot, api):
    province, county, rep = (
        await join(bot, *PROVINCE_SUP),
        await join(bot, *COUNTY_SUP),
        await join(bot, *MARYAM),
    )
    reply = await province.send("/invite جهاد کشاورزی")
    assert len(reply.last.inline_buttons) == 2
    reply = await province.press("جهاد کشاورزی نیشابور")
    assert "کد دعوت نمایندهٔ جهاد کشاورزی نیشابور" in reply.text
    message_id = last_sent(province.chat_messages).message_id
    before = len([a for a in api.callback_answers if a.get("show_alert")])
    await county.press_data("iv|4", message_id)  # Nishapur's agency, forged by the county's supervisor
    await county.press_data("iv|x", message_id)
    await rep.press_data("iv|1", message_id)
    after = [a for a in api.callback_answers if a.get("show_alert")]
    assert len(after) == before + 2  # the rep is refused by role (a message, not an alert)
    assert "در دسترس نیست" in (await rep.send("/invite 101")).text
    async with bot.db.session() as s:
        issued = (await s.execute(select(AuditEvent).where(AuditEvent.action == "invite.create"))).all()
        assert len(issued) == 1
