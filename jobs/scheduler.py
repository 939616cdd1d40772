"""The scheduled tick: plan what is due now into the outbox, then drain it. Runs on PTB's JobQueue;
the command line and tests call `tick` directly with a clock of their choosing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy.exc import IntegrityError
from telegram import Bot
from telegram.ext import Application, CallbackContext

from jobs.sender import DrainStats, Sender
from models import holidays, schedule
from models.db import storage_fault
from models.pacing import RateLimiter
from models.runtime import Runtime
from models.settings import Settings, parse_hhmm

log = logging.getLogger(__name__)


def schedule_from(settings: Settings) -> schedule.Schedule:
    return schedule.Schedule(
        tz=settings.tz,
        reminder_days=tuple(settings.reminder_days),
        reminder_time=parse_hhmm(settings.reminder_time),
        nudge_weekday=schedule.WEEKDAYS[settings.nudge_weekday],
        nudge_time=parse_hhmm(settings.nudge_time),
        nudge_daily_days=settings.nudge_daily_days,
        digest_time=parse_hhmm(settings.digest_time),
        weekend=frozenset(schedule.WEEKDAYS[day] for day in settings.weekend_days),
    )


async def plan_now(rt: Runtime) -> list[schedule.PlannedRow]:
    async with rt.db.session() as session:
        return await schedule.plan(session, schedule_from(rt.settings), rt.platform, rt.year, rt.clock())


async def ensure_calendar(rt: Runtime) -> None:
    """The reporting year's official holidays in the calendar (OFFICIAL_HOLIDAYS), once per year: at start,
    and at the first tick of a new year."""
    year = rt.year
    if not rt.settings.official_holidays or year in rt.calendar_years:
        return
    try:
        added = await holidays.seed(rt.db, year, "system:calendar")
    except IntegrityError:  # another instance seeded the same days at the same moment
        added = None
    except Exception as exc:  # a database that cannot take writes now: the next tick tries again
        fault = storage_fault(exc)
        log.warning("the official holidays of %s are not seeded yet: %s", year, fault or exc)
        return
    rt.calendar_years.add(year)
    if added:
        log.info("the official holidays of %s are in the calendar (%s days)", year, added)


async def tick(
    rt: Runtime, bot: Bot, *, wait_for_retries: bool = False, limiter: RateLimiter | None = None
) -> DrainStats:
    """Plan what is due, then send it, paced by the messenger's limiter (the runtime's by default)."""
    await ensure_calendar(rt)
    planned = await plan_now(rt)
    added = await schedule.store(rt.db, planned)
    if added:
        log.info("planned %s reminder(s)", added)
    return await drain(rt, bot, wait_for_retries=wait_for_retries, limiter=limiter)


async def drain(
    rt: Runtime,
    bot: Bot,
    *,
    wait_for_retries: bool = False,
    limiter: RateLimiter | None = None,
    if_idle: bool = False,
) -> DrainStats:
    """Send what is due if this process drains the messenger's outbox (models/lead.py), one full drain at a
    time in the process; with if_idle, none when one is under way (it claims what came due meanwhile)."""
    if if_idle and rt.draining.locked():
        return DrainStats()
    async with rt.draining:
        return await Sender(rt, bot, limiter, lead=rt.lead).drain(wait_for_retries=wait_for_retries)


Targets = Callable[[], list[tuple[Runtime, Bot]]]


def targets_of(apps: Iterable[Application]) -> list[tuple[Runtime, Bot]]:
    """The started applications' (runtime, bot): one per messenger."""
    return [(app.bot_data["rt"], app.bot) for app in apps if "rt" in app.bot_data]


LEAD_SECONDS = 2  # on PostgreSQL: how often an instance asks for the drainer's lead, and the drainer drains


class Ticker:
    """One tick at a time per process (a slow fan-out must not overlap the next tick). Each messenger
    plans and sends its own accounts' reminders within its own rate limits, side by side. With plan=False
    (PostgreSQL's every LEAD_SECONDS): no planning; the drainer sends what is due (what other instances
    planned or queued), and the others ask for the lead, taken over within seconds when its holder dies."""

    def __init__(self, targets: Targets, *, plan: bool = True) -> None:
        self._targets = targets
        self._plan = plan
        self._lock = asyncio.Lock()
        self._running: asyncio.Task[object] | None = None

    async def __call__(self, context: CallbackContext | None = None) -> None:
        """One tick; `context` (the JobQueue's) is not needed, so a deployment's scheduler calls it bare."""
        if self._lock.locked():
            return
        async with self._lock:
            self._running = asyncio.current_task()
            try:
                await asyncio.gather(*(self._one(rt, bot) for rt, bot in self._targets()))
            finally:
                self._running = None

    async def halt(self) -> None:
        """Stop a tick under way, before its bots are shut down (what it claimed returns after the lease)."""
        task = self._running
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _one(self, rt: Runtime, bot: Bot) -> None:
        try:
            await (tick(rt, bot) if self._plan else drain(rt, bot, if_idle=True))
        except Exception as exc:  # the next tick tries again; never kill the job
            fault = storage_fault(exc)
            if fault is not None:  # an operator's problem, said once per tick in one line
                log.error(
                    "reminder tick (%s): the database is %s: %s", rt.platform, fault.replace("_", "-"), exc
                )
            else:
                log.exception("reminder tick failed (%s)", rt.platform)


def install(app: Application, targets: Targets) -> None:
    settings: Settings = app.bot_data["settings"]
    if settings.scheduler_tick_seconds > 0 and app.job_queue is not None:
        app.job_queue.run_repeating(
            Ticker(targets), interval=settings.scheduler_tick_seconds, first=5, name="reminders"
        )
        if elects_drainer(settings):
            app.job_queue.run_repeating(
                Ticker(targets, plan=False), interval=LEAD_SECONDS, first=1, name="outbox"
            )


def elects_drainer(settings: Settings) -> bool:
    """Whether instances elect one drainer (models/lead.py): on PostgreSQL, where several may share the
    outbox, with scheduled sending on. SQLite is one process; with SCHEDULER_TICK_SECONDS=0 nothing is
    sent on a schedule, and each instance delivers the notices its handlers queue."""
    return not settings.database_url.startswith("sqlite") and settings.scheduler_tick_seconds > 0


def outbox_sender(rt: Runtime, bot: Bot) -> Callable[[str | None], Awaitable[DrainStats]]:
    """What handlers deliver their notices through (Runtime.send_outbox): the same sender and pacing as
    the tick, only the rows under a key prefix; what fails stays queued for the tick."""

    async def send(prefix: str | None) -> DrainStats:
        if prefix is None:  # everything due (/remind_now): the process's one full drain takes it
            return await drain(rt, bot, if_idle=True)
        # In an instance that does not drain, nothing here: the drainer sends them within LEAD_SECONDS.
        return await Sender(rt, bot, prefix=prefix, lead=rt.lead).drain()

    return send
