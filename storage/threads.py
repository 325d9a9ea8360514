"""Conversations between a person and the staff (migration 0020): one mechanism for all of them.

A thread is about one person on the outside (`telegram_id`) and, optionally, a subject
(`request:42`), of a `kind` (counselling; the expert-organisation relay later). Its messages are
stored both ways. State: open (the person's message waits for an answer), answered (the staff
wrote last), closed (a new message opens a new thread). At most one thread of a kind and
subject is current per person (a unique index). `first_answer_at` - `opened_at` is the time to
the first answer of a thread the person opened. The rules live here, whatever the interface.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.db import Database, from_db_time, to_db_time
from storage.staff_topics import StaffTopics

COUNSELLING = "counselling"
BODY_LIMIT = 12_000  # a question Telegram split in parts is kept whole; longer is cut
OFFER_PARTS = 5  # parts of one long text held for one offer


class ThreadState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Refused(Exception):
    """The thread is closed, gone, or not in the state the action needs."""


@dataclass(frozen=True)
class Content:
    """What one message carries: text, or a photo or document (Telegram's file_id) with a caption."""

    kind: str  # text · photo · document
    body: str | None = None
    file_id: str | None = None
    file_name: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> Content:
        return cls(data["kind"], data.get("body"), data.get("file_id"), data.get("file_name"))


@dataclass(frozen=True)
class Thread:
    id: int
    kind: str
    subject: str | None
    telegram_id: int
    state: ThreadState
    opened_by: int
    opened_at: datetime
    assigned_to: int | None
    first_answer_at: datetime | None
    last_message_at: datetime
    waiting_since: datetime | None
    reminded_at: datetime | None
    closed_at: datetime | None
    closed_by: int | None

    @property
    def time_to_first_answer(self) -> timedelta | None:
        return self.first_answer_at - self.opened_at if self.first_answer_at else None


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    thread_id: int
    from_person: bool
    author_id: int
    content: Content
    sent_at: datetime
    delivered: bool


def _thread(r) -> Thread:
    return Thread(
        r["id"],
        r["kind"],
        r["subject"],
        r["telegram_id"],
        ThreadState(r["state"]),
        r["opened_by"],
        from_db_time(r["opened_at"]),
        r["assigned_to"],
        from_db_time(r["first_answer_at"]),
        from_db_time(r["last_message_at"]),
        from_db_time(r["waiting_since"]),
        from_db_time(r["reminded_at"]),
        from_db_time(r["closed_at"]),
        r["closed_by"],
    )


def _message(r) -> ThreadMessage:
    content = Content(r["kind"], r["body"], r["file_id"], r["file_name"])
    return ThreadMessage(
        r["id"],
        r["thread_id"],
        bool(r["from_person"]),
        r["author_id"],
        content,
        from_db_time(r["sent_at"]),
        bool(r["delivered"]),
    )


_CURRENT = "telegram_id = ? AND kind = ? AND COALESCE(subject, '') = ? AND state != 'closed'"


class ThreadRepository(StaffTopics):
    """Threads, their messages and the offered texts; the staff group and topics: StaffTopics."""

    def __init__(self, db: Database):
        self._db = db

    # ---- reading ------------------------------------------------------------------------------
    async def get(self, thread_id: int) -> Thread | None:
        row = await self._db.fetch_one("SELECT * FROM threads WHERE id = ?", (thread_id,))
        return _thread(row) if row else None

    async def current(self, telegram_id: int, kind: str = COUNSELLING, subject: str | None = None) -> Thread | None:
        row = await self._db.fetch_one(f"SELECT * FROM threads WHERE {_CURRENT}", (telegram_id, kind, subject or ""))
        return _thread(row) if row else None

    async def latest(self, telegram_id: int, kind: str = COUNSELLING) -> Thread | None:
        """The person's current thread of that kind, else their most recent one."""
        row = await self._db.fetch_one(
            "SELECT * FROM threads WHERE telegram_id = ? AND kind = ? ORDER BY state = 'closed', id DESC LIMIT 1",
            (telegram_id, kind),
        )
        return _thread(row) if row else None

    async def messages(self, thread_id: int, limit: int = 5) -> list[ThreadMessage]:
        """The thread's latest `limit` messages, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM thread_messages WHERE thread_id = ? ORDER BY id DESC LIMIT ?", (thread_id, limit)
        )
        return [_message(r) for r in reversed(rows)]

    async def waiting(self, limit: int, *, after: int | None = None, before: int | None = None) -> list[Thread]:
        """Open conversations with the coordinators (not the relays between an expert and an
        organisation, which the two sides answer), the longest waiting first, by key on
        threads_waiting (state, waiting_since, id)."""
        from storage.paging import Section, keyed_page

        start = None
        if after is not None or before is not None:
            anchor = await self._db.fetch_one(
                f"SELECT waiting_since, id FROM threads WHERE id = ? AND state = 'open' AND kind = '{COUNSELLING}'",
                (after if after is not None else before,),
            )
            if anchor is None:
                return []
            start = (0, (anchor["waiting_since"], anchor["id"]))
        section = Section(f"state = 'open' AND kind = '{COUNSELLING}'", (), (("waiting_since", True), ("id", True)))
        rows = await keyed_page(
            self._db.fetch_all,
            "SELECT * FROM threads",
            [section],
            limit,
            start=start,
            backward=after is None and before is not None,
        )
        return [_thread(r) for r in rows]

    async def count_of_person(self, telegram_id: int) -> tuple[int, int]:
        """(conversations with the coordinators, their messages) stored about the person ("Moje dane")."""
        row = await self._db.fetch_one(
            "SELECT COUNT(DISTINCT t.id), COUNT(m.id) FROM threads t "
            f"LEFT JOIN thread_messages m ON m.thread_id = t.id WHERE t.telegram_id = ? AND t.kind = '{COUNSELLING}'",
            (telegram_id,),
        )
        return int(row[0]), int(row[1])

    async def count_waiting(self) -> int:
        row = await self._db.fetch_one(f"SELECT COUNT(*) FROM threads WHERE state = 'open' AND kind = '{COUNSELLING}'")
        return int(row[0])

    # ---- writing ------------------------------------------------------------------------------
    async def _current_or_new(self, conn, telegram_id: int, kind: str, subject: str | None, by: int, now: str) -> int:
        row = (await conn.execute(f"SELECT id FROM threads WHERE {_CURRENT}", (telegram_id, kind, subject or "")))._rows
        if row:
            return row[0]["id"]
        return (
            await conn.execute(
                "INSERT INTO threads (kind, subject, telegram_id, state, opened_by, opened_at, last_message_at) "
                "VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING id",
                (kind, subject, telegram_id, by, now, now),
            )
        )._rows[0][0]

    async def _insert(self, conn, thread_id: int, from_person: bool, author: int, content: Content, now: str) -> int:
        body = content.body[:BODY_LIMIT] if content.body else content.body
        return (
            await conn.execute(
                "INSERT INTO thread_messages (thread_id, from_person, author_id, kind, body, file_id, file_name, "
                "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (thread_id, int(from_person), author, content.kind, body, content.file_id, content.file_name, now),
            )
        )._rows[0][0]

    async def from_person(
        self, telegram_id: int, content: Content, now: datetime, *, kind: str = COUNSELLING, subject: str | None = None
    ) -> tuple[Thread, ThreadMessage]:
        """The person writes: into their current thread, or a new one; it is open (waiting) again."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            thread_id = await self._current_or_new(conn, telegram_id, kind, subject, telegram_id, stamp)
            message_id = await self._insert(conn, thread_id, True, telegram_id, content, stamp)
            await conn.execute(
                "UPDATE threads SET state = 'open', last_message_at = ?, waiting_since = COALESCE(waiting_since, ?) "
                "WHERE id = ?",
                (stamp, stamp, thread_id),
            )
            return await self._pair(thread_id, message_id)

    async def from_staff(
        self,
        telegram_id: int,
        author_id: int,
        content: Content,
        now: datetime,
        *,
        thread_id: int | None = None,
        kind: str = COUNSELLING,
        subject: str | None = None,
    ) -> tuple[Thread, ThreadMessage]:
        """A coordinator writes: to `thread_id` (Refused when it is closed or not the person's), or
        into the person's current thread (a new one when there is none: the coordinator wrote first).
        The thread is answered; the first answer to a person's question is timed."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            if thread_id is not None:
                row = (await conn.execute("SELECT telegram_id, state FROM threads WHERE id = ?", (thread_id,)))._rows
                if not row or row[0]["state"] == "closed" or row[0]["telegram_id"] != telegram_id:
                    raise Refused(thread_id)
            else:
                thread_id = await self._current_or_new(conn, telegram_id, kind, subject, author_id, stamp)
            message_id = await self._insert(conn, thread_id, False, author_id, content, stamp)
            await conn.execute(
                "UPDATE threads SET state = 'answered', last_message_at = ?, waiting_since = NULL, reminded_at = NULL, "
                "first_answer_at = CASE WHEN first_answer_at IS NULL AND opened_by = telegram_id THEN ? "
                "ELSE first_answer_at END WHERE id = ?",
                (stamp, stamp, thread_id),
            )
            return await self._pair(thread_id, message_id)

    async def _pair(self, thread_id: int, message_id: int) -> tuple[Thread, ThreadMessage]:
        thread = _thread(await self._db.fetch_one("SELECT * FROM threads WHERE id = ?", (thread_id,)))
        message = _message(await self._db.fetch_one("SELECT * FROM thread_messages WHERE id = ?", (message_id,)))
        return thread, message

    async def undelivered(self, message_id: int) -> None:
        await self._db.execute("UPDATE thread_messages SET delivered = 0 WHERE id = ?", (message_id,))

    async def close(self, thread_id: int, by: int, now: datetime) -> Thread:
        """Close an open or answered thread (a press twice: Refused the second time)."""
        async with self._db.transaction() as conn:
            changed = (
                await conn.execute(
                    "UPDATE threads SET state = 'closed', closed_at = ?, closed_by = ?, waiting_since = NULL "
                    "WHERE id = ? AND state != 'closed'",
                    (to_db_time(now), by, thread_id),
                )
            ).rowcount
            if not changed:
                raise Refused(thread_id)
            return await self.get(thread_id)

    async def hand_over(self, thread_id: int, to: int) -> Thread:
        async with self._db.transaction() as conn:
            if not (
                await conn.execute(
                    "UPDATE threads SET assigned_to = ? WHERE id = ? AND state != 'closed'", (to, thread_id)
                )
            ).rowcount:
                raise Refused(thread_id)
            return await self.get(thread_id)

    async def claim_reminders(self, waiting_before: datetime, now: datetime) -> list[Thread]:
        """Open conversations with the coordinators waiting since before then and not reminded yet,
        marked reminded in the same transaction: each reminds once, even across restarts or with
        two processes. A relay's two sides answer it themselves: no reminder to the coordinators."""
        async with self._db.transaction() as conn:
            rows = (
                await conn.execute(
                    "UPDATE threads SET reminded_at = ? WHERE state = 'open' AND reminded_at IS NULL "
                    f"AND waiting_since <= ? AND kind = '{COUNSELLING}' RETURNING *",
                    (to_db_time(now), to_db_time(waiting_before)),
                )
            )._rows
        return sorted((_thread(r) for r in rows), key=lambda t: t.id)

    async def purge(self, last_message_before: datetime, offered_before: datetime, batch: int = 200) -> int:
        """The retention period: threads whose last message is older go, with their messages; so do
        texts offered and never sent."""
        deleted = 0
        while True:
            count = await self._db.execute(
                "DELETE FROM threads WHERE id IN (SELECT id FROM threads WHERE last_message_at < ? LIMIT ?)",
                (to_db_time(last_message_before), batch),
            )
            deleted += count
            if count < batch:
                break
        await self._db.execute("DELETE FROM thread_offers WHERE offered_at < ?", (to_db_time(offered_before),))
        return deleted

    # ---- a text offered to be sent ----------------------------------------------------------------
    async def offer(self, telegram_id: int, content: Content, now: datetime, *, continues: bool = False) -> None:
        """Hold what the person wrote outside a conversation; `continues`: a part of a long text
        Telegram split, added to the one held."""
        async with self._db.transaction() as conn:
            held = (await conn.execute("SELECT content FROM thread_offers WHERE telegram_id = ?", (telegram_id,)))._rows
            parts = json.loads(held[0]["content"]) if held and continues else []
            parts = ([*parts, content.to_dict()])[-OFFER_PARTS:]
            await conn.execute(
                "INSERT INTO thread_offers (telegram_id, content, offered_at) VALUES (?, ?, ?) "
                "ON CONFLICT (telegram_id) DO UPDATE SET content = excluded.content, offered_at = excluded.offered_at",
                (telegram_id, json.dumps(parts, ensure_ascii=False), to_db_time(now)),
            )

    async def offered(self, telegram_id: int) -> tuple[list[Content], datetime] | None:
        row = await self._db.fetch_one(
            "SELECT content, offered_at FROM thread_offers WHERE telegram_id = ?", (telegram_id,)
        )
        if row is None:
            return None
        return [Content.from_dict(part) for part in json.loads(row["content"])], from_db_time(row["offered_at"])

    async def take_offer(self, telegram_id: int, offered_at: datetime) -> Content | None:
        """The offer as one message, taken (deleted) if it is still the one offered at that time."""
        async with self._db.transaction() as conn:
            rows = (
                await conn.execute(
                    "DELETE FROM thread_offers WHERE telegram_id = ? AND offered_at = ? RETURNING content",
                    (telegram_id, to_db_time(offered_at)),
                )
            )._rows
        if not rows:
            return None
        parts = [Content.from_dict(p) for p in json.loads(rows[0]["content"])]
        if len(parts) == 1:
            return parts[0]
        return Content("text", "".join(p.body or "" for p in parts))
