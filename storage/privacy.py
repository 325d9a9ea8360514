"""A person's data as a whole: everything stored about them (for "Moje dane" and the JSON
export), erasing it on request or after the retention periods, and what must be kept by law.

The tables are discovered from the schema rather than listed by hand: every table with a
`telegram_id` column holds rows about a person, and tables pointing at those rows by a foreign
key hold more. So a feature that adds a table is exported and erased without touching this file;
a table whose rows must outlive a deletion is named in KEPT_BY_LAW. Columns whose schema comment
says "-- JSON" are exported as the JSON values they hold.

Agreements kept after a deletion stay under the same Telegram id (ended, marked `owner_deleted_at`):
whoever starts again with that id is a new person, to whom FORMER rows are neither shown nor exported.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import date, datetime
from typing import Any

from storage import schema_info
from storage.agreements import end_for_deleted_account
from storage.db import Database, to_db_time, utcnow

# Tables the bot itself uses for bookkeeping, not data about the person as such.
_INTERNAL = {"schema_migrations", "audit_log", "coordinator_invites"}
# table -> SQL condition on that table's rows that must be kept after a deletion (legal duty):
# agreements accepted or signed (evidence of the agreement), with the signed copies.
_BINDING = "state IN ('accepted', 'signed', 'active', 'ended', 'expired')"
_OF_BINDING = f"agreement_id IN (SELECT id FROM agreements WHERE {_BINDING})"
KEPT_BY_LAW: dict[str, str] = {
    "agreements": _BINDING,
    "agreement_files": _OF_BINDING,
    "agreement_acceptances": _OF_BINDING,  # who accepted what, when: the evidence itself
    "documents": f"kind = 'agreement' AND {_OF_BINDING}",  # its verification codes still answer
}
# table -> SQL condition on rows kept from an account deleted earlier (not the current person's).
_OF_FORMER = "agreement_id IN (SELECT id FROM agreements WHERE owner_deleted_at IS NOT NULL)"
FORMER: dict[str, str] = {
    "agreements": "owner_deleted_at IS NOT NULL",
    "agreement_files": _OF_FORMER,
    "agreement_acceptances": _OF_FORMER,
    "documents": _OF_FORMER,
}


async def _person_tables(conn) -> list[str]:
    found = []
    for table in await schema_info.table_names(conn):
        if table not in _INTERNAL and "telegram_id" in await schema_info.column_names(conn, table):
            found.append(table)
    return found


async def _children(conn, parents: list[str]) -> list[tuple[str, str, str, str]]:
    """(child table, its column, parent table, parent column) for foreign keys into person tables."""
    links = []
    for table in await schema_info.table_names(conn):
        if table in parents or table in _INTERNAL:
            continue
        for column, parent, parent_column in await schema_info.foreign_keys(conn, table):
            if parent in parents and parent_column != "telegram_id":
                links.append((table, column, parent, parent_column or "id"))
    return links


async def _json_columns(conn, table: str) -> set[str]:
    return await schema_info.json_columns(conn, table)


def _row(row, json_columns: set[str]) -> dict[str, Any]:
    values = dict(row)
    for key, value in values.items():
        if isinstance(value, bytes):  # files (e.g. signed documents) are named, not embedded
            values[key] = f"<{len(value)} bytes>"
        elif isinstance(value, str) and (key in json_columns or value[:1] in "[{"):
            # Declared JSON columns, and JSON objects or lists kept in text columns (a history note).
            with contextlib.suppress(ValueError):
                values[key] = json.loads(value)
    return values


def _not_former(table: str) -> str:
    return f" AND NOT ({FORMER[table]})" if table in FORMER else ""


async def personal_data(db: Database, telegram_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Everything stored about one person, table by table, with the rows that depend on them."""
    async with db.transaction() as conn:
        tables = await _person_tables(conn)
        data: dict[str, Any] = {}
        for table in tables:
            query = f"SELECT * FROM {table} WHERE telegram_id = ?" + _not_former(table)
            async with conn.execute(query, (telegram_id,)) as cur:
                rows = [_row(r, await _json_columns(conn, table)) for r in await cur.fetchall()]
            if rows:
                data[table] = rows
        for child, column, parent, parent_column in await _children(conn, tables):
            ids = [r[parent_column] for r in data.get(parent, []) if parent_column in r]
            if not ids:
                continue
            marks = ", ".join("?" for _ in ids)
            async with conn.execute(f"SELECT * FROM {child} WHERE {column} IN ({marks})", ids) as cur:
                rows = [_row(r, await _json_columns(conn, child)) for r in await cur.fetchall()]
            if rows:
                data[child] = rows
    return {
        "exported_at": to_db_time(now or utcnow()),
        "telegram_id": telegram_id,
        "data": data,
    }


