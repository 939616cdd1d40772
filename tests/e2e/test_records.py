"""Every record within reach: a rep pages through all of the agency's reports of the year and opens any of
them by its number; another agency's report is not found."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.schema import Achievement, Person
from tests.e2e.conftest import join, last_sent

MARYAM, ALI = (501, "09121111111"), (502, "09122222222")  # reps of agencies 101 and 102


async def _nineteen_reports(bot) -> None:
    """Nineteen reports of Maryam's agency (#1 the oldest), one of Ali's (#20), one approved."""
    async with bot.db.write() as s:
        maryam = (await s.execute(select(Person).where(Person.phone.like("%1111111")))).scalar_one()
        ali = (await s.execute(select(Person).where(Person.phone.like("%2222222")))).scalar_one()
        for n in range(1, 21):
            agency, person = (1, maryam.id) if n < 20 else (2, ali.id)
            s.add(
                Achievement(
                    agency_id=agency,
                    person_id=person,
                    year=1405,
                    created_on=dt.date(2026, 10, 1) + dt.timedelta(days=n),
                    jobs=n,
                    sector="services",
                    title=f"طرح شمارهٔ {n}",
                    status="approved" if n == 5 else "reported",
                )
            )


async def test_a_rep_reaches_every_report_by_paging_and_by_its_number(bot):
    rep, _ = await join(bot, *MARYAM), await join(bot, *ALI)
    await _nineteen_reports(bot)
    reply = await rep.send("/myreports")
    first = last_sent(reply)
    assert "صفحهٔ ۱ از ۲ (۱۹ گزارش)" in first.plain and "طرح شمارهٔ 19" in first.plain
    assert "طرح شمارهٔ 1 —" not in first.plain and "طرح شمارهٔ 20" not in first.plain
    paging = [label for label, _ in first.inline_buttons if "▶️" in label or "◀️" in label]
    assert paging == ["◀️ بعدی"]
    reply = await rep.press("◀️ بعدی")
    page = bot.api.current(first.chat_id, first.message_id)  # the same message, turned
    assert "صفحهٔ ۲ از ۲" in page.plain and "طرح شمارهٔ 1 —" in page.plain and "طرح شمارهٔ 20" not in page.plain
    assert [label for label, _ in page.inline_buttons if "▶️" in label or "◀️" in label] == ["قبلی ▶️"]
    reply = await rep.press("#۱")  # the oldest, from the second page
    assert "طرح شمارهٔ 1" in reply.text and "✏️ ویرایش و ارسال دوباره" in reply.buttons
    reply = await rep.send("/myreports ۵")  # by its number, in any digits
    assert "طرح شمارهٔ 5" in reply.text and "✏️ ویرایش و ارسال دوباره" not in reply.buttons  # approved
    reply = await rep.send("/myreports #2")
    assert "طرح شمارهٔ 2" in reply.text
    for other in ("۲۰", "999", "abc"):  # another agency's, none, not a number
        reply = await rep.send(f"/myreports {other}")
        assert "در میان گزارش‌های دستگاه شما نیست" in reply.text and "طرح شمارهٔ 20" not in reply.text
    await rep.press_data("mr|page|7", first.message_id)  # past the end: the last page
    assert "صفحهٔ ۲ از ۲" in bot.api.current(first.chat_id, first.message_id).plain


async def test_a_rep_attaches_a_list_to_any_open_report_by_paging_or_by_its_number(bot):
    rep, _ = await join(bot, *MARYAM), await join(bot, *ALI)
    await _nineteen_reports(bot)
    reply = await rep.send("/beneficiaries")
    labels = reply.buttons
    assert "صفحهٔ ۱ از ۳" in reply.text and labels[0].startswith("#۱۹ —")  # 18 open to change, 8 a page
    assert not any(label.startswith(("#۱ —", "#۵ —", "#۲۰ —")) for label in labels)
    reply = await rep.press("◀️ بعدی")
    reply = await rep.press("◀️ بعدی")
    assert "صفحهٔ ۳ از ۳" in reply.text and any(label.startswith("#۱ —") for label in reply.buttons)
    reply = await rep.press("#۱ —")
    assert "فهرست شاغلان گزارش #۱" in reply.text
    await rep.press("✖️ انصراف")
    reply = await rep.send("/beneficiaries ۲")  # by its number
    assert "فهرست شاغلان گزارش #۲" in reply.text
    reply = await rep.send_document("list.csv", "کد ملی\n0013542419\n".encode())
    assert "✅ افزودن" in reply.buttons
    await rep.press("✅ افزودن")
    for other in ("۵", "۲۰", "999"):  # approved, another agency's, none
        reply = await rep.send(f"/beneficiaries {other}")
        assert "قابل ویرایش امسال دستگاه شما نیست" in reply.text


async def test_an_earlier_years_report_and_odd_numbers_are_not_reached(bot):
    rep = await join(bot, *MARYAM)
    await _nineteen_reports(bot)
    async with bot.db.write() as s:
        person = (await s.execute(select(Person).where(Person.phone.like("%1111111")))).scalar_one()
        old = Achievement(
            agency_id=1,
            person_id=person.id,
            year=1404,
            created_on=dt.date(2025, 12, 1),
            jobs=7,
            sector="services",
            title="طرح سال گذشته",
        )
        s.add(old)
        await s.flush()
        old_id = old.id
    for typed in (str(old_id), "²", "\u200f۲۱", "-3"):  # last year's (its figures stay), odd digits
        assert "در میان گزارش‌های دستگاه شما نیست" in (await rep.send(f"/myreports {typed}")).text
        assert "قابل ویرایش امسال دستگاه شما نیست" in (await rep.send(f"/beneficiaries {typed}")).text


async def test_a_report_number_typed_alone_opens_it_for_whoever_may_see_it(bot):
    rep, _ = await join(bot, *MARYAM), await join(bot, *ALI)
    county = await join(bot, 504, "09123333333")  # supervisor of Mashhad county
    await _nineteen_reports(bot)
    async with bot.db.write() as s:
        person = (await s.execute(select(Person).where(Person.phone.like("%1111111")))).scalar_one()
        far = Achievement(
            agency_id=4,  # Nishapur: another county
            person_id=person.id,
            year=1405,
            created_on=dt.date(2026, 11, 1),
            jobs=3,
            sector="services",
            title="طرح نیشابور",
        )
        s.add(far)
        await s.flush()
        far_id = far.id
    reply = await rep.send("#۳")
    assert "طرح شمارهٔ 3" in reply.text and "✏️ ویرایش و ارسال دوباره" in reply.buttons
    assert "در میان گزارش‌های دستگاه شما نیست" in (await rep.send("#۲۰")).text  # another agency's
    reply = await county.send("#۲۰")  # Ali's agency, in the county: with the supervisor's actions
    assert "طرح شمارهٔ 20" in reply.text and "✅ تأیید" in reply.buttons
    reply = await county.send(f"#{far_id}")
    assert "در حوزهٔ شما نیست" in reply.text and "طرح نیشابور" not in reply.text
