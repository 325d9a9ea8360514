"""Every list a person pages through pages by key (issue 13): forward and back over several pages
shows each item once, in the order the list had when it paged by offset; a forged or unknown place
shows the first page; a button of an earlier release (a page number) shows the first page too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.app import build_application
from bot.buttons.agreements import AgreementList
from bot.buttons.events import EventList, ManageEvents
from bot.double import running
from storage.agreements import State
from storage.events import Audience
from tests.conftest import ADMIN_ID, COORDINATOR_ID
from tests.events_helpers import Clock, published_event
from tests.pg_databases import sqlite_only

NEXT, PREVIOUS = "Next »", "« Previous"
STALE = "This button is no longer valid. Type /start for the menu."


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double, clock=Clock()), double) as application:
        yield application


def named(pattern: str):
    """What identifies each item on a page: the first group of `pattern` in its button."""
    return lambda buttons: [m[1] for b in buttons if (m := re.search(pattern, b))]


async def walk(chat, names) -> list[list[str]]:
    """From the first page to the last by "Next »", then back by "« Previous", each page showing
    on the way back what it showed on the way there. The items of each page."""
    assert PREVIOUS not in chat.last.buttons
    pages = [names(chat.last.buttons)]
    while NEXT in chat.last.buttons:
        await chat.tap(NEXT)
        pages.append(names(chat.last.buttons))
    for page in reversed(pages[:-1]):
        await chat.tap(PREVIOUS)
        assert names(chat.last.buttons) == page
    assert PREVIOUS not in chat.last.buttons
    return pages


async def _event(app, title: str, starts_at, *, status: str = "published", **values):
    if status == "published":
        return await published_event(app, starts_at=starts_at, title=title, **values)
    base = {"type": "training", "title": title, "description": "", "starts_at": starts_at}
    base |= {"ends_at": starts_at + timedelta(hours=2), "capacity": 10, "audience": Audience.EVERYONE}
    return await app.services.events.create(base | values, COORDINATOR_ID, app.services.clock())


# ---- the catalogue ---------------------------------------------------------------------------------
async def test_the_catalogue_pages_by_key_over_every_upcoming_event_once(app, double):
    now = app.services.clock()
    for days in (40, 20, 1):  # ended: not listed
        await _event(app, f"Past {days}", now - timedelta(days=days))
    listed = [await _event(app, "Running", now - timedelta(hours=1))]  # started, not ended: listed first
    same = now + timedelta(days=5)
    for n in range(14):  # three at the same time: ordered by id
        starts = same if n in (3, 4, 5) else now + timedelta(days=2 + n, hours=n % 3)
        listed.append(await _event(app, f"Ev{n:02d}", starts, county="zamosc" if n % 2 else "lublin"))
    await _event(app, "Staff only", now + timedelta(days=6), audience=Audience.COORDINATORS)
    await _event(app, "A draft", now + timedelta(days=7), status="draft")
    expected = [e.title for e in sorted(listed, key=lambda e: (e.starts_at, e.id))]
    titles = named(r" · (Running|Ev\d\d)")

    ola = double.user(user_id=5001, first_name="Ola", language_code="en")
    await ola.send("/events")
    assert "15 upcoming events" in ola.last.text
    pages = await walk(ola, titles)
    assert [len(p) for p in pages] == [6, 6, 3]
    assert [t for page in pages for t in page] == expected
    await ola.tap(NEXT)
    assert "upcoming events" not in ola.last.text  # counted on the first page only

    for data in (
        EventList(after=10**9).pack(),  # an event that does not exist
        EventList(before=10**9).pack(),
        "evl:2",  # a page number of an earlier release
    ):
        await ola.press(ola.last.message_id, data)
        assert titles(ola.last.buttons) == pages[0] and PREVIOUS not in ola.last.buttons, data
        assert "15 upcoming events" in ola.last.text
    await ola.press(ola.last.message_id, "evl:1:0")  # a page number and a type: that type's first page
    assert "Showing: " in ola.last.text and PREVIOUS not in ola.last.buttons
    await ola.press(ola.last.message_id, "evl:x")
    assert ola.alerts[-1] == STALE

    # A filter is kept from page to page.
    county = next(i for i, c in enumerate(app.services.org.counties) if c.id == "zamosc")
    await ola.press(ola.last.message_id, EventList(county_index=county).pack())
    assert "7 upcoming events" in ola.last.text
    pages = await walk(ola, titles)
    assert [t for page in pages for t in page] == [t for t in expected if t[2:].isdigit() and int(t[2:]) % 2]
    await ola.tap(NEXT)
    assert "Showing: Zamość" in ola.last.text


# ---- the coordinators' list of events ----------------------------------------------------------------
async def test_the_coordinators_list_pages_by_key_through_drafts_current_and_ended_events(app, double, kasia):
    now = app.services.clock()
    later, earlier = now + timedelta(days=9), now - timedelta(days=3)
    sections: list[list] = [[], [], [], []]
    number = iter(range(100))

    async def add(section: int | None, starts_at, status: str = "published"):
        event = await _event(app, f"M{next(number):02d}", starts_at, status=status)
        if section is not None:
            sections[section].append(event)
        return event

    for starts in (now + timedelta(days=4), later, later, now + timedelta(days=2)):
        await add(0, starts, "draft")  # drafts not yet ended: soonest first
    for starts in (now - timedelta(days=50), earlier, earlier, now - timedelta(days=1)):
        await add(1, starts, "draft")  # drafts of past dates: latest first
    await add(2, now - timedelta(hours=1))  # running
    for days in (1, 8, 3, 5):
        await add(2, now + timedelta(days=days))
    for starts in (now - timedelta(days=2), earlier, earlier, now - timedelta(days=10), now - timedelta(days=29)):
        await add(3, starts)  # ended in the last 30 days: latest first
    await add(None, now - timedelta(days=45))  # ended long ago: not listed
    cancelled = await add(None, now + timedelta(days=6))
    await app.services.events.cancel(cancelled.id, "", now)

    def soonest(events):
        return sorted(events, key=lambda e: (e.starts_at, e.id))

    def latest(events):
        return sorted(events, key=lambda e: (-e.starts_at.timestamp(), e.id))

    expected = [
        e.title for e in soonest(sections[0]) + latest(sections[1]) + soonest(sections[2]) + latest(sections[3])
    ]
    titles = named(r"· (M\d\d)")
    await kasia.tap("🧭 Coordinator panel")
    await kasia.tap("🗓 Manage events")
    assert "18 drafts or current events." in kasia.last.text
    pages = await walk(kasia, titles)
    assert [len(p) for p in pages] == [8, 8, 2]
    assert [t for page in pages for t in page] == expected
    await kasia.tap(NEXT)
    assert "drafts or current events" not in kasia.last.text  # counted on the first page only

    for data in (
        ManageEvents(after=10**9).pack(),
        ManageEvents(before=cancelled.id).pack(),  # a cancelled event is in no part of the list
        "eml:1",  # a page number of an earlier release
        "eml:-4",
    ):
        await kasia.press(kasia.last.message_id, data)
        assert titles(kasia.last.buttons) == pages[0] and PREVIOUS not in kasia.last.buttons, data
        assert "18 drafts or current events." in kasia.last.text
    await kasia.press(kasia.last.message_id, "eml:x")
    assert kasia.alerts[-1] == STALE


# ---- agreements --------------------------------------------------------------------------------------
async def test_the_agreements_of_a_state_page_by_key_soonest_ending_first(app, double, kasia):
    from datetime import date

    services = app.services
    ends = [date(2027, 1, 1) + timedelta(days=(n * 7) % 11) for n in range(19)]  # several on one day
    for n, end in enumerate(ends):
        await services.users.record_contact(7000 + n, f"Osoba {n}", None, None, "pl")
        await services.db.execute(
            "INSERT INTO agreements (telegram_id, state, start_date, end_date, created_at, updated_at) "
            "VALUES (?, 'active', '2026-01-01', ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            (7000 + n, end.isoformat()),
        )
    rows = await services.db.fetch_all("SELECT id, end_date FROM agreements WHERE state = 'active'")
    expected = [str(r["id"]) for r in sorted(rows, key=lambda r: (r["end_date"], r["id"]))]
    ids = named(r"^#(\d+) ")
    await kasia.send("/agreements")
    await kasia.press(kasia.last.message_id, AgreementList(state=State.ACTIVE).pack())
    pages = await walk(kasia, ids)
    assert [len(p) for p in pages] == [8, 8, 3]
    assert [i for page in pages for i in page] == expected

    for data in (
        AgreementList(state=State.ACTIVE, after=10**9).pack(),
        AgreementList(state=State.ACTIVE, before=10**9).pack(),
        "gal:active:2",  # a page number of an earlier release
    ):
        await kasia.press(kasia.last.message_id, data)
        assert ids(kasia.last.buttons) == pages[0] and PREVIOUS not in kasia.last.buttons, data
    await kasia.press(kasia.last.message_id, "gal:active:x")
    assert kasia.alerts[-1] == STALE


# ---- announcements -------------------------------------------------------------------------------------
async def test_announcements_page_by_key_own_drafts_then_scheduled_then_the_rest(app, double, kasia):
    services = app.services
    now = services.clock()
    await services.coordinators.add(ADMIN_ID)
    made = {"drafts": [], "scheduled": [], "rest": []}
    others = [(await services.broadcasts.create_draft(ADMIN_ID, now)).id for _ in range(2)]  # not listed
    soon = now + timedelta(days=2)
    for n in range(17):
        draft = await services.broadcasts.create_draft(COORDINATOR_ID, now)
        if n % 4 == 0:
            made["drafts"].append((draft.id,))
            continue
        await services.broadcasts.update_draft(draft.id, now, body_html=f"Ogłoszenie {n}")
        if n % 4 == 1:
            at = soon if n < 8 else now + timedelta(days=n)  # two at the same time
            await services.broadcasts.schedule(draft.id, at, now)
            made["scheduled"].append((at, -draft.id))
        else:
            status = "cancelled" if n % 3 == 0 else "done"
            await services.db.execute("UPDATE broadcasts SET status = ? WHERE id = ?", (status, draft.id))
            made["rest"].append((draft.id,))
    expected = [str(k[0]) for k in sorted(made["drafts"], reverse=True)]
    expected += [str(-k[1]) for k in sorted(made["scheduled"])]
    expected += [str(k[0]) for k in sorted(made["rest"], reverse=True)]
    ids = named(r"#(\d+) · ")
    await kasia.send("/announcements")
    pages = await walk(kasia, ids)
    assert [len(p) for p in pages] == [8, 8, 1]
    assert [i for page in pages for i in page] == expected

    for data in (
        f"bc:list:{10**9}:a",
        f"bc:list:{others[0]}:b",  # another coordinator's draft is not in this list
        "bc:list:2",  # a page number of an earlier release
        "bc:list:0",
    ):
        await kasia.press(kasia.last.message_id, data)
        assert ids(kasia.last.buttons) == pages[0] and PREVIOUS not in kasia.last.buttons, data
    await kasia.press(kasia.last.message_id, "bc:list:x")
    assert kasia.alerts[-1] == STALE


# ---- every page an index lookup --------------------------------------------------------------------------
@sqlite_only("SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner picks by table statistics, not a fixed plan")
async def test_every_page_of_every_list_is_read_through_an_index_in_its_order(app):
    """EXPLAIN QUERY PLAN of what the lists run, first page, onwards and back: no table scanned,
    nothing sorted whole (a sort of rows with the same time, for the id, is fine)."""
    services = app.services
    now = services.clock()
    event = await _event(app, "E", now + timedelta(days=1))
    past = await _event(app, "P", now - timedelta(days=2))
    draft = await _event(app, "D", now + timedelta(days=1), status="draft")
    await services.users.record_contact(7000, "Osoba", None, None, "pl")
    await services.db.execute(
        "INSERT INTO agreements (telegram_id, state, start_date, end_date, created_at, updated_at) "
        "VALUES (7000, 'active', '2026-01-01', '2026-12-31', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
    )
    agreement = (await services.db.fetch_one("SELECT id FROM agreements"))[0]
    mine = await services.broadcasts.create_draft(COORDINATOR_ID, now)
    scheduled = await services.broadcasts.create_draft(COORDINATOR_ID, now)
    await services.broadcasts.update_draft(scheduled.id, now, body_html="x")
    await services.broadcasts.schedule(scheduled.id, now + timedelta(days=1), now)
    sent = await services.broadcasts.create_draft(COORDINATOR_ID, now)
    await services.db.execute("UPDATE broadcasts SET status = 'done' WHERE id = ?", (sent.id,))

    plans: list[tuple[str, list[str]]] = []
    real = services.db.fetch_all

    async def explained(sql, params=()):
        plans.append((sql, [r[3] for r in await real("EXPLAIN QUERY PLAN " + sql, params)]))
        return await real(sql, params)

    services.db.fetch_all = explained
    audiences = (Audience.EVERYONE,)
    for at in ({}, {"after": event.id}, {"before": event.id}, {"after": past.id}):
        await services.events.upcoming(now, audiences, limit=7, **at)
        await services.events.upcoming(now, audiences, event_type="training", county="lublin", limit=7, **at)
    for at in ({}, {"after": draft.id}, {"before": past.id}, {"after": event.id}, {"before": event.id}):
        await services.events.for_coordinators(now, limit=9, **at)
    for at in ({}, {"after": agreement}, {"before": agreement}):
        await services.agreements.list_by_state(State.ACTIVE, 9, **at)
    for key in (mine.id, scheduled.id, sent.id):
        for at in ({}, {"after": key}, {"before": key}):
            await services.broadcasts.recent(9, drafts_of=COORDINATOR_ID, **at)
    assert len(plans) > 40
    for sql, plan in plans:
        for step in plan:
            assert not (step.startswith("SCAN") and "INDEX" not in step), (sql, plan)
            assert "TEMP B-TREE FOR ORDER BY" not in step, (sql, plan)
