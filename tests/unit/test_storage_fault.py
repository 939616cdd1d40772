import sqlite3

import aiohttp
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from telegram.error import NetworkError

from bot.request import PlatformRequest
from jobs.sender import Unreachable
from models.db import storage_fault


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(orig: BaseException) -> DBAPIError:
    return OperationalError("INSERT INTO x VALUES (1)", {}, orig)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (wrapped(sqlite3.OperationalError("attempt to write a readonly database")), "read_only"),
        (wrapped(sqlite3.OperationalError("database or disk is full")), "full"),
        (wrapped(PgError("25006")), "read_only"),
        (wrapped(PgError("53100")), "full"),
        (wrapped(PgError("57P01")), "unavailable"),
        (ConnectionRefusedError(111, "Connect call failed"), "unavailable"),
        (wrapped(sqlite3.OperationalError("no such table: people")), None),
        (wrapped(PgError("23505")), None),  # a unique violation is a bug or a race, not storage
        (ValueError("bad"), None),
        # A unique violation whose values happen to read like a storage fault is still not one.
        (IntegrityError("INSERT", ("my disk is full",), sqlite3.IntegrityError("UNIQUE failed")), None),
        (None, None),
    ],
)
def test_storage_faults_are_told_apart_from_other_errors(error, kind):
    assert storage_fault(error) == kind


def test_a_fault_behind_another_error_is_found():
    try:
        try:
            raise wrapped(sqlite3.OperationalError("database or disk is full"))
        except DBAPIError as inner:
            raise RuntimeError("while saving") from inner
    except RuntimeError as outer:
        assert storage_fault(outer) == "full"


async def test_the_messenger_out_of_reach_is_not_a_database_fault():
    """A refused or reset connection to the Bot API has an OSError deep in its chain: not the database's."""
    request = PlatformRequest("telegram", connection_pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(Unreachable) as refused:
            await request.post("http://127.0.0.1:9/bot1:x/sendMessage", None)
    finally:
        await request.shutdown()
    assert isinstance(refused.value.__cause__.__cause__, aiohttp.ClientConnectorError)  # an OSError
    assert storage_fault(refused.value) is None
    reset = NetworkError("aiohttp.ClientOSError: reset")
    reset.__cause__ = aiohttp.ClientOSError(104, "reset")
    reset.__cause__.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert storage_fault(reset) is None
