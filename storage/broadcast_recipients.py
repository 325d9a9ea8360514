"""Who gets an announcement and from when: the audience (storage/broadcast_audience.py) with each
person's preferences, in one query.

While a coordinator composes, the screens show a headcount (recipients, who turned the category
off, who is in quiet hours now), counted by the database; the same audience asked again within
HEADCOUNT_KEPT_S is answered from memory, so moving between the composer's screens costs nothing.
Only sending makes the full plan, one row per person.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.broadcast_audience import AnswerFields, Audience, audience_sql, audience_where
from storage.broadcast_outbox import Plan
from storage.db import Database
from storage.preferences import Category, PreferenceRepository, Preferences, QuietHours, next_delivery

HEADCOUNT_KEPT_S = 60  # a count this old is still shown; a changed audience is a new count
HEADCOUNTS_KEPT = 256  # audiences remembered (a few per coordinator composing)


@dataclass(frozen=True)
class Headcount:
    """What the composer shows: how many get it, how many turned the category off, and how many
    of those who get it are in their quiet hours now (they get it when those end)."""

    recipients: int
    muted: int
    waiting: int


def _contains(start: str, end: str, minute: str) -> str:
    """SQL for QuietHours.contains on columns or parameters."""
    return (
        f"(CASE WHEN {start} = {end} THEN 0 WHEN {start} < {end} THEN ({start} <= {minute} AND {minute} < {end}) "
        f"ELSE ({minute} >= {start} OR {minute} < {end}) END)"
    )


class BroadcastRecipients:
    _db: Database
    _preferences: PreferenceRepository
    _headcounts: OrderedDict[tuple, tuple[datetime, Headcount]]  # set by the repository

    async def audience_ids(self, audience: Audience, fields: AnswerFields) -> list[int]:
        sql, params = audience_sql(audience, fields)
        rows = await self._db.fetch_all(sql, params)
        return [r[0] for r in rows]

    async def headcount(
        self,
        audience: Audience,
        fields: AnswerFields,
        category: Category,
        urgent: bool,
        now: datetime,
        tz: ZoneInfo,
    ) -> Headcount:
        """Counted by the database (nothing per person in Python), kept for HEADCOUNT_KEPT_S."""
        key = (audience, fields, Category(category), urgent)
        kept = self._headcounts.get(key)
        if kept is not None and timedelta(0) <= now - kept[0] < timedelta(seconds=HEADCOUNT_KEPT_S):
            self._headcounts.move_to_end(key)
            return kept[1]
        where, params = audience_where(audience, fields)
        local = now.astimezone(tz)
        minute = local.hour * 60 + local.minute
        default = self._preferences.default_quiet
        default_now = int(default is not None and default.contains(minute))
        own = f"(p.quiet_start IS NOT NULL AND {_contains('p.quiet_start', 'p.quiet_end', '?')})"
        quiet = "0" if urgent else f"(CASE WHEN COALESCE(p.quiet_set, 0) = 1 THEN {own} ELSE ? END)"
        wants = f"COALESCE(p.{Category(category).value}, 1) = 1"
        row = await self._db.fetch_one(
            f"SELECT COUNT(*), COALESCE(SUM(NOT ({wants})), 0), COALESCE(SUM({wants} AND {quiet}), 0) "
            "FROM users u LEFT JOIN notification_preferences p ON p.telegram_id = u.telegram_id "
            f"WHERE {where}",
            ([] if urgent else [minute] * 4 + [default_now]) + params,
        )
        counted = Headcount(row[0] - row[1], row[1], row[2])
        self._headcounts[key] = (now, counted)
        while len(self._headcounts) > HEADCOUNTS_KEPT:
            self._headcounts.popitem(last=False)
        return counted

    async def plan(
        self,
        audience: Audience,
        fields: AnswerFields,
        category: Category,
        urgent: bool,
        now: datetime,
        tz: ZoneInfo,
    ) -> Plan:
        """Who receives it and from when, after each person's preferences: one query."""
        where, params = audience_where(audience, fields)
        # Read off the loop and worked through in a thread: for everyone at 100 000 people this
        # is ~0.2 s that the loop would otherwise be held for.
        rows = await self._db.fetch_all_off_the_loop(
            f"SELECT u.telegram_id, p.{Category(category).value}, p.quiet_set, p.quiet_start, p.quiet_end "
            "FROM users u LEFT JOIN notification_preferences p ON p.telegram_id = u.telegram_id "
            f"WHERE {where} ORDER BY u.telegram_id",
            params,
        )
        default = self._preferences.default_quiet
        return await asyncio.to_thread(_planned, rows, Category(category), urgent, now, tz, default)


def _planned(
    rows: list, category: Category, urgent: bool, now: datetime, tz: ZoneInfo, default: QuietHours | None
) -> Plan:
    """The rule (`next_delivery`) asked once per distinct set of preferences, not once per person."""
    decided: dict[tuple, datetime | None] = {}
    planned, muted = [], 0
    for telegram_id, wanted, quiet_set, start, end in rows:
        shape = (wanted, quiet_set, start, end)
        if shape not in decided:
            quiet = (None if start is None else QuietHours(start, end)) if quiet_set else default
            wants = frozenset() if wanted == 0 else frozenset({category})
            prefs = Preferences(telegram_id, wants, quiet, not quiet_set)
            decided[shape] = next_delivery(prefs, category, now, tz, urgent=urgent)
        when = decided[shape]
        if when is None:
            muted += 1
        else:
            planned.append((telegram_id, when, when > now))
    return Plan(planned, muted)
