"""Scheduling an announcement: the day and time typed as people type them (one parser with the
event form), confirmed in words (today, tomorrow), with an example that is always ahead."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.double import running
from storage.broadcasts import BroadcastStatus
from tests.broadcast_helpers import T0, person
from tests.test_broadcasts import compose


@pytest.fixture
async def app(settings, double):
    """Tuesday 10 March 2026, noon in Warsaw."""
    now = [T0]
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as application:
        yield application


async def _schedule_asks(coordinator, typed: str) -> str:
    await coordinator.tap("🕒 Zaplanuj")
    await coordinator.send(typed)
    answer = coordinator.last.text
    if answer.startswith("Zaplanować"):
        await coordinator.tap("« Wstecz")  # back to the draft's panel
    return answer


async def test_short_forms_are_read_and_confirmed_in_words(app, double, coordinator):
    await person(app.services, 3301)
    await compose(coordinator, "Na później.")
    await coordinator.tap("🕒 Zaplanuj")
    assert "np. 17.03 17:00, jutro 9:00, sobota 17:00" in coordinator.last.text  # the example: a week ahead
    await coordinator.tap("👥 Odbiorcy")  # a button of the panel ends the question
    await coordinator.tap("« Wróć do szkicu")
    expected = {
        "13:06": "na dziś, 10 marca 2026, 13:06?",
        "11:00": "na jutro, 11 marca 2026, 11:00?",  # 11:00 has passed today
        "dziś 13:06": "na dziś, 10 marca 2026, 13:06?",
        "jutro 9:00": "na jutro, 11 marca 2026, 09:00?",
        "w sobotę o 17": "na 14 marca 2026, 17:00?",
        "sobota 17:00": "na 14 marca 2026, 17:00?",
        "12 grudnia 17:00": "na 12 grudnia 2026, 17:00?",
        "12.12, 17:00": "na 12 grudnia 2026, 17:00?",
        "12.12 godz. 17:00": "na 12 grudnia 2026, 17:00?",
    }
    for typed, confirmation in expected.items():
        assert (await _schedule_asks(coordinator, typed)).startswith("Zaplanować ogłoszenie nr 1 " + confirmation), (
            typed
        )
    assert (await _schedule_asks(coordinator, "jutro")).startswith("⚠️ Dopisz też godzinę")
    await coordinator.send("w piątek rano")
    assert coordinator.last.text.startswith(
        "⚠️ Nie rozpoznaję tu daty i godziny. Wpisz je np. tak: 17.03 17:00, jutro 9:00 albo sobota 17:00."
    )
    await coordinator.send("dziś 9:00")
    assert coordinator.last.text.startswith("⚠️ Ta chwila już minęła.")
    await coordinator.send("jutro 9:00")
    await coordinator.tap("✅ Tak, zaplanuj")
    assert coordinator.last.text.startswith("🕒 Ogłoszenie nr 1 wyjdzie jutro, 11 marca 2026, 09:00.")
    assert (await app.services.broadcasts.get(1)).status == BroadcastStatus.SCHEDULED
