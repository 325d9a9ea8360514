"""The panel's people: the team members (an accepted application) with their agreement, plan,
hours this month and in all, and last activity; one person's page; and the confirmed hours of
everyone for a period (a grant report's table).

The directory is paged by key on the person's latest application (users_in_team, migration 0022:
newest first), searched through the applications' trigram index; each row's facts are index
lookups of its person (agreements_by_user, development_plans, hours_entries_by_person)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.application_table import search_expression
from storage.db import Database, from_db_time, to_db_time
from storage.paging import Section, keyed_page


@dataclass(frozen=True)
class Member:
    telegram_id: int
    application_id: int
    name: str | None
    county: str | None
    agreement: str | None  # the latest agreement's state
    plan: str | None  # the development plan's status
    hours_month: float
    hours_total: float
    last_seen: datetime | None


@dataclass(frozen=True)
class MemberPage:
    rows: list[Member]
    earlier: bool
    later: bool


@dataclass(frozen=True)
class HoursRow:
    telegram_id: int
    events: float
    support: float
    total: float
    event_count: int


def _answer(value: str | None):
    if value is None:
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    return found if isinstance(found, str) else None


class TeamDirectory:
    def __init__(self, db: Database, county_field: str | None):
        self._db = db
        self._county = county_field

    def _select(self, month_start: datetime, joins: str = "") -> tuple[str, list]:
        return (
            f"""SELECT u.telegram_id, u.latest_application_id, u.last_seen_at,
                (SELECT value FROM application_answers WHERE application_id = u.latest_application_id
                 AND field_id = 'full_name') AS name,
                (SELECT value FROM application_answers WHERE application_id = u.latest_application_id
                 AND field_id = ?) AS county,
                (SELECT state FROM agreements g WHERE g.telegram_id = u.telegram_id ORDER BY g.id DESC LIMIT 1)
                    AS agreement,
                (SELECT status FROM development_plans p WHERE p.telegram_id = u.telegram_id) AS plan,
                (SELECT SUM(hours) FROM hours_entries h WHERE h.telegram_id = u.telegram_id
                 AND h.status = 'confirmed' AND h.worked_at >= ?) AS hours_month,
                (SELECT SUM(hours) FROM hours_entries h WHERE h.telegram_id = u.telegram_id
                 AND h.status = 'confirmed') AS hours_total
            FROM users u {joins}""",
            [self._county or "", to_db_time(month_start)],
        )

    async def page(
        self,
        size: int,
        month_start: datetime,
        *,
        search: str = "",
        after: int | None = None,
        before: int | None = None,
        last: bool = False,
    ) -> MemberPage:
        """Team members, the latest to apply first; `after`/`before`: an application id to continue
        from (a person's latest application); `last`: the last page."""
        found = search_expression(search) if search else None
        where, params, joins = ["u.expert = 1", "u.latest_application_id IS NOT NULL"], [], ""
        if found is not None:
            column, phrase = found
            joins = "JOIN application_search s ON s.rowid = u.latest_application_id"
            where.append("application_search MATCH ?")
            params.append(f"{column} : {phrase}" if column else phrase)
        select, select_params = self._select(month_start, joins)
        section = Section(" AND ".join(where), tuple(params), (("u.latest_application_id", False),))
        anchor = after if after is not None else before
        start = (0, (anchor,)) if anchor is not None else None
        backward = (before is not None) or (last and start is None)

        async def fetch(sql: str, values) -> list:
            return await self._db.fetch_all(sql, (*select_params, *values))

        rows = await keyed_page(fetch, select, [section], size + 1, start=start, backward=backward)
        if backward:
            shown, earlier, later = rows[-size:], len(rows) > size, start is not None
        else:
            shown, earlier, later = rows[:size], start is not None, len(rows) > size
        return MemberPage([_member(r) for r in shown], earlier, later)

    async def member(self, telegram_id: int, month_start: datetime) -> Member | None:
        select, params = self._select(month_start)
        row = await self._db.fetch_one(select + " WHERE u.telegram_id = ?", (*params, telegram_id))
        return _member(row) if row is not None and row["latest_application_id"] is not None else None

    async def hours_by_month(self, telegram_id: int, since: datetime, tz) -> list[tuple[str, float]]:
        """The person's confirmed hours per month (in the organisation's time zone) since then."""
        rows = await self._db.fetch_all(
            "SELECT worked_at, hours FROM hours_entries WHERE telegram_id = ? AND status = 'confirmed' "
            "AND worked_at >= ? ORDER BY worked_at",
            (telegram_id, to_db_time(since)),
        )
        months: dict[str, float] = {}
        for row in rows:
            key = from_db_time(row[0]).astimezone(tz).strftime("%Y-%m")
            months[key] = months.get(key, 0.0) + float(row[1])
        return sorted(months.items(), reverse=True)

    async def events_of(
        self, telegram_id: int, limit: int = 50
    ) -> list[tuple[int, str, str, datetime, str, str | None]]:
        """The person's sign-ups, the latest event first: (event id, type, title, start, status, attendance)."""
        rows = await self._db.fetch_all(
            "SELECT e.id, e.type, e.title, e.starts_at, r.status, r.attendance FROM event_registrations r "
            "JOIN events e ON e.id = r.event_id WHERE r.telegram_id = ? ORDER BY e.starts_at DESC LIMIT ?",
            (telegram_id, limit),
        )
        return [(r[0], r[1], r[2], from_db_time(r[3]), r[4], r[5]) for r in rows]

    async def hours_report(self, start: datetime, end: datetime) -> list[HoursRow]:
        """Everyone's confirmed hours in [start, end), the most first (hours_entries_for_reports)."""
        rows = await self._db.fetch_all_off_the_loop(  # tens of thousands of people: not on the loop
            "SELECT telegram_id, SUM(CASE WHEN source = 'event' THEN hours ELSE 0 END), "
            "SUM(CASE WHEN source = 'support' THEN hours ELSE 0 END), SUM(hours), COUNT(DISTINCT event_id) "
            "FROM hours_entries WHERE status = 'confirmed' AND worked_at >= ? AND worked_at < ? "
            "GROUP BY telegram_id ORDER BY SUM(hours) DESC, telegram_id",
            (to_db_time(start), to_db_time(end)),
        )
        return [HoursRow(r[0], float(r[1]), float(r[2]), float(r[3]), int(r[4])) for r in rows]


def _member(row) -> Member:
    return Member(
        telegram_id=row["telegram_id"],
        application_id=row["latest_application_id"],
        name=_answer(row["name"]),
        county=_answer(row["county"]),
        agreement=row["agreement"],
        plan=row["plan"],
        hours_month=float(row["hours_month"] or 0),
        hours_total=float(row["hours_total"] or 0),
        last_seen=from_db_time(row["last_seen_at"]),
    )
