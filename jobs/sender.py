"""Draining the outbox: claim due rows in batches, render them in the people's languages (a few queries per
batch), send several at once within the platform's limits, and mark them sent as they go out (one write
takes every row sent while the previous write ran). Several instances may drain together."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from jobs import notices
from models import schedule
from models.db import rowcount
from models.jalali import deadline_date
from models.lead import Lead
from models.pacing import BROADCAST, RateLimiter
from models.people import Identity, load_identities
from models.plans import PlanNote, plan_notes
from models.runtime import Runtime
from models.schema import Account, Outbox, utcnow
from models.stats import AgencyStatus, agency_statuses
from views import texts
from views.render import Renderer

log = logging.getLogger(__name__)


class Unreachable(NetworkError):
    """No connection to the messenger's API: nothing was delivered (raised by the transport, bot/request)."""


PROCESS = secrets.token_hex(4)  # claims of this process's senders are named <PROCESS>-<sender>
LEAD_CHECK = 1.0  # seconds between a drainer's checks that it still holds the lead (models/lead.py)
TAKEOVER_GRACE = 3 * LEAD_CHECK  # a new drainer's wait before it takes the previous one's claimed rows
MAX_ATTEMPTS = 8  # for unexpected errors; outages and 429s retry until the day is over
MAX_BACKOFF = 300
BATCH = 200
CONCURRENCY = 16  # sends in flight at once (the rate limiter still paces them)


@dataclass
class DrainStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    unreachable: bool = False  # the drain stopped: the messenger could not be reached
    keys: list[str] = field(default_factory=list)


async def render_message(
    rt: Runtime,
    account_id: int,
    person_id: int,
    kind: str,
    payload: dict[str, object],
    prefetch: Prefetch | None = None,
) -> Rendered | None:
    """(chat id, text, renderer, buttons) for a reminder or notice, or None when the person may no longer
    receive it. With a batch's prefetch: no query of its own, and texts shared by people alike."""
    if prefetch is None:
        async with rt.db.session() as session:
            prefetch = await Prefetch.load(session, rt, [account_id])
            return await render_message(rt, account_id, person_id, kind, payload, prefetch)
    who = prefetch.identities.get(account_id)
    if who is None or who.person_id != person_id or who.blocked:
        return None
    r = Renderer(rt.platform, who.locale or rt.settings.bot_default_locale)
    # What a text depends on: never the person's name, so people alike share one rendering.
    key = (kind, repr(sorted(payload.items())), r.locale, who.role, who.agency_id, who.scope_region_id)
    if key not in prefetch.texts:
        prefetch.texts[key] = await _text(rt, prefetch, r, who, kind, payload)
    found = prefetch.texts[key]
    if not found:
        return None
    text, keyboard = found if isinstance(found, tuple) else (found, None)
    return (who.chat_id, text, r, keyboard) if text else None


Rendered = tuple[int, str, Renderer, InlineKeyboardMarkup | None]


async def _text(
    rt: Runtime, prefetch: Prefetch, r: Renderer, who: Identity, kind: str, payload: dict[str, object]
) -> str | tuple[str, InlineKeyboardMarkup | None] | None:
    session = prefetch.session
    year, today = int(str(payload.get("year", rt.year))), rt.today()
    # Prefetched figures are this year's; a row of another year reads its own.
    status = prefetch.statuses.get(who.agency_id) if who.agency_id and year == rt.year else None
    note = prefetch.notes.get(who.agency_id) if who.agency_id and year == rt.year else None
    if kind == "milestone":
        return await texts.milestone(session, r, who, year, today, status, note)
    if kind == "nudge":
        daily = 0 <= (deadline_date(year) - today).days <= rt.settings.nudge_daily_days
        return await texts.nudge(session, r, who, year, today, daily, status, note)
    if kind == schedule.CHASE:  # for the agency's reps it was meant for, not someone moved since
        if who.role != "rep" or who.agency_id != payload.get("agency_id"):
            return None
        plan = bool(payload.get("plan"))
        return await texts.chase(session, r, who, year, today, status, note, plan=plan)
    if kind == "digest":
        return await texts.digest(session, r, who, year, today, rt.clock(), rt.settings.tz)
    if kind == notices.KIND:
        return await notices.render(session, r, who, payload, rt.platform, rt.settings.tz)
    log.error("unknown reminder kind %r", kind)
    return None


