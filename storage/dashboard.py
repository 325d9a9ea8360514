"""The programme at a glance (the panel's dashboard, issue 17): the figures a funder's report asks
for, for a period of whole months in the organisation's time zone.

Every figure is a grouped count over one index range: applications by the month they were sent
(applications_by_submission) and their status now, team members (users_in_team) by the county of
their latest application (answer_choices), events by type with their sign-ups and attendance
(events_by_start), confirmed hours by month (hours_entries_for_reports, read off the event loop).
A month's bounds are computed in the time zone and passed as UTC, so the months are the
organisation's, not UTC's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.db import Database, to_db_time

STATUSES = ("submitted", "needs_info", "accepted", "rejected", "withdrawn")


@dataclass(frozen=True)
class Month:
    first: date  # the month's first day

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    def following(self) -> Month:
        year, month = divmod(self.first.month, 12)
        return Month(date(self.first.year + year, month + 1, 1))


def months(first: date, last: date) -> list[Month]:
    """Every month from the one of `first` to the one of `last`, inclusive."""
    found, month = [], Month(first.replace(day=1))
    while month.first <= last:
        found.append(month)
        month = month.following()
    return found


@dataclass(frozen=True)
class Figures:
    months: list[str]  # "2026-01", ...
    applications: dict[str, dict[str, int]]  # month -> status -> count
    team_by_county: list[tuple[str, int]]  # county id -> accepted team members, most first
    team_total: int
    events: list[tuple[str, int, int, int]]  # event type -> events, places taken, attended
    hours: dict[str, tuple[float, int]]  # month -> (hours confirmed, people)


class Dashboard:
    def __init__(self, db: Database, tz: ZoneInfo, county_fields: tuple[str, ...]):
        self._db = db
        self._tz = tz
        self._county = county_fields

    def _bounds(self, periods: list[Month]) -> list[tuple[str, str, str]]:
        """Each month as (key, from, until) in UTC."""
        rows = []
        for month in periods:
            start = datetime(month.first.year, month.first.month, 1, tzinfo=self._tz)
            nxt = month.following().first
            end = datetime(nxt.year, nxt.month, 1, tzinfo=self._tz)
            rows.append((month.key, to_db_time(start), to_db_time(end)))
        return rows

    @staticmethod
    def _month_of(column: str, bounds: list[tuple[str, str, str]]) -> tuple[str, list[str]]:
        """SQL naming the month a time falls in: one range scan of the period, each row's month
        found by its bounds (months in the time zone, not UTC's)."""
        sql = "CASE " + " ".join(f"WHEN {column} < ? THEN ?" for _ in bounds) + " END"
        params = [value for key, _, until in bounds for value in (until, key)]
        return sql, params

    async def figures(self, first: date, last: date) -> Figures:
        periods = months(first, last)
        bounds = self._bounds(periods)
        keys = [m.key for m in periods]
        start, end = bounds[0][1], bounds[-1][2]
        applications = {key: dict.fromkeys(STATUSES, 0) for key in keys}
        month, params = self._month_of("submitted_at", bounds)
        for row in await self._db.fetch_all(
            f"SELECT {month} AS month, status, COUNT(*) FROM applications "
            "WHERE submitted_at >= ? AND submitted_at < ? AND status != 'draft' GROUP BY month, status",
            (*params, start, end),
        ):
            applications[row[0]][row[1]] = row[2]
        hours = dict.fromkeys(keys, (0.0, 0))
        month, params = self._month_of("worked_at", bounds)
        # A year of a large programme's hours is a few hundred thousand entries: read off the loop.
        for row in await self._db.fetch_all_off_the_loop(
            f"SELECT {month} AS month, SUM(hours), COUNT(DISTINCT telegram_id) FROM hours_entries "
            "WHERE worked_at >= ? AND worked_at < ? AND status = 'confirmed' GROUP BY month",
            (*params, start, end),
        ):
            hours[row[0]] = (float(row[1] or 0), int(row[2]))
        events = [
            (r[0], r[1], int(r[2] or 0), int(r[3] or 0))
            for r in await self._db.fetch_all(
                "SELECT e.type, COUNT(DISTINCT e.id), SUM(r.status = 'registered'), SUM(r.attendance = 'attended') "
                "FROM events e LEFT JOIN event_registrations r ON r.event_id = e.id "
                "WHERE e.status = 'published' AND e.starts_at >= ? AND e.starts_at < ? GROUP BY e.type "
                "ORDER BY COUNT(DISTINCT e.id) DESC, e.type",
                (start, end),
            )
        ]
        team_by_county: list[tuple[str, int]] = []
        if self._county:
            marks = ",".join("?" * len(self._county))
            team_by_county = [
                (r[0], r[1])
                for r in await self._db.fetch_all(
                    f"SELECT ac.value, COUNT(*) FROM users u JOIN answer_choices ac "
                    f"ON ac.application_id = u.latest_application_id AND ac.field_id IN ({marks}) "
                    "WHERE u.expert = 1 GROUP BY ac.value ORDER BY COUNT(*) DESC, ac.value",
                    self._county,
                )
            ]
        total = await self._db.fetch_one("SELECT COUNT(*) FROM users WHERE expert = 1")
        return Figures(keys, applications, team_by_county, total[0], events, hours)
