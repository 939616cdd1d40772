"""Administration in chat: the roster file previewed and applied on Confirm, /people (search, deactivate,
move, role), each within the actor's authority."""

from __future__ import annotations

from sqlalchemy import select

from models.schema import Agency, AuditEvent, Commitment, Person
from tests.e2e.conftest import join, last_sent

MARYAM = (501, "09121111111")  # rep, agency 101 (Mashhad)
REZA = (503, "09125555555")  # rep, agency 201 (Nishapur)
COUNTY_SUP = (504, "09123333333")  # Mashhad county

GOOD = (
    "code,name,county,province\n"
    "101,جهاد کشاورزی مشهد,مشهد,خراسان رضوی\n"
    "105,اداره کل تعاون مشهد,مشهد,خراسان رضوی\n"
    "301,جهاد کشاورزی سبزوار,سبزوار,خراسان رضوی\n"
).encode()
BAD = (
    "name,phone,role,agency_code,scope\n"
    "سارا,09129999999,rep,999,\n"
    "بی‌نام,12345,rep,101,\n"
    "نادر,09128888888,supervisor,,\n"
).encode()


async def admin_of(bot):
    await bot.restart(BOT_ADMINS="4242")
    admin = bot.user(4242, "مدیر")
    await admin.send("/start")
    return admin


async def test_import_preview_then_apply_and_bad_rows(bot, api):
    admin = await admin_of(bot)
    assert "به صورت سند بفرستید" in (await admin.send("/import")).text
    reply = await admin.send_document("agencies.csv", GOOD, mime_type="text/csv")
    assert "پیش‌نمایش ورود اطلاعات: agencies.csv" in reply.text
    assert "دستگاه‌ها: ۲ تازه، ۰ به‌روزشده، ۱ بدون تغییر" in reply.text
    async with bot.db.session() as s:  # a preview writes nothing
        assert (await s.execute(select(Agency).where(Agency.code == "105"))).first() is None
    reply = await admin.press("✅ اعمال")
    assert "ورود اطلاعات انجام شد" in reply.text and "۲ تازه" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Agency).where(Agency.code.in_(["105", "301"])))).all()
        actor = (
            await s.execute(select(AuditEvent.actor).where(AuditEvent.action == "agency.create"))
        ).scalars()
        assert set(actor) == {"cli:import", f"person:{(await _admin_id(s))}"}
    # Invalid rows: listed with reasons in Persian, a file of all of them, nothing applied, no Confirm.
    reply = await admin.send_document("people.csv", BAD, mime_type="text/csv")
    assert "۳ ردیف نامعتبر" in reply.text
    assert "برگهٔ people، ردیف ۲: کد دستگاه «۹۹۹» ناشناخته است" in reply.text
    assert "شمارهٔ «۱۲۳۴۵» شمارهٔ همراه نیست" in reply.text and "حوزه (شهرستان یا استان) لازم" in reply.text
    assert "✅ اعمال" not in reply.buttons
    [errors] = [m for m in reply if m.kind == "document"]
    assert (
        errors.document["file_name"] == "import-errors.csv" and "نامعتبر" not in errors.document["file_name"]
    )
    assert "کد دستگاه" in errors.document["content"].decode("utf-8-sig")
    reply = await admin.send_document("notes.txt", b"hello")
    assert "فقط فایل اکسل (\u200e.xlsx) یا \u200e.csv پذیرفته می‌شود" in reply.text
    reply = await admin.send_document("broken.xlsx", b"not a workbook")
    assert "خوانا نیست" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Person).where(Person.name == "سارا"))).first() is None


async def _admin_id(session) -> int:
    return (await session.execute(select(Person.id).where(Person.role == "admin"))).scalar_one()


async def test_a_supervisor_may_not_import_and_a_cancelled_preview_applies_nothing(bot, api):
    county = await join(bot, *COUNTY_SUP)
    assert "در دسترس نیست" in (await county.send("/import")).text
    reply = await county.send_document("agencies.csv", GOOD, mime_type="text/csv")
    assert "پیش‌نمایش" not in reply.text
    admin = await admin_of(bot)
    reply = await admin.send_document("commitments.csv", b"agency_code,year,target\n101,1405,650\n")
    assert "تعهدات: ۰ تازه، ۱ به‌روزشده" in reply.text
    await admin.press("✖️ انصراف")
    async with bot.db.session() as s:
        target = (await s.execute(select(Commitment.target).where(Commitment.agency_id == 1))).scalar_one()
    assert target == 500
    await admin.press_data(reply.last.inline_buttons[0][1], reply.last.message_id)  # the old Confirm
    assert "دیگر معتبر نیست" in (api.callback_answers[-1].get("text") or "")


