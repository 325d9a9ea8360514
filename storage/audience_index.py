"""Which form questions have their chosen values indexed (`answer_choices`), and a check that
the people facts the triggers of migration 0014 keep on `users` match what they are made of.

The organisation file says which questions are choices; the database keeps the list
(`choice_fields`) because its triggers read it for every answer written. At each start the bot
sets the list again: a question new to it gets its rows filled from the answers already given,
one that is gone loses them. Nothing is done when the list is the same (the usual start).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from storage.db import Database

log = logging.getLogger(__name__)

_CHOSEN_VALUES = (
    "FROM application_answers aa, json_each(CASE WHEN json_valid(aa.value) THEN aa.value END) je "
    "WHERE je.type = 'text' AND (je.key IS NULL OR typeof(je.key) = 'integer')"
)
# JSON is each engine's own and does not translate: on PostgreSQL the same rule is the function
# answer_chosen_values of migration 0014 (the one its triggers use).
_CHOSEN_VALUES_POSTGRES = "FROM application_answers aa, answer_chosen_values(aa.value) AS je(value) WHERE 1 = 1"


def _chosen_values(db: Database) -> str:
    return _CHOSEN_VALUES_POSTGRES if db.engine == "postgresql" else _CHOSEN_VALUES


async def index_choice_fields(db: Database, field_ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """Index the answers of these questions (and no others); return (added, removed)."""
    wanted = set(field_ids)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT field_id FROM choice_fields")
        known = {r[0] for r in await cursor.fetchall()}
        added, removed = wanted - known, known - wanted
        for field_id in sorted(removed):
            await conn.execute("DELETE FROM choice_fields WHERE field_id = ?", (field_id,))
            await conn.execute("DELETE FROM answer_choices WHERE field_id = ?", (field_id,))
        for field_id in sorted(added):
            await conn.execute("INSERT INTO choice_fields (field_id) VALUES (?)", (field_id,))
            await conn.execute(
                "INSERT OR IGNORE INTO answer_choices (application_id, field_id, value) "
                f"SELECT aa.application_id, aa.field_id, je.value {_chosen_values(db)} AND aa.field_id = ?",
                (field_id,),
            )
    if added or removed:
        log.info("choice questions indexed for audiences: +%s -%s", sorted(added), sorted(removed))
    return added, removed


_FACTS = """
    SELECT telegram_id FROM (
        SELECT u.telegram_id, u.expert, u.awaiting, u.under_agreement, u.latest_application_id,
            CASE WHEN EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = u.telegram_id
                              AND a.status = 'accepted') THEN 1 ELSE 0 END AS expert_now,
            CASE WHEN EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = u.telegram_id
                              AND a.status IN ('submitted', 'needs_info')) THEN 1 ELSE 0 END AS awaiting_now,
            CASE WHEN EXISTS (SELECT 1 FROM agreements g WHERE g.telegram_id = u.telegram_id
                              AND g.state = 'active') THEN 1 ELSE 0 END AS agreement_now,
            (SELECT MAX(a.id) FROM applications a WHERE a.telegram_id = u.telegram_id AND a.status != 'draft')
                AS latest_now
        FROM users u
    ) AS facts
    WHERE expert != expert_now OR awaiting != awaiting_now OR under_agreement != agreement_now
       OR latest_application_id IS NOT latest_now
    ORDER BY telegram_id
"""


async def drift(db: Database) -> list[int]:
    """People whose kept facts or indexed choices differ from their applications, agreements
    and answers (always empty unless something bypassed the triggers). Scans everyone."""
    people = [r[0] for r in await db.fetch_all_off_the_loop(_FACTS)]
    derived = (
        f"SELECT aa.application_id, aa.field_id, je.value {_chosen_values(db)} "
        "AND aa.field_id IN (SELECT field_id FROM choice_fields)"
    )
    kept = "SELECT application_id, field_id, value FROM answer_choices"
    differing = set()
    for missing in (f"{derived} EXCEPT {kept}", f"{kept} EXCEPT {derived}"):
        rows = await db.fetch_all_off_the_loop(
            f"SELECT a.telegram_id FROM ({missing}) d JOIN applications a ON a.id = d.application_id"
        )
        differing |= {r[0] for r in rows}
    return sorted(set(people) | differing)