async def erase(
    db: Database, telegram_id: int, now: datetime | None = None, today: date | None = None
) -> dict[str, int]:
    """Erase a person: every row about them, except what KEPT_BY_LAW keeps; their profile is then
    deleted, or reduced to the bare id when kept rows still point at it. Returns rows erased per
    table (for the log: counts only). The person's flow (`flow_state`, keyed by telegram_id) goes
    with the other tables, also when the profile itself is kept. In the same transaction, the
    agreements they accepted end (`today`: the organisation's date) and all kept ones become FORMER."""
    erased: dict[str, int] = {}
    now = now or utcnow()
    async with db.transaction() as conn:
        await end_for_deleted_account(conn, telegram_id, now, today or now.date())
        tables = await _person_tables(conn)
        kept = 0
        for table in tables:
            if table == "users":
                continue
            condition = "telegram_id = ?"
            if table in KEPT_BY_LAW:
                condition += f" AND NOT ({KEPT_BY_LAW[table]})"
                async with conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE telegram_id = ? AND ({KEPT_BY_LAW[table]})", (telegram_id,)
                ) as cur:
                    kept += (await cur.fetchone())[0]
            cursor = await conn.execute(f"DELETE FROM {table} WHERE {condition}", (telegram_id,))
            if cursor.rowcount:
                erased[table] = cursor.rowcount
        if kept:
            # Created now: whoever starts again with the id is a new account (older buttons are stale).
            # Unreachable: no announcement to "everyone" reaches a deleted account, until they write again.
            await conn.execute(
                "UPDATE users SET first_name = '', last_name = NULL, username = NULL, telegram_locale = NULL, "
                "chosen_locale = NULL, created_at = ?, unreachable_at = ? WHERE telegram_id = ?",
                (to_db_time(now), to_db_time(now), telegram_id),
            )
        else:
            cursor = await conn.execute("DELETE FROM users WHERE telegram_id = ?", (telegram_id,))
            erased["users"] = cursor.rowcount
    return erased


async def kept_by_law(db: Database, telegram_id: int) -> dict[str, int]:
    """How many of the person's rows (not FORMER ones) of each kept table would survive a deletion now."""
    counts = {}
    for table, condition in KEPT_BY_LAW.items():
        row = await db.fetch_one(
            f"SELECT COUNT(*) FROM {table} WHERE telegram_id = ? AND ({condition})" + _not_former(table),
            (telegram_id,),
        )
        if row and row[0]:
            counts[table] = int(row[0])
    return counts


async def stale_people(db: Database, last_seen_before: datetime) -> list[int]:
    """People who have not written since then and never joined the team (no accepted application)
    and hold nothing kept by law (rows of a FORMER account under the same id do not count; a profile
    already reduced to the bare id is not listed again): their data has no purpose any more."""
    kept = " ".join(
        f"AND NOT EXISTS (SELECT 1 FROM {table} k WHERE k.telegram_id = u.telegram_id AND ({condition})"
        f"{_not_former(table)})"
        for table, condition in KEPT_BY_LAW.items()
    )
    rows = await db.fetch_all_off_the_loop(  # a scan of everyone: seconds at 100 000 people
        "SELECT u.telegram_id FROM users u WHERE u.last_seen_at < ? "
        "AND NOT (u.first_name = '' AND u.last_name IS NULL AND u.username IS NULL) "
        "AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.telegram_id = u.telegram_id "
        "AND a.status IN ('submitted', 'needs_info', 'accepted')) "
        "AND NOT EXISTS (SELECT 1 FROM coordinators c WHERE c.telegram_id = u.telegram_id) " + kept,
        (to_db_time(last_seen_before),),
    )
    return [r[0] for r in rows]


