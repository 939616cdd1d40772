import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from models import access, drafts, reports
from models.people import link_by_phone, load_identity
from models.schema import Achievement, AuditEvent, Beneficiary
from models.stats import agency_status, ranking, scope_of
from tests.conftest import YEAR

TODAY = dt.date(2026, 11, 29)


async def rep(db, phone: str, user_id: int):
    await link_by_phone(db, "telegram", user_id, user_id, phone)
    async with db.session() as s:
        return await load_identity(s, "telegram", user_id)


_TRACKING = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_tracking_codes():
    global _TRACKING
    _TRACKING = itertools.count(1)


async def report(db, who, jobs: int, *, rasad: bool = False, codes: list[str] | None = None, state="summary"):
    draft = await drafts.start(db, who.account_id, "report", state)
    data = {
        "year": YEAR,
        "sector": "services",
        "jobs": jobs,
        "date": TODAY.isoformat(),
        "title": "طرح آزمایشی",
        "rasad": rasad,
        "codes": codes or [],
    }
    if rasad:  # one Rasad registration is one report: the first is TR-1, the next TR-2, ...
        data["tracking"] = f"TR-{next(_TRACKING)}"
    await drafts.save(db, draft, state, data)
    return await reports.submit(db, who, draft.id, draft.token, TODAY)


async def test_submit_writes_achievement_codes_and_audit_then_closes_draft(seeded):
    who = await rep(seeded, "+989121111111", 501)
    result = await report(seeded, who, 3, rasad=True, codes=["0013542419", "0076229645"])
    assert result.achievement_id is not None and not result.conflicts
    async with seeded.session() as s:
        a = await s.get(Achievement, result.achievement_id)
        assert (a.jobs, a.sector, a.rasad_registered, a.tracking_code, a.created_on) == (
            3,
            "services",
            True,
            "TR-1",
            TODAY,
        )
        codes = set((await s.execute(select(Beneficiary.national_code))).scalars())
        assert codes == {"0013542419", "0076229645"}
        event = (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "achievement.create"))
        ).scalar_one()
        assert event.entity_id == a.id and event.actor_person_id == who.person_id and event.after["jobs"] == 3
        assert await drafts.get(s, who.account_id, "report") is None


async def test_a_draft_is_submitted_once(seeded):
    who = await rep(seeded, "+989121111111", 501)
    draft = await drafts.start(seeded, who.account_id, "report", "summary")
    await drafts.save(
        seeded,
        draft,
        "summary",
        {
            "year": YEAR,
            "sector": "industry",
            "jobs": 1,
            "date": TODAY.isoformat(),
            "title": "abc",
            "rasad": False,
        },
    )
    first = await reports.submit(seeded, who, draft.id, draft.token, TODAY)
    second = await reports.submit(seeded, who, draft.id, draft.token, TODAY)
    assert first.achievement_id and second.achievement_id is None
    async with seeded.session() as s:
        assert (await s.execute(select(func.count()).select_from(Achievement))).scalar_one() == 1


async def test_codes_counted_once_per_year_across_agencies(seeded):
    a = await rep(seeded, "+989121111111", 501)
    b = await rep(seeded, "+989122222222", 502)
    assert (await report(seeded, a, 2, codes=["0013542419"])).achievement_id
    async with seeded.session() as s:
        check = await reports.check_codes(s, "0013542419 0076229645 0076229645", YEAR, 5)
    assert (
        check.already_counted == ["0013542419"] and check.accepted == ["0076229645"] and check.repeated == 1
    )
    # A race: the draft still holds a code another agency took meanwhile -> nothing saved, code dropped.
    result = await report(seeded, b, 2, codes=["0013542419", "0076229645"])
    assert result.achievement_id is None and result.conflicts == ("0013542419",)
    async with seeded.session() as s:
        draft = await drafts.get(s, b.account_id, "report")
        assert draft.data["codes"] == ["0076229645"]


async def test_codes_rules(seeded):
    async with seeded.session() as s:
        check = await reports.check_codes(s, "0013542419 1234567890", YEAR, 5)
        assert check.invalid == ["1234567890"]
        with pytest.raises(access.AnswerError, match="more_codes_than_jobs"):
            await reports.check_codes(s, "0013542419 0076229645", YEAR, 1)
        with pytest.raises(access.AnswerError, match="no_codes"):
            await reports.check_codes(s, " ، ", YEAR, 1)


