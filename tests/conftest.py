from __future__ import annotations

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.double import BotApiDouble, running

ADMIN_ID = 9001
COORDINATOR_ID = 9002


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_path=tmp_path / "bot.db", admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
def double() -> BotApiDouble:
    return BotApiDouble()


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double), double) as application:
        yield application
