"""Who is told about a new event: one pass over `users` whose every test is a column kept by the
triggers of migration 0014 or a primary-key lookup (no scans inside, no JSON parsed per person).
The event's county is matched with EXISTS on the person's own rows: an IN list keyed by the
event's county is rebuilt for every person (20 s at 100 000 people)."""

from __future__ import annotations

from typing import Any

from storage.preferences import Category

_COORDINATOR = "u.telegram_id IN (SELECT c.telegram_id FROM coordinators c)"


def new_event_recipients(event_id: int, category: Category, county_fields: tuple[str, ...]) -> tuple[str, list[Any]]:
    """FROM … WHERE of the people `u` to tell about the new event `e`:
    reachable, not its author, allowed to join it, with its category on, and wanting events from
    its county: everywhere, the counties they chose, or (not chosen) accepted team members whose
    latest application names that county; an event for the whole region (no county) counts everywhere."""
    if county_fields:
        marks = ", ".join("?" for _ in county_fields)
        own_county = (
            "EXISTS (SELECT 1 FROM answer_choices c WHERE c.application_id = u.latest_application_id "
            f"AND c.field_id IN ({marks}) AND c.value = e.county)"
        )
    else:
        own_county = "0"
    sql = (
        "FROM events e JOIN users u LEFT JOIN notification_preferences p ON p.telegram_id = u.telegram_id "
        "WHERE e.id = ? AND u.unreachable_at IS NULL AND u.telegram_id != e.created_by "
        f"AND COALESCE(p.{Category(category).value}, 1) = 1 "
        "AND (e.audience = 'everyone' "
        f"  OR (e.audience = 'experts' AND (u.expert = 1 OR {_COORDINATOR})) "
        f"  OR (e.audience = 'coordinators' AND {_COORDINATOR})) "
        "AND (p.new_events = 'all' "
        "  OR (p.new_events = 'counties' AND (e.county IS NULL OR EXISTS "
        "      (SELECT 1 FROM new_event_counties n WHERE n.telegram_id = u.telegram_id AND n.county = e.county))) "
        f"  OR (p.new_events IS NULL AND u.expert = 1 AND (e.county IS NULL OR {own_county})))"
    )
    return sql, [event_id, *county_fields]
