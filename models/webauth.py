"""Who opens the dashboard: Telegram's signed Mini App launch data, or a one-time link the bot sent and the
browser session it opens. Plain functions over the database; the web server asks them on every request.

- Mini App (Telegram): the launch data (initData) is signed by Telegram with a key derived from the bot's
  token (core.telegram.org/bots/webapps, "Validating data received via the Mini App"): secret =
  HMAC-SHA256(key="WebAppData", msg=token); hash = hex HMAC-SHA256(key=secret, msg=the other fields as
  sorted key=value lines). It is accepted for a day after auth_date.
- Link: a random token, valid LINK_MINUTES, opened once; it opens a session of SESSION_HOURS (a working
  day) bound to the same account and person. Only SHA-256 hashes of tokens are stored; `/dashboard off`
  ends every link and session of the person."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from typing import TypeGuard
from urllib.parse import parse_qsl

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import Database, rowcount
from models.schema import Account, WebLogin

LINK_MINUTES = 10
SESSION_HOURS = 10
INIT_DATA_MAX_AGE = dt.timedelta(days=1)
KEPT_AFTER_EXPIRY = dt.timedelta(days=1)
CLOCK_SKEW = dt.timedelta(minutes=5)  # an auth_date this far ahead of our clock is still taken
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")  # what secrets.token_urlsafe gives, with room


def is_token(value: object) -> TypeGuard[str]:
    """Whether a link or session token could be one of ours (anything else is refused unread)."""
    return isinstance(value, str) and TOKEN.fullmatch(value) is not None


def mini_app_user(init_data: str, token: str, now: dt.datetime) -> int | None:
    """The Telegram user id in Mini App launch data signed with this bot's token and not older than a day;
    None for anything else (unsigned, forged, altered, expired, malformed)."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:  # every field once
        return None
    received = fields.pop("hash")
    if not HEX_DIGEST.fullmatch(received):
        return None
    try:
        expected = _signature(fields, token)
    except UnicodeEncodeError:  # a lone surrogate: nothing Telegram signs
        return None
    if not hmac.compare_digest(expected, received):
        return None
    try:
        signed_at = dt.datetime.fromtimestamp(int(fields["auth_date"]), dt.UTC)
        user_id = json.loads(fields["user"])["id"]
    except (KeyError, ValueError, TypeError, OverflowError):
        return None
    if not now - INIT_DATA_MAX_AGE <= signed_at <= now + CLOCK_SKEW:
        return None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def sign_init_data(fields: dict[str, str], token: str) -> str:
    """Launch data as Telegram signs it (the playground and tests stand in for the Telegram client)."""
    from urllib.parse import urlencode

    return urlencode({**fields, "hash": _signature(fields, token)})


def _signature(fields: dict[str, str], token: str) -> str:
    """Telegram's: HMAC-SHA256 of the sorted key=value lines, keyed by HMAC-SHA256("WebAppData", token)."""
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(db: Database, account_id: int, person_id: int, now: dt.datetime) -> str:
    """A one-time link token for this account and its person, valid LINK_MINUTES."""
    token = secrets.token_urlsafe(32)
    async with db.write() as session:
        # What expired over a day ago is of no use any more: each new link sweeps it away.
        await session.execute(delete(WebLogin).where(WebLogin.expires_at < now - KEPT_AFTER_EXPIRY))
        session.add(
            WebLogin(
                account_id=account_id,
                person_id=person_id,
                kind="link",
                token_hash=_hash(token),
                created_at=now,
                expires_at=now + dt.timedelta(minutes=LINK_MINUTES),
            )
        )
    return token


async def open_session(db: Database, link: str, now: dt.datetime) -> str | None:
    """Spend a one-time link: a session token bound to its account, or None when the link is unknown,
    expired, revoked or already opened."""
    async with db.write() as session:
        spent = await session.execute(
            update(WebLogin)
            .where(
                WebLogin.token_hash == _hash(link),
                WebLogin.kind == "link",
                WebLogin.used_at.is_(None),
                WebLogin.revoked_at.is_(None),
                WebLogin.expires_at > now,
            )
            .values(used_at=now)
            .returning(WebLogin.account_id, WebLogin.person_id)
        )
        found = spent.first()
        if found is None:
            return None
        token = secrets.token_urlsafe(32)
        session.add(
            WebLogin(
                account_id=found[0],
                person_id=found[1],
                kind="session",
                token_hash=_hash(token),
                created_at=now,
                expires_at=now + dt.timedelta(hours=SESSION_HOURS),
            )
        )
    return token


async def session_account(session: AsyncSession, token: str, now: dt.datetime) -> tuple[int, str] | None:
    """The account (its id and messenger) a browser session token belongs to, while it is valid and the
    account is still its person's (an account moved to another person ends its sessions)."""
    found = (
        await session.execute(
            select(WebLogin.account_id, Account.platform)
            .join(Account, and_(Account.id == WebLogin.account_id, Account.person_id == WebLogin.person_id))
            .where(
                WebLogin.token_hash == _hash(token),
                WebLogin.kind == "session",
                WebLogin.revoked_at.is_(None),
                WebLogin.expires_at > now,
            )
        )
    ).first()
    return (found[0], found[1]) if found is not None else None


async def revoke_all(db: Database, person_id: int, now: dt.datetime) -> int:
    """End every link and session of this person, on either messenger; how many were still open."""
    async with db.write() as session:
        result = await session.execute(
            update(WebLogin)
            .where(
                WebLogin.person_id == person_id,
                WebLogin.revoked_at.is_(None),
                WebLogin.expires_at > now,
                or_(WebLogin.kind == "session", WebLogin.used_at.is_(None)),
            )
            .values(revoked_at=now)
        )
        return rowcount(result)
