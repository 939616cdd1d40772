"""Demo data for the playground: one county with a dozen agencies, their commitments, three people (a rep,
a supervisor, an admin) and some achievements spread over the year so far. Loaded through the importer."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from models import audit, totals
from models.db import Database
from models.importer import import_rows
from models.jalali import year_start
from models.reports import add_version
from models.schema import SECTORS, Achievement, Agency, Person

PROVINCE, COUNTY = "خراسان رضوی", "نیشابور"
AGENCIES = [
    ("N01", "جهاد کشاورزی نیشابور", 420),
    ("N02", "صنعت، معدن و تجارت نیشابور", 380),
    ("N03", "کمیته امداد نیشابور", 300),
    ("N04", "بهزیستی نیشابور", 160),
    ("N05", "میراث فرهنگی و گردشگری نیشابور", 140),
    ("N06", "تعاون، کار و رفاه اجتماعی نیشابور", 260),
    ("N07", "بنیاد مسکن نیشابور", 120),
    ("N08", "منابع طبیعی نیشابور", 90),
    ("N09", "بانک کشاورزی نیشابور", 220),
    ("N10", "آموزش فنی و حرفه‌ای نیشابور", 110),
    ("N11", "شهرداری نیشابور", 150),
    ("N12", "اداره ورزش و جوانان نیشابور", 60),
]
# (name, phone, role, agency code, scope); the admin comes from BOT_ADMINS, not the roster.
PEOPLE = [
    ("مریم احمدی (نماینده)", "09120000001", "rep", "N01", ""),
    ("زهرا موسوی (معاون)", "09120000002", "supervisor", "", f"شهرستان {COUNTY}"),
]
TITLES = ["توسعه گلخانه", "کارگاه خیاطی", "پرورش دام سبک", "اقامتگاه بوم‌گردی", "تعمیرگاه خودرو", "نانوایی"]


async def seed(db: Database, year: int, today: dt.date) -> bool:
    """Load the demo once; False when the database already holds it."""
    async with db.session() as session:
        if (await session.execute(select(func.count(Agency.id)))).scalar_one():
            return False
    rows = {
        "agencies": [
            (i + 2, {"code": c, "name": n, "county": COUNTY, "province": PROVINCE})
            for i, (c, n, _) in enumerate(AGENCIES)
        ],
        "commitments": [
            (i + 2, {"agency_code": c, "year": str(year), "target": str(t)})
            for i, (c, _, t) in enumerate(AGENCIES)
        ],
        "people": [
            (i + 2, {"name": n, "phone": p, "role": r, "agency_code": a, "scope": s})
            for i, (n, p, r, a, s) in enumerate(PEOPLE)
        ],
    }
    result = await import_rows(db, rows, actor="playground:demo")
    if not result.ok:
        raise RuntimeError(f"demo roster refused: {result.errors}")
    await _achievements(db, year, today)
    return True


async def _achievements(db: Database, year: int, today: dt.date) -> None:
    """Agencies at different standings: some on pace, some behind, one with nothing yet."""
    rng = random.Random(1405)
    start = year_start(year)
    elapsed = max((today - start).days, 1)
    share = min(elapsed / 365, 1.0)
    async with db.write() as session:
        rep = (await session.execute(select(Person).where(Person.role == "rep"))).scalars().first()
        agencies = {a.code: a for a in (await session.execute(select(Agency))).scalars()}
        for index, (code, _, target) in enumerate(AGENCIES):
            pace = [1.15, 1.0, 0.9, 0.7, 0.5, 0.3][index % 6] if code != "N12" else 0.0
            remaining = int(target * share * pace)
            while remaining > 0:
                jobs = min(remaining, rng.randint(4, 40))
                remaining -= jobs
                day = start + dt.timedelta(
                    days=min(int(elapsed * rng.random() ** 0.5), elapsed - 1)
                )  # recent
                registered = rng.random() < 0.7
                achievement = Achievement(
                    agency_id=agencies[code].id,
                    person_id=rep.id if rep else None,
                    year=year,
                    created_on=day,
                    jobs=jobs,
                    sector=rng.choice(SECTORS),
                    title=rng.choice(TITLES),
                    rasad_registered=registered,
                    tracking_code=f"DEMO{rng.randrange(10**6):06d}" if registered else None,
                )
                at = dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC)
                achievement.created_at = achievement.updated_at = at  # reported on the day, for "recent"
                session.add(achievement)
                await session.flush()
                await totals.add(
                    session, achievement.agency_id, year, day, jobs, jobs if registered else 0, at
                )
                add_version(session, achievement, achievement.person_id, at)
                audit.record(
                    session,
                    actor="playground:demo",
                    action="achievement.create",
                    entity="achievement",
                    entity_id=achievement.id,
                    after={"jobs": jobs, "demo": True},
                )
