"""One place for notification choices (issue 12, item 12): /powiadomienia's categories also
choose the kinds of new events, accepted team members hear about new trainings in their county
unless they switch it off, and alerts chosen before this release are kept."""

from __future__ import annotations

import json

import pytest

from bot.app import build_application
from bot.double import running
from bot.jobs import events as event_jobs
from storage.applications import Status
from storage.db import open_database
from storage.preferences import NewEvents, PreferenceRepository
from storage.users import UserRepository
from tests.events_helpers import Clock, published_event


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double, clock=Clock()), double) as application:
        yield application


async def _member(app, double, user_id: int, county, lang: str = "pl"):
    chat = double.user(user_id=user_id, first_name="Anna", language_code=lang)
    await chat.send("/start")
    application = await app.services.applications.start_draft(user_id, "first_name")
    await app.services.db.execute(
        "INSERT INTO application_answers (application_id, field_id, value, answered_at) VALUES (?, 'county', ?, ?)",
        (application.id, json.dumps(county), "2026-11-01T00:00:00.000000+00:00"),
    )
    await app.services.db.execute("UPDATE applications SET status = ? WHERE id = ?", (Status.ACCEPTED, application.id))
    return chat


def _alerts(chat) -> list:
    return [m for m in chat.messages if m.text.startswith("🆕 Nowe wydarzenie")]


async def test_team_members_hear_about_new_trainings_in_their_county_by_default(app, double):
    anna = await _member(app, double, 5301, "lublin")
    other = await _member(app, double, 5302, {"other": "powiat łukowski"})
    stranger = double.user(user_id=5303, first_name="Piotr", language_code="pl")
    await stranger.send("/start")
    await published_event(app, county="lublin", title="Szkolenie w Lublinie")
    await published_event(app, county="chelm", title="Szkolenie w Chełmie")
    await published_event(app, county=None, title="Szkolenie online")
    await event_jobs.send_event_notices(app)
    assert sorted(m.text.split("\n")[2] for m in _alerts(anna)) == ["Szkolenie online", "Szkolenie w Lublinie"]
    assert [m.text.split("\n")[2] for m in _alerts(other)] == ["Szkolenie online"]
    assert not _alerts(stranger)

    # The one place: /powiadomienia says so, and the trainings switch there turns it off.
    await anna.send("/powiadomienia")
    assert "🆕 Nowe wydarzenia: Lublin" in anna.last.buttons
    await anna.tap("✅ 🎓 Szkolenia")
    await published_event(app, county="lublin", title="Kolejne szkolenie")
    await event_jobs.send_event_notices(app)
    assert not [m for m in _alerts(anna) if "Kolejne" in m.text]


async def test_choosing_where_new_events_come_from(app, double):
    anna = await _member(app, double, 5304, "lublin")
    await anna.send("/powiadomienia")
    await anna.tap("🆕 Nowe wydarzenia: Lublin")
    assert "✅ Mój powiat: Lublin" in anna.last.buttons
    await anna.tap("Chełm")  # from the default: her county and Chełm
    assert {"✅ Lublin", "✅ Chełm"} <= set(anna.last.buttons)
    assert await app.services.preferences.event_counties(5304) == {"lublin", "chelm"}
    await anna.tap("▫️ Nie wysyłaj wiadomości o nowych wydarzeniach")
    assert (await app.services.preferences.get(5304)).new_events == NewEvents.OFF
    await published_event(app, county="lublin")
    await event_jobs.send_event_notices(app)
    assert not _alerts(anna)
    await anna.tap("▫️ Wszędzie")
    await anna.tap("« Powiadomienia")
    assert "🆕 Nowe wydarzenia: wszędzie" in anna.last.buttons


async def test_alerts_chosen_before_are_kept_by_the_migration(tmp_path):
    path = tmp_path / "old.db"
    db = await open_database(path, migrate_to=9)
    users = UserRepository(db)
    for user_id in (7, 8, 9):
        await users.record_contact(user_id, "Zofia", None, None, "pl")
    await db.execute(
        "INSERT INTO notification_preferences (telegram_id, trainings, updated_at) VALUES (8, 0, '2026-01-01')"
    )
    rows = [(7, "training", "lublin"), (7, "coalition_meeting", "chelm"), (8, "training", "*")]
    for row in rows:
        await db.execute("INSERT INTO event_alerts (telegram_id, event_type, county) VALUES (?, ?, ?)", row)
    await db.close()
    db = await open_database(path)
    try:
        prefs = PreferenceRepository(db, None)
        assert (await prefs.get(7)).new_events == NewEvents.COUNTIES
        assert await prefs.event_counties(7) == {"lublin", "chelm"}
        eight = await prefs.get(8)
        assert eight.new_events == NewEvents.ALL and not eight.wants("trainings")  # a muted category stays so
        assert (await prefs.get(9)).new_events is None
    finally:
        await db.close()
