"""Volunteers imported from a spreadsheet (migration 0022): a batch written in one transaction once
the coordinator has confirmed the preview, each person with a personal one-time link, and the link
used: the Telegram account connected to the record and an accepted application made from it, in
one transaction (a link is used once; the person's account may hold no application in progress).
Only hashes of the links are kept: lost links are made again for those not yet connected."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.application_model import Action
from storage.db import Database, from_db_time, to_db_time
from storage.panel_sessions import digest, new_secret


@dataclass(frozen=True)
class ImportedPerson:
    id: int
    answers: dict[str, Any]
    telegram_id: int | None
    linked_at: datetime | None


@dataclass(frozen=True)
class Batch:
    id: int
    created_by: int
    created_at: datetime
    file_name: str
    people: int
    linked: int


class LinkRefused(Exception):
    """The link is unknown or used, or the account has an application in progress."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "unknown" | "in_progress"


class VolunteerImports:
    def __init__(self, db: Database):
        self._db = db

    async def known(self, emails: list[str], phones: list[str]) -> tuple[set[str], set[str]]:
        """Which of these e-mails (lower case) and phones (E.164) the bot has already: in a sent
        application's answers or an earlier import. Index lookups: the search index and ours."""
        found_emails: set[str] = set()
        found_phones: set[str] = set()
        for email in emails:
            rows = await self._db.fetch_all(
                "SELECT 1 FROM application_search WHERE application_search MATCH ? AND lower(email) = ? LIMIT 1",
                ('email : "' + email.replace('"', '""') + '"', email),
            )
            rows = rows or await self._db.fetch_all("SELECT 1 FROM imported_people WHERE email = ? LIMIT 1", (email,))
            if rows:
                found_emails.add(email)
        for phone in phones:
            digits = phone.lstrip("+")
            rows = await self._db.fetch_all(
                "SELECT 1 FROM application_search WHERE application_search MATCH ? AND phone = ? LIMIT 1",
                ('phone : "' + digits + '"', digits),
            )
            rows = rows or await self._db.fetch_all("SELECT 1 FROM imported_people WHERE phone = ? LIMIT 1", (phone,))
            if rows:
                found_phones.add(phone)
        return found_emails, found_phones

    async def create(
        self,
        created_by: int,
        file_name: str,
        people: list[dict[str, Any]],
        email_field: str,
        phone_field: str,
        now: datetime,
    ) -> tuple[int, list[tuple[dict[str, Any], str]]]:
        """The batch and its people in one transaction; (batch id, [(answers, link token)])."""
        stamp = to_db_time(now)
        tokens = []
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO import_batches (created_by, created_at, file_name, people) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (created_by, stamp, file_name, len(people)),
            )
            batch_id = (await cursor.fetchone())[0]
            for answers in people:
                token = new_secret()
                email = answers.get(email_field)
                await conn.execute(
                    "INSERT INTO imported_people (batch_id, token_hash, answers, email, phone) VALUES (?, ?, ?, ?, ?)",
                    (
                        batch_id,
                        digest(token),
                        json.dumps(answers, ensure_ascii=False),
                        email.lower() if isinstance(email, str) else None,
                        answers.get(phone_field),
                    ),
                )
                tokens.append((answers, token))
        return batch_id, tokens

    async def batches(self, limit: int = 20) -> list[Batch]:
        rows = await self._db.fetch_all(
            "SELECT b.id, b.created_by, b.created_at, b.file_name, b.people, "
            "(SELECT COUNT(*) FROM imported_people p WHERE p.batch_id = b.id AND p.telegram_id IS NOT NULL) "
            "FROM import_batches b ORDER BY b.id DESC LIMIT ?",
            (limit,),
        )
        return [Batch(r[0], r[1], from_db_time(r[2]), r[3], r[4], r[5]) for r in rows]

    async def new_links(self, batch_id: int, *, with_email: bool = False) -> list[tuple[dict[str, Any], str]]:
        """New links for the batch's people not yet connected (the earlier ones stop working); only
        those with an e-mail address, `with_email`."""
        found = []
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id, answers FROM imported_people WHERE batch_id = ? AND telegram_id IS NULL "
                f"{'AND email IS NOT NULL ' if with_email else ''}ORDER BY id",
                (batch_id,),
            )
            for row in await cursor.fetchall():
                token = new_secret()
                await conn.execute("UPDATE imported_people SET token_hash = ? WHERE id = ?", (digest(token), row[0]))
                found.append((json.loads(row[1]), token))
        return found

    async def usable(self, token: str) -> bool:
        """Whether a personal link can still connect an account (known and not used yet)."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM imported_people WHERE token_hash = ? AND telegram_id IS NULL", (digest(token),)
        )
        return row is not None

    async def link(self, token: str, telegram_id: int, now: datetime) -> int:
        """Connect the account to the record and make its accepted application; its id."""
        return await self.link_by_hash(digest(token), telegram_id, now)

    async def link_by_hash(self, token_hash: str, telegram_id: int, now: datetime) -> int:
        """As link(), from the token's hash (what a flow keeps while the person gives consents)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT p.id, p.answers, b.created_by FROM imported_people p "
                "JOIN import_batches b ON b.id = p.batch_id WHERE p.token_hash = ? AND p.telegram_id IS NULL",
                (token_hash,),
            )
            row = await cursor.fetchone()
            if row is None:
                raise LinkRefused("unknown")
            busy = await conn.execute(
                "SELECT 1 FROM applications WHERE telegram_id = ? AND status IN ('draft', 'submitted', 'needs_info')",
                (telegram_id,),
            )
            if await busy.fetchone() is not None:
                raise LinkRefused("in_progress")
            person_id, answers, importer = row[0], json.loads(row[1]), row[2]
            cursor = await conn.execute(
                "INSERT INTO applications (telegram_id, status, created_at, updated_at, submitted_at, decided_at, "
                "decided_by, alerted_at) VALUES (?, 'submitted', ?, ?, ?, NULL, NULL, ?) RETURNING id",
                (telegram_id, stamp, stamp, stamp, stamp),
            )
            application_id = (await cursor.fetchone())[0]
            for field_id, value in answers.items():
                await conn.execute(
                    "INSERT INTO application_answers (application_id, field_id, value, answered_at) "
                    "VALUES (?, ?, ?, ?)",
                    (application_id, field_id, json.dumps(value, ensure_ascii=False), stamp),
                )
            # Sent, then accepted by whoever imported it: the history and the people facts say so.
            await conn.execute(
                "UPDATE applications SET status = 'accepted', decided_at = ?, decided_by = ?, decision_note = ? "
                "WHERE id = ?",
                (stamp, importer, "import", application_id),
            )
            for actor, action in ((telegram_id, Action.SUBMITTED), (importer, Action.ACCEPTED)):
                await conn.execute(
                    "INSERT INTO application_history (application_id, at, actor_id, action, note) "
                    "VALUES (?, ?, ?, ?, 'import')",
                    (application_id, stamp, actor, action),
                )
            await conn.execute(
                "UPDATE imported_people SET telegram_id = ?, linked_at = ?, application_id = ? WHERE id = ?",
                (telegram_id, stamp, application_id, person_id),
            )
        return application_id
