"""The offline install an IT office makes on a server without internet: `make wheelhouse` here, then a
fresh environment installed from that folder alone (the package index switched off), and the command runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done


@pytest.mark.serial  # downloads and installs: alone, after the parallel part
def test_a_wheelhouse_installs_with_the_index_off_and_the_command_runs(tmp_path):
    wheelhouse = tmp_path / "wheelhouse"
    run("make", "wheelhouse", f"WHEELHOUSE={wheelhouse}", cwd=ROOT)
    wheels = sorted(p.name for p in wheelhouse.iterdir())
    assert any(name.startswith("rasad_bot-") for name in wheels) and "requirements.lock" in wheels

    python = getattr(sys, "_base_executable", sys.executable)  # the interpreter the wheels are for
    venv = tmp_path / "server"
    run(python, "-m", "venv", venv, cwd=tmp_path)
    pip = [venv / "bin" / "pip", "install", "--quiet", "--no-index", "--find-links", wheelhouse]
    run(*pip, "--require-hashes", "-r", wheelhouse / "requirements.lock", cwd=tmp_path)
    run(*pip, "--no-deps", "rasad-bot", cwd=tmp_path)
    installed = run(venv / "bin" / "pip", "list", "--format=freeze", cwd=tmp_path).stdout
    assert "rasad-bot==" in installed and "pytest" not in installed  # the bot, without the test tools

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL", "VIRTUAL_ENV"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}"
    command = venv / "bin" / "rasad-bot"
    assert "restore" in run(command, "--help", cwd=tmp_path, env=env).stdout
    run(command, "db", "upgrade", cwd=tmp_path, env=env)
    doctor = run(command, "doctor", cwd=tmp_path, env=env)
    assert (
        "checked 0 achievements of 0 agencies" in doctor.stdout
        and "every achievement is audited" in doctor.stdout
    )
