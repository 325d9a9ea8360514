"""Many applications in a few minutes: each coordinator gets the first alert at once, then one
digest of the rest (at most one every few minutes), from state kept in the database."""

from __future__ import annotations

from datetime import timedelta

from bot.app import build_application
from bot.double import running
from bot.jobs.applications import ALERT_QUIET, send_application_alerts
from storage.applications import Status
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock
from tests.test_review import submitted_application


def _alerts(coordinator) -> list[str]:
    return [m.text for m in coordinator.messages if m.text.startswith("📥")]


async def test_a_burst_of_applications_is_one_alert_then_one_digest_even_across_a_restart(settings, double):
    clock = Clock()
    async with running(build_application(settings, double, clock=clock), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        await coordinator.send("/start")
        for number in range(4):
            await submitted_application(double.user(user_id=3401 + number, first_name="Anna"))
            clock.advance(seconds=15)
        assert len(_alerts(coordinator)) == 1
        assert coordinator.last.text.startswith("📥 Nowe zgłoszenie nr 1:")
        withdrawn = double.user(user_id=3405)
        await submitted_application(withdrawn)
        await withdrawn.send("/start")
        await withdrawn.tap(next(b for b in withdrawn.last.buttons if b.startswith("📝 Moje zgłoszenie")))
        await withdrawn.tap(next(b for b in withdrawn.last.buttons if "Wycofaj" in b))
        await withdrawn.tap(next(b for b in withdrawn.last.buttons if b.startswith("Tak")))
        assert (await app.services.applications.latest(withdrawn.id)).status == Status.WITHDRAWN
        await send_application_alerts(app)  # too early: the digest waits
        assert len(_alerts(coordinator)) == 1

    clock.advance(seconds=ALERT_QUIET.total_seconds())
    async with running(build_application(settings, double, clock=clock), double) as app:  # a restart
        await send_application_alerts(app)
        alerts = _alerts(coordinator)
        assert len(alerts) == 2
        assert alerts[1].startswith("📥 3 nowe zgłoszenia od ostatniego powiadomienia:")
        assert [line.split(":")[0] for line in alerts[1].split("\n")[1:]] == ["• nr 2", "• nr 3", "• nr 4"]
        assert coordinator.last.buttons == ["📋 Nowe zgłoszenia"]
        await send_application_alerts(app)  # nothing new: nothing sent
        assert len(_alerts(coordinator)) == 2

        clock.advance(seconds=ALERT_QUIET.total_seconds() + 1)  # quiet again: the next one at once
        await submitted_application(double.user(user_id=3406, first_name="Ola"))
        assert len(_alerts(coordinator)) == 3
        assert coordinator.last.text.startswith("📥 Nowe zgłoszenie nr 6:")
        await coordinator.tap("Otwórz")
        assert "Zgłoszenie nr 6" in coordinator.last.text


async def test_a_coordinator_who_switched_alerts_off_gets_no_digest(settings, double):
    clock = Clock()
    async with running(build_application(settings, double, clock=clock), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        await coordinator.send("/start")
        await submitted_application(double.user(user_id=3411))
        await submitted_application(double.user(user_id=3412))
        await app.services.coordinator_settings.set_notify_applications(COORDINATOR_ID, False)
        clock.advance(minutes=10)
        await send_application_alerts(app)
        assert len(_alerts(coordinator)) == 1
        assert await app.services.applications.claim_alerts(clock(), timedelta(0)) == []  # claimed once
