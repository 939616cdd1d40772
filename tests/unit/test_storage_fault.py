import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError, OperationalError

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
