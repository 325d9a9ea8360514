"""The coordinators' event screens: the list after a deletion, moving the start, typed dates
confirmed in words (issue 12, item 17)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_application
from bot.double import running
from storage.events import Audience
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double, clock=Clock()), double) as application:
        yield application


async def _draft(app, title: str, days: int = 3):
    start = app.services.clock() + timedelta(days=days)
    values = {
        "type": "training",
        "title": title,
        "description": "",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 5,
        "audience": Audience.EVERYONE,
    }
    return await app.services.events.create(values, COORDINATOR_ID, app.services.clock())


async def test_deleting_a_draft_shows_a_page_of_the_list_that_exists(app, double, kasia):
    drafts = [await _draft(app, f"Szkic {i}") for i in range(9)]  # two pages of eight
    await kasia.send("/start")
    await kasia.tap("🧭 Coordinator panel")
    await kasia.tap("🗓 Manage events")
    await kasia.tap("Next »")
    second_page = kasia.last
    (only,) = [b for b in second_page.buttons if "Szkic" in b]
    await kasia.tap(only)
    await kasia.tap("🗑 Delete draft")
    await kasia.tap("🗑 Yes, delete it")
    assert "8 drafts or current events." in kasia.last.text
    assert len([b for b in kasia.last.buttons if "Szkic" in b]) == 8
    # The second page's button, pressed after the draft it continues from was deleted, shows the first page.
    await kasia.press(second_page.message_id, second_page.button("« Previous").callback_data)
    assert "8 drafts or current events." in kasia.last.text
    assert len([b for b in kasia.last.buttons if "Szkic" in b]) == 8
    await kasia.press(second_page.message_id, "eml:1")  # a page number of an earlier release: the same
    assert "8 drafts or current events." in kasia.last.text
    assert len([b for b in kasia.last.buttons if "Szkic" in b]) == 8
    assert (await app.services.events.get(drafts[-1].id)).status == "cancelled"


async def test_moving_the_start_closer_warns_that_sign_up_would_close_and_offers_the_deadline(app, double, kasia):
    from tests.events_helpers import published_event

    now = app.services.clock()
    event = await published_event(
        app, starts_at=now + timedelta(days=3), signup_deadline=now + timedelta(days=2)
    )  # a day before the start
    await kasia.send(f"/start event_{event.id}")
    await kasia.tap("🛠 Manage")
    await kasia.tap("✏️ Edit")
    await kasia.tap("✏️ Date and time")
    await kasia.send("22.11 08:00")  # 23 hours from now: the deadline, a day before, has passed
    assert "Sign-up would close at once" in kasia.last.text
    await kasia.tap("⏳ Move the sign-up deadline")
    await kasia.tap("Until it starts")
    assert "Sign-up would close at once" not in kasia.last.text
    assert "⏳ Move the sign-up deadline" not in kasia.last.buttons
    await kasia.tap("💾 Save the changes")
    changed = await app.services.events.get(event.id)
    assert changed.signup_deadline is None and changed.closed_reason(app.services.clock()) is None


async def test_a_typed_start_is_confirmed_in_words_with_the_year(app, double, kasia):
    await kasia.send("/new_event")
    await kasia.tap("Training")
    await kasia.send("Budżet obywatelski")
    await kasia.tap("Skip »")
    await kasia.send("1.11 10:00")  # the 1st of November has passed this year: next year's
    assert "Starts: Monday, 1 November 2027, 10:00" in kasia.last.text
    assert "How long does it last?" in kasia.last.text


async def test_polish_start_in_words(app, double):
    await app.services.coordinators.add(COORDINATOR_ID + 1)
    ewa = double.user(user_id=COORDINATOR_ID + 1, first_name="Ewa", language_code="pl")
    await ewa.send("/nowe_wydarzenie")
    await ewa.tap("Szkolenie")
    await ewa.send("Budżet obywatelski")
    await ewa.tap("Pomiń »")
    await ewa.send("1.11 10:00")
    assert "Początek: poniedziałek, 1 listopada 2027, 10:00" in ewa.last.text


async def test_an_hour_that_cannot_be_read_is_called_an_hour(app, double):
    await app.services.coordinators.add(COORDINATOR_ID + 1)
    ewa = double.user(user_id=COORDINATOR_ID + 1, first_name="Ewa", language_code="pl")
    await ewa.send("/nowe_wydarzenie")
    await ewa.tap("Szkolenie")
    await ewa.send("Budżet obywatelski")
    await ewa.tap("Pomiń »")
    await ewa.tap(ewa.last.buttons[0])  # a day from the buttons: the hour is asked next
    await ewa.send("o wpół do")
    assert ewa.last.text.startswith("⚠️ Nie udało się odczytać tej godziny. Wpisz ją np. tak: 18:00")
