"""Many reps reporting at the same moment: every confirm is saved once, nobody meets "database is locked"
(SQLite serialises writers with a busy timeout), and the totals stay equal to the sum of the reports."""

from __future__ import annotations

import asyncio

from models import doctor
from tests.e2e.test_delivery import _many_reps
from tests.e2e.test_status_ranking import file_report


async def test_twelve_reps_report_at_once_and_nothing_is_lost_or_refused(bot):
    reps = await _many_reps(bot, 12)
    replies = await asyncio.gather(
        *(file_report(rep, str(i + 1), rasad=i % 2 == 0) for i, rep in enumerate(reps))
    )
    for reply in replies:
        assert "گزارش ثبت شد" in reply.text and "خطایی پیش آمد" not in reply.text, reply.text
    saved = await bot.achievements()
    assert sorted(a.jobs for a in saved) == list(range(1, 13))
    found = await doctor.examine(bot.db)
    assert found.ok and found.achievements == 12
    assert not [e for e in bot.api.errors if "locked" in e[2]]
