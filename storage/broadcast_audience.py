"""Who receives an announcement: the groups a coordinator ticks (joined), narrowed down by
counties and competence areas from the volunteer's latest application, as one SQL query.

Nobody is chosen until the coordinator chooses; "everyone who wrote to the bot" is a group of its
own. Audiences stored before that rule (without "v") meant everyone when nothing was ticked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Group(StrEnum):
    EVERYONE = "everyone"  # everyone who wrote to the bot
    EXPERTS = "experts"  # accepted applications
    AWAITING = "awaiting"  # applications waiting for a decision (submitted or needs_info)
    AGREEMENT = "agreement"  # an active volunteer agreement


@dataclass(frozen=True)
class Audience:
    """Groups (and registrants of events) are joined: anyone in any of them. Counties and
    competence areas narrow that down: only people whose application names one of them.
    No group at all means nobody: the coordinator chooses (everyone is a group of its own)."""

    groups: frozenset[Group] = frozenset()
    events: frozenset[int] = frozenset()
    counties: frozenset[str] = frozenset()
    competences: frozenset[str] = frozenset()

    @property
    def everyone(self) -> bool:
        return Group.EVERYONE in self.groups

    @property
    def chosen(self) -> bool:
        return bool(self.groups or self.events)

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": 2,  # an empty choice is nobody (see from_json)
                "groups": sorted(self.groups),
                "events": sorted(self.events),
                "counties": sorted(self.counties),
                "competences": sorted(self.competences),
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> Audience:
        data = json.loads(text or "{}")
        groups = frozenset(Group(g) for g in data.get("groups", []))
        events = frozenset(int(e) for e in data.get("events", []))
        if "v" not in data and not (groups or events):
            groups = frozenset({Group.EVERYONE})  # written when no choice meant everyone
        return cls(
            groups=groups,
            events=events,
            counties=frozenset(data.get("counties", [])),
            competences=frozenset(data.get("competences", [])),
        )

    def toggle_group(self, group: Group) -> Audience:
        if group == Group.EVERYONE:
            # "Everyone" replaces the groups; counties and competences still narrow it down.
            return Audience(frozenset({Group.EVERYONE}), frozenset(), self.counties, self.competences)
        groups = (self.groups - {Group.EVERYONE}) ^ {group}
        return Audience(frozenset(groups), self.events, self.counties, self.competences)

    def toggle_event(self, event_id: int) -> Audience:
        return Audience(self.groups - {Group.EVERYONE}, self.events ^ {event_id}, self.counties, self.competences)

    def toggle_county(self, county: str) -> Audience:
        return Audience(self.groups, self.events, self.counties ^ {county}, self.competences)

    def toggle_competence(self, area: str) -> Audience:
        return Audience(self.groups, self.events, self.counties, self.competences ^ {area})


@dataclass(frozen=True)
class AnswerFields:
    """Which form fields hold the county and the competence areas (from the organisation file)."""

    counties: tuple[str, ...] = ()
    competences: tuple[str, ...] = ()


@dataclass
class _Sql:
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)


def _marks(values: Iterable[object]) -> str:
    return ",".join("?" for _ in values)


def audience_where(audience: Audience, fields: AnswerFields) -> tuple[str, list[object]]:
    """The condition on `users u` of everyone in the audience who can be reached. Every part is
    a column of `users` kept by the triggers of migration 0014 or an indexed lookup: no person
    is looked at one by one and no JSON is parsed."""
    sql = _Sql(["u.unreachable_at IS NULL"])
    if not audience.chosen:
        sql.where.append("0")
    elif not audience.everyone:
        anyof = [column for group, column in _GROUP_COLUMNS.items() if group in audience.groups]
        if audience.events:
            events = sorted(audience.events)
            anyof.append(
                "u.telegram_id IN (SELECT r.telegram_id FROM event_registrations r "
                f"WHERE r.status = 'registered' AND r.event_id IN ({_marks(events)}))"
            )
            sql.params += events
        sql.where.append("(" + " OR ".join(anyof) + ")")
    for wanted, field_ids in ((audience.counties, fields.counties), (audience.competences, fields.competences)):
        if not wanted:
            continue
        if not field_ids:
            sql.where.append("0")  # the form asks no such question: nobody can match
            continue
        # The latest application sent names one of them (an "other" answer never matches).
        sql.where.append(
            "u.latest_application_id IN (SELECT c.application_id FROM answer_choices c "
            f"WHERE c.field_id IN ({_marks(field_ids)}) AND c.value IN ({_marks(wanted)}))"
        )
        sql.params += [*field_ids, *sorted(wanted)]
    return " AND ".join(sql.where), sql.params


_GROUP_COLUMNS = {
    Group.EXPERTS: "u.expert = 1",
    Group.AWAITING: "u.awaiting = 1",
    Group.AGREEMENT: "u.under_agreement = 1",
}


def audience_sql(audience: Audience, fields: AnswerFields) -> tuple[str, list[object]]:
    """SELECT telegram_id of everyone in the audience who can be reached."""
    where, params = audience_where(audience, fields)
    return f"SELECT u.telegram_id FROM users u WHERE {where} ORDER BY u.telegram_id", params
