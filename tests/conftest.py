from __future__ import annotations

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.double import BotApiDouble, running

# TEST_DATABASE_URL=postgresql://...: every database a test opens is PostgreSQL (tests/pg_databases.py).
pytest_plugins = ["tests.pg_databases"]

ADMIN_ID = 9001
COORDINATOR_ID = 9002


@pytest.fixture
def settings(tmp_path) -> Settings:
    # Scenarios type faster than any person; the flood guard has its own test.
    return Settings(
        database_path=tmp_path / "bot.db",
        admin_ids=frozenset({ADMIN_ID}),
        flood_messages=10_000,
    )


@pytest.fixture
def double() -> BotApiDouble:
    return BotApiDouble()


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double), double) as application:
        yield application


@pytest.fixture
async def coordinator(app, double):
    await app.services.coordinators.add(COORDINATOR_ID)
    return double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")


@pytest.fixture
def admin(app, double):
    return double.user(user_id=ADMIN_ID, first_name="Marek", language_code="pl")


@pytest.fixture
async def kasia(app, double):
    """A coordinator who reads English (the app is the test module's own when it defines one)."""
    await app.services.coordinators.add(COORDINATOR_ID)
    chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="en")
    await chat.send("/start")
    return chat