async def test_people_search_deactivate_move_and_authority(bot, api):
    maryam, reza, county = await join(bot, *MARYAM), await join(bot, *REZA), await join(bot, *COUNTY_SUP)
    reply = await county.send("/people")
    assert "مریم احمدی" in reply.text and "علی رضایی" in reply.text
    assert "رضا کریمی" not in reply.text and "حسین نوری" not in reply.text  # outside / not a rep
    reply = await county.send("/people 1111")  # digits of the phone
    assert "مریم احمدی" in reply.text and "علی رضایی" not in reply.text
    reply = await county.press("مریم احمدی")
    assert "۰۹۱۲•••••۱۱" in reply.text
    assert ("تلگرام" if api.platform == "telegram" else "حساب‌ها: بله") in reply.text
    assert "09121111111" not in reply.text  # never the full phone
    reply = await county.press("⛔️ غیرفعال کردن")
    assert "غیرفعال" in reply.text
    assert "ابتدا باید حساب خود را متصل کنید" in (await maryam.send("/status")).text  # no access
    await county.press("✅ فعال کردن دوباره")
    assert "تعهد اشتغال" in (await maryam.send("/status")).text
    await county.press("🔀 انتقال به دستگاه دیگر")
    assert "پیدا نشد" in (await county.send("201")).text  # Nishapur's agency: outside the county
    reply = await county.send("103")
    assert "نماینده به کمیته امداد مشهد منتقل شد" in reply.text
    async with bot.db.session() as s:
        person = (await s.execute(select(Person).where(Person.phone == "+989121111111"))).scalar_one()
        assert person.agency_id == 3
        actions = (
            await s.execute(
                select(AuditEvent.action).where(
                    AuditEvent.entity == "person", AuditEvent.entity_id == person.id
                )
            )
        ).scalars()
        assert {"person.deactivate", "person.activate", "person.agency"} <= set(actions)
    # Authority: a supervisor cannot touch reps outside the scope, supervisors, or change roles.
    message_id = last_sent(county.chat_messages).message_id
    async with bot.db.session() as s:
        ids = dict((await s.execute(select(Person.phone, Person.id))).all())
    for data in (
        f"pp|off|{ids['+989125555555']}",
        f"pp|off|{ids['+989124444444']}",
        f"pp|role|{person.id}|admin",
    ):
        await county.press_data(data, message_id)
    refused = [a for a in api.callback_answers if a.get("show_alert")]
    assert len(refused) == 3
    assert "در دسترس نیست" in (await reza.send("/people")).text
    # An admin changes a role; a rep with no agency cannot be made.
    admin = await admin_of(bot)
    reply = await admin.send("/people زهرا")
    await admin.press("زهرا موسوی")
    reply = await admin.press("نماینده دستگاه")
    assert "نقش زهرا موسوی به «نماینده دستگاه» تغییر کند؟" in reply.text
    reply = await admin.press("✅ بله، تغییر بده")
    assert "نخست دستگاه این فرد را تعیین کنید" in reply.text
    await admin.press("مدیر سامانه")
    async with bot.db.session() as s:  # not before the confirmation
        assert (
            await s.execute(select(Person.role).where(Person.phone == "+989123333333"))
        ).scalar_one() == "supervisor"
    await admin.press("✅ بله، تغییر بده")
    async with bot.db.session() as s:
        assert (
            await s.execute(select(Person.role).where(Person.phone == "+989123333333"))
        ).scalar_one() == "admin"


async def test_a_deactivated_rep_is_told_their_access_ended_and_people_are_found_by_any_phone(bot):
    admin = await admin_of(bot)
    for typed in ("۰۹۱۲۱۱۱۱۱۱۱", "9121111111", "+98 912 111 1111", "0912111", "1111111"):
        assert "مریم احمدی" in (await admin.send(f"/people {typed}")).text, typed
    await admin.send("/people مریم")
    await admin.press("مریم احمدی")
    assert "غیرفعال" in (await admin.press("⛔️ غیرفعال کردن")).text
    rep = bot.user(MARYAM[0], "مریم")
    await rep.send("/start")
    reply = await rep.share_contact(MARYAM[1])
    assert "دسترسی شما به این ربات پایان یافته است" in reply.text
    assert "در فهرست نمایندگان و کارشناسان نیست" not in reply.text
