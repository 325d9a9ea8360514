"""The panel's applications table: sent applications filtered (status, county, competence areas,
dates sent), searched (name, e-mail, phone) and paged by key (storage/paging.py) in the order
sent, oldest or newest first (a search: in the order of the applications' numbers).

Every page is an index lookup at 100 000 people: the status and the order from
applications_by_status / applications_by_submission, a county or a competence area from
answer_choices (migration 0014), a search from the trigram index of migration 0022, which
`index_search_fields` fills from the organisation file's name, e-mail and phone questions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage.application_model import Status
from storage.db import Database, from_db_time, to_db_time
from storage.paging import Section, keyed_page

log = logging.getLogger(__name__)

SEARCH_MINIMUM = 3  # the trigram index finds parts of 3 characters or more
FILL_BATCH = 1000
_PHONE_LIKE = re.compile(r"^[\d\s+()./-]+$")


@dataclass(frozen=True)
class Filters:
    status: Status | None = None  # None: every sent application
    county: str | None = None
    competences: tuple[str, ...] = ()  # any of them
    sent_from: datetime | None = None
    sent_until: datetime | None = None  # exclusive
    search: str = ""
    newest_first: bool = False
    consent: str | None = None  # a consents.kind ('optional:<id>') the person has granted now


@dataclass(frozen=True)
class Row:
    id: int
    telegram_id: int
    status: Status
    submitted_at: datetime
    answers: dict = field(default_factory=dict)  # the listed fields' answers


@dataclass(frozen=True)
class TablePage:
    rows: list[Row]
    earlier: bool
    later: bool


def search_expression(text: str) -> tuple[str, str] | None:
    """(column filter, FTS5 phrase) for what was typed, or None when it is too short to look up.
    Digits look in the phone numbers, an @ in the e-mails, anything else everywhere."""
    text = " ".join(text.split())
    if _PHONE_LIKE.match(text) and sum(c.isdigit() for c in text) >= SEARCH_MINIMUM:
        digits = "".join(c for c in text if c.isdigit())
        return "phone", '"' + digits + '"'
    if len(text) < SEARCH_MINIMUM:
        return None
    phrase = '"' + text.replace('"', '""') + '"'
    return ("email" if "@" in text else ""), phrase


class ApplicationTable:
    def __init__(self, db: Database, county_fields: tuple[str, ...], competence_fields: tuple[str, ...]):
        self._db = db
        self._county = county_fields
        self._competences = competence_fields

    def _conditions(self, filters: Filters) -> tuple[list[str], list]:
        where = ["a.submitted_at IS NOT NULL", "a.status != 'draft'"]
        params: list = []
        if filters.status is not None:
            where.append("a.status = ?")
            params.append(filters.status)
        if filters.county and self._county:
            marks = ",".join("?" * len(self._county))
            where.append(
                f"a.id IN (SELECT application_id FROM answer_choices WHERE field_id IN ({marks}) AND value = ?)"
            )
            params += [*self._county, filters.county]
        if filters.competences and self._competences:
            fields = ",".join("?" * len(self._competences))
            values = ",".join("?" * len(filters.competences))
            where.append(
                f"a.id IN (SELECT application_id FROM answer_choices WHERE field_id IN ({fields}) "
                f"AND value IN ({values}))"
            )
            params += [*self._competences, *filters.competences]
        if filters.consent is not None:
            # The person's latest answer to that consent (consents_by_user: one index lookup).
            where.append(
                "(SELECT c.granted FROM consents c WHERE c.telegram_id = a.telegram_id AND c.kind = ? "
                "ORDER BY c.id DESC LIMIT 1) = 1"
            )
            params.append(filters.consent)
        if filters.sent_from is not None:
            where.append("a.submitted_at >= ?")
            params.append(to_db_time(filters.sent_from))
        if filters.sent_until is not None:
            where.append("a.submitted_at < ?")
            params.append(to_db_time(filters.sent_until))
        return where, params

    async def page(
        self,
        filters: Filters,
        size: int,
        fields: Iterable[str],
        *,
        after: int | None = None,
        before: int | None = None,
        last: bool = False,
    ) -> TablePage:
        """The page after application `after` (before `before`), the last page with `last`, else
        the first. A row to continue from that is gone or forged gives the first page."""
        where, params = self._conditions(filters)
        up = not filters.newest_first
        found = search_expression(filters.search) if filters.search else None
        anchor = after if after is not None else before
        start = None
        if found is not None:
            # A search is read from the trigram index in its own order, the application's number,
            # which it gives lazily: a part that matches everyone still stops after one page.
            column, phrase = found
            where.append("application_search MATCH ?")
            params.append(f"{column} : {phrase}" if column else phrase)
            section = Section(" AND ".join(where), tuple(params), (("s.rowid", up),))
            select = (
                "SELECT a.id, a.telegram_id, a.status, a.submitted_at "
                "FROM application_search s JOIN applications a ON a.id = s.rowid"
            )
            start = (0, (anchor,)) if anchor is not None else None
        else:
            section = Section(" AND ".join(where), tuple(params), (("a.submitted_at", up), ("a.id", up)))
            select = "SELECT a.id, a.telegram_id, a.status, a.submitted_at FROM applications a"
            if anchor is not None:
                row = await self._db.fetch_one(
                    "SELECT submitted_at FROM applications WHERE id = ? AND submitted_at IS NOT NULL", (anchor,)
                )
                start = (0, (row[0], anchor)) if row else None
        backward = (before is not None and start is not None) or (last and start is None)
        fetched = await keyed_page(self._fetch, select, [section], size + 1, start=start, backward=backward)
        if backward:
            rows, earlier, later = fetched[-size:], len(fetched) > size, start is not None
        else:
            rows, earlier, later = fetched[:size], start is not None, len(fetched) > size
        return TablePage(await self._with_answers(rows, tuple(fields)), earlier, later)

    async def _fetch(self, sql: str, params) -> list:
        return await self._db.fetch_all(sql, params)

    async def _with_answers(self, rows: list, fields: tuple[str, ...]) -> list[Row]:
        if not rows:
            return []
        answers: dict[int, dict] = {r["id"]: {} for r in rows}
        if fields:
            ids, wanted = ",".join("?" * len(rows)), ",".join("?" * len(fields))
            found = await self._db.fetch_all(
                "SELECT application_id, field_id, value FROM application_answers "
                f"WHERE application_id IN ({ids}) AND field_id IN ({wanted})",
                (*answers, *fields),
            )
            for r in found:
                answers[r[0]][r[1]] = None if r[2] is None else json.loads(r[2])
        return [
            Row(r["id"], r["telegram_id"], Status(r["status"]), from_db_time(r["submitted_at"]), answers[r["id"]])
            for r in rows
        ]


async def index_search_fields(db: Database, wanted: dict[str, str]) -> bool:
    """Make the search index cover these questions ({field id: 'name' | 'email' | 'phone'}): when
    they are not the ones indexed, the index is emptied and a fill is due (`fill_search_index`).
    Nothing happens when they are (the usual start). True when a fill is due."""
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT field_id, kind FROM search_fields")
        known = {r[0]: r[1] for r in await cursor.fetchall()}
        if known != wanted:
            await conn.execute("DELETE FROM search_fields")
            await conn.executemany("INSERT INTO search_fields (field_id, kind) VALUES (?, ?)", list(wanted.items()))
            await conn.execute("DELETE FROM application_search")
            await conn.execute(
                "INSERT INTO application_search_fill (id, next_id) VALUES (1, 0) "
                "ON CONFLICT (id) DO UPDATE SET next_id = excluded.next_id"
            )
            log.info("the panel's search index now covers %s; filling it", sorted(wanted))
        cursor = await conn.execute("SELECT 1 FROM application_search_fill")
        return await cursor.fetchone() is not None


async def fill_search_index(db: Database, batch: int = FILL_BATCH) -> int:
    """Index the answers already given, `batch` applications per short transaction with the event
    loop free between them (100 000 people: ~6 s in all, ~0.1 s at a time); new answers are indexed
    by the triggers meanwhile. Goes on where a stopped fill left off. Returns the batches done."""
    done = 0
    while True:
        async with db.transaction() as conn:
            cursor = await conn.execute("SELECT next_id FROM application_search_fill")
            row = await cursor.fetchone()
            if row is None:
                return done
            low = row[0]
            high = low + batch - 1
            await conn.execute("DELETE FROM application_search WHERE rowid BETWEEN ? AND ?", (low, high))
            await conn.execute(
                "INSERT INTO application_search (rowid, name, email, phone) "
                "SELECT application_id, name, email, phone FROM application_search_values "
                "WHERE application_id BETWEEN ? AND ? "
                "AND (name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL)",
                (low, high),
            )
            cursor = await conn.execute("SELECT 1 FROM applications WHERE id > ? LIMIT 1", (high,))
            if await cursor.fetchone() is None:
                await conn.execute("DELETE FROM application_search_fill")
                log.info("the panel's search index is complete")
            else:
                await conn.execute("UPDATE application_search_fill SET next_id = ?", (high + 1,))
        done += 1
        await asyncio.sleep(0)
