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
        "w sobotę o 17": "na 14 marca 2026 (sobota), 17:00?",
        "sobota 17:00": "na 14 marca 2026 (sobota), 17:00?",
        "12 grudnia 17:00": "na 12 grudnia 2026 (sobota), 17:00?",
        "12.12, 17:00": "na 12 grudnia 2026 (sobota), 17:00?",
        "12.12 godz. 17:00": "na 12 grudnia 2026 (sobota), 17:00?",
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


async def test_a_link_with_quotes_and_angle_brackets_goes_out_whole(app, double, coordinator):
    volunteer = double.user(user_id=3310)
    await volunteer.send("/start")
    url = 'https://example.org/szukaj?q="budżet"&x=<1>'
    text = "Zapisy tutaj"
    await compose(coordinator, text, [{"type": "text_link", "offset": 7, "length": 5, "url": url}])
    preview = coordinator.messages[-2]
    assert preview.text.startswith(text) and preview.entities[0]["url"] == url
    await coordinator.tap("🚀 Wyślij teraz")
    await coordinator.tap("✅ Tak, wyślij")
    await app.broadcast_sender.wait_idle()
    assert volunteer.last.text.startswith(text) and volunteer.last.entities[0]["url"] == url


async def test_deleted_accounts_are_reported_apart_from_blocked_ones(app, double, coordinator):
    reader, blocker, gone = (double.user(user_id=i) for i in (3320, 3321, 3322))
    for chat in (reader, blocker, gone):
        await chat.send("/start")
    blocker.block_bot()
    double.fail_next("sendMessage", 403, "Forbidden: user is deactivated", chat_id=3322)
    await compose(coordinator, "Do wszystkich.")
    await coordinator.tap("🚀 Wyślij teraz")
    await coordinator.tap("✅ Tak, wyślij")
    await app.broadcast_sender.wait_idle()
    report = [m.text for m in coordinator.messages if "Dostarczono do" in m.text][-1]
    assert "Niedostarczone: 2 (w tym zablokowany bot: 1, konto usunięte: 1)." in report
    progress = await app.services.broadcasts.progress(1, app.services.clock())
    assert (progress.sent, progress.blocked, progress.deleted) == (2, 1, 1)  # with the coordinator
