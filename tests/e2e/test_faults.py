"""Bot API faults during a conversation: the messenger's gateway failing while a report is confirmed."""

from __future__ import annotations

from tests.e2e.conftest import join
from tests.e2e.test_status_ranking import file_report


async def test_a_confirm_during_an_outage_is_saved_once_and_answered_after_recovery(bot, api):
    rep = await join(bot, 501, "09121111111")
    summary = await file_report(rep, "14", confirm=False)
    assert "خلاصهٔ گزارش" in summary.text
    # Polling fails twice (PTB waits and tries again), then the first replies hit a 502 burst.
    api.fail_next("getUpdates", 502, "Bad Gateway", times=2)
    api.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    rep.timeout = 20
    reply = await rep.press("✅ تأیید و ثبت")
    assert "گزارش ثبت شد" in reply.text  # the gateway's burst did not swallow the confirmation
    assert [name for name, _, _ in api.errors].count("sendMessage") == 2
    # The same button again, after recovery: nothing more is saved.
    await rep.press_data(summary.last.inline_buttons[0][1], summary.last.message_id)
    assert len(await bot.achievements()) == 1


async def test_a_gateway_down_longer_than_the_retries_still_saves_and_the_status_tells(bot, api):
    rep = await join(bot, 501, "09121111111")
    await file_report(rep, "14", confirm=False)
    api.fail_next("sendMessage", 503, "Service Unavailable", times=3)  # the first try and both retries
    reply = await rep.press("✅ تأیید و ثبت")
    assert "گزارش ثبت شد" not in reply.text  # the reply is lost; the report is not
    assert len(await bot.achievements()) == 1
    reply = await rep.send("/status")
    assert "محقق‌شده: ۱۴" in reply.text and "طرح نمونه" in reply.text