# Rows deleted per transaction, with what cascades from them (answers, history): the database
# (and, statements running on the event loop's thread, the bot) is never held for long (500 took
# 200 ms at 100 000 people), and a restart half-way simply goes on next time.
PURGE_BATCH = 200


async def purge_old(
    db: Database,
    now: datetime,
    *,
    draft_days: int,
    closed_days: int,
    agreement_years: int,
    partner_days: tuple[int, int, int] | None = None,
) -> dict:
    """The retention periods: untouched drafts, closed applications, agreements past their keeping
    period (and the bare profiles left only for them); with `partner_days` (days after the decision:
    rejected organisations, declined or withdrawn requests for support, done ones) stage two's too.
    Returns counts per kind."""
    from datetime import timedelta

    partners = {}
    if partner_days is not None:
        rejected, closed, done = (to_db_time(now - timedelta(days=days)) for days in partner_days)
        partners = {
            # Its contacts, history and links go with it (it never had requests: only verified ones ask).
            "rejected_organisations": await _purge(
                db, "organisations", "id", "status = 'rejected' AND COALESCE(decided_at, updated_at) < ?", rejected
            ),
            "closed_requests": await _purge_requests(db, "status IN ('declined', 'withdrawn')", closed),
            "done_requests": await _purge_requests(db, "status = 'done'", done),
        }
    return partners | {
        "drafts": await _purge(
            db,
            "applications",
            "id",
            "status = 'draft' AND updated_at < ?",
            to_db_time(now - timedelta(days=draft_days)),
        ),
        "closed_applications": await _purge(
            db,
            "applications",
            "id",
            "status IN ('rejected', 'withdrawn') AND COALESCE(decided_at, updated_at) < ?",
            to_db_time(now - timedelta(days=closed_days)),
        ),
        "agreements": await _purge(
            db,
            "agreements",
            "id",
            "state IN ('ended', 'expired') AND end_date < ?",
            (now - timedelta(days=365 * agreement_years)).date().isoformat(),
        ),
        # Profiles reduced to an id when their owner deleted the account, kept only for agreements.
        "profiles": await _purge(
            db,
            "users",
            "telegram_id",
            "first_name = '' AND username IS NULL AND last_seen_at < ? "
            "AND NOT EXISTS (SELECT 1 FROM agreements a WHERE a.telegram_id = users.telegram_id)",
            to_db_time(now - timedelta(days=1)),
        ),
    }


async def _purge(db: Database, table: str, key: str, where: str, *params) -> int:
    """DELETE in batches of PURGE_BATCH rows, a transaction each, letting other work run between."""
    deleted = 0
    while True:
        async with db.transaction() as conn:
            cursor = await conn.execute(
                f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {where} LIMIT ?)",
                (*params, PURGE_BATCH),
            )
        deleted += cursor.rowcount
        if cursor.rowcount < PURGE_BATCH:
            return deleted
        await asyncio.sleep(0)


async def _purge_requests(db: Database, where: str, before: str) -> int:
    """Requests for support last changed (declined, withdrawn, closed) before `before`, in batches as
    `_purge`, with what cascades from them (history, invitations, assignments, work logs, feedback).
    The hours their work logs confirmed stay in the experts' ledgers (erased only with the account):
    detached from the erased logs' ids (negated), which a work log logged later may be given again."""
    deleted = 0
    while True:
        async with db.transaction() as conn:
            query = f"SELECT id FROM support_requests WHERE {where} AND updated_at < ? LIMIT ?"
            async with conn.execute(query, (before, PURGE_BATCH)) as cur:
                ids = [r[0] for r in await cur.fetchall()]
            marks = ", ".join("?" for _ in ids)
            if ids:
                await conn.execute(
                    "UPDATE hours_entries SET source_id = -source_id WHERE source = 'support' AND source_id IN "
                    f"(SELECT id FROM work_logs WHERE request_id IN ({marks}))",
                    ids,
                )
                await conn.execute(f"DELETE FROM support_requests WHERE id IN ({marks})", ids)
        deleted += len(ids)
        if len(ids) < PURGE_BATCH:
            return deleted
        await asyncio.sleep(0)
