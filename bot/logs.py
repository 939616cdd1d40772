"""Logging for the bot's processes: one line per event on standard error, and no secret in any line.

Bot API URLs carry the token (`/bot<token>/method`, `/file/bot<token>/path`), and libraries put URLs into
their exceptions (aiohttp's TooManyRedirects, InvalidURL, ClientResponseError…). The transport masks what
it raises; this formatter is the floor under every record: message, arguments, traceback."""

from __future__ import annotations

import logging
import re

# A path segment after /bot, /file/bot or Bale's webhook path (its secret), and anything shaped like a bot
# token (digits:secret).
_URL_TOKEN = re.compile(r"(/(?:file/)?bot|/webhook/bale/)[^/\s'\"?#]+")
_TOKEN_SHAPE = re.compile(r"\b\d{5,15}:[A-Za-z0-9_-]{8,}")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PERSONAL_AT_DEBUG = ("aiosqlite", "asyncpg", "telegram", "asyncio", "aiohttp", "python_socks")


def mask(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<secret>")
    return _TOKEN_SHAPE.sub("<token>", _URL_TOKEN.sub(r"\1<token>", text))


class SecretsMaskingFormatter(logging.Formatter):
    def __init__(self, fmt: str = FORMAT, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record), self.secrets)


def setup(level: int | str = logging.INFO, secrets: tuple[str, ...] = ()) -> None:
    """The root logger writes masked lines to standard error; libraries that log every request URL are
    held to warnings."""
    logging.basicConfig(format=FORMAT, level=level)
    logging.getLogger().setLevel(level)  # basicConfig leaves it when handlers exist already
    for handler in logging.getLogger().handlers:
        handler.setFormatter(SecretsMaskingFormatter(FORMAT, secrets))
    for noisy in ("httpx", "apscheduler", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # LOG_LEVEL=DEBUG is for the bot's own lines: at debug these print SQL parameters and update payloads
    # (phone numbers, national codes, shared contacts). SQLAlchemy holds its own at warnings.
    floor = max(logging.getLevelNamesMapping()[level] if isinstance(level, str) else level, logging.INFO)
    for talkative in PERSONAL_AT_DEBUG:
        logging.getLogger(talkative).setLevel(floor)
