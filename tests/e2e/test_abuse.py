"""Abuse: one user flooding the bot, guessing invite codes; secrets kept out of the logs."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from models.people import create_invite, format_invite
from models.schema import Account, AuditEvent
from tests.e2e.conftest import join
from tests.e2e.test_status_ranking import file_report


async def test_a_flooding_user_is_told_once_then_dropped_and_served_again_after_the_window(
    bot, api, monkeypatch
):
    clock = [1000.0]  # the gate's clock, moved by hand: no test depends on how fast the machine is
    monkeypatch.setattr("bot.updates.monotonic", lambda: clock[0])
    await bot.restart(USER_RATE_LIMIT=5, USER_RATE_WINDOW=60)
    rep = await join(bot, 501, "09121111111")  # 2 updates
    answers = [await rep.send("/help") for _ in range(6)]
    assert [bool(a) for a in answers] == [True, True, True, True, False, False]
    told = [m for m in rep.chat_messages if "خیلی پشت سر هم" in m.plain]
    assert len(told) == 1
    clock[0] += 61
    assert "راهنمای نمایندهٔ دستگاه" in (await rep.send("/help")).text
    # Buttons too: the alert says why; dropped presses change nothing.
    other = await join(bot, 502, "09122222222")
    for _ in range(4):
        await other.press_data("lg|fa", 1)
    assert api.callback_answers[-1].get("text", "").startswith("پیام‌ها خیلی پشت سر هم")
    # The slow-down note failing to send does not let the update through.
    third = await join(bot, 503, "09125555555")
    for _ in range(3):
        await third.send("/help")
    api.fail_next("sendMessage", 400, "Bad Request: chat not found", times=1)
    assert not [m for m in await third.send("/status") if m.kind == "message"]


async def test_invite_guessing_is_stopped_after_five_wrong_codes(bot, api):
    code = await create_invite(bot.db, role="rep", agency_code="103")
    guesser = bot.user(666, "حدس‌زن")
    await guesser.send("/start")
    for guess in ("1111111111", "2222222222", "3333333333", "4444444444", "5555555555"):
        assert "معتبر نیست" in (await guesser.send(guess)).text
    reply = await guesser.send(format_invite(code))  # even the right code: not checked for an hour
    assert "تا یک ساعت کد دیگری بررسی نمی‌شود" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(Account).where(Account.platform_user_id == 666))).first() is None
        fails = (
            await s.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "invite.fail")
            )
        ).scalar_one()
        assert fails == 5
    # Another account is not held back by this one's guesses.
    assert "حساب شما متصل شد" in (await bot.user(667, "نماینده").send(format_invite(code))).text


async def test_tokens_phones_and_invite_codes_never_reach_the_logs(bot, api, caplog):
    from bot.__main__ import _logging

    _logging()  # as the bot runs: INFO, the libraries that log URLs (with the token) held to warnings
    caplog.set_level(logging.INFO)
    rep = await join(bot, 501, "09121111111")
    await file_report(rep, "12", rasad=True)
    await rep.send("/report")
    await rep.send("⛔ کد: ' OR 1=1; --")
    await rep.press_data("xx|forged|1", 1)  # forged: logged with the update id
    code = await create_invite(bot.db, role="rep", agency_code="102")
    newcomer = bot.user(601, "نو")
    await newcomer.send("/start")
    await newcomer.send(format_invite(code))
    await bot.user(602, "دیگری").send("/start")
    await bot.user(602, "دیگری").share_contact("09120000000")  # not on the roster
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "refused" in text or "unrecognised" in text  # the forged button was logged
    for secret in (api.token, "9121111111", "9120000000", code, format_invite(code)):
        assert secret not in text, secret
