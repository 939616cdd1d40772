from models import drafts
from models.runtime import LastQuestions
from models.schema import Draft
from tests.unit.test_stats_reports import rep


async def test_save_is_refused_for_a_replaced_draft_and_moves_the_newest(seeded):
    who = await rep(seeded, "+989121111111", 501)
    report = await drafts.start(seeded, who.account_id, "report", "sector", {"year": 1405})
    obstacle = await drafts.start(seeded, who.account_id, "obstacle", "category")
    async with seeded.engine.connect() as conn:
        assert drafts.newest_of(await drafts.of_account(conn, who.account_id)).kind == "obstacle"

    assert await drafts.save(seeded, report, "jobs", {"year": 1405, "sector": "industry"})
    assert (report.state, report.data["sector"]) == ("jobs", "industry")
    async with seeded.engine.connect() as conn:
        stored = await drafts.of_account(conn, who.account_id)
    assert set(stored) == {"report", "obstacle"}
    assert (stored["report"].state, stored["report"].data) == ("jobs", {"year": 1405, "sector": "industry"})
    assert stored["report"].updated_at >= stored["obstacle"].updated_at
    assert drafts.newest_of(stored).kind == "report"  # the one touched last

    # /report again: a new token, and the old draft object can no longer write
    await drafts.start(seeded, who.account_id, "report", "sector")
    assert not await drafts.save(seeded, report, "date", {"year": 1405})
    async with seeded.session() as s:
        assert (await drafts.get(s, who.account_id, "report")).state == "sector"
    assert drafts.newest_of({}) is None
    assert isinstance(obstacle, Draft)


def test_last_questions_follow_one_draft_and_forget_the_oldest():
    memory = LastQuestions(size=2)
    assert memory.swap(1, "report", "aaa", 10) is None
    assert memory.swap(1, "report", "aaa", 12) == 10
    assert memory.swap(1, "report", "bbb", 15) is None  # a new draft: the old one's question is not its
    assert memory.swap(2, "report", "ccc", 20) is None
    assert memory.swap(3, "plan", "ddd", 30) is None  # three conversations in a memory of two
    assert memory.swap(1, "report", "bbb", 16) is None  # the oldest was forgotten
    assert memory.swap(3, "plan", "ddd", 31) == 30
