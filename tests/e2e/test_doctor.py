"""`python -m bot doctor`: after a year's worth of writes through the bot (reports, a correction, an
approval, a withdrawal, a list of people employed), the kept totals equal the sum of achievements and every
achievement is audited and versioned; a tampered total is found, and --fix rewrites it."""

from __future__ import annotations

from sqlalchemy import delete, update

from bot.__main__ import _doctor
from models import doctor
from models.schema import AgencyDay, AgencyTotal, AuditEvent
from tests.conftest import settings_for
from tests.e2e.conftest import join, last_sent
from tests.e2e.test_status_ranking import file_report


async def test_totals_match_after_every_kind_of_write_and_a_tampered_total_is_fixed(bot, db_url, capsys):
    maryam, ali = await join(bot, 501, "09121111111"), await join(bot, 502, "09122222222")
    county = await join(bot, 504, "09123333333")
    await file_report(maryam, "40", rasad=True)
    await file_report(maryam, "25")
    await file_report(ali, "10")
    await county.send("/review")
    await county.press("↩️ بازگرداندن با دلیل")
    await county.send("تعداد با مستندات نمی‌خواند.")
    await maryam.press("✏️ ویرایش و ارسال دوباره")
    await maryam.press("✏️ ویرایش")
    await maryam.press("تعداد شغل")
    await maryam.send("35")
    await maryam.press("✅ ارسال دوباره برای بررسی")
    await county.press("✅ تأیید", message=last_sent(county.chat_messages))
    await ali.send("/myreports")
    await ali.press("#۳")
    await ali.press("🗑 پس گرفتن")
    await ali.press("🗑 بله، پس بگیر")
    found = await doctor.examine(bot.db)
    assert found.ok, (found.totals, found.days, found.unaudited, found.unversioned)
    assert (found.achievements, found.agencies) == (3, 1)  # Ali's only report was withdrawn
    settings = settings_for(db_url)
    assert await _doctor(settings, fix=False) == 0
    assert "totals equal the sum of achievements" in capsys.readouterr().out
    # Tampering: a total raised by hand, a day's row lost, an audit event deleted.
    async with bot.db.write() as s:
        await s.execute(
            update(AgencyTotal).where(AgencyTotal.agency_id == 1).values(achieved=AgencyTotal.achieved + 7)
        )
        await s.execute(delete(AgencyDay).where(AgencyDay.agency_id == 1))
        await s.execute(
            delete(AuditEvent).where(AuditEvent.action == "achievement.create", AuditEvent.entity_id == 2)
        )
    assert await _doctor(settings, fix=False) == 1
    out = capsys.readouterr().out
    assert "agency 1, 1405: achieved is 67, the achievements sum to 60" in out
    assert "daily jobs is 0, the achievements sum to 60" in out
    assert "achievements not in the audit log (1): [2]" in out and "doctor --fix" in out
    assert await _doctor(settings, fix=True) == 1  # the totals are fixed; the missing audit event is not
    out = capsys.readouterr().out
    assert "totals rewritten from the achievements for 1 agency-years" in out
    found = await doctor.examine(bot.db)
    assert not found.totals and not found.days and found.unaudited == [2]
    assert "جمع: ۶۰ از" in (await county.send("/ranking")).text  # the bot reads the rewritten totals
