"""Settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from models.jalali import current_jalali_year
from models.textnorm import to_ascii_digits

OFFICIAL_API = {
    "telegram": ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
    "bale": ("https://tapi.bale.ai/bot", "https://tapi.bale.ai/file/bot"),
}
PLATFORMS = ("telegram", "bale")
PROXY_SCHEMES = ("socks5h", "socks5", "socks4", "http")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # what Telegram accepts as a webhook secret_token


def reveal(secret: SecretStr | None) -> str | None:
    """A secret setting's value, where it is used (never where it is shown)."""
    return secret.get_secret_value() if secret is not None else None


@dataclass(frozen=True)
class PlatformConfig:
    """One messenger the deployment serves."""

    name: str  # telegram | bale
    token: str
    base_url: str
    file_url: str
    admins: tuple[int, ...]
    proxy: str | None = None  # its own proxy (TELEGRAM_PROXY, BALE_PROXY)


def parse_hhmm(value: str) -> dt.time:
    """`9:00`, `09:30` (any digit script) -> time; ValueError otherwise."""
    raw = to_ascii_digits(value).strip().replace("٫", ":").replace(".", ":")
    hours, sep, minutes = raw.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError("must be a time such as 09:00")
    try:
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError("must be a time such as 09:00") from None


def format_hhmm(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


class ConfigError(Exception):
    """One line naming the variable and the reason."""


class Settings(BaseSettings):
    # A variable set but empty (BOT_YEAR= as .env.example has it) is not set.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # Secrets: SecretStr never prints (a repr, a validation error, a log line); read with reveal().
    bot_token: SecretStr | None = Field(default=None, alias="BOT_TOKEN")
    bot_platform: Literal["telegram", "bale"] = Field(default="telegram", alias="BOT_PLATFORM")
    bot_api_base_url: str | None = Field(default=None, alias="BOT_API_BASE_URL")
    bot_api_file_url: str | None = Field(default=None, alias="BOT_API_FILE_URL")
    # Both messengers from one process: BOT_PLATFORMS=telegram,bale with a token for each.
    bot_platforms: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="BOT_PLATFORMS")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    bale_bot_token: SecretStr | None = Field(default=None, alias="BALE_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, alias="TELEGRAM_API_BASE_URL")
    telegram_api_file_url: str | None = Field(default=None, alias="TELEGRAM_API_FILE_URL")
    bale_api_base_url: str | None = Field(default=None, alias="BALE_API_BASE_URL")
    bale_api_file_url: str | None = Field(default=None, alias="BALE_API_FILE_URL")
    # A proxy for one messenger (Telegram filtered, Bale direct): socks5h:// (the proxy resolves names),
    # socks5://, socks4://, http://, with user:password@ when it asks. Unset: HTTP(S)_PROXY as usual.
    telegram_proxy: str | None = Field(default=None, alias="TELEGRAM_PROXY")
    bale_proxy: str | None = Field(default=None, alias="BALE_PROXY")
    # Webhooks: Telegram checks a secret header; Bale sends none, so its URL path carries the secret.
    bot_mode: Literal["polling", "webhook"] = Field(default="polling", alias="BOT_MODE")
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_listen: str = Field(default="0.0.0.0", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8080, ge=0, le=65535, alias="WEBHOOK_PORT")
    webhook_secret: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    # The dashboard (/app/): its public address (default: WEBHOOK_URL in webhook mode; unset: no dashboard),
    # and in polling mode the port it listens on by itself (webhook mode serves it beside the webhooks).
    dashboard_url: str | None = Field(default=None, alias="DASHBOARD_URL")
    dashboard_listen: str = Field(default="127.0.0.1", alias="DASHBOARD_LISTEN")
    dashboard_port: int = Field(default=8090, ge=0, le=65535, alias="DASHBOARD_PORT")
    database_url: str = Field(default="sqlite+aiosqlite:///data/bot.db", alias="DATABASE_URL")
    # Plain ids apply to every platform served; `bale:123` or `telegram:123` to one of them.
    bot_admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="BOT_ADMINS")
    bot_timezone: str = Field(default="Asia/Tehran", alias="BOT_TIMEZONE")
    bot_default_locale: Literal["fa", "en"] = Field(default="fa", alias="BOT_DEFAULT_LOCALE")
    bot_year: int | None = Field(default=None, alias="BOT_YEAR")
    bot_ranking_public: bool = Field(default=True, alias="BOT_RANKING_PUBLIC")
    # What ranks: every report not withdrawn, or only those the governorate approved (both are shown).
    ranking_basis: Literal["reported", "approved"] = Field(default="reported", alias="RANKING_BASIS")
    bot_help_contact: str | None = Field(default=None, alias="BOT_HELP_CONTACT")
    # Reminders and digests (times are local to BOT_TIMEZONE).
    reminder_days: Annotated[list[int], NoDecode] = Field(
        default=[60, 30, 14, 7, 3, 1, 0], alias="REMINDER_DAYS"
    )
    reminder_time: str = Field(default="09:00", alias="REMINDER_TIME")
    nudge_weekday: Literal["saturday", "sunday", "monday", "tuesday", "wednesday", "thursday"] = Field(
        default="saturday", alias="NUDGE_WEEKDAY"
    )
    nudge_time: str = Field(default="09:00", alias="NUDGE_TIME")
    # The office week: Friday off everywhere; many offices close on Thursday too ("friday,thursday").
    weekend_days: Annotated[list[str], NoDecode] = Field(default=["friday"], alias="WEEKEND_DAYS")
    # Seed each reporting year's official holidays (solar, and lunar ones as estimates) into the calendar.
    official_holidays: bool = Field(default=True, alias="OFFICIAL_HOLIDAYS")
    nudge_daily_days: int = Field(default=10, ge=0, le=60, alias="NUDGE_DAILY_DAYS")
    digest_time: str = Field(default="08:00", alias="DIGEST_TIME")
    send_rate: float = Field(default=30.0, gt=0, le=100_000, alias="SEND_RATE")
    # Messages to chats, overall, answers first (bot/lanes.py; reminders are also held to SEND_RATE).
    reply_rate: float = Field(default=30.0, gt=0, le=100_000, alias="REPLY_RATE")
    send_chat_interval: float = Field(default=1.0, ge=0, le=60, alias="SEND_CHAT_INTERVAL")
    outbox_lease_seconds: int = Field(default=120, ge=1, alias="OUTBOX_LEASE_SECONDS")
    scheduler_tick_seconds: int = Field(default=30, ge=0, alias="SCHEDULER_TICK_SECONDS")
    # Per user: at most this many updates in the window (0: no limit). A person taps about once a second.
    user_rate_limit: int = Field(default=20, ge=0, alias="USER_RATE_LIMIT")
    user_rate_window: float = Field(default=20.0, gt=0, alias="USER_RATE_WINDOW")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", alias="LOG_LEVEL")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("bot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            for part in parts:
                platform, _, user_id = part.rpartition(":")
                if platform not in ("", *PLATFORMS) or not user_id.lstrip("-").isdigit():
                    raise ValueError(f"'{part}' is not a numeric user id (or bale:ID, telegram:ID)")
            return parts
        return value

    @field_validator("bot_platforms", mode="before")
    @classmethod
    def _split_platforms(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip().lower() for p in value.split(",") if p.strip()]
            for part in parts:
                if part not in PLATFORMS:
                    raise ValueError(f"'{part}' is not telegram or bale")
            return list(dict.fromkeys(parts))
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.bot_mode == "webhook":
            if not self.webhook_url:
                raise ValueError("WEBHOOK_URL: required when BOT_MODE=webhook (the public https:// address)")
            url = urlsplit(self.webhook_url)
            loopback = url.hostname in ("127.0.0.1", "localhost", "::1")  # a local test server
            if (url.scheme != "https" and not loopback) or url.query or url.fragment:
                raise ValueError("WEBHOOK_URL: must be an https:// address without ?query or #fragment")
            if not self.webhook_secret:
                raise ValueError("WEBHOOK_SECRET: required when BOT_MODE=webhook")
        return self

    @model_validator(mode="after")
    def _dashboard_address(self) -> Settings:
        if self.dashboard_url:
            url = urlsplit(self.dashboard_url)
            loopback = url.hostname in ("127.0.0.1", "localhost", "::1")  # the playground, a test
            if (url.scheme != "https" and not loopback) or url.query or url.fragment:
                raise ValueError("DASHBOARD_URL: must be an https:// address without ?query or #fragment")
        return self

    @property
    def dashboard_address(self) -> str | None:
        """The dashboard's public page (…/app/), or None when the deployment has none."""
        base = self.dashboard_url or (self.webhook_url if self.bot_mode == "webhook" else None)
        return base.rstrip("/") + "/app/" if base else None

    @model_validator(mode="after")
    def _platforms_consistent(self) -> Settings:
        if len(self.platform_names) > 1:
            if self.bot_token or self.bot_api_base_url or self.bot_api_file_url:
                raise ValueError(
                    "BOT_PLATFORMS: with two platforms use TELEGRAM_BOT_TOKEN / BALE_BOT_TOKEN (and "
                    "TELEGRAM_API_BASE_URL / BALE_API_BASE_URL), not BOT_TOKEN or BOT_API_BASE_URL"
                )
            plain = [a for a in self.bot_admins if ":" not in a]
            if plain:
                raise ValueError(
                    f"BOT_ADMINS: user ids are per platform; write bale:{plain[0]} or telegram:{plain[0]}"
                )
        if self.bot_platforms and "bot_platform" in self.model_fields_set:
            if self.bot_platform not in self.bot_platforms:
                raise ValueError("BOT_PLATFORM: contradicts BOT_PLATFORMS; set only BOT_PLATFORMS")
        return self

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not parts or not all(p.isdigit() and int(p) <= 366 for p in parts):
                raise ValueError(
                    "must be comma-separated whole days before the deadline, e.g. 60,30,14,7,3,1,0"
                )
            return sorted({int(p) for p in parts}, reverse=True)
        return value

    @field_validator("weekend_days", mode="before")
    @classmethod
    def _weekend(cls, value: object) -> object:
        names = {
            "جمعه": "friday",
            "پنجشنبه": "thursday",
            "پنج‌شنبه": "thursday",
            "پنج شنبه": "thursday",
            "شنبه": "saturday",
        }
        if isinstance(value, str):
            parts = [
                names.get(p.strip(), p.strip().lower())
                for p in value.replace("،", ",").split(",")
                if p.strip()
            ]
            known = ("saturday", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday")
            if not parts or any(p not in known for p in parts) or len(set(parts)) > 3:
                raise ValueError("must be one to three weekday names, e.g. friday or friday,thursday")
            return sorted(set(parts), key=known.index)
        return value

    @field_validator("reminder_time", "nudge_time", "digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        return format_hhmm(parse_hhmm(value))

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
        if value.startswith("postgresql"):
            try:
                url = make_url(value)
            except (ArgumentError, ValueError):
                url = None
            if url is None or not url.host or not url.database or value.count("@") > 1:
                raise ValueError(
                    "must read postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DATABASE (a password with @, /, "
                    ": or # written percent-encoded, e.g. %40 for @)"
                )
        return value

    @field_validator(
        "bot_api_base_url",
        "bot_api_file_url",
        "telegram_api_base_url",
        "telegram_api_file_url",
        "bale_api_base_url",
        "bale_api_file_url",
        "webhook_url",
        "dashboard_url",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("telegram_proxy", "bale_proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        url = urlsplit(value)
        try:
            port = url.port
        except ValueError:
            port = None
        if url.scheme not in PROXY_SCHEMES or not url.hostname or port is None:
            raise ValueError(
                "must be a proxy address such as socks5h://127.0.0.1:10808 or http://user:pass@10.0.0.5:3128 "
                f"(schemes: {', '.join(PROXY_SCHEMES)})"
            )
        return value

    def proxy_for(self, platform: str) -> str | None:
        return getattr(self, f"{platform}_proxy", None)

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
    def platform_names(self) -> list[str]:
        return self.bot_platforms or [self.bot_platform]

    @property
    def api_base_url(self) -> str:
        return self._url(self.platform_names[0], "base")

    @property
    def api_file_url(self) -> str:
        return self._url(self.platform_names[0], "file")

    def _url(self, platform: str, kind: str) -> str:
        own = getattr(self, f"{platform}_api_{kind}_url")
        shared = self.bot_api_base_url if kind == "base" else self.bot_api_file_url
        single = len(self.platform_names) == 1
        return own or (shared if single else None) or OFFICIAL_API[platform][0 if kind == "base" else 1]

    def token_for(self, platform: str) -> str | None:
        single = len(self.platform_names) == 1
        return reveal(getattr(self, f"{platform}_bot_token")) or (reveal(self.bot_token) if single else None)

    def admins_for(self, platform: str) -> tuple[int, ...]:
        out = []
        for entry in self.bot_admins:
            prefix, _, user_id = entry.rpartition(":")
            if prefix in ("", platform):
                out.append(int(user_id))
        return tuple(out)

    def secrets(self) -> tuple[str, ...]:
        """What no log line may show: the tokens and the webhook secret."""
        tokens = (self.bot_token, self.telegram_bot_token, self.bale_bot_token, self.webhook_secret)
        values = [reveal(v) for v in tokens]
        if self.database_url.startswith("postgresql"):
            values.append(make_url(self.database_url).password)
        values += [urlsplit(p).password for p in (self.telegram_proxy, self.bale_proxy) if p]
        return tuple(v for v in values if v)

    def missing_tokens(self) -> list[str]:
        """The variables still to set before the bot can connect (empty when it can)."""
        single = len(self.platform_names) == 1
        return [
            ("BOT_TOKEN" if single else f"{name.upper()}_BOT_TOKEN")
            for name in self.platform_names
            if not self.token_for(name)
        ]

    def token_hint(self) -> str:
        """Which token is missing, and the likely slip when another platform's token is set."""
        missing = self.missing_tokens()[0]
        others = [p for p in PLATFORMS if p not in self.platform_names and getattr(self, f"{p}_bot_token")]
        if others:
            name = others[0]
            return (
                f"{missing} is not set ({name.upper()}_BOT_TOKEN is: add BOT_PLATFORM={name}, "
                f"or BOT_PLATFORMS={','.join([*self.platform_names, name])})"
            )
        return f"{missing} is not set"

    def platforms(self) -> list[PlatformConfig]:
        """Every platform served; call after missing_tokens() came back empty."""
        return [
            PlatformConfig(
                name=name,
                token=self.token_for(name) or "",
                base_url=self._url(name, "base"),
                file_url=self._url(name, "file"),
                admins=self.admins_for(name),
                proxy=self.proxy_for(name),
            )
            for name in self.platform_names
        ]


def load_settings(**overrides: object) -> Settings:
    """Build settings; turn validation errors into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # the variables' names (aliases) as keywords
    except PermissionError as exc:
        raise ConfigError(
            f"{exc.filename or '.env'}: may not be read by this user; run the command as the bot's user "
            "(sudo -u rasad …), who owns it"
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across variables: its message names them
            raise ConfigError(message) from None
        field = str(first["loc"][0])
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        raise ConfigError(f"{alias or field}: {message}") from None
