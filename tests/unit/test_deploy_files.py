"""deploy/: the units run commands the bot has, from where the docs install it, and nginx serves the paths
the webhook server listens on."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from bot.__main__ import _parser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.parametrize("unit", ["rasad-bot.service", "rasad-bot@.service", "rasad-backup.service"])
def test_each_unit_runs_a_command_the_bot_has(unit):
    lines = (DEPLOY / unit).read_text(encoding="utf-8").splitlines()
    [start] = [line.removeprefix("ExecStart=") for line in lines if line.startswith("ExecStart=")]
    program, *args = shlex.split(start)
    assert program == "/opt/rasad-bot/.venv/bin/rasad-bot"
    _parser().parse_args(args)  # argparse exits on an unknown subcommand or option
    assert "WorkingDirectory=/opt/rasad-bot" in lines and "User=rasad" in lines
    assert not any(line.startswith("EnvironmentFile") for line in lines)  # the bot reads .env itself


def test_the_timer_starts_the_backup():
    timer = (DEPLOY / "rasad-backup.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "Persistent=true" in timer


def test_nginx_serves_the_webhook_paths():
    from bot import webhook

    conf = (DEPLOY / "nginx-rasad-bot.conf").read_text(encoding="utf-8")
    source = Path(webhook.__file__).read_text(encoding="utf-8")
    for path in ("/webhook/telegram", "/webhook/bale/", "/healthz"):
        assert path in conf and path.rstrip("/") in source


def test_an_inline_comment_in_env_is_not_part_of_the_value(tmp_path):
    from models.settings import load_settings

    env = tmp_path / ".env"
    env.write_text("BOT_PLATFORM=bale                 # telegram or bale\nLOG_LEVEL=warning  # quieter\n")
    settings = load_settings(_env_file=str(env))
    assert settings.bot_platform == "bale" and settings.log_level == "WARNING"


def test_the_lock_files_hold_every_dependency():
    """A dependency added to pyproject.toml without `make lock` would install nowhere (make installs the
    lock, then the bot with --no-deps)."""
    import re
    import tomllib

    root = DEPLOY.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    def locked(file: str) -> set[str]:
        text = (root / file).read_text(encoding="utf-8")
        return {m.lower() for m in re.findall(r"^([A-Za-z0-9_.-]+)==", text, flags=re.M)}

    assert names(project["dependencies"]) <= locked("requirements.lock")
    assert names(project["dependencies"] + project["optional-dependencies"]["dev"]) <= locked(
        "requirements-dev.lock"
    )
    assert not names(project["optional-dependencies"]["dev"]) & locked("requirements.lock")  # no test tools
