"""The hours ledger: every confirmed hour a volunteer gave, from every source (migration 0019).

Events attended are written by the database itself (triggers on event_registrations, in the
transaction of the attendance change). Support work on an assignment is written with `record()`
when a work log is confirmed, and `withdraw()`n when it is taken back; only confirmed hours are
ever here, and every change is kept in hours_entry_history.

Readers: "Moje godziny" (`by_month`, `tally`), the attestation (`for_attestation`: the confirmed
hours and the kinds of work of a period), the quota (`members`, `claim_reminder`) and the
coordinators' CSV (`month_rows`, run in the export process on a read-only snapshot: only
`fetch_all`/`fetch_one` are used by those).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.db import from_db_time, to_db_time
from storage.hours_rules import HoursProblem, Month, check_logged_hours, local_midnight
from storage.paging import Section, keyed_page

SOURCES = ("event", "support")


class HoursRefused(ValueError):
    """Hours the ledger does not take (storage.hours_rules says why)."""

    def __init__(self, problem: HoursProblem):
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Entry:
    id: int
    telegram_id: int
    source: str
    source_id: int
    event_id: int | None
    kind: str
    worked_at: datetime
    hours: float
    status: str
    confirmed_by: int | None
    updated_at: datetime
    note: str | None

    @classmethod
    def from_row(cls, row) -> Entry:
        return cls(
            row["id"],
            row["telegram_id"],
            row["source"],
            row["source_id"],
            row["event_id"],
            row["kind"],
            from_db_time(row["worked_at"]),
            float(row["hours"]),
            row["status"],
            row["confirmed_by"],
            from_db_time(row["updated_at"]),
            row["note"],
        )


@dataclass(frozen=True)
class Tally:
    """Confirmed hours of a period: the total, per kind of work (largest first) and per source."""

    total: float = 0.0
    by_kind: dict[str, float] = field(default_factory=dict)
    by_source: dict[str, float] = field(default_factory=dict)


def _tally(rows) -> Tally:
    kinds: dict[str, float] = defaultdict(float)
    sources: dict[str, float] = defaultdict(float)
    for row in rows:
        kinds[row["kind"]] += float(row["hours"])
        sources[row["source"]] += float(row["hours"])
    ordered = dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0])))
    return Tally(round(sum(kinds.values()), 2), ordered, dict(sources))


@dataclass(frozen=True)
class Member:
    """A person the quota concerns, with the facts that choose their rule, and their hours."""

    telegram_id: int
    hours: float
    birth: date | None
    disability: bool


def _birth(value: str | None) -> date | None:
    """A date answer as stored (JSON text of an ISO date); anything else is no date."""
    try:
        return date.fromisoformat(json.loads(value)) if value else None
    except (ValueError, TypeError):
        return None


class HoursLedger:
    def __init__(self, db, tz: ZoneInfo):
        self._db = db  # a Database, or the export process's snapshot (reads only)
        self.tz = tz

    # ---- one person ---------------------------------------------------------------------------
    async def tally(self, telegram_id: int, start: datetime, end: datetime) -> Tally:
        rows = await self._db.fetch_all(
            "SELECT source, kind, hours FROM hours_entries WHERE telegram_id = ? AND status = 'confirmed' "
            "AND worked_at >= ? AND worked_at < ?",
            (telegram_id, to_db_time(start), to_db_time(end)),
        )
        return _tally(rows)

    async def for_attestation(self, telegram_id: int, first_day: date, last_day: date) -> Tally:
        """The confirmed hours and kinds of work of a period given as days (both included, in the
        organisation's time zone): what an attestation states."""
        start = local_midnight(first_day, self.tz)
        end = local_midnight(date.fromordinal(last_day.toordinal() + 1), self.tz)
        return await self.tally(telegram_id, start, end)

    async def by_month(self, telegram_id: int, months: list[Month]) -> dict[Month, Tally]:
        """The tally of each of `months` (one query over the span they cover)."""
        start, end = min(months).bounds(self.tz)[0], max(months).bounds(self.tz)[1]
        rows = await self._db.fetch_all(
            "SELECT source, kind, hours, worked_at FROM hours_entries WHERE telegram_id = ? "
            "AND status = 'confirmed' AND worked_at >= ? AND worked_at < ?",
            (telegram_id, to_db_time(start), to_db_time(end)),
        )
        grouped: dict[Month, list] = defaultdict(list)
        for row in rows:
            grouped[Month.of(from_db_time(row["worked_at"]).astimezone(self.tz).date())].append(row)
        return {month: _tally(grouped.get(month, [])) for month in months}

    async def total(self, telegram_id: int) -> float:
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(hours), 0) FROM hours_entries WHERE telegram_id = ? AND status = 'confirmed'",
            (telegram_id,),
        )
        return float(row[0])

    async def entries(self, telegram_id: int, *, confirmed_only: bool = True) -> list[Entry]:
        status = " AND status = 'confirmed'" if confirmed_only else ""
        rows = await self._db.fetch_all(
            f"SELECT * FROM hours_entries WHERE telegram_id = ?{status} ORDER BY worked_at, id", (telegram_id,)
        )
        return [Entry.from_row(row) for row in rows]

    async def entry(self, source: str, source_id: int) -> Entry | None:
        row = await self._db.fetch_one(
            "SELECT * FROM hours_entries WHERE source = ? AND source_id = ?", (source, source_id)
        )
        return Entry.from_row(row) if row else None

    async def history(self, entry_id: int) -> list[tuple[float, str, int | None, datetime, str | None]]:
        """Every state of an entry, oldest first: (hours, status, changed by, when, note)."""
        rows = await self._db.fetch_all(
            "SELECT hours, status, changed_by, changed_at, note FROM hours_entry_history WHERE entry_id = ? "
            "ORDER BY id",
            (entry_id,),
        )
        return [(float(r[0]), r[1], r[2], from_db_time(r[3]), r[4]) for r in rows]

    # ---- support work (the work log of an assignment) -------------------------------------------
    async def record(
        self,
        source_id: int,
        telegram_id: int,
        kind: str,
        day: date,
        hours: float,
        by: int | None,
        now: datetime,
        note: str | None = None,
    ) -> Entry:
        """A confirmed work log becomes an entry (confirmed again with other hours: corrected).
        The work log checks the assignment (storage.hours_rules.check_logged_hours) when the work
        is logged; the ledger holds the rest whatever calls it: HoursRefused for hours in the
        future or more than 24 in a day (with the person's other support entries of that day).
        The events' entries are the database's own (migration 0019)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            already = await self.day_hours(telegram_id, day, except_source_id=source_id)
            today = now.astimezone(self.tz).date()
            problem = check_logged_hours(day, hours, today=today, already_that_day=already, assigned=True)
            if problem is not None:
                raise HoursRefused(problem)
            await conn.execute(
                "INSERT INTO hours_entries (telegram_id, source, source_id, kind, worked_at, hours, status, "
                "confirmed_by, confirmed_at, updated_at, note) "
                "VALUES (?, 'support', ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?) "
                "ON CONFLICT (source, source_id) DO UPDATE SET hours = excluded.hours, status = 'confirmed', "
                "kind = excluded.kind, worked_at = excluded.worked_at, confirmed_by = excluded.confirmed_by, "
                "confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at, note = excluded.note "
                "WHERE hours_entries.telegram_id = excluded.telegram_id",
                (telegram_id, source_id, kind, to_db_time(local_midnight(day, self.tz)), hours, by, stamp, stamp, note),
            )
        found = await self.entry("support", source_id)
        if found is None or found.telegram_id != telegram_id:  # another person's work log id
            raise ValueError(f"support entry {source_id} belongs to someone else")
        return found

    async def day_hours(self, telegram_id: int, day: date, *, except_source_id: int | None = None) -> float:
        """The person's confirmed support hours on `day` (the organisation's date), for the 24-hour
        rule; events are not counted (one may last several days and is recorded on its first)."""
        start = local_midnight(day, self.tz)
        end = local_midnight(date.fromordinal(day.toordinal() + 1), self.tz)
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(hours), 0) FROM hours_entries WHERE telegram_id = ? AND status = 'confirmed' "
            "AND source = 'support' AND worked_at >= ? AND worked_at < ? AND source_id IS NOT ?",
            (telegram_id, to_db_time(start), to_db_time(end), except_source_id),
        )
        return float(row[0])

    async def withdraw(self, source_id: int, by: int | None, now: datetime, note: str | None = None) -> bool:
        """A support entry taken back (the work log withdrawn or found wrong); kept in the history."""
        return (
            await self._db.execute(
                "UPDATE hours_entries SET status = 'withdrawn', confirmed_by = ?, updated_at = ?, note = ? "
                "WHERE source = 'support' AND source_id = ? AND status = 'confirmed'",
                (by, to_db_time(now), note, source_id),
            )
            == 1
        )

    # ---- the facts that choose a quota rule ----------------------------------------------------
    async def birth_date(self, telegram_id: int, field_id: str | None) -> date | None:
        if not field_id:
            return None
        row = await self._db.fetch_one(
            "SELECT a.value FROM users u JOIN application_answers a ON a.application_id = u.latest_application_id "
            "AND a.field_id = ? WHERE u.telegram_id = ?",
            (field_id, telegram_id),
        )
        return _birth(row[0]) if row else None

    async def has_disability(self, telegram_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM hours_disability_declarations WHERE telegram_id = ?", (telegram_id,)
        )
        return row is not None

    async def declaration(self, telegram_id: int) -> tuple[str, datetime] | None:
        """The consent's version and when the disability was declared, if it is."""
        row = await self._db.fetch_one(
            "SELECT consent_version, declared_at FROM hours_disability_declarations WHERE telegram_id = ?",
            (telegram_id,),
        )
        return (row[0], from_db_time(row[1])) if row else None

    async def declare_disability(self, telegram_id: int, consent_version: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO hours_disability_declarations (telegram_id, consent_version, declared_at) VALUES (?, ?, ?) "
            "ON CONFLICT (telegram_id) DO UPDATE SET consent_version = excluded.consent_version, "
            "declared_at = excluded.declared_at",
            (telegram_id, consent_version, to_db_time(now)),
        )

    async def withdraw_disability(self, telegram_id: int) -> bool:
        """The consent withdrawn: the declaration is deleted, nothing of it is kept."""
        return (
            await self._db.execute("DELETE FROM hours_disability_declarations WHERE telegram_id = ?", (telegram_id,))
            > 0
        )

    # ---- everyone the quota concerns -------------------------------------------------------------
    def _member_query(self, month: Month, active_since: Month, birth_field: str | None) -> tuple[str, tuple, Section]:
        start, end = month.bounds(self.tz)
        since = active_since.bounds(self.tz)[0]
        select = (
            "SELECT u.telegram_id, (SELECT COALESCE(SUM(h.hours), 0) FROM hours_entries h "
            "WHERE h.telegram_id = u.telegram_id AND h.status = 'confirmed' AND h.worked_at >= ? AND h.worked_at < ?), "
            "(SELECT a.value FROM application_answers a WHERE a.application_id = u.latest_application_id "
            "AND a.field_id = ?), "
            "EXISTS (SELECT 1 FROM hours_disability_declarations d WHERE d.telegram_id = u.telegram_id) FROM users u"
        )
        # Accepted team members, and anyone with confirmed hours since `active_since`.
        section = Section(
            "u.expert = 1 OR EXISTS (SELECT 1 FROM hours_entries h WHERE h.telegram_id = u.telegram_id "
            "AND h.status = 'confirmed' AND h.worked_at >= ? AND h.worked_at < ?)",
            (to_db_time(since), to_db_time(end)),
            (("u.telegram_id", True),),
        )
        return select, (to_db_time(start), to_db_time(end), birth_field or ""), section

    async def members(
        self,
        month: Month,
        active_since: Month,
        birth_field: str | None,
        limit: int,
        *,
        after: int | None = None,
        before: int | None = None,
    ) -> list[Member]:
        """A page of the people the quota concerns in `month`, by Telegram id (after or before one)."""
        select, params, section = self._member_query(month, active_since, birth_field)

        async def fetch(sql: str, values) -> list:
            return await self._db.fetch_all(sql, (*params, *values))

        key = after if after is not None else before
        start = (0, (key,)) if key is not None else None
        rows = await keyed_page(
            fetch, select, [section], limit, start=start, backward=after is None and before is not None
        )
        return [Member(r[0], float(r[1]), _birth(r[2]), bool(r[3])) for r in rows]

    async def all_members(self, month: Month, active_since: Month, birth_field: str | None) -> list[Member]:
        """Everyone the quota concerns (the count, the reminder, the CSV): a scan of the people
        (150 ms at 100 000), so read off the loop where the database can (not in the export process)."""
        select, params, section = self._member_query(month, active_since, birth_field)
        read = getattr(self._db, "fetch_all_off_the_loop", self._db.fetch_all)
        rows = await read(f"{select} WHERE {section.where} ORDER BY u.telegram_id", (*params, *section.params))
        return [Member(r[0], float(r[1]), _birth(r[2]), bool(r[3])) for r in rows]

    async def month_tallies(self, month: Month) -> dict[int, Tally]:
        """Everyone's confirmed hours of `month`, per kind and source (the coordinators' CSV)."""
        start, end = month.bounds(self.tz)
        rows = await self._db.fetch_all(
            "SELECT telegram_id, source, kind, hours FROM hours_entries WHERE status = 'confirmed' "
            "AND worked_at >= ? AND worked_at < ? ORDER BY telegram_id",
            (to_db_time(start), to_db_time(end)),
        )
        grouped: dict[int, list] = defaultdict(list)
        for row in rows:
            grouped[row["telegram_id"]].append(row)
        return {person: _tally(found) for person, found in grouped.items()}

    async def claim_reminder(self, telegram_id: int, month: Month, now: datetime) -> bool:
        """Mark this month's reminder as sent to this person; False if it was already (never twice)."""
        return (
            await self._db.execute(
                "INSERT OR IGNORE INTO hours_reminders (telegram_id, month, sent_at) VALUES (?, ?, ?)",
                (telegram_id, month.key, to_db_time(now)),
            )
            == 1
        )

    async def reminded(self, month: Month) -> set[int]:
        rows = await self._db.fetch_all("SELECT telegram_id FROM hours_reminders WHERE month = ?", (month.key,))
        return {row[0] for row in rows}
