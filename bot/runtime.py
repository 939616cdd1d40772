"""Resources shared by handlers and jobs, opened in post_init and closed in post_shutdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from models.db import Database
from models.jalali import local_today


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Callable[[], dt.datetime] = field(default=system_clock)
    platform: str = ""  # the messenger this runtime serves; "" = the first configured one

    def __post_init__(self) -> None:
        if not self.platform:
            self.platform = self.settings.platform_names[0]

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
