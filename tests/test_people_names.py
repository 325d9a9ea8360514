"""Coordinators see people by the full name from their application (the Telegram name only where
there is none), with the application's contact details in CSVs; the audit log names people and
shows local times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_application
from bot.double import running
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import WARSAW, Clock, published_event


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        yield application


async def applied(app, telegram_id: int, **answers) -> None:
    """An application with these answers (sent, so it is not just a draft)."""
    repo = app.services.applications
    draft = await repo.start_draft(telegram_id, "full_name", app.services.clock())
    for field_id, value in answers.items():
        await repo.save_answer(draft.id, field_id, value, None)
    await repo.submit(draft.id, telegram_id, app.services.clock())


async def signed_up(app, double, user_id: int, first_name: str, event_id: int):
    chat = double.user(user_id=user_id, first_name=first_name, language_code="pl")
    await chat.send(f"/start event_{event_id}")
    await chat.tap(next(b for b in chat.last.buttons if "Zapisuję się" in b))
    return chat


async def test_one_query_names_many_people(app, double):
    services = app.services
    await services.users.record_contact(5001, "Ania", None, "ania_k", "pl")
    await services.users.record_contact(5002, "Bartek", "B.", None, "pl")
    await applied(app, 5001, full_name="Anna Kowalska", email="anna@example.org", phone="+48600100200")
    people = await services.people.named([5001, 5002, 5003, None, 5001])
    assert sorted(people) == [5001, 5002, 5003]
    anna = people[5001]
    assert (anna.name, anna.label, anna.email, anna.phone) == (
        "Anna Kowalska",
        "Anna Kowalska (@ania_k)",
        "anna@example.org",
        "+48600100200",
    )
    assert anna.contact_cells() == ("Anna Kowalska", "anna@example.org", "+48600100200", "Ania")
    assert people[5002].name == "Bartek B." and people[5002].email is None
    assert people[5003].name == "5003" and not people[5003].known


async def test_sign_ups_attendance_and_csv_use_the_application_name(app, double, coordinator, clock):
    event = await published_event(app, starts_at=clock() + timedelta(days=1), capacity=1)
    await signed_up(app, double, 5001, "Ania", event.id)
    await applied(app, 5001, full_name="Anna Kowalska", email="anna@example.org", phone="+48600100200")
    await signed_up(app, double, 5002, "Bartek", event.id)  # no application: the Telegram name

    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Zarządzaj")
    await coordinator.tap("👥 Lista zapisanych")
    listing = coordinator.last.text
    assert "1. Anna Kowalska" in listing and "Ania" not in listing
    assert "2. Bartek (lista rezerwowa: 1)" in listing

    await coordinator.tap("📊 CSV")
    header, anna, bartek = coordinator.last.document_bytes.decode("utf-8-sig").splitlines()
    assert header.startswith("Lp.;Imię i nazwisko;E-mail;Telefon;Imię w Telegramie;")
    assert anna.startswith("1;Anna Kowalska;anna@example.org;'+48600100200;Ania;")
    assert bartek.startswith("2;Bartek;;;Bartek;")

    clock.now = event.ends_at + timedelta(hours=2)
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Zarządzaj")
    await coordinator.tap("✅ Obecność i godziny")
    assert any("Anna Kowalska" in b for b in coordinator.last.buttons)


async def test_the_audit_log_names_people_and_shows_local_times(app, double, admin, coordinator, clock):
    await coordinator.send("/start")
    await applied(app, COORDINATOR_ID, full_name="Katarzyna Nowak")
    await admin.send("/koordynatorzy")
    assert "Katarzyna Nowak" in admin.last.text
    await admin.tap(next(b for b in admin.last.buttons if b.startswith("🗑")))
    await admin.tap("🗑 Tak, usuń")
    await admin.tap("➕ Zaproś osobę koordynującą")
    expires = (clock() + timedelta(hours=app.services.settings.invite_valid_hours)).astimezone(WARSAW)

    await admin.send("/dziennik")
    log = admin.last.text
    assert "usunięcie osoby koordynującej (Katarzyna Nowak) · Marek" in log
    assert "user:" not in log
    assert f" · Marek · ważne do: {expires:%Y-%m-%d %H:%M}" in log

    await admin.tap("📊 CSV")
    text = admin.last.document_bytes.decode("utf-8-sig")
    rows = [row.split(";") for row in text.splitlines()[1:]]
    removed = next(r for r in rows if r[4] == "coordinator.removed")
    assert removed[1:3] == ["Marek", "9001"] and removed[5] == "Katarzyna Nowak"
    invited = next(r for r in rows if r[4] == "coordinator.invited")
    assert invited[6] == f"ważne do: {expires:%Y-%m-%d %H:%M}"
    assert "+00:00" not in text and "user:" not in text
