"""A supervisor's work queue (کارتابل) over their scope and the reporting year: what waits for the
governorate, oldest first. Nobody is asked to decide on what they sent themselves (a rep since promoted).

Five queues:
- reports awaiting review, waiting since their latest version was sent;
- catch-up plans awaiting a decision;
- obstacles without the governorate's written answer: none yet (waiting since raised), or the agency wrote
  again after the last one (waiting since its first message after it). An acknowledgement without a word is
  no answer;
- agencies behind the pace (the ranking's mark) with no approved plan for the year, furthest behind first
  (one whose plan awaits a decision is in the plans queue instead: the next step there is the deputy's);
- agencies that reported nothing in the last 30 days, the longest silent first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.review import PENDING
from models.schema import (
    Achievement,
    AchievementVersion,
    Agency,
    AgencyTotal,
    Obstacle,
    ObstacleMessage,
    Person,
    Plan,
)
from models.stats import Scope, ranking

QUEUES = ("reports", "plans", "obstacles", "behind", "silent")
SILENT_DAYS = 30


@dataclass(frozen=True)
class Item:
    id: int  # the record's (report, plan, obstacle), or the agency's for the agency queues
    agency_id: int
    agency: str
    since: dt.datetime | None  # waiting since (records); last report (silent agencies; None: never)
    jobs: int = 0  # a report's
    category: str = ""  # an obstacle's
    achieved: int = 0  # an agency's, with its commitment
    target: int = 0


@dataclass(frozen=True)
class Counts:
    reports: int
    plans: int
    obstacles: int
    oldest_obstacle: dt.datetime | None  # since when the longest-waiting obstacle waits
    behind: int
    silent: int

    def of(self, queue: str) -> int:
        return int(getattr(self, queue))

    @property
    def empty(self) -> bool:
        return not any(self.of(q) for q in QUEUES)


def _scoped(query: Select, scope: Scope) -> Select:
    return query if scope.county_ids is None else query.where(Agency.county_id.in_(scope.county_ids))


def _reports(scope: Scope, year: int, me: int) -> Select:
    latest = and_(
        AchievementVersion.achievement_id == Achievement.id, AchievementVersion.version == Achievement.version
    )
    since = func.coalesce(AchievementVersion.created_at, Achievement.created_at)
    return _scoped(
        select(Achievement.id, Agency.id, Agency.name, since.label("since"), Achievement.jobs)
        .join(Agency, Agency.id == Achievement.agency_id)
        .outerjoin(AchievementVersion, latest)
        .where(Achievement.status == PENDING, Achievement.year == year, Achievement.person_id != me)
        .order_by(since, Achievement.id),
        scope,
    )


def _plans(scope: Scope, year: int, me: int) -> Select:
    return _scoped(
        select(Plan.id, Agency.id, Agency.name, Plan.created_at)
        .join(Agency, Agency.id == Plan.agency_id)
        .where(Plan.status == "submitted", Plan.year == year, Plan.person_id != me)
        .order_by(Plan.created_at, Plan.id),
        scope,
    )


def _obstacles(scope: Scope, year: int, me: int) -> Select:
    """Without the governorate's written answer, or written to again since (see the module's note)."""
    author = Person.__table__.alias("author")
    answered = (  # the governorate's last message: a supervisor's or admin's, not the raiser's own
        select(ObstacleMessage.obstacle_id, func.max(ObstacleMessage.id).label("last_id"))
        .join(author, author.c.id == ObstacleMessage.person_id)
        .join(Obstacle, Obstacle.id == ObstacleMessage.obstacle_id)
        .where(author.c.role != "rep", ObstacleMessage.person_id != Obstacle.person_id)
        .group_by(ObstacleMessage.obstacle_id)
        .subquery()
    )
    again = (  # the agency's first message after it
        select(ObstacleMessage.obstacle_id, func.min(ObstacleMessage.created_at).label("at"))
        .join(answered, answered.c.obstacle_id == ObstacleMessage.obstacle_id)
        .where(ObstacleMessage.id > answered.c.last_id)
        .group_by(ObstacleMessage.obstacle_id)
        .subquery()
    )
    since = case((answered.c.last_id.is_(None), Obstacle.created_at), else_=again.c.at)
    return _scoped(
        select(Obstacle.id, Agency.id, Agency.name, since.label("since"), Obstacle.category)
        .join(Agency, Agency.id == Obstacle.agency_id)
        .outerjoin(answered, answered.c.obstacle_id == Obstacle.id)
        .outerjoin(again, again.c.obstacle_id == Obstacle.id)
        .where(
            Obstacle.status != "resolved",
            Obstacle.year == year,
            Obstacle.person_id != me,
            answered.c.last_id.is_(None) | again.c.at.is_not(None),
        )
        .order_by(since, Obstacle.id),
        scope,
    )


def silent(scope: Scope, year: int, now: dt.datetime) -> Select:
    """Agencies of the scope without a report in SILENT_DAYS: (id, name, last report or None), the longest
    silent first."""
    last = AgencyTotal.last_report_at
    cutoff = now - dt.timedelta(days=SILENT_DAYS)
    return _scoped(
        select(Agency.id, Agency.name, last)
        .select_from(Agency)
        .outerjoin(AgencyTotal, and_(AgencyTotal.agency_id == Agency.id, AgencyTotal.year == year))
        .where(last.is_(None) | (last < cutoff))
        .order_by(last.is_not(None), last, Agency.name, Agency.id),  # never reported first
        scope,
    )


async def _behind(session: AsyncSession, scope: Scope, year: int, today: dt.date) -> list[Item]:
    with_plan = select(Plan.agency_id).where(Plan.year == year, Plan.status.in_(("approved", "submitted")))
    planned = {agency_id for (agency_id,) in await session.execute(with_plan)}
    page = await ranking(session, scope, year, today, limit=1_000_000)  # /ranking's figures and marks
    rows = [r for r in page.rows if r.behind and r.target > 0 and r.agency_id not in planned]
    rows.sort(key=lambda r: (r.achieved / r.target, -(r.target - r.achieved), r.name))
    return [Item(r.agency_id, r.agency_id, r.name, None, achieved=r.achieved, target=r.target) for r in rows]


async def _count(session: AsyncSession, query: Select) -> int:
    return int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())


async def counts(
    session: AsyncSession, scope: Scope, me: int, year: int, today: dt.date, now: dt.datetime
) -> Counts:
    """`me`: the person whose inbox it is (their own records are not theirs to decide)."""
    obstacles = _obstacles(scope, year, me).subquery()
    waiting = (await session.execute(select(func.count(), func.min(obstacles.c.since)))).one()
    return Counts(
        reports=await _count(session, _reports(scope, year, me)),
        plans=await _count(session, _plans(scope, year, me)),
        obstacles=int(waiting[0]),
        oldest_obstacle=waiting[1],
        behind=len(await _behind(session, scope, year, today)),
        silent=await _count(session, silent(scope, year, now)),
    )


async def items(
    session: AsyncSession, scope: Scope, me: int, queue: str, year: int, today: dt.date, now: dt.datetime
) -> list[Item]:
    """Every item of one queue, in its order (a county's queue is tens of rows; a province's, hundreds)."""
    if queue == "reports":
        found = await session.execute(_reports(scope, year, me))
        return [Item(i, a, n, at, jobs=jobs) for i, a, n, at, jobs in found]
    if queue == "plans":
        return [Item(i, a, n, at) for i, a, n, at in await session.execute(_plans(scope, year, me))]
    if queue == "obstacles":
        found = await session.execute(_obstacles(scope, year, me))
        return [Item(i, a, n, at, category=c) for i, a, n, at, c in found]
    if queue == "behind":
        return await _behind(session, scope, year, today)
    if queue == "silent":
        return [Item(a, a, n, at) for a, n, at in await session.execute(silent(scope, year, now))]
    raise ValueError(queue)
