"""Matching experts to an approved request for support: who may be invited, and in what order.

The candidates are accepted team members with an active agreement (`users.expert` and
`users.under_agreement`, kept by the triggers of migration 0014), read in ONE query driven by the
partial index `users_matchable`; each one's facts (the latest application's county, competence
areas and declared availability; the development plan's areas; this month's confirmed hours; open
assignments and their expected hours) are indexed lookups in the same query. `rank` is a plain
function: the score and the reasons a coordinator sees come from the same rule.

The rule (points, highest first; ties: less load first, then the earlier member):
- each competence area the request needs that the application names: +3; in the plan only: +1;
- the request's county: +3; a neighbouring county: +2; an online request: +2 for everyone;
  elsewhere on site: 0 (shown as far);
- declared availability (hours a month, from the organisation file) minus this month's load
  (confirmed hours plus the expected hours of open assignments): enough for the request +2,
  some +1, none −2; availability not declared: 0;
- each open assignment: −1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database, to_db_time


class Reason(StrEnum):
    COMPETENCE = "competence"  # detail: the areas matched in the application
    PLAN = "plan"  # detail: the areas matched in the development plan only
    SAME_COUNTY = "same_county"
    NEIGHBOUR = "neighbour"
    ONLINE = "online"
    FAR = "far"
    HAS_TIME = "has_time"  # detail: the free hours
    SOME_TIME = "some_time"
    NO_TIME = "no_time"
    NO_AVAILABILITY = "no_availability"
    LOAD = "load"  # detail: the open assignments


@dataclass(frozen=True)
class Need:
    """What a request asks for, as the rule reads it."""

    competences: frozenset[str]
    county: str | None
    online: bool
    neighbours: frozenset[str]
    hours: float


@dataclass(frozen=True)
class Candidate:
    telegram_id: int
    county: str | None
    competences: frozenset[str]
    plan_areas: frozenset[str]
    availability: str | None  # the chosen option's id
    month_hours: float  # confirmed this month
    open_assignments: int
    assigned_hours: float  # the expected hours of the open assignments


@dataclass(frozen=True)
class Fit:
    candidate: Candidate
    score: int
    reasons: tuple[tuple[Reason, str], ...]
    load: float


def fit(need: Need, who: Candidate, availability_hours: Mapping[str, float]) -> Fit:
    score, reasons = 0, []
    matched = need.competences & who.competences
    planned = (need.competences & who.plan_areas) - matched
    if matched:
        score += 3 * len(matched)
        reasons.append((Reason.COMPETENCE, ",".join(sorted(matched))))
    if planned:
        score += len(planned)
        reasons.append((Reason.PLAN, ",".join(sorted(planned))))
    if need.online:
        score += 2
        reasons.append((Reason.ONLINE, ""))
    elif need.county is not None and who.county == need.county:
        score += 3
        reasons.append((Reason.SAME_COUNTY, ""))
    elif who.county is not None and who.county in need.neighbours:
        score += 2
        reasons.append((Reason.NEIGHBOUR, ""))
    else:
        reasons.append((Reason.FAR, ""))
    load = who.month_hours + who.assigned_hours
    declared = availability_hours.get(who.availability) if who.availability else None
    if declared is None:
        reasons.append((Reason.NO_AVAILABILITY, ""))
    else:
        free = declared - load
        if free >= need.hours:
            score += 2
            reasons.append((Reason.HAS_TIME, f"{free:g}"))
        elif free > 0:
            score += 1
            reasons.append((Reason.SOME_TIME, f"{free:g}"))
        else:
            score -= 2
            reasons.append((Reason.NO_TIME, "0"))
    if who.open_assignments:
        score -= who.open_assignments
        reasons.append((Reason.LOAD, str(who.open_assignments)))
    return Fit(who, score, tuple(reasons), load)


def rank(need: Need, candidates: list[Candidate], availability_hours: Mapping[str, float]) -> list[Fit]:
    """The candidates, best fit first (ties: less load, then the earlier id)."""
    fits = [fit(need, c, availability_hours) for c in candidates]
    return sorted(fits, key=lambda f: (-f.score, f.load, f.candidate.telegram_id))


@dataclass(frozen=True)
class ChoiceFields:
    """Which application questions hold the county, the competence areas and the availability."""

    county: tuple[str, ...]
    competences: tuple[str, ...]
    availability: str | None


_CANDIDATES = """
SELECT u.telegram_id,
  (SELECT group_concat(c.field_id || char(31) || c.value, char(30)) FROM answer_choices c
    WHERE c.application_id = u.latest_application_id) AS choices,
  (SELECT p.areas FROM development_plans p WHERE p.telegram_id = u.telegram_id) AS plan_areas,
  (SELECT COALESCE(SUM(h.hours), 0.0) FROM hours_entries h WHERE h.telegram_id = u.telegram_id
    AND h.worked_at >= ? AND h.worked_at < ? AND h.status = 'confirmed') AS month_hours,
  (SELECT COUNT(*) FROM assignments a WHERE a.telegram_id = u.telegram_id AND a.state = 'active') AS open_count,
  (SELECT COALESCE(SUM(r.hours), 0.0) FROM assignments a JOIN support_requests r ON r.id = a.request_id
    WHERE a.telegram_id = u.telegram_id AND a.state = 'active') AS open_hours
FROM users u INDEXED BY users_matchable
WHERE u.expert = 1 AND u.under_agreement = 1
"""


def _candidate(row, fields: ChoiceFields) -> Candidate:
    """A row of _CANDIDATES (read by position: thousands of them wait on one press)."""
    telegram_id, choices, plan_areas, month_hours, open_count, open_hours = row
    county, competences, availability = None, set(), None
    for pair in choices.split("\x1e") if choices else ():
        field_id, _, value = pair.partition("\x1f")
        if field_id in fields.county:
            county = value
        elif field_id in fields.competences:
            competences.add(value)
        elif field_id == fields.availability:
            availability = value
    plan = frozenset(json.loads(plan_areas)) if plan_areas and plan_areas != "[]" else frozenset()
    return Candidate(
        telegram_id, county, frozenset(competences), plan, availability, month_hours, open_count, open_hours
    )


async def candidates(db: Database, fields: ChoiceFields, month_start: datetime, month_end: datetime) -> list[Candidate]:
    """Every person who may be invited, with their facts: one query (see the module's docstring)."""
    rows = await db.fetch_all(_CANDIDATES, (to_db_time(month_start), to_db_time(month_end)))
    return [_candidate(r, fields) for r in rows]


async def candidate(
    db: Database, fields: ChoiceFields, telegram_id: int, month_start: datetime, month_end: datetime
) -> Candidate | None:
    """One person's facts, when they may be matched now (an expert browsing, an invitation checked)."""
    rows = await db.fetch_all(
        _CANDIDATES + " AND u.telegram_id = ?", (to_db_time(month_start), to_db_time(month_end), telegram_id)
    )
    return _candidate(rows[0], fields) if rows else None
