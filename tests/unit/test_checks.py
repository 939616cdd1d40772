"""Start-up checks: the time-zone data must know Iran keeps +03:30 all year."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import __main__ as cli
from bot.checks import timezone_problem
from tests.conftest import PG_URL


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


def test_the_command_line_stops_with_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli, "timezone_problem", lambda: "old data (fix: upgrade tzdata)")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    assert cli.main(["doctor"]) == cli.EXIT_CONFIG
    assert "configuration error: old data (fix: upgrade tzdata)" in capsys.readouterr().err
    out = tmp_path / "roster.xlsx"
    assert cli.main(["template", "roster", "--out", str(out)]) == 0 and out.exists()  # no clock in a template


def test_the_bundled_tzdata_is_read():
    import zoneinfo

    from bot.checks import use_bundled_tzdata

    saved = zoneinfo.TZPATH
    try:
        use_bundled_tzdata()
        assert zoneinfo.TZPATH == () and timezone_problem() is None
    finally:
        zoneinfo.reset_tzpath(saved)
        zoneinfo.ZoneInfo.clear_cache()


@pytest.mark.parametrize(("value", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level(value, level):
    from models.settings import load_settings

    assert load_settings(LOG_LEVEL=value).log_level == level


def test_a_database_out_of_reach_is_one_line_and_tried_again(monkeypatch, capsys):
    """Refused (PostgreSQL restarting, a slow boot): exit 1, which systemd restarts; a wrong login or a
    missing database is exit 2 (tests/e2e/test_cli.py)."""
    from tests.kit.proxies import closed_port

    url = f"postgresql+asyncpg://rasad:s3cret@127.0.0.1:{closed_port()}/rasad"
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["doctor"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the database postgresql+asyncpg://rasad:***@127.0.0.1:")
    assert "s3cret" not in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: TEST_DATABASE_URL")
def test_a_wrong_role_or_database_is_a_configuration_error(monkeypatch, capsys):
    from sqlalchemy import make_url

    base = make_url(PG_URL)
    for url in (base.set(username="no_such_role_rasad"), base.set(database="no_such_database_rasad")):
        monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
        assert cli.main(["doctor"]) == cli.EXIT_CONFIG
        assert capsys.readouterr().err.startswith("configuration error: the database ")


def test_debug_logs_are_the_bots_own():
    import logging

    from bot import logs

    saved = {name: logging.getLogger(name).level for name in ("", *logs.PERSONAL_AT_DEBUG)}
    try:
        logs.setup("DEBUG")
        assert logging.getLogger("handlers.report").getEffectiveLevel() == logging.DEBUG
        assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.INFO  # SQL with its parameters
        assert logging.getLogger("telegram.ext").getEffectiveLevel() == logging.INFO  # update payloads
    finally:
        for name, level in saved.items():
            logging.getLogger(name or None).setLevel(level)
