"""The panel's events: sign-ups and the waiting list with names and contacts, attendance taken with
hours per person and a walk-in, and the printable attendance list."""

from __future__ import annotations

import io
from datetime import timedelta

from storage.db import to_db_time
from tests.conftest import COORDINATOR_ID
from tests.panel_helpers import PANEL, browser, csrf_of, sign_in
from tests.test_application import ANSWERS_PL
from tests.test_review import submitted_application


async def _event(app, starts, capacity: int | None) -> int:
    stamp = to_db_time(starts)
    async with app.services.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO events (type, title, starts_at, ends_at, capacity, audience, status, created_by, "
            "created_at, updated_at) VALUES ('training', 'Budżet <obywatelski>', ?, ?, ?, 'everyone', 'published', "
            "?, ?, ?) RETURNING id",
            (stamp, to_db_time(starts + timedelta(hours=2)), capacity, COORDINATOR_ID, stamp, stamp),
        )
        return (await cursor.fetchone())[0]


async def test_sign_ups_attendance_with_hours_a_walk_in_and_the_printable_list(app, double, coordinator):
    people = [double.user(user_id=4200 + n) for n in range(3)]
    for n, person in enumerate(people):
        await submitted_application(
            person, {**ANSWERS_PL, "full_name": f"Osoba {'ABC'[n]}", "email": f"osoba{n}@example.org"}
        )
    now = app.services.clock()
    event_id = await _event(app, now - timedelta(hours=1), capacity=1)
    await app.services.events.join(event_id, people[0].id, now - timedelta(days=2))
    await app.services.events.join(event_id, people[1].id, now - timedelta(days=2))
    async with browser(app) as client:
        await sign_in(client, coordinator)
        listed = await client.get(PANEL + "/events")
        assert "Budżet &lt;obywatelski&gt;" in listed.text and "1/1" in listed.text
        page = await client.get(f"{PANEL}/events/{event_id}")
        assert "osoba0@example.org" in page.text and "lista rezerwowa (1)" in page.text
        assert f'name="present-{people[1].id}"' not in page.text  # the waiting list has no seat to mark
        token = csrf_of(page.text)
        bad = await client.post(
            f"{PANEL}/events/{event_id}/attendance",
            data={f"present-{people[0].id}": "1", f"hours-{people[0].id}": "500", "csrf": token},
        )
        assert "problem=hours" in bad.headers["location"]
        saved = await client.post(
            f"{PANEL}/events/{event_id}/attendance",
            data={f"present-{people[0].id}": "1", f"hours-{people[0].id}": "2,5", "csrf": token},
        )
        assert "done=1" in saved.headers["location"]
        nobody = await client.post(f"{PANEL}/events/{event_id}/walk-in", data={"who": "osoba", "csrf": token})
        assert "problem=walk_in" in nobody.headers["location"]  # three people match: say which
        walked = await client.post(
            f"{PANEL}/events/{event_id}/walk-in", data={"who": "osoba2@example.org", "hours": "", "csrf": token}
        )
        assert "done=1" in walked.headers["location"]
        pdf = await client.get(f"{PANEL}/events/{event_id}/attendance.pdf")
    registration = await app.services.events.registration(event_id, people[0].id)
    assert registration.attendance == "attended" and registration.hours == 2.5
    walk_in = await app.services.events.registration(event_id, people[2].id)
    assert walk_in.status == "registered" and walk_in.attendance == "attended" and walk_in.hours == 2.0
    hours = await app.services.db.fetch_all(
        "SELECT telegram_id, hours FROM hours_entries WHERE event_id = ? AND status = 'confirmed' ORDER BY hours",
        (event_id,),
    )
    assert [tuple(r) for r in hours] == [(people[2].id, 2.0), (people[0].id, 2.5)]
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "LISTA OBECNOŚCI" in text and "Osoba A" in text and "Osoba C" in text and "Osoba B" not in text
    # A ruled table with a signature column: the headings on one line, then a numbered row each.
    rows = [line.strip() for line in text.splitlines()]
    assert "Lp. Imię i nazwisko Podpis" in rows
    assert rows.index("Lp. Imię i nazwisko Podpis") < rows.index("1. Osoba A")
    audit = [e for e in await app.services.audit.latest(10) if e.action == "event.attendance"]
    assert len(audit) == 2 and {e.details.get("person") for e in audit} == {people[0].id, people[2].id}


async def test_attendance_waits_for_the_event_to_start(app, double, coordinator):
    person = double.user(user_id=4301)
    await submitted_application(person)
    event_id = await _event(app, app.services.clock() + timedelta(days=1), capacity=None)
    await app.services.events.join(event_id, person.id)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        page = await client.get(f"{PANEL}/events/{event_id}")
        assert "Obecność można zaznaczać dopiero po rozpoczęciu wydarzenia." in page.text
        await client.post(
            f"{PANEL}/events/{event_id}/attendance", data={f"present-{person.id}": "1", "csrf": csrf_of(page.text)}
        )
    assert (await app.services.events.registration(event_id, person.id)).attendance is None