async def test_status_and_ranking_figures(seeded):
    a = await rep(seeded, "+989121111111", 501)  # agency 101, target 500
    b = await rep(seeded, "+989122222222", 502)  # agency 102, target 300
    await report(seeded, a, 400, rasad=True)
    await report(seeded, a, 20)
    await report(seeded, b, 30, rasad=True)
    async with seeded.session() as s:
        st = await agency_status(s, a.agency_id, YEAR, TODAY)
        assert (st.target, st.achieved, st.registered, len(st.recent)) == (500, 420, 400, 2)
        assert st.behind is False and st.weekly_needed == 5  # 80 left over 16 weeks
        county = await scope_of(s, a)
        page = await ranking(s, county, YEAR, TODAY)
        assert [r.name for r in page.rows] == ["جهاد کشاورزی مشهد", "بانک کشاورزی مشهد", "کمیته امداد مشهد"]
        assert [(r.achieved, r.target, r.registered, r.behind) for r in page.rows] == [
            (420, 500, 400, False),
            (30, 300, 30, True),
            (0, 200, 0, True),
        ]
        assert (page.target, page.achieved, page.registered, page.behind_count) == (1000, 450, 430, 2)
        supervisor = await rep(seeded, "+989124444444", 504)  # province scope
        province = await scope_of(s, supervisor)
        assert province.kind == "province" and len(province.county_ids) == 2
        page = await ranking(s, province, YEAR, TODAY, offset=2, limit=2)
        assert page.total_agencies == 4 and [r.rank for r in page.rows] == [3, 4]


async def test_ranking_ties_prefer_more_registered_then_name(seeded):
    a = await rep(seeded, "+989121111111", 501)  # 101 target 500
    c = await rep(seeded, "+989125555555", 503)  # 201 target 400 (other county)
    await report(seeded, a, 50)
    await report(seeded, c, 40, rasad=True)  # both 10%
    supervisor = await rep(seeded, "+989124444444", 504)
    async with seeded.session() as s:
        page = await ranking(s, await scope_of(s, supervisor), YEAR, TODAY)
    assert [r.name for r in page.rows[:2]] == ["جهاد کشاورزی نیشابور", "جهاد کشاورزی مشهد"]


async def test_concurrent_confirms_save_once(seeded):
    import asyncio

    who = await rep(seeded, "+989121111111", 501)
    draft = await drafts.start(seeded, who.account_id, "report", "summary")
    data = {
        "year": YEAR,
        "sector": "industry",
        "jobs": 1,
        "date": TODAY.isoformat(),
        "title": "abc",
        "rasad": False,
    }
    await drafts.save(seeded, draft, "summary", data)
    results = await asyncio.gather(
        *(reports.submit(seeded, who, draft.id, draft.token, TODAY) for _ in range(4))
    )
    assert sum(1 for r in results if r.achievement_id) == 1
    async with seeded.session() as s:
        assert (await s.execute(select(func.count()).select_from(Achievement))).scalar_one() == 1


async def test_report_keeps_the_year_it_was_started_in(seeded):
    who = await rep(seeded, "+989121111111", 501)
    draft = await drafts.start(seeded, who.account_id, "report", "summary")
    data = {
        "year": 1405,
        "sector": "industry",
        "jobs": 1,
        "date": "2027-03-11",
        "title": "abc",
        "rasad": False,
    }
    await drafts.save(seeded, draft, "summary", data)
    after_nowruz = dt.date(2027, 3, 25)  # 1406/01/05
    result = await reports.submit(seeded, who, draft.id, draft.token, after_nowruz)
    async with seeded.session() as s:
        assert (await s.get(Achievement, result.achievement_id)).year == 1405


async def test_huge_targets_do_not_overflow_the_pace_comparison(seeded):
    from models.importer import import_rows

    rows = {"commitments": [(2, {"agency_code": "101", "year": str(YEAR), "target": "9000000"})]}
    assert (await import_rows(seeded, rows)).ok
    supervisor = await rep(seeded, "+989124444444", 504)
    async with seeded.session() as s:
        page = await ranking(s, await scope_of(s, supervisor), YEAR, TODAY)
    assert page.target == 9_000_900 and page.behind_count == 4


async def test_jobs_of_agencies_without_commitment_stay_out_of_the_percent(seeded):
    from models.importer import import_rows

    rows = {
        "agencies": [
            (2, {"code": "150", "name": "شهرداری مشهد", "county": "مشهد", "province": "خراسان رضوی"})
        ],
        "people": [(2, {"name": "p", "phone": "09126666666", "role": "rep", "agency_code": "150"})],
    }
    assert (await import_rows(seeded, rows)).ok
    who = await rep(seeded, "+989126666666", 506)
    await report(seeded, who, 10, rasad=True)
    async with seeded.session() as s:
        page = await ranking(s, await scope_of(s, who), YEAR, TODAY)
    assert (page.achieved, page.registered, page.target, page.uncommitted_achieved) == (0, 0, 1000, 10)
    assert page.rows[-1].name == "شهرداری مشهد" and page.rows[-1].target == 0
    from models.stats import county_ranking, wider_scope

    async with seeded.session() as s:
        counties = await county_ranking(s, await wider_scope(s, await scope_of(s, who)), YEAR, TODAY)
    mashhad = next(r for r in counties.rows if r.name == "مشهد")
    assert (mashhad.achieved, mashhad.target) == (0, 1000)  # the same rule as the agencies' totals


