"""Draining the outbox: claim due rows, render each in the person's language, send within the platform's
limits, and mark each one sent right after it goes out. Several instances may drain together."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, update
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.render import Renderer
from bot.runtime import Runtime
from handlers.common import split_text
from jobs import texts
from models.jalali import deadline_date
from models.people import load_identity
from models.schema import Account, Outbox, Person, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8  # for unexpected errors; outages and 429s retry until the day is over
MAX_BACKOFF = 300
BATCH = 20
CONCURRENCY = 1  # sends in flight at once


class RateLimiter:
    """At most `rate` sends per second overall, and one per `chat_interval` seconds to the same chat."""

    def __init__(self, rate: float, chat_interval: float) -> None:
        self.interval = 1.0 / rate
        self.chat_interval = chat_interval
        self._next = 0.0
        self._chats: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next, self._chats.get(chat_id, 0.0))
            self._next = start + self.interval
            self._chats[chat_id] = start + self.chat_interval
        if start > now:
            await asyncio.sleep(start - now)

    def pause(self, seconds: float) -> None:
        """A 429 applies to the whole bot: hold every send."""
        self._next = max(self._next, time.monotonic() + seconds)


@dataclass
class DrainStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    keys: list[str] = field(default_factory=list)


async def render_message(
    rt: Runtime, account_id: int, person_id: int, kind: str, payload: dict[str, object]
) -> tuple[int, str, Renderer] | None:
    """(chat id, text, renderer) for a reminder, or None when the person may no longer receive it."""
    async with rt.db.session() as session:
        account = await session.get(Account, account_id)
        person = await session.get(Person, person_id)
        if account is None or person is None or not person.active or account.blocked_at is not None:
            return None
        who = await load_identity(session, account.platform, account.platform_user_id)
        if who is None or who.person_id != person.id:
            return None
        r = Renderer(account.platform, who.locale or rt.settings.bot_default_locale)
        year, today = int(str(payload.get("year", rt.year))), rt.today()
        if kind == "milestone":
            text = await texts.milestone(session, r, who, year, today)
        elif kind == "nudge":
            daily = 0 <= (deadline_date(year) - today).days <= rt.settings.nudge_daily_days
            text = await texts.nudge(session, r, who, year, today, daily)
        elif kind == "digest":
            text = await texts.digest(session, r, who, year, today, rt.clock())
        else:
            log.error("unknown reminder kind %r", kind)
            return None
    return (account.chat_id, text, r) if text else None


class Sender:
    def __init__(self, rt: Runtime, bot: Bot, limiter: RateLimiter | None = None) -> None:
        self.rt, self.bot = rt, bot
        self.limiter = limiter or RateLimiter(rt.settings.send_rate, rt.settings.send_chat_interval)
        self.instance = f"{secrets.token_hex(4)}"

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
        abandoned = and_(Outbox.status == "sending", Outbox.claimed_at < stale_claim)
        # Each messenger's sender takes only its own accounts' rows.
        mine = Outbox.account_id.in_(select(Account.id).where(Account.platform == rt.platform))
        query = (
            select(Outbox).where(or_(due, abandoned), mine).order_by(Outbox.due_at, Outbox.id).limit(BATCH)
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
        return rows

    async def _finish(self, row: Outbox, **values: object) -> bool:
        """Record the outcome, only while the row is still ours (a lease may have passed it on)."""
        async with self.rt.db.write() as session:
            result = await session.execute(
                update(Outbox)
                .where(Outbox.id == row.id, Outbox.claimed_by == self.instance, Outbox.status == "sending")
                .values(**values)
            )
            return result.rowcount == 1

    async def _release(self) -> None:
        """Give back every row this sender still holds, for another sender or a later tick."""
        async with self.rt.db.write() as session:
            await session.execute(
                update(Outbox)
                .where(Outbox.claimed_by == self.instance, Outbox.status == "sending")
                .values(status="pending", claimed_by=None)
            )

    async def _still_ours(self, row: Outbox) -> bool:
        """Renew the lease just before sending; False when another sender has taken the row over."""
        return await self._finish(row, claimed_at=utcnow())

    async def _render(self, row: Outbox) -> tuple[int, str, Renderer] | None:
        return await render_message(self.rt, row.account_id, row.person_id, row.kind, row.payload)

    def _stale(self, row: Outbox) -> bool:
        tz = self.rt.settings.tz
        return row.due_at.astimezone(tz).date() < self.rt.today()

    async def send_one(self, row: Outbox, stats: DrainStats) -> None:
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
        chat_id, text, r = rendered
        try:
            for part in split_text(text):  # a digest with long agency names may pass 4096 characters
                await self.limiter.wait(chat_id)
                if not await self._still_ours(row):
                    log.info("outbox %s: taken over by another sender after a lease expired", row.id)
                    return
                await self.bot.send_message(chat_id, part, parse_mode=r.parse_mode)
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
        except InvalidToken:
            # The token or API URL is wrong (Bale's per-recipient 404s arrive as 400s: bot/request.py).
            # Nothing can be sent; keep the rows for later.
            await self._finish(row, status="pending", error="invalid token")
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
        if await self._finish(row, status="sent", sent_at=utcnow(), attempts=row.attempts + 1, error=None):
            stats.sent += 1
            stats.keys.append(row.key)

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

    async def drain(self, *, wait_for_retries: bool = False, max_wait: float = 600) -> DrainStats:
        """Send everything due. With wait_for_retries, also wait out backoffs (command line, tests)."""
        stats = DrainStats()
        deadline = time.monotonic() + max_wait
        while True:
            rows = await self._claim()
            for row in rows:
                try:
                    await self.send_one(row, stats)
                except InvalidToken:
                    await self._release()
                    raise
                except Exception as exc:  # one bad row must not strand its batch
                    log.exception("outbox %s: unexpected error", row.id)
                    await self._retry(
                        row,
                        min(2 ** (row.attempts + 1), MAX_BACKOFF),
                        repr(exc)[:200],
                        stats,
                        transient=False,
                    )
            if rows:
                continue
            if not wait_for_retries or time.monotonic() > deadline:
                return stats
            waiting = await self._next_retry()
            if waiting is None:
                return stats
            await asyncio.sleep(min(max(waiting, 0.05), 5))

    async def _next_retry(self) -> float | None:
        async with self.rt.db.session() as session:
            rows = await session.execute(
                select(Outbox.next_attempt_at, Outbox.status, Outbox.claimed_at).where(
                    Outbox.status.in_(("pending", "sending")),
                    Outbox.due_at <= self.rt.clock(),
                    Outbox.account_id.in_(select(Account.id).where(Account.platform == self.rt.platform)),
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
