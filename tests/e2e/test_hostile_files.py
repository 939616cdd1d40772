"""Hostile files sent by a rep or an admin: each refused with its reason in the user's language, the
conversation left where it was, nothing stored, and everyone else answered meanwhile."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from models import filework
from models.schema import Beneficiary
from tests.e2e.conftest import join
from tests.e2e.test_admin_chat import admin_of
from tests.e2e.test_beneficiary_files import MARYAM, national_code, to_codes_step, xlsx
from tests.kit import bombs

ALI = (502, "09122222222")
GENERIC = "متأسفانه خطایی پیش آمد"
BOMBS = {
    "a row numbered two billion": (bombs.tall_row, "ردیفی با شمارهٔ بیش از ۱۰۰٬۰۰۰"),
    "a gibibyte of shared string": (bombs.huge_shared_string, "ساختار فایل غیرعادی است"),
    "two gigabytes of blank rows": (bombs.blank_rows, "ساختار فایل غیرعادی است"),
    "the whole grid declared, a row far down": (bombs.declared_everything, "ردیفی با شمارهٔ بیش از ۱۰۰٬۰۰۰"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
async def test_a_spreadsheet_bomb_at_the_codes_step_is_refused_and_the_report_goes_on(bot, bomb):
    make, reason = BOMBS[bomb]
    rep = await join(bot, *MARYAM)
    other = await join(bot, *ALI)
    await to_codes_step(rep, "2")
    sent = asyncio.create_task(rep.send_document("list.xlsx", make()))
    assert "تعهد اشتغال" in (await other.send("/status")).text  # another user, answered meanwhile
    reply = await sent
    assert reason in reply.text and GENERIC not in reply.text
    # The report is still at the codes step: typed codes go on from there.
    reply = await rep.send(f"{national_code(11)} {national_code(12)}")
    assert "ثبت در سامانه رصد" in reply.text or "رصد" in reply.text
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Beneficiary))).scalar_one() == 0


async def test_the_roster_bomb_in_chat_is_refused_with_its_reason(bot):
    admin = await admin_of(bot)
    reply = await admin.send_document("roster.xlsx", bombs.declared_everything())
    assert "این فایل وارد نمی‌شود" in reply.text and "ردیفی با شمارهٔ بیش از ۲۰۰٬۰۰۰" in reply.text
    reply = await admin.send_document("roster.xlsx", bombs.huge_shared_string())
    assert "ساختار فایل غیرعادی است" in reply.text and GENERIC not in reply.text


async def test_a_document_without_a_size_is_read(bot):
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep, "2")
    content = xlsx([["کد ملی"], [national_code(21)], [national_code(22)]])
    reply = await rep.send_document("list.xlsx", content, with_size=False)
    assert "۲ ردیف معتبر، ۰ ردیف نامعتبر" in reply.text and GENERIC not in reply.text


async def test_a_document_without_a_size_is_measured_once_downloaded(bot, monkeypatch):
    from models import beneficiary_file

    monkeypatch.setattr(beneficiary_file, "MAX_BYTES", 2 * 1024 * 1024)
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep, "2")
    content = xlsx([["کد ملی"], [national_code(21)]]) + b"\0" * (3 * 1024 * 1024)
    reply = await rep.send_document("list.xlsx", content, with_size=False)
    assert "حجم فایل بیش از ۲ مگابایت است" in reply.text and GENERIC not in reply.text


async def test_a_download_redirected_forever_is_told_and_keeps_the_token_out_of_the_log(bot, api, caplog):
    caplog.set_level(logging.INFO)
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep, "2")
    api.redirect_files = True
    reply = await rep.send_document("list.xlsx", xlsx([["کد ملی"], [national_code(31)]]))
    assert "فایل از پیام‌رسان دریافت نشد" in reply.text and GENERIC not in reply.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "TooManyRedirects" in logged or "redirect" in logged.lower()
    assert api.token not in logged


async def test_files_wait_their_turn_and_a_slow_one_is_abandoned(bot, monkeypatch):
    rep = await join(bot, *MARYAM)
    other = await join(bot, *ALI)
    await to_codes_step(rep, "2")
    await to_codes_step(other, "2")
    release = asyncio.Event()
    loop = asyncio.get_running_loop()
    blockers = [
        asyncio.create_task(
            filework.run(lambda d: asyncio.run_coroutine_threadsafe(release.wait(), loop).result())
        )
        for _ in range(filework.WORKERS)
    ]
    await asyncio.sleep(0.05)
    waiting = asyncio.create_task(rep.send_document("list.xlsx", xlsx([["کد ملی"], [national_code(41)]])))
    for _ in range(100):  # the note arrives while the file waits
        if any("فایل شما در نوبت است" in (m.plain or "") for m in rep.chat_messages):
            break
        await asyncio.sleep(0.02)
    assert any("فایل شما در نوبت است" in (m.plain or "") for m in rep.chat_messages)
    assert "تعهد اشتغال" in (await other.send("/status")).text  # no file: answered at once
    release.set()
    await asyncio.gather(*blockers)
    assert "۱ ردیف معتبر" in (await waiting).text
    monkeypatch.setattr(filework, "SECONDS", 0.0)
    reply = await other.send_document("list.xlsx", xlsx([["کد ملی"], [national_code(42)]]))
    assert "خواندن فایل بیش از حد طول کشید" in reply.text and GENERIC not in reply.text
