"""What a person is told about their own place: the card, "my events", the promotion and the
buttons agree (issue 12, item 11)."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.double import running
from storage.events import Seat
from tests.events_helpers import Clock, published_event


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double, clock=Clock()), double) as application:
        yield application


async def _volunteer(double, user_id: int, name: str, lang: str = "en"):
    chat = double.user(user_id=user_id, first_name=name, language_code=lang)
    await chat.send("/start")
    return chat


async def test_the_holder_of_the_only_place_is_never_pointed_to_the_waitlist(app, double):
    event = await published_event(app, capacity=1)
    ola = await _volunteer(double, 5101, "Ola")
    jan = await _volunteer(double, 5102, "Jan")
    await ola.send(f"/start event_{event.id}")
    await ola.tap("✅ Sign me up")
    assert "All places are taken (1 of 1)." in ola.last.text
    assert "waitlist" not in ola.last.text
    assert "🙅 Give up my place" in ola.last.buttons
    await ola.tap("🎟 My events")
    assert "Budżet obywatelski w praktyce: ✅ place" in ola.last.text
    assert not [b for b in ola.last.buttons if "(waitlist)" in b]

    # Someone else is offered the waitlist by the button itself.
    await jan.send(f"/start event_{event.id}")
    assert "⏳ Join the waitlist" in jan.last.buttons and "✅ Sign me up" not in jan.last.buttons
    await jan.tap("⏳ Join the waitlist")
    assert (await app.services.events.registration(event.id, 5102)).status == Seat.WAITLISTED
    await jan.tap("🎟 My events")
    assert "⏳ waitlist: 1" in jan.last.text
    assert [b for b in jan.last.buttons if "(waitlist)" in b]

    # Giving the place back: one label, and the promotion does not repeat the waitlist offer.
    await ola.send(f"/start event_{event.id}")
    await ola.tap("🙅 Give up my place")
    await ola.tap("Yes, give up my place")
    promotion = next(m for m in reversed(jan.messages) if "freed up" in m.text)
    assert "You have a place." in promotion.text
    assert "waitlist" not in promotion.text
    assert "🙅 Give up my place" in promotion.buttons


async def test_polish_labels_for_a_full_event(app, double):
    event = await published_event(app, capacity=1)
    ola = await _volunteer(double, 5103, "Ola", "pl")
    await ola.send(f"/start event_{event.id}")
    await ola.tap("✅ Zapisuję się")
    assert "Wszystkie miejsca są zajęte (1 z 1)." in ola.last.text
    assert "rezerwow" not in ola.last.text
    assert "🙅 Oddaję miejsce" in ola.last.buttons
    await ola.tap("🎟 Moje wydarzenia")
    assert not [b for b in ola.last.buttons if "rezerwow" in b]


async def test_the_catalogue_does_not_point_the_holder_of_a_place_to_the_waitlist(app, double):
    event = await published_event(app, capacity=1)
    ola = await _volunteer(double, 5104, "Ola")
    jan = await _volunteer(double, 5105, "Jan")
    await ola.send(f"/start event_{event.id}")
    await ola.tap("✅ Sign me up")
    for chat, waitlist in ((ola, False), (jan, True)):
        await chat.send("/wydarzenia")
        (entry,) = [b for b in chat.last.buttons if "Budżet" in b]
        assert ("(waitlist)" in entry) == waitlist
