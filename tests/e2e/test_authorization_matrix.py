"""Every command and every button on a record × every role: none, a rep of agency A (who owns the
records), a rep of agency B (same county), the county's supervisor, the province's supervisor, an admin.
Allowed or refused as the table says; a refusal is a message or an alert, and nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import Person
from tests.e2e.conftest import join
from tests.e2e.test_obstacles import raise_obstacle
from tests.e2e.test_plans import write_plan
from tests.e2e.test_status_ranking import file_report

ROLES = ("none", "rep_a", "rep_b", "county", "province", "admin")
REPS, SUPS, ALL = {"rep_a", "rep_b"}, {"county", "province", "admin"}, set(ROLES) - {"none"}
COMMANDS = {
    "report": REPS,
    "status": REPS,
    "obstacle": REPS,
    "plan": REPS,
    "myreports": REPS,
    "beneficiaries": REPS,
    "summary": SUPS,
    "chart": SUPS,
    "export": SUPS,
    "agency": SUPS,
    "digest": SUPS,
    "review": SUPS,
    "invite": SUPS,
    "people": SUPS,
    "remind_now": {"admin"},
    "holidays": {"admin"},
    "import": {"admin"},
    "ranking": ALL,
    "template": ALL,
    "settings": ALL,
    "obstacles": ALL,
    "lang": ALL,
}
OWNER, VIEWERS = {"rep_a"}, {"rep_a", "county", "province", "admin"}
# Buttons naming agency A's records (ids 1); state-changing ones come late, the roster's last.
BUTTONS = [
    ("ox|show|1", VIEWERS),
    ("ox|files|1", VIEWERS),
    ("px|show|1", VIEWERS),
    ("rv|show|1", SUPS),
    ("rv|next|1", SUPS),
    ("mr|show|1", OWNER),
    ("mr|files|1", OWNER),
    ("ag|1", SUPS),
    ("iv|1", SUPS),
    ("ox|reply|1", VIEWERS),
    ("ox|ack|1", SUPS),
    ("px|ret|1", SUPS),
    ("px|ok|1", SUPS),
    ("px|again|1", OWNER),
    ("mr|ev|1", OWNER),
    ("mr|wd|1|1", OWNER),
    ("rv|ret|1|1", SUPS),
    ("rv|ok|1|1", SUPS),
    ("mr|edit|1|1", OWNER),
    ("ox|res|1", SUPS),
    ("pp|show|{rep_a}", SUPS),
    ("pp|role|{rep_a}|admin", {"admin"}),
    ("pp|off|{rep_a}", SUPS),
]
NOT_ALLOWED, NEED_LINK, BAD_BUTTON = (
    "در دسترس نیست",
    "ابتدا باید حساب خود را متصل کنید",
    "این دکمه شناخته‌شده نیست.",
)


async def _people(bot):
    await bot.restart(BOT_ADMINS="4242")
    users = {
        "rep_a": await join(bot, 501, "09121111111"),
        "rep_b": await join(bot, 502, "09122222222"),
        "county": await join(bot, 504, "09123333333"),
        "province": await join(bot, 505, "09124444444"),
        "none": bot.user(777, "ناشناس"),
    }
    users["admin"] = bot.user(4242, "مدیر")
    await users["admin"].send("/start")
    return users


def _refused(api, reply, before: int) -> bool:
    alerts = [a.get("text") for a in api.callback_answers[before:] if a.get("show_alert")]
    return BAD_BUTTON in alerts or NOT_ALLOWED in reply.text or NEED_LINK in reply.text


async def test_every_command_by_every_role(bot, api):
    users = await _people(bot)
    wrong = []
    for command, allowed in COMMANDS.items():
        for role in ROLES:
            reply = await users[role].send(f"/{command}")
            refused = NOT_ALLOWED in reply.text or NEED_LINK in reply.text
            if refused == (role in allowed):
                wrong.append((command, role, reply.text[:80]))
            if role != "none":
                await users[role].send("/cancel")
    assert wrong == []


async def test_every_button_on_a_record_by_every_role(bot, api):
    users = await _people(bot)
    rep_a = users["rep_a"]
    await raise_obstacle(rep_a, files=False)
    await write_plan(rep_a, "100", "100", "100", "100")
    await rep_a.press("✅ ارسال برای تأیید فرمانداری")
    await file_report(rep_a, "12")
    async with bot.db.session() as s:
        person_a = (await s.execute(select(Person.id).where(Person.phone == "+989121111111"))).scalar_one()
    wrong = []
    message_id = 1
    for template, allowed in BUTTONS:
        data = template.format(rep_a=person_a)
        # Refused roles first: a refusal must leave the record as the allowed roles then find it.
        for role in sorted(ROLES, key=lambda r: r in allowed):
            before = len(api.callback_answers)
            reply = await users[role].press_data(data, message_id)
            if _refused(api, reply, before) == (role in allowed):
                wrong.append((data, role, reply.text[:80]))
            if role != "none":
                await users[role].send("/cancel")
    assert wrong == []
