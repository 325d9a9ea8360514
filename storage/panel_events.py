"""The panel's events: the list (published and cancelled events, the latest to start first, paged
by key on events_by_start), a walk-in (someone who came without a seat, recorded present by a
coordinator: a seat is made for them whatever the capacity, since they were there), and finding a
team member by name, e-mail or phone for it (the applications' trigram index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.application_table import search_expression
from storage.db import Database, from_db_time, to_db_time
from storage.paging import Section, keyed_page


@dataclass(frozen=True)
class Listed:
    id: int
    type: str
    title: str
    starts_at: datetime
    county: str | None
    capacity: int | None
    status: str
    registered: int
    waitlisted: int
    attended: int


class PanelEvents:
    def __init__(self, db: Database):
        self._db = db

    async def page(self, size: int, *, after: int | None = None, before: int | None = None) -> tuple[list, bool, bool]:
        """Events the latest to start first (drafts are the chat's); (rows, earlier, later)."""
        select = (
            "SELECT e.id, e.type, e.title, e.starts_at, e.county, e.capacity, e.status, "
            "(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'registered'), "
            "(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted'), "
            "(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.attendance = 'attended') "
            "FROM events e"
        )
        sections = [
            Section(
                "e.status = ?",
                (status,),
                (("e.starts_at", False), ("e.id", False)),
            )
            for status in ("published", "cancelled")
        ]
        anchor = after if after is not None else before
        start = None
        if anchor is not None:
            row = await self._db.fetch_one("SELECT status, starts_at FROM events WHERE id = ?", (anchor,))
            if row is not None and row[0] in ("published", "cancelled"):
                start = (0 if row[0] == "published" else 1, (row[1], anchor))
        backward = before is not None and start is not None
        rows = await keyed_page(self._db.fetch_all, select, sections, size + 1, start=start, backward=backward)
        if backward:
            shown, earlier, later = rows[-size:], len(rows) > size, True
        else:
            shown, earlier, later = rows[:size], start is not None, len(rows) > size
        listed = [Listed(r[0], r[1], r[2], from_db_time(r[3]), r[4], r[5], r[6], r[7], r[8], r[9]) for r in shown]
        return listed, earlier, later

    async def walk_in(self, event_id: int, telegram_id: int, hours: float | None, by: int, now: datetime) -> bool:
        """Someone who came without a seat: a seat (made or given back) and present, in one
        transaction. False when the event is not published or they are not a person the bot knows."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute("SELECT 1 FROM events WHERE id = ? AND status = 'published'", (event_id,))
            known = await conn.execute("SELECT 1 FROM users WHERE telegram_id = ?", (telegram_id,))
            if await cursor.fetchone() is None or await known.fetchone() is None:
                return False
            await conn.execute(
                "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at) "
                "VALUES (?, ?, 'registered', (SELECT COALESCE(MAX(queued_at), 0) + 1 FROM event_registrations "
                "WHERE event_id = ?), ?, ?) ON CONFLICT (event_id, telegram_id) DO UPDATE SET status = 'registered', "
                "updated_at = excluded.updated_at",
                (event_id, telegram_id, event_id, stamp, stamp),
            )
            await conn.execute(
                "UPDATE event_registrations SET attendance = 'attended', hours = ?, attendance_by = ?, "
                "attendance_at = ? WHERE event_id = ? AND telegram_id = ?",
                (hours, by, stamp, event_id, telegram_id),
            )
        return True

    async def find_people(self, text: str, limit: int = 10) -> list[int]:
        """People whose latest application matches what was typed (name, e-mail or phone)."""
        found = search_expression(text)
        if found is None:
            return []
        column, phrase = found
        rows = await self._db.fetch_all(
            "SELECT u.telegram_id FROM application_search s JOIN users u ON u.latest_application_id = s.rowid "
            "WHERE application_search MATCH ? ORDER BY s.rowid DESC LIMIT ?",
            (f"{column} : {phrase}" if column else phrase, limit),
        )
        return [r[0] for r in rows]
