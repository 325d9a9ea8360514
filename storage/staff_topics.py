"""The coordinators' forum group an admin linked, and each person's topic in it (migration 0020):
the storage side of bot/staff_group.py. A part of ThreadRepository (storage/threads.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class StaffGroup:
    chat_id: int
    title: str | None
    linked_by: int
    linked_at: datetime
    problem: str | None


class StaffTopics:
    _db: Database

    async def link_group(self, chat_id: int, title: str | None, by: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            old = (await conn.execute("SELECT chat_id FROM staff_group WHERE id = 1"))._rows
            if old and old[0]["chat_id"] != chat_id:
                await conn.execute("DELETE FROM staff_topics")  # topics of another group mean nothing here
            await conn.execute(
                "INSERT INTO staff_group (id, chat_id, title, linked_by, linked_at) VALUES (1, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET chat_id = excluded.chat_id, title = excluded.title, "
                "linked_by = excluded.linked_by, linked_at = excluded.linked_at, problem = NULL",
                (chat_id, title, by, to_db_time(now)),
            )

    async def group(self) -> StaffGroup | None:
        row = await self._db.fetch_one("SELECT * FROM staff_group WHERE id = 1")
        if row is None:
            return None
        return StaffGroup(
            row["chat_id"], row["title"], row["linked_by"], from_db_time(row["linked_at"]), row["problem"]
        )

    async def group_problem(self, chat_id: int, problem: str | None) -> None:
        await self._db.execute("UPDATE staff_group SET problem = ? WHERE chat_id = ?", (problem, chat_id))

    async def unlink_group(self) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM staff_topics")
            await conn.execute("DELETE FROM staff_group")

    async def topic_of(self, telegram_id: int, chat_id: int) -> int | None:
        row = await self._db.fetch_one(
            "SELECT topic_id FROM staff_topics WHERE telegram_id = ? AND chat_id = ?", (telegram_id, chat_id)
        )
        return row[0] if row else None

    async def person_of_topic(self, chat_id: int, topic_id: int) -> int | None:
        row = await self._db.fetch_one(
            "SELECT telegram_id FROM staff_topics WHERE chat_id = ? AND topic_id = ?", (chat_id, topic_id)
        )
        return row[0] if row else None

    async def set_topic(self, telegram_id: int, chat_id: int, topic_id: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO staff_topics (telegram_id, chat_id, topic_id, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (telegram_id) DO UPDATE SET chat_id = excluded.chat_id, topic_id = excluded.topic_id, "
            "created_at = excluded.created_at",
            (telegram_id, chat_id, topic_id, to_db_time(now)),
        )

    async def forget_topic(self, telegram_id: int) -> None:
        await self._db.execute("DELETE FROM staff_topics WHERE telegram_id = ?", (telegram_id,))

    async def topic_record(self, telegram_id: int) -> tuple[int, int] | None:
        """(chat id, topic id) of the person's topic in whichever group it was made, if any."""
        row = await self._db.fetch_one(
            "SELECT chat_id, topic_id FROM staff_topics WHERE telegram_id = ?", (telegram_id,)
        )
        return (row[0], row[1]) if row else None

    async def forget_topics_without_threads(self) -> list[tuple[int, int]]:
        """Topics of people none of whose conversations is left (the retention period took them),
        forgotten; returned as (chat id, topic id), to be deleted in the group."""
        async with self._db.transaction() as conn:
            rows = (
                await conn.execute(
                    "DELETE FROM staff_topics WHERE NOT EXISTS "
                    "(SELECT 1 FROM threads WHERE threads.telegram_id = staff_topics.telegram_id) "
                    "RETURNING chat_id, topic_id"
                )
            )._rows
        return sorted((r["chat_id"], r["topic_id"]) for r in rows)
