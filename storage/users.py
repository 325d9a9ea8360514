"""People who have written to the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, from_db_time, to_db_time, utcnow

# last_seen_at is refreshed at most this often, so ordinary traffic does not write on every update.
LAST_SEEN_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class UserRecord:
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    telegram_locale: str | None
    chosen_locale: str | None
    created_at: datetime
    last_seen_at: datetime
    unreachable_at: datetime | None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def user_record(row) -> UserRecord:
    return UserRecord(
        telegram_id=row["telegram_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        telegram_locale=row["telegram_locale"],
        chosen_locale=row["chosen_locale"],
        created_at=from_db_time(row["created_at"]),
        last_seen_at=from_db_time(row["last_seen_at"]),
        unreachable_at=from_db_time(row["unreachable_at"]),
    )


class UserRepository:
    def __init__(self, db: Database):
        self._db = db

    async def get(self, telegram_id: int) -> UserRecord | None:
        row = await self._db.fetch_one("SELECT * FROM users WHERE telegram_id = ?", (telegram_id,))
        return user_record(row) if row else None

    async def record_contact(
        self,
        telegram_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        telegram_locale: str | None,
        now: datetime | None = None,
    ) -> UserRecord:
        """Note that the user wrote to the bot; writes only when something changed."""
        now = now or utcnow()
        current = await self.get(telegram_id)
        if current is not None and self.is_current(current, first_name, last_name, username, telegram_locale, now):
            return current
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO users (telegram_id, first_name, last_name, username, telegram_locale,
                                   created_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (telegram_id) DO UPDATE SET
                    first_name = excluded.first_name,
                    last_name = excluded.last_name,
                    username = excluded.username,
                    telegram_locale = excluded.telegram_locale,
                    last_seen_at = excluded.last_seen_at,
                    unreachable_at = NULL
                RETURNING *
                """,
                (
                    telegram_id,
                    first_name,
                    last_name,
                    username,
                    telegram_locale,
                    to_db_time(now),
                    to_db_time(now),
                ),
            )
            row = await cursor.fetchone()
        return user_record(row)

    @staticmethod
    def is_current(
        current: UserRecord,
        first_name: str,
        last_name: str | None,
        username: str | None,
        telegram_locale: str | None,
        now: datetime,
    ) -> bool:
        """Nothing to write: the same Telegram profile, reachable, seen within the hour."""
        return (
            current.first_name == first_name
            and current.last_name == last_name
            and current.username == username
            and current.telegram_locale == telegram_locale
            and current.unreachable_at is None
            and now - current.last_seen_at < LAST_SEEN_RESOLUTION
        )

    async def set_locale(self, telegram_id: int, locale: str) -> None:
        await self._db.execute("UPDATE users SET chosen_locale = ? WHERE telegram_id = ?", (locale, telegram_id))

    async def mark_unreachable(self, telegram_id: int, now: datetime | None = None) -> None:
        await self._db.execute(
            "UPDATE users SET unreachable_at = ? WHERE telegram_id = ? AND unreachable_at IS NULL",
            (to_db_time(now or utcnow()), telegram_id),
        )
