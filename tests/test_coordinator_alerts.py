"""Telling the coordinators: each in their own language, those who switched an alert off left
out, and one who blocked the bot marked unreachable without keeping the others uninformed."""

from __future__ import annotations

from tests.conftest import ADMIN_ID, COORDINATOR_ID
from tests.test_review import submitted_application

ENGLISH_COORDINATOR = 9003


async def test_a_new_application_reaches_every_coordinator_in_their_language(app, double, coordinator, admin):
    english = double.user(user_id=ENGLISH_COORDINATOR, first_name="Olena", language_code="en")
    await app.services.coordinators.add(ENGLISH_COORDINATOR)
    await english.send("/start")
    await admin.send("/start")
    await coordinator.send("/start")
    double.chats[ADMIN_ID].blocked_bot = True  # the admin blocked the bot

    await submitted_application(double.user(user_id=3101, first_name="Anna"))

    assert coordinator.last.text.startswith("📥 Nowe zgłoszenie nr")
    assert coordinator.last.buttons == ["Otwórz"]
    assert english.last.text.startswith("📥 New application #")
    assert english.last.buttons == ["Open"]
    assert (await app.services.users.get(ADMIN_ID)).unreachable_at is not None


async def test_a_coordinator_who_switched_the_alert_off_is_not_told(app, double, coordinator):
    await coordinator.send("/start")
    await app.services.coordinator_settings.set_notify_applications(COORDINATOR_ID, False)
    before = len(coordinator.messages)

    await submitted_application(double.user(user_id=3102, first_name="Anna"))

    assert not [m for m in coordinator.messages[before:] if "Nowe zgłoszenie" in m.text]
