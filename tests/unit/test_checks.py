"""Start-up checks: the time-zone data must know Iran keeps +03:30 all year."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import __main__ as cli
from bot.checks import timezone_problem


class OldTehran(dt.tzinfo):
    """Asia/Tehran as tzdata before 2022b had it: +04:30 from about Farvardin to Shahrivar."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        summer = when is not None and 3 < when.month < 10
        return dt.timedelta(hours=4 if summer else 3, minutes=30)

    def dst(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, when: dt.datetime | None) -> str:
        return "IRST"


def test_current_data_passes():
    assert timezone_problem() is None


def test_old_data_is_named_with_its_fix():
    problem = timezone_problem(lambda name: OldTehran(), year=2027)
    assert problem is not None
    assert "UTC+04:30 on 2027-07-15" in problem and "apt-get install --only-upgrade tzdata" in problem


def test_the_command_line_stops_with_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(cli, "timezone_problem", lambda: "old data (fix: upgrade tzdata)")
    assert cli.main(["doctor"]) == cli.EXIT_CONFIG
    assert "configuration error: old data (fix: upgrade tzdata)" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level(value, level):
    from models.settings import load_settings

    assert load_settings(LOG_LEVEL=value).log_level == level


def test_a_database_out_of_reach_is_one_line_with_exit_2(monkeypatch, capsys):
    from tests.kit.proxies import closed_port

    url = f"postgresql+asyncpg://rasad:s3cret@127.0.0.1:{closed_port()}/rasad"
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["doctor"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.startswith("configuration error: the database postgresql+asyncpg://rasad:***@127.0.0.1:")
    assert "s3cret" not in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
