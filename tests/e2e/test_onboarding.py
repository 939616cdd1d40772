from sqlalchemy import select

from models.people import create_invite, format_invite
from models.schema import Account, AuditEvent, Person
from tests.e2e.conftest import join


async def test_start_offers_contact_button_and_links_by_own_phone(bot, api):
    rep = bot.user(501, "مریم")
    reply = await rep.send("/start")
    assert "شمارهٔ همراه" in reply.text
    keyboard = reply.last.reply_keyboard
    assert keyboard and keyboard[0][0].get("request_contact") is True
    reply = await rep.share_contact("+98 912 111 1111")
    assert "مریم احمدی عزیز، حساب شما متصل شد" in reply.text
    assert "جهاد کشاورزی مشهد" in reply.text
    assert "📝 ثبت عملکرد" in reply.buttons  # role menu
    async with bot.db.session() as s:
        account = (await s.execute(select(Account).where(Account.platform_user_id == 501))).scalar_one()
        person = await s.get(Person, account.person_id)
        assert person.phone == "+989121111111"
        assert (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "account.link.phone"))
        ).scalar_one()
    # Per-chat command menu published for the rep's role (Bale has none: asked once, then not again).
    published = any(m == "setMyCommands" and "report" in str(p.get("commands")) for m, p in api.calls)
    assert published == (api.platform == "telegram")
    again = await rep.send("/start")
    assert "پیش‌تر متصل شده" in again.text


async def test_contact_of_someone_else_is_refused(bot):
    intruder = bot.user(666, "x")
    reply = await intruder.share_contact("09121111111", own=False)
    assert "شمارهٔ **خودتان**".replace("**", "") in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Account))).first() is None


async def test_phone_as_integer_and_unknown_phone(bot):
    stranger = bot.user(777, "ناشناس")
    reply = await stranger.share_contact(989129999999)
    assert "در فهرست نمایندگان و کارشناسان نیست" in reply.text
    assert "کارشناس اشتغال فرمانداری" in reply.text
    reply = await stranger.send("/report")
    assert "ابتدا باید حساب خود را متصل کنید" in reply.text
    linked = await bot.user(778, "x").share_contact(989122222222)
    assert "علی رضایی" in linked.text


async def test_invite_code_in_persian_digits_is_single_use(bot):
    code = await create_invite(bot.db, role="rep", agency_code="103")
    typed = format_invite(code).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    newcomer = bot.user(900, "فاطمه", last_name="کاظمی")
    reply = await newcomer.send(typed)
    assert "فاطمه کاظمی عزیز، حساب شما متصل شد" in reply.text and "کمیته امداد مشهد" in reply.text
    other = bot.user(901, "دیگری")
    reply = await other.send(code)
    assert "کد دعوت معتبر نیست" in reply.text
    reply = await other.send("سلام")
    assert "ارسال شمارهٔ من" in reply.text


async def test_unlinked_user_is_sent_back_to_onboarding_for_every_command(bot):
    guest = bot.user(1000, "مهمان")
    every = (
        "/report",
        "/status",
        "/ranking",
        "/lang",
        "/digest",
        "/settings",
        "/remind_now",
        "/holidays",
        "/agency 101",
        "/summary",
        "/export",
        "/chart",
        "/template",
        "/beneficiaries",
    )
    for command in every:
        reply = await guest.send(command)
        assert "ابتدا باید حساب خود را متصل کنید" in reply.text, command
    assert "اتصال حساب" in (await guest.send("/help")).text
    assert "کاری در جریان نیست" in (await guest.send("/cancel")).text
    for reply in (await guest.send_sticker(), await guest.send_photo(), await guest.send_voice()):
        assert "ارسال شمارهٔ من" in reply.text
    reply = await guest.press_data("rp|abcdef|ok", 1)
    assert bot.api.callback_answers  # always answered
    async with bot.db.session() as s:
        assert (await s.execute(select(Account))).first() is None


async def test_admin_from_configuration_and_language_switch(bot):
    await bot.restart(BOT_ADMINS="4242")
    admin = bot.user(4242, "Admin")
    reply = await admin.send("/ranking")
    assert "همهٔ دستگاه‌ها" in reply.text and "جهاد کشاورزی نیشابور" in reply.text
    await admin.send("/lang")
    reply = await admin.press("English")
    assert "Language set to English" in reply.text
    reply = await admin.send("/help")
    assert "Help for administrators" in reply.text
    assert "Ranking of agencies in all agencies" in (await admin.send("🏆 Ranking")).text


async def test_join_helper_for_supervisor(bot):
    sup = bot.user(503, "زهرا")
    reply = await sup.share_contact("09123333333")
    assert "حوزه: شهرستان مشهد" in reply.text
    reply = await sup.send("/report")
    assert "برای نقش شما" in reply.text