@dataclass
class Prefetch:
    """What a batch of reminders reads, in a few queries instead of a few per message."""

    session: AsyncSession
    identities: dict[int, Identity]  # by account id: active people, blocked accounts flagged
    statuses: dict[int, AgencyStatus]  # reps' agencies, for this year
    notes: dict[int, PlanNote]  # their catch-up plans
    texts: dict[tuple[object, ...], str | tuple[str, InlineKeyboardMarkup | None] | None] = field(
        default_factory=dict
    )

    @classmethod
    async def load(cls, session: AsyncSession, rt: Runtime, account_ids: list[int]) -> Prefetch:
        identities = await load_identities(session, account_ids)
        agencies = sorted({w.agency_id for w in identities.values() if w.role == "rep" and w.agency_id})
        statuses = await agency_statuses(session, agencies, rt.year, rt.today())
        notes = await plan_notes(session, agencies, rt.year, rt.today())
        return cls(session, identities, statuses, notes)


class Sender:
    def __init__(
        self,
        rt: Runtime,
        bot: Bot,
        limiter: RateLimiter | None = None,
        prefix: str | None = None,
        lead: Lead | None = None,
    ) -> None:
        self.rt, self.bot = rt, bot
        self.prefix = prefix  # only rows whose key starts so (the notices a handler just queued); None: all
        # Draining as the messenger's one drainer (models/lead.py): it stops when the lead is lost, and its
        # first drain after taking the lead takes the rows the previous drainer had claimed, without waiting
        # for their lease: their sender is gone.
        self.lead = lead
        self._takeover = False
        self.limiter = limiter or rt.limiter
        # Behind the running bot's rate limiter (bot/lanes.py): the broadcast lane, after every answer, paced
        # there (SEND_RATE within the bot's budget); here only the spacing to one chat. A plain Bot (the
        # command line's) takes no such argument, has no other traffic to give way to and is paced here.
        self._lane: dict[str, Any] = (
            {"rate_limit_args": BROADCAST} if getattr(bot, "rate_limiter", None) else {}
        )
        self.instance = f"{PROCESS}-{secrets.token_hex(4)}"
        self._held: set[int] = set()  # rows this sender has claimed and not finished
        self._renewed_at = 0.0  # monotonic time the lease on them was last extended
        self._renewing = asyncio.Lock()
        self._writing = asyncio.Lock()  # the sender's own multi-row writes, one at a time
        self._sent: list[Outbox] = []  # sent, not yet marked
        self._marking: asyncio.Task[None] | None = None
        self._mark_error: BaseException | None = None
        self._rendered: dict[int, Rendered | Exception | None] = {}
        # Set when a connection was refused: sends not yet begun stop, those in flight finish (cancelling
        # one that may have been delivered would send it again), then the drain ends.
        self._unreachable: Unreachable | None = None

    async def _claim(self) -> list[Outbox]:
        """Claim a batch: due by the bot's clock; retries and leases by the wall clock."""
        rt = self.rt
        wall = utcnow()
        stale_claim = wall - dt.timedelta(seconds=rt.settings.outbox_lease_seconds)
        due = and_(
            Outbox.status == "pending",
            Outbox.due_at <= rt.clock(),
            or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= wall),
        )
        abandoned = and_(
            Outbox.status == "sending",
            Outbox.claimed_at < stale_claim,
            Outbox.claimed_by.is_distinct_from(self.instance),  # never its own rows, still in its hands
        )
        if self._takeover:  # another process's claims (this one's other senders keep theirs)
            left = and_(Outbox.status == "sending", ~Outbox.claimed_by.startswith(f"{PROCESS}-"))
            abandoned = or_(abandoned, left)
        # Each messenger's sender takes only its own accounts' rows.
        mine: ColumnElement[bool] = Outbox.account_id.in_(
            select(Account.id).where(Account.platform == rt.platform)
        )
        if self.prefix is not None:
            mine = and_(mine, Outbox.key.startswith(self.prefix, autoescape=True))
        # Notices (what someone's action queued) before reminders due earlier: during a broadcast they go
        # out with the next batch, not after it.
        later = case((Outbox.kind.in_((notices.KIND, schedule.CHASE)), 0), else_=1)
        query = (
            select(Outbox)
            .where(or_(due, abandoned), mine)
            .order_by(later, Outbox.due_at, Outbox.id)
            .limit(BATCH)
        )
        if not rt.db.is_sqlite:
            # PostgreSQL: instances skip each other's rows. SQLite: BEGIN IMMEDIATE serialises claims.
            query = query.with_for_update(skip_locked=True)
        async with rt.db.write() as session:
            rows = list((await session.execute(query)).scalars())
            if rows:
                await session.execute(
                    update(Outbox)
                    .where(Outbox.id.in_([r.id for r in rows]))
                    .values(status="sending", claimed_by=self.instance, claimed_at=wall)
                )
        if not self._held:
            self._renewed_at = time.monotonic()
        self._held |= {r.id for r in rows}
        return rows

    def _mine(self) -> ColumnElement[bool]:
        return and_(Outbox.claimed_by == self.instance, Outbox.status == "sending")

    async def _finish(self, row: Outbox, **values: object) -> bool:
        """Record the outcome, only while the row is still ours (a lease may have passed it on)."""
        self._held.discard(row.id)
        async with self.rt.db.write() as session:
            result = await session.execute(
                update(Outbox).where(Outbox.id == row.id, self._mine()).values(**values)
            )
            return rowcount(result) == 1

    async def _release(self, ids: set[int] | None = None) -> None:
        """Give back held rows (all, or these) not sent, for another sender or a later tick. Rows sent but
        not marked (a failed mark write) stay claimed: their lease decides."""
        ids = set(self._held) if ids is None else ids & self._held
        unsent = sorted(ids - {r.id for r in self._sent})
        self._held -= ids
        if unsent:
            async with self._writing, self.rt.db.write() as session:
                await session.execute(
                    update(Outbox)
                    .where(Outbox.id.in_(unsent), self._mine())
                    .values(status="pending", claimed_by=None)
                )

    async def _still_ours(self, row: Outbox) -> bool:
        """Whether the row may be sent: renewed lately (by the background renewal, or here after a stall),
        and not taken over by another sender meanwhile."""
        if time.monotonic() - self._renewed_at > self.rt.settings.outbox_lease_seconds / 3:
            await self._renew()
        return row.id in self._held

    async def _renew(self) -> None:
        """Extend the lease on every held row in one write; drop the rows another sender has taken."""
        async with self._renewing:
            if time.monotonic() - self._renewed_at <= self.rt.settings.outbox_lease_seconds / 3:
                return  # renewed while this one waited
            snapshot = sorted(self._held)
            if snapshot:
                async with self._writing, self.rt.db.write() as session:
                    result = await session.execute(
                        update(Outbox)
                        .where(Outbox.id.in_(snapshot), self._mine())
                        .values(claimed_at=utcnow())
                        .returning(Outbox.id)
                    )
                    kept = set(result.scalars())
                self._held -= set(snapshot) - kept  # rows claimed meanwhile stay held
            self._renewed_at = time.monotonic()

    async def _renew_forever(self) -> None:
        """While a batch is out, keep its lease fresh even when no send happens (429 pauses, slow pacing).
        Sooner than a send would find it due (lease / 3), so that sends never stop to renew it."""
        period = self.rt.settings.outbox_lease_seconds / 4
        while True:
            await asyncio.sleep(period)
            await self._renew()

    async def _mark_sent(self, row: Outbox, stats: DrainStats) -> None:
        """Sent rows are marked by one writer in the background: each write takes every row sent while
        the previous one ran (one row at a time when sending is slow, dozens when it is fast). Sending
        waits while 2 × CONCURRENCY rows are unmarked, which bounds what a crash can send twice."""
        self._sent.append(row)
        if self._marking is None or self._marking.done():
            if self._marking is not None and not self._marking.cancelled() and self._marking.exception():
                self._mark_error = self._mark_error or self._marking.exception()
            self._marking = asyncio.create_task(self._mark_loop(stats))
        while len(self._sent) >= 2 * CONCURRENCY and not self._marking.done():
            await asyncio.wait({self._marking}, timeout=0.05)

    async def _mark_loop(self, stats: DrainStats) -> None:
        delays = [0.5, 1.0, 2.0, 4.0, 8.0]
        while self._sent:
            rows = list(self._sent)
            ids = sorted(r.id for r in rows)
            try:
                async with self._writing, self.rt.db.write() as session:
                    result = await session.execute(
                        update(Outbox)
                        .where(Outbox.id.in_(ids), self._mine())
                        .values(status="sent", sent_at=utcnow(), attempts=Outbox.attempts + 1, error=None)
                        .returning(Outbox.id)
                    )
                    done = set(result.scalars())
            except Exception:
                if not delays:
                    raise  # the rows stay claimed: after the lease they are sent again, never lost
                log.exception("marking %s sent reminder(s) failed; trying again", len(ids))
                await asyncio.sleep(delays.pop(0))
                continue
            del self._sent[: len(rows)]  # rows sent meanwhile stay for the next write
            self._held.difference_update(ids)
            stats.sent += len(done)
            stats.keys += [r.key for r in rows if r.id in done]

    async def _marked(self) -> None:
        """Wait for the marks; raise what a mark write could not overcome."""
        if self._marking is not None:
            try:
                await self._marking
            except Exception as exc:
                self._mark_error = self._mark_error or exc
        error, self._mark_error = self._mark_error, None
        if error is not None:
            raise error

    async def _render(self, row: Outbox) -> Rendered | None:
        if row.id in self._rendered:
            found = self._rendered.pop(row.id)
            if isinstance(found, Exception):
                raise found
            return found
        return await render_message(self.rt, row.account_id, row.person_id, row.kind, row.payload)

    async def _render_batch(self, rows: list[Outbox]) -> None:
        """Render a batch before sending it: a few queries for all, one session, one task (a session is
        never shared between tasks); the sends then run side by side."""
        async with self.rt.db.session() as session:
            prefetch = await Prefetch.load(session, self.rt, [r.account_id for r in rows])
            for row in rows:
                await asyncio.sleep(0)  # rendering is CPU work: let the batch being sent go on
                if self._stale(row):
                    continue
                try:
                    self._rendered[row.id] = await render_message(
                        self.rt, row.account_id, row.person_id, row.kind, row.payload, prefetch
                    )
                except Exception as exc:  # this row is retried when its turn comes; the others go on
                    self._rendered[row.id] = exc
                    await session.rollback()  # PostgreSQL refuses the rest of a failed transaction

    @staticmethod
    async def _heartbeat(lead: Lead) -> None:
        """Check the lead while sending: a lost one stops the sends not yet begun within LEAD_CHECK."""
        while True:
            await asyncio.sleep(LEAD_CHECK)
            await lead.held()

    def _lead_lost(self) -> bool:
        return self.lead is not None and not self.lead.holding

    def _stale(self, row: Outbox) -> bool:
        if row.kind == notices.KIND:  # a late notice (an obstacle, a reply) still matters
            return False
        tz = self.rt.settings.tz
        return row.due_at.astimezone(tz).date() < self.rt.today()

    async def send_one(self, row: Outbox, stats: DrainStats) -> None:
        if self._unreachable is not None:
            return  # given back with the batch
        if self._stale(row):
            log.info("outbox %s (%s): skipped, its day has passed", row.id, row.key)
            if await self._finish(row, status="skipped", error="stale"):
                stats.skipped += 1
            return
        rendered = await self._render(row)
        if rendered is None:
            if await self._finish(row, status="skipped", error="no recipient"):
                stats.skipped += 1
            return
        chat_id, text, r, keyboard = rendered
        try:
            parts = r.split(text)
            for index, part in enumerate(parts):  # a digest with long agency names may pass 4096 characters
                if not await self._still_ours(row):  # before the pacing wait: a renewal write takes time
                    log.info("outbox %s: taken over by another sender after a lease expired", row.id)
                    return
                await (self.limiter.wait_chat(chat_id) if self._lane else self.limiter.wait(chat_id))
                if index == 0 and (self._unreachable is not None or self._lead_lost()):
                    return  # not begun: given back with the batch
                markup = keyboard if index == len(parts) - 1 else None
                await self.bot.send_message(
                    chat_id, part, parse_mode=r.parse_mode, reply_markup=markup, **self._lane
                )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
            self.limiter.pause(seconds)
            await self._retry(row, seconds, f"429 retry after {seconds}s", stats, transient=True)
            return
        except Forbidden as exc:
            log.info("outbox %s: the user blocked the bot; account %s marked blocked", row.id, row.account_id)
            async with self.rt.db.write() as session:
                await session.execute(
                    update(Account).where(Account.id == row.account_id).values(blocked_at=utcnow())
                )
            if await self._finish(row, status="blocked", error=exc.message[:200]):
                stats.blocked += 1
            return
        except Unreachable as exc:
            # Nothing was delivered and the rest would fail alike: keep the row as it was, stop this drain.
            self._unreachable = self._unreachable or exc
            await self._finish(row, status="pending")
            return
        except InvalidToken:
            # The token or API URL is wrong (Bale's per-recipient 404s arrive as 400s: bot/request.py).
            # Nothing can be sent; keep the rows for later, without hammering the API every tick.
            later = utcnow() + dt.timedelta(seconds=MAX_BACKOFF)
            await self._finish(row, status="pending", error="invalid token", next_attempt_at=later)
            raise
        except BadRequest as exc:
            log.warning("outbox %s: refused by the platform: %s", row.id, exc)
            if await self._finish(row, status="failed", error=str(exc)[:200]):
                stats.failed += 1
            return
        except (NetworkError, TelegramError) as exc:  # 5xx, timeouts
            backoff = min(2 ** (row.attempts + 1), MAX_BACKOFF)
            await self._retry(row, backoff, str(exc)[:200], stats, transient=True)
            return
        await self._mark_sent(row, stats)

    async def _retry(
        self, row: Outbox, seconds: float, error: str, stats: DrainStats, transient: bool
    ) -> None:
        """Transient errors (outages, 429s) retry until the reminder's day is over; others give up after
        MAX_ATTEMPTS."""
        attempts = row.attempts + 1
        if not transient and attempts >= MAX_ATTEMPTS:
            log.warning("outbox %s: giving up after %s attempts: %s", row.id, attempts, error)
            if await self._finish(row, status="failed", attempts=attempts, error=error):
                stats.failed += 1
            return
        stats.retried += 1
        await self._finish(
            row,
            status="pending",
            attempts=attempts,
            error=error,
            next_attempt_at=utcnow() + dt.timedelta(seconds=seconds),
        )

    async def _guarded(self, row: Outbox, stats: DrainStats, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                await self.send_one(row, stats)
            except InvalidToken:
                raise
            except Exception as exc:  # one bad row must not strand its batch
                log.exception("outbox %s: unexpected error", row.id)
                await self._retry(
                    row, min(2 ** (row.attempts + 1), MAX_BACKOFF), repr(exc)[:200], stats, transient=False
                )

    async def _prepare(self) -> list[Outbox]:
        if self.lead is not None and not await self.lead.held():
            return []  # the lead passed to another instance: it drains the rest
        rows = await self._claim()
        if rows:
            await self._render_batch(rows)
        return rows

    async def _send_batch(self, rows: list[Outbox], stats: DrainStats) -> None:
        renewing = asyncio.create_task(self._renew_forever())
        gate = asyncio.Semaphore(CONCURRENCY)
        tasks = [asyncio.ensure_future(self._guarded(row, stats, gate)) for row in rows]
        try:
            await asyncio.gather(*tasks)
            if self._unreachable is not None:
                raise self._unreachable
        finally:
            # On an error (a refused token) or a cancellation: stop the other sends, then settle.
            for task in [*tasks, renewing]:
                task.cancel()
            await asyncio.gather(*tasks, renewing, return_exceptions=True)
            for row in rows:
                self._rendered.pop(row.id, None)
            await asyncio.shield(self._settle({row.id for row in rows}))

    async def _settle(self, ids: set[int]) -> None:
        """After a batch: its marks written, and any of its rows neither sent nor finished given back."""
        try:
            await self._marked()
        finally:
            if ids & self._held:
                await self._release(ids)

    async def drain(self, *, wait_for_retries: bool = False, max_wait: float = 600) -> DrainStats:
        """Send everything due. With wait_for_retries, also wait out backoffs (command line, tests).
        The next batch is claimed and rendered while the current one is sent (no gap at 30/s)."""
        stats = DrainStats()
        deadline = time.monotonic() + max_wait
        heartbeat: asyncio.Task[None] | None = None
        if self.lead is not None:
            if not await self.lead.held():
                return stats  # another instance drains
            heartbeat = asyncio.create_task(self._heartbeat(self.lead))
            if self.prefix is None and self.lead.taken_over:
                self.lead.taken_over, self._takeover = False, True
                # A previous drainer still alive (its connection, not its process, was lost) learns it
                # within LEAD_CHECK and stops sending: only then are its claimed rows taken.
                await asyncio.sleep(TAKEOVER_GRACE)
        try:
            return await self._drain(stats, wait_for_retries, deadline)
        except Unreachable as exc:
            log.warning("%s unreachable; reminders wait for the next tick: %s", self.rt.platform, exc)
            stats.unreachable = True
            return stats
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
            if self._held:  # a batch claimed ahead, or rows left by an error: back to the queue
                await asyncio.shield(self._release())

    async def _drain(self, stats: DrainStats, wait_for_retries: bool, deadline: float) -> DrainStats:
        while True:
            rows = await self._prepare()
            while rows:
                upcoming = asyncio.ensure_future(self._prepare())
                try:
                    await self._send_batch(rows, stats)
                except BaseException:
                    upcoming.cancel()
                    await asyncio.gather(upcoming, return_exceptions=True)
                    raise
                rows = await upcoming
            if not wait_for_retries or time.monotonic() > deadline:
                return stats
            waiting = await self._next_retry()
            if waiting is None:
                return stats
            # Checked again often: rows another sender holds are usually sent long before their lease ends.
            await asyncio.sleep(min(max(waiting, 0.05), 0.25))

    async def _next_retry(self) -> float | None:
        async with self.rt.db.session() as session:
            rows = await session.execute(
                select(Outbox.next_attempt_at, Outbox.status, Outbox.claimed_at).where(
                    Outbox.status.in_(("pending", "sending")),
                    Outbox.due_at <= self.rt.clock(),
                    Outbox.account_id.in_(select(Account.id).where(Account.platform == self.rt.platform)),
                    Outbox.key.startswith(self.prefix, autoescape=True)
                    if self.prefix is not None
                    else true(),
                )
            )
            waits = []
            for next_at, status, claimed_at in rows:
                if status == "pending":
                    waits.append(0.0 if next_at is None else (next_at - utcnow()).total_seconds())
                elif claimed_at is not None:
                    lease = claimed_at + dt.timedelta(seconds=self.rt.settings.outbox_lease_seconds)
                    waits.append((lease - utcnow()).total_seconds())
        return min(waits) if waits else None
