"""The dashboard's fixtures: a bot with a dashboard address, and the dashboard's server beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.e2e.conftest import Harness
from tests.e2e.dashboard.kit import Dashboard


@pytest.fixture
async def bot(api, seeded, db_url) -> AsyncIterator[Harness]:
    harness = Harness(api, db_url, {"DASHBOARD_URL": "https://dash.example.org", "DASHBOARD_PORT": 0})
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def dash(bot) -> AsyncIterator[Dashboard]:
    board = Dashboard(bot)
    await board.server.start()
    board.http = aiohttp.ClientSession()
    try:
        yield board
    finally:
        await board.http.close()
        await board.server.stop()