async def test_errors_are_logged_with_update_id_and_told_in_persian(bot, caplog):
    rep = await join(bot, 501, "09121111111")
    bot.api.fail_next("sendMessage", 400, "Bad Request: something unexpected")
    reply = await rep.send("/status")
    update_id = max(u["update_id"] for u in bot.api.pushed)
    persian_id = str(update_id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert "خطایی پیش آمد" in reply.text and persian_id in reply.text
    assert "Traceback" not in reply.text
    assert any(f"update {update_id}" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert "وضعیت" in (await rep.send("/status")).text  # the next update works again


async def test_command_menu_failures_are_never_fatal(bot, api):
    await bot.stop()
    api.fail_next("setMyCommands", 501, "Not Implemented", times=10)
    await bot.start()
    rep = bot.user(501, "مریم")
    reply = await rep.share_contact("09121111111")
    assert "متصل شد" in reply.text
    assert "گام ۱ از ۶" in (await rep.send("/report")).text
    failed = [name for name, _, _ in api.errors].count("setMyCommands")
    if api.platform == "telegram":
        assert failed == 3  # two defaults and the rep's own
    else:  # Bale has no command menu: after its first refusal the bot stops asking (one per start)
        assert failed == 2 == [name for name, _ in api.calls].count("setMyCommands")


async def test_invited_user_later_shares_a_roster_phone(bot):
    code = await create_invite(bot.db, role="rep", agency_code="103")
    user = bot.user(905, "مریم")
    assert "متصل شد" in (await user.send(code)).text
    reply = await user.share_contact("09121111111")  # Maryam is on the roster for agency 101
    assert "مریم احمدی عزیز" in reply.text and "جهاد کشاورزی مشهد" in reply.text
    async with bot.db.session() as s:
        accounts = (await s.execute(select(Account).where(Account.platform_user_id == 905))).scalars().all()
        assert len(accounts) == 1 and (await s.get(Person, accounts[0].person_id)).phone == "+989121111111"


async def test_deactivated_person_loses_access(bot):
    from models.importer import import_rows

    rep = await join(bot, 501, "09121111111")
    rows = {
        "people": [
            (
                2,
                {
                    "name": "مریم احمدی",
                    "phone": "09121111111",
                    "role": "rep",
                    "agency_code": "101",
                    "active": "no",
                },
            )
        ]
    }
    assert (await import_rows(bot.db, rows)).ok
    assert "ابتدا باید حساب خود را متصل کنید" in (await rep.send("/report")).text
    reply = await rep.share_contact("09121111111")  # told their access ended, not that they are unknown
    assert "دسترسی شما به این ربات پایان یافته است" in reply.text and "در فهرست نمایندگان" not in reply.text


async def test_error_reply_in_the_users_language(bot):
    rep = await join(bot, 501, "09121111111")
    await rep.send("/lang")
    await rep.press("English")
    bot.api.fail_next("sendMessage", 400, "Bad Request: something unexpected")
    reply = await rep.send("/status")
    assert "Sorry, something went wrong" in reply.text


async def test_a_slow_user_does_not_hold_up_others_and_each_users_order_holds(bot, monkeypatch):
    import asyncio

    from handlers import status as status_handler

    maryam, ali = await join(bot, 501, "09121111111"), await join(bot, 502, "09122222222")
    release = asyncio.Event()
    real = status_handler.agency_status

    async def slow_for_maryam(session, agency_id, *args, **kwargs):
        if agency_id == 1:  # Maryam's agency
            await release.wait()
        return await real(session, agency_id, *args, **kwargs)

    monkeypatch.setattr(status_handler, "agency_status", slow_for_maryam)
    slow = bot.api.push_update(bot.api.message_update(maryam.user, "/status"))
    queued = bot.api.push_update(bot.api.message_update(maryam.user, "/help"))
    reply = await ali.send("/status")  # answered while Maryam's /status still waits
    assert "وضعیت بانک کشاورزی مشهد" in reply.text
    release.set()
    await bot.tracker.wait(slow)
    await bot.tracker.wait(queued)
    texts = [m.plain for m in bot.api.outbox if m.chat_id == maryam.chat_id and m.kind == "message"]
    assert "وضعیت جهاد کشاورزی مشهد" in texts[-2] and "راهنمای نمایندهٔ دستگاه" in texts[-1]  # in order


async def test_each_role_is_refused_what_is_not_theirs(bot):
    rep = await join(bot, 501, "09121111111")
    sup = await join(bot, 504, "09123333333")
    for command in ("/digest", "/remind_now", "/holidays", "/agency 101", "/summary", "/export", "/chart"):
        assert "برای نقش شما" in (await rep.send(command)).text, command
    for command in ("/report", "/status", "/beneficiaries", "/remind_now", "/holidays"):
        assert "برای نقش شما" in (await sup.send(command)).text, command
    # /template: the roster for the governorate, the list of people employed for reps (not the roster).
    assert (await sup.send("/template")).last.document["file_name"] == "roster-template.xlsx"
    assert (await rep.send("/template")).last.document["file_name"] == "beneficiaries-template.xlsx"
    assert "برای فرمانداری است" in (await rep.send("/template roster")).text


async def test_lang_with_its_argument_switches_at_once(bot):
    rep = await join(bot, 501, "09121111111")
    reply = await rep.send("/lang en")
    assert "Language set to English." in reply.text and "English" not in reply.buttons  # no question asked
    assert "Employment commitment" in (await rep.send("/status")).text
    reply = await rep.send("/lang فارسی")
    assert "زبان روی فارسی تنظیم شد." in reply.text
    assert "Employment commitment" not in (await rep.send("/status")).text
    reply = await rep.send("/lang klingon")  # not a language: the two buttons
    assert {"فارسی", "English"} <= set(reply.buttons)
