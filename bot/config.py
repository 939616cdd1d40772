"""Settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.jalali import current_jalali_year

OFFICIAL_API = {
    "telegram": ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
    "bale": ("https://tapi.bale.ai/bot", "https://tapi.bale.ai/file/bot"),
}


class ConfigError(Exception):
    """One line naming the variable and the reason."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str | None = Field(default=None, alias="BOT_TOKEN")
    bot_platform: Literal["telegram", "bale"] = Field(default="telegram", alias="BOT_PLATFORM")
    bot_api_base_url: str | None = Field(default=None, alias="BOT_API_BASE_URL")
    bot_api_file_url: str | None = Field(default=None, alias="BOT_API_FILE_URL")
    database_url: str = Field(default="sqlite+aiosqlite:///data/bot.db", alias="DATABASE_URL")
    bot_admins: Annotated[list[int], NoDecode] = Field(default_factory=list, alias="BOT_ADMINS")
    bot_timezone: str = Field(default="Asia/Tehran", alias="BOT_TIMEZONE")
    bot_default_locale: Literal["fa", "en"] = Field(default="fa", alias="BOT_DEFAULT_LOCALE")
    bot_year: int | None = Field(default=None, alias="BOT_YEAR")
    bot_ranking_public: bool = Field(default=True, alias="BOT_RANKING_PUBLIC")
    bot_help_contact: str | None = Field(default=None, alias="BOT_HELP_CONTACT")

    @field_validator("bot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            for part in parts:
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"'{part}' is not a numeric user id")
            return [int(p) for p in parts]
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}'") from exc
        return value

    @field_validator("bot_year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        if value is not None and not 1390 <= value <= 1500:
            raise ValueError("must be a Jalali year such as 1405")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("bot_api_base_url", "bot_api_file_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    def year_at(self, now: dt.datetime | None = None) -> int:
        """BOT_YEAR when set, else the Jalali year of `now` in the bot's zone (rolls over at Nowruz)."""
        return self.bot_year if self.bot_year is not None else current_jalali_year(self.tz, now)

    @property
    def year(self) -> int:
        return self.year_at()

    @property
    def api_base_url(self) -> str:
        return self.bot_api_base_url or OFFICIAL_API[self.bot_platform][0]

    @property
    def api_file_url(self) -> str:
        return self.bot_api_file_url or OFFICIAL_API[self.bot_platform][1]

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url[len(prefix) :].split("?", 1)[0]
            return Path(path) if path and path != ":memory:" else None
        return None


def load_settings(**overrides: object) -> Settings:
    """Build settings; turn validation errors into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "configuration"
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{alias or field}: {message}") from None
