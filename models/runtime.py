"""Resources shared by handlers and jobs, opened in post_init and closed in post_shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from models.db import Database
from models.jalali import local_today
from models.lead import Lead
from models.pacing import RateLimiter
from models.settings import Settings


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LastQuestions:
    """Each open conversation's last question (its message id), in this process's memory for the newest
    `size` conversations: a typed answer takes that question's buttons away. It was kept in the draft, which
    cost a second write on every step; after a restart the old buttons simply stay (a press on one is
    answered as a past step's)."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._ids: OrderedDict[tuple[int, str], tuple[str, int]] = OrderedDict()

    def swap(self, account_id: int, kind: str, token: str, message_id: int) -> int | None:
        """Remember this question; the one it follows in the same draft (same token), if known."""
        before = self._ids.pop((account_id, kind), None)
        self._ids[(account_id, kind)] = (token, message_id)
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return before[1] if before is not None and before[0] == token else None


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Callable[[], dt.datetime] = field(default=system_clock)
    platform: str = ""  # the messenger this runtime serves; "" = the first configured one
    questions: LastQuestions = field(default_factory=LastQuestions)
    calendar_years: set[int] = field(default_factory=set)  # years whose official holidays are seeded
    # The messenger's pacing, shared by the reminder tick and the notices handlers deliver.
    limiter: RateLimiter = field(init=False)
    # Which process drains the outbox, where several may (PostgreSQL with scheduled sending); None: this one.
    lead: Lead | None = None
    draining: asyncio.Lock = field(default_factory=asyncio.Lock)  # one full drain at a time in the process
    # Sends what is due in the outbox, only keys starting with the prefix when one is given (the notices an
    # action just queued). Wired by bot/ to the jobs' sender: handlers deliver through it, not importing jobs.
    send_outbox: Callable[[str | None], Awaitable[object]] | None = None

    def __post_init__(self) -> None:
        if not self.platform:
            self.platform = self.settings.platform_names[0]
        self.limiter = RateLimiter(self.settings.send_rate, self.settings.send_chat_interval)

    @property
    def admins(self) -> tuple[int, ...]:
        return self.settings.admins_for(self.platform)

    @property
    def year(self) -> int:
        """The reporting year now (per the clock), so an unset BOT_YEAR rolls over at Nowruz."""
        return self.settings.year_at(self.clock())

    def today(self) -> dt.date:
        """Today in the configured time zone (Asia/Tehran), never the host's."""
        return local_today(self.settings.tz, self.clock())