async def test_totals_always_equal_the_sum_of_achievements(seeded):
    from models.schema import AgencyTotal

    a, b = await rep(seeded, "+989121111111", 501), await rep(seeded, "+989122222222", 502)
    for who, jobs, rasad in ((a, 3, True), (a, 4, False), (b, 9, True), (a, 1, True)):
        await report(seeded, who, jobs, rasad=rasad)
    async with seeded.session() as s:
        sums = dict(
            (
                await s.execute(
                    select(Achievement.agency_id, func.sum(Achievement.jobs)).group_by(Achievement.agency_id)
                )
            ).all()
        )
        totals = {t.agency_id: t for t in (await s.execute(select(AgencyTotal))).scalars()}
    assert {k: v.achieved for k, v in totals.items()} == sums
    assert totals[a.agency_id].registered == 4 and totals[a.agency_id].reports == 3


def test_projections_on_hand_made_series():
    from models.jalali import pace_for
    from models.stats import project

    pace = pace_for(YEAR, TODAY)  # day 254 of 365, 111 days left
    # Steady all year: 254 so far, 30 in the last 30 days -> 365 at either pace.
    steady = project(254, 30, 400, pace)
    assert (steady.whole_year, steady.recent, steady.mark) == (365, 365, "at_risk")
    # Slow start, fast lately: behind the pro-rata path but the last 30 days carry it past the target.
    late = project(200, 90, 500, pace)
    assert (late.whole_year, late.recent, late.mark) == (287, 533, "behind")
    # Ahead of the path but silent for a month: at its recent pace it stops at 400, so at risk.
    ahead = project(400, 0, 500, pace)
    assert (ahead.recent, ahead.mark) == (400, "at_risk")
    done = project(600, 0, 500, pace)
    assert done.mark == "on_pace" and done.weekly_needed == 0
    assert project(10, 5, 0, pace).mark is None  # no commitment, no mark
    early = pace_for(YEAR, dt.date(2026, 3, 30))  # day 10: the window is the 10 days so far
    assert project(10, 10, 300, early).recent == 10 + 10 * early.days_left // 10


async def test_a_rasad_code_is_one_report_of_the_year_whatever_the_agency(seeded):
    maryam, ali = await rep(seeded, "+989121111111", 501), await rep(seeded, "+989122222222", 502)
    first = await report(seeded, maryam, 3, rasad=True)  # TR-1
    draft = await drafts.start(seeded, ali.account_id, "report", "summary")
    data = {"year": YEAR, "sector": "services", "jobs": 2, "date": TODAY.isoformat(), "title": "طرح دیگر"}
    await drafts.save(seeded, draft, "summary", {**data, "rasad": True, "tracking": "tr-1", "codes": []})
    with pytest.raises(access.AnswerError) as refused:
        await reports.submit(seeded, ali, draft.id, draft.token, TODAY)
    assert refused.value.reason == "tracking_taken" and refused.value.details["ref"] == first.achievement_id
    async with seeded.session() as s:
        assert await reports.tracking_owner(s, "TR-1", YEAR) == first.achievement_id
        assert await reports.tracking_owner(s, "TR-1", YEAR, other_than=first.achievement_id) is None
        assert await reports.tracking_owner(s, "TR-1", YEAR + 1) is None
        assert (await s.execute(select(func.count()).select_from(Achievement))).scalar_one() == 1


async def test_a_count_is_checked_against_what_is_left_and_a_third(seeded):
    maryam = await rep(seeded, "+989121111111", 501)  # agency 101: a commitment of 500
    async with seeded.session() as s:
        assert await reports.count_check(s, 1, YEAR, 166) is None  # a third of 500 is 166.7
        check = await reports.count_check(s, 1, YEAR, 167)
        assert check is not None and (check.target, check.achieved, check.remaining) == (500, 0, 500)
    done = await report(seeded, maryam, 150)
    async with seeded.session() as s:
        check = await reports.count_check(s, 1, YEAR, 160)  # under a third, but not over what is left
        assert check is None
        check = await reports.count_check(s, 1, YEAR, 100, amend=done.achievement_id)
        assert check is None  # the report being corrected is not counted twice
    for jobs in (150, 150):
        await report(seeded, maryam, jobs)
    async with seeded.session() as s:
        check = await reports.count_check(s, 1, YEAR, 60)  # 450 reported: 50 left
        assert check is not None and (check.achieved, check.remaining) == (450, 50)


async def test_the_last_report_moves_only_forward(seeded):
    """Reports loaded out of order (a back-fill, the demo) keep the latest as the agency's last report."""
    from models import totals
    from models.schema import AgencyTotal

    later, earlier = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC), dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
    async with seeded.write() as s:
        await totals.add(s, 3, YEAR, later.date(), 5, 0, later)
        await totals.add(s, 3, YEAR, earlier.date(), 7, 0, earlier)
    async with seeded.session() as s:
        total = await s.get(AgencyTotal, (3, YEAR))
    assert total.achieved == 12 and total.last_report_at == later
