"""Shared set-up for the broadcast tests: people with applications, events, agreements, and a
virtual clock so pacing can be checked without waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.applications import Status
from storage.db import to_db_time

T0 = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Warsaw: outside quiet hours


class VirtualTime:
    """A clock for the sender, the flood control and the app; sleeping moves it forward."""

    def __init__(self, start: datetime = T0):
        self.start = start
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    async def sleep(self, seconds: float) -> None:
        # Requests already started go out first, at the present moment, as they would.
        await asyncio.sleep(0)
        self.seconds += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, delta: timedelta) -> None:
        self.seconds += delta.total_seconds()


async def person(services, telegram_id: int, *, locale: str = "pl", first_name: str = "Ola", now=None):
    return await services.users.record_contact(telegram_id, first_name, None, None, locale, now=now or T0)


async def applicant(
    services,
    telegram_id: int,
    status: Status,
    county: object = "lublin",
    competences: list[str] | None = None,
    now=None,
):
    """Someone whose latest application has this status and these answers."""
    now = now or T0
    await person(services, telegram_id, now=now)
    repo = services.applications
    draft = await repo.start_draft(telegram_id, "full_name", now)
    await repo.save_answer(draft.id, "full_name", f"Osoba {telegram_id}", None, now=now)
    await repo.save_answer(draft.id, "county", county, None, now=now)
    await repo.save_answer(draft.id, "competences", competences or [], None, now=now)
    if status == Status.DRAFT:
        return draft
    await repo.submit(draft.id, telegram_id, now)
    if status == Status.NEEDS_INFO:
        await repo.request_info(draft.id, 1, "?", now)
    elif status in (Status.ACCEPTED, Status.REJECTED):
        await repo.decide(draft.id, 1, status == Status.ACCEPTED, None, now)
    elif status == Status.WITHDRAWN:
        await repo.withdraw(draft.id, telegram_id, now)
    return draft


async def event(services, title: str = "Szkolenie z budżetu obywatelskiego", starts: datetime | None = None) -> int:
    starts = starts or T0 + timedelta(days=7)
    stamp = to_db_time(T0)
    async with services.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO events (type, title, starts_at, ends_at, audience, status, created_by, created_at, "
            "updated_at) VALUES ('training', ?, ?, ?, 'everyone', 'published', 1, ?, ?) RETURNING id",
            (title, to_db_time(starts), to_db_time(starts + timedelta(hours=2)), stamp, stamp),
        )
        return (await cursor.fetchone())[0]


async def register(services, event_id: int, telegram_id: int, status: str = "registered") -> None:
    stamp = to_db_time(T0)
    await services.db.execute(
        "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at) "
        "VALUES (?, ?, ?, (SELECT COUNT(*) FROM event_registrations), ?, ?)",
        (event_id, telegram_id, status, stamp, stamp),
    )


async def agreement(services, telegram_id: int, state: str = "active") -> None:
    await services.db.execute(
        "INSERT INTO agreements (telegram_id, state, start_date, end_date, created_at, updated_at) "
        "VALUES (?, ?, '2026-01-01', '2026-12-31', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
        (telegram_id, state),
    )


async def queue_broadcast(services, created_by: int, body: str = "Zapraszamy na <b>szkolenie</b>!", **changes):
    """A broadcast written straight to storage and started (the outbox written)."""
    from storage.broadcasts import Audience, BroadcastStatus, Group

    now = services.clock()
    draft = await services.broadcasts.create_draft(created_by, now)
    changes.setdefault("audience", Audience(frozenset({Group.EVERYONE})))
    draft = await services.broadcasts.update_draft(draft.id, now, body_html=body, **changes)
    audience = changes["audience"]
    plan = await services.broadcasts.plan(
        audience, services.answer_fields(), draft.category, draft.urgent, now, services.settings.tz
    )
    return await services.broadcasts.start(
        draft.id, plan, expected=BroadcastStatus.DRAFT, now=now, status_chat_id=created_by
    )
