"""`rasad-bot doctor`: the kept totals against the achievements they sum, and every achievement against
its audit trail and its versions. Reports each difference; `fix` rewrites the totals from the achievements
(one transaction, audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.db import Database
from models.schema import Achievement, AchievementVersion, AgencyDay, AgencyTotal, AuditEvent

Key = tuple[int, int]  # (agency id, year)
DayKey = tuple[int, int, dt.date]
FIGURES = ("achieved", "registered", "reports", "approved", "approved_registered")


@dataclass
class Findings:
    totals: list[tuple[Key, str, int, int]] = field(default_factory=list)  # (key, figure, kept, actual)
    days: list[tuple[DayKey, str, int, int]] = field(default_factory=list)
    unaudited: list[int] = field(default_factory=list)  # achievements without their creation event
    unversioned: list[int] = field(default_factory=list)  # achievements without their current version
    achievements: int = 0
    agencies: int = 0

    @property
    def ok(self) -> bool:
        return not (self.totals or self.days or self.unaudited or self.unversioned)


async def _sums(session: AsyncSession) -> tuple[dict[Key, dict[str, int]], dict[DayKey, tuple[int, int]]]:
    """What the totals should hold: every report not withdrawn, approved ones apart."""
    live = Achievement.status != "withdrawn"
    registered = func.sum(case((Achievement.rasad_registered.is_(True), Achievement.jobs), else_=0))
    totals: dict[Key, dict[str, int]] = {}
    rows = await session.execute(
        select(
            Achievement.agency_id,
            Achievement.year,
            Achievement.status,
            func.sum(Achievement.jobs),
            registered,
            func.count(),
        )
        .where(live)
        .group_by(Achievement.agency_id, Achievement.year, Achievement.status)
    )
    for agency_id, year, status, jobs, reg, count in rows:
        figures = totals.setdefault((agency_id, year), dict.fromkeys(FIGURES, 0))
        figures["achieved"] += int(jobs or 0)
        figures["registered"] += int(reg or 0)
        figures["reports"] += int(count)
        if status == "approved":
            figures["approved"] += int(jobs or 0)
            figures["approved_registered"] += int(reg or 0)
    days = {
        (agency_id, year, day): (int(jobs or 0), int(reg or 0))
        for agency_id, year, day, jobs, reg in await session.execute(
            select(
                Achievement.agency_id,
                Achievement.year,
                Achievement.created_on,
                func.sum(Achievement.jobs),
                registered,
            )
            .where(live)
            .group_by(Achievement.agency_id, Achievement.year, Achievement.created_on)
        )
    }
    return totals, days


async def examine(db: Database) -> Findings:
    found = Findings()
    async with db.session() as session:
        totals, days = await _sums(session)
        kept = {(t.agency_id, t.year): t for t in (await session.execute(select(AgencyTotal))).scalars()}
        for key in sorted(set(totals) | set(kept)):
            want = totals.get(key, dict.fromkeys(FIGURES, 0))
            for name in FIGURES:
                have = int(getattr(kept[key], name) or 0) if key in kept else 0
                if have != want[name]:
                    found.totals.append((key, name, have, want[name]))
        kept_days = {
            (d.agency_id, d.year, d.day): (d.jobs, d.registered)
            for d in (await session.execute(select(AgencyDay))).scalars()
        }
        for day_key in sorted(set(days) | set(kept_days)):
            want_day, have_day = days.get(day_key, (0, 0)), kept_days.get(day_key, (0, 0))
            for index, name in enumerate(("jobs", "registered")):
                if want_day[index] != have_day[index]:
                    found.days.append((day_key, name, have_day[index], want_day[index]))
        found.agencies = len(totals)
        found.achievements = int(
            (await session.execute(select(func.count()).select_from(Achievement))).scalar_one()
        )
        created = select(AuditEvent.entity_id).where(
            AuditEvent.action == "achievement.create", AuditEvent.entity_id.is_not(None)
        )
        found.unaudited = list(
            (
                await session.execute(
                    select(Achievement.id).where(Achievement.id.not_in(created)).order_by(Achievement.id)
                )
            ).scalars()
        )
        current = select(AchievementVersion.id).where(
            AchievementVersion.achievement_id == Achievement.id,
            AchievementVersion.version == Achievement.version,
        )
        found.unversioned = list(
            (
                await session.execute(
                    select(Achievement.id).where(~current.exists()).order_by(Achievement.id)
                )
            ).scalars()
        )
    return found


async def fix_totals(db: Database, found: Findings, actor: str = "cli:doctor") -> int:
    """Rewrite agency_totals and agency_days from the achievements. Returns the agencies written.
    On PostgreSQL the achievements are locked against writes meanwhile (every report writes them), so a
    report confirmed during the fix is neither lost nor counted twice."""
    async with db.write() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("LOCK TABLE achievements IN SHARE MODE"))
        totals, days = await _sums(session)
        # The last report's time, withdrawn ones included (as migration 0004 filled it).
        last = {
            (agency_id, year): at
            for agency_id, year, at in await session.execute(
                select(Achievement.agency_id, Achievement.year, func.max(Achievement.created_at)).group_by(
                    Achievement.agency_id, Achievement.year
                )
            )
        }
        await session.execute(delete(AgencyDay))
        await session.execute(delete(AgencyTotal))
        for (agency_id, year), figures in totals.items():
            session.add(
                AgencyTotal(
                    agency_id=agency_id, year=year, last_report_at=last.get((agency_id, year)), **figures
                )
            )
        for (agency_id, year, day), (jobs, reg) in days.items():
            session.add(AgencyDay(agency_id=agency_id, year=year, day=day, jobs=jobs, registered=reg))
        audit.record(
            session,
            actor=actor,
            action="totals.rebuild",
            entity="agency_totals",
            entity_id=None,
            before={"differences": len(found.totals), "day_differences": len(found.days)},
            after={"agencies": len(totals)},
        )
        return len(totals)
