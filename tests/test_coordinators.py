"""Admins invite and remove coordinators in chat; every privileged action lands in the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from telegram import BotCommandScopeChat

from bot.app import build_application
from bot.double import running
from tests.conftest import ADMIN_ID, COORDINATOR_ID
from tests.events_helpers import Clock, published_event


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        yield application


async def invite_link(admin) -> str:
    await admin.send("/koordynatorzy")
    await admin.tap("➕ Zaproś osobę koordynującą")
    match = re.search(r"start=(inv_[A-Za-z0-9_-]+)", admin.last.text)
    assert match, admin.last.text
    return match[1]


async def test_invite_link_makes_a_coordinator_once(app, double, admin):
    await admin.send("/start")
    payload = await invite_link(admin)
    assert "Link działa jednokrotnie" in admin.last.text
    newcomer = double.user(user_id=7001, first_name="Basia", language_code="pl")
    await newcomer.send(f"/start {payload}")
    assert "Masz teraz uprawnienia koordynatora" in newcomer.last.text
    assert await app.services.coordinators.is_coordinator(7001)
    assert "Basia" in admin.last.text  # the inviter is told
    commands = await app.bot.get_my_commands(scope=BotCommandScopeChat(7001))
    assert "koordynator" in [c.command for c in commands]

    stranger = double.user(user_id=7002, first_name="Obcy", language_code="pl")
    await stranger.send(f"/start {payload}")
    assert "został już wykorzystany" in stranger.last.text
    assert not await app.services.coordinators.is_coordinator(7002)
    await stranger.send("/start inv_zgadywanie1234567890ab")
    assert "jest nieprawidłowy" in stranger.last.text

    actions = [e.action for e in await app.services.audit.all()]
    assert actions == ["coordinator.invited", "coordinator.joined"]


async def test_an_expired_or_revoked_invite_does_nothing(app, double, admin, clock):
    await admin.send("/start")
    first = await invite_link(admin)
    clock.advance(hours=49)
    late = double.user(user_id=7001, first_name="Basia", language_code="pl")
    await late.send(f"/start {first}")
    assert "wygasł" in late.last.text
    second = await invite_link(admin)
    await admin.send("/koordynatorzy")
    await admin.tap("🚫 Unieważnij niewykorzystane zaproszenia")
    await late.send(f"/start {second}")
    assert not await app.services.coordinators.is_coordinator(7001)


async def test_removing_a_coordinator_takes_effect_at_once(app, double, admin, coordinator):
    await coordinator.send("/start")
    await admin.send("/koordynatorzy")
    assert "Kasia" in admin.last.text
    await admin.tap(next(b for b in admin.last.buttons if b.startswith("🗑")))
    await admin.tap("🗑 Tak, usuń")
    assert not await app.services.coordinators.is_coordinator(COORDINATOR_ID)
    assert "nie masz już uprawnień koordynatora" in coordinator.last.text.lower()
    await coordinator.send("/zgloszenia")
    assert "tylko dla osób koordynujących" in coordinator.last.text
    commands = await app.bot.get_my_commands(scope=BotCommandScopeChat(COORDINATOR_ID))
    assert "koordynator" not in [c.command for c in commands]
    (entry,) = [e for e in await app.services.audit.all() if e.action == "coordinator.removed"]
    assert (entry.actor_id, entry.target) == (ADMIN_ID, f"user:{COORDINATOR_ID}")


async def test_only_admins_manage_coordinators_and_read_the_log(app, double, coordinator):
    await coordinator.send("/start")
    await coordinator.send("/koordynatorzy")
    assert coordinator.last.text == "Ta funkcja jest dostępna tylko dla osób z uprawnieniami administratora."
    await coordinator.send("/dziennik")
    for data in ("co:inv", "co:rvk", f"co:rm:{COORDINATOR_ID}", f"co:rmy:{COORDINATOR_ID}", "co:csv", "co:ls", "col:0"):
        await coordinator.press(coordinator.last.message_id, data)
    refusal = "Ta funkcja jest dostępna tylko dla osób z uprawnieniami administratora."
    assert all(a == refusal for a in coordinator.alerts)
    assert await app.services.coordinators.is_coordinator(COORDINATOR_ID)
    assert await app.services.invites.open_count() == 0


async def test_privileged_actions_are_in_the_audit_log_and_its_export(app, double, admin, coordinator, clock):
    event = await published_event(app)
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Zarządzaj")
    await coordinator.tap("📄 Duplikuj")
    await coordinator.tap("🗑 Usuń szkic")
    await coordinator.tap("🗑 Tak, usuń")
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    clock.advance(minutes=5)
    await admin.send("/dziennik")
    log = admin.last.text
    assert f"duplikat wydarzenia (wydarzenie nr {event.id + 1}) · Kasia · kopia wydarzenia: {event.id}" in log
    assert "eksport zgłoszeń · Kasia" in log
    await admin.tap("📊 CSV")
    rows = admin.last.document_bytes.decode("utf-8-sig").splitlines()
    assert rows[0].split(";")[:3] == ["Czas", "Kto", "Kto (identyfikator w Telegramie)"]
    codes = [row.split(";")[4] for row in rows[1:]]
    assert codes == ["event.duplicated", "event.draft_deleted", "applications.exported"]
    assert rows[1].split(";")[1:3] == ["Kasia", str(COORDINATOR_ID)]
    assert [e.action for e in await app.services.audit.all()][-1] == "audit.exported"


async def test_command_line_changes_are_logged_without_an_actor(settings, tmp_path):
    import argparse

    from bot.cli import manage_coordinators
    from storage import open_database
    from storage.audit import AuditLog

    await manage_coordinators(settings, argparse.Namespace(action="add", user_id=4242))
    await manage_coordinators(settings, argparse.Namespace(action="remove", user_id=4242))
    db = await open_database(settings.database_path)
    try:
        entries = await AuditLog(db).all()
    finally:
        await db.close()
    assert [(e.actor_id, e.action, e.target) for e in entries] == [
        (None, "coordinator.added", "user:4242"),
        (None, "coordinator.removed", "user:4242"),
    ]
    assert timedelta(0) <= entries[1].at - entries[0].at


async def test_removal_pressed_twice_removes_once_and_old_buttons_are_stale(app, double, admin, coordinator):
    await coordinator.send("/start")
    await admin.send("/koordynatorzy")
    await admin.tap(next(b for b in admin.last.buttons if b.startswith("🗑")))
    assert admin.last.text.startswith("Odebrać uprawnienia koordynatora: Kasia")
    confirmation = admin.last
    data = confirmation.button("🗑 Tak, usuń").callback_data
    await admin.press(confirmation.message_id, data)
    await admin.press(confirmation.message_id, data)
    assert admin.alerts[-1].startswith("Ten przycisk jest już nieaktualny.")
    removed = [e for e in await app.services.audit.all() if e.action == "coordinator.removed"]
    assert len(removed) == 1
    notices = [m for m in coordinator.messages if "nie masz już uprawnień koordynatora" in m.text.lower()]
    assert len(notices) == 1
    for old in ("co:log:0", "co:rm:abc", "co:rmy"):
        await admin.press(admin.last.message_id, old)
        assert admin.alerts[-1].startswith("Ten przycisk jest już nieaktualny."), old


async def test_the_audit_log_pages_from_the_newest(app, double, admin):
    for number in range(20):
        await app.services.audit.record(ADMIN_ID, "coordinator.invited", None, None, n=number)
    await admin.send("/dziennik")
    assert admin.last.buttons[0] == "« Starsze"
    await admin.tap("« Starsze")
    assert "Nowsze »" in admin.last.buttons
    await admin.press(admin.last.message_id, "col:-5")  # a forged page: the newest one
    assert admin.last.buttons[0] == "« Starsze"
    await admin.press(admin.last.message_id, f"col:{2**62}")  # far beyond the end: an empty page, no error
    assert "Nowsze »" in admin.last.buttons


async def test_the_audit_log_pages_by_key_over_every_entry_once(app, double, admin):
    for number in range(35):
        await app.services.audit.record(ADMIN_ID, "coordinator.invited", None, None, n=number)
    await admin.send("/dziennik")
    pages = [admin.last.text]
    await admin.tap("« Starsze")
    pages.append(admin.last.text)
    await admin.tap("« Starsze")
    pages.append(admin.last.text)
    assert "« Starsze" not in admin.last.buttons  # the oldest page
    lines = [line for page in pages for line in page.splitlines() if " · " in line]
    assert len(lines) == 35  # every entry once, newest first
    await admin.tap("Nowsze »")
    assert admin.last.text == pages[1]
