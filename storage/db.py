"""One SQLite connection per process, with WAL, foreign keys and a busy timeout.

aiosqlite runs the connection in its own thread; an asyncio lock makes every
transaction atomic with respect to the other coroutines sharing the connection.

Transactions nest by joining: inside `async with db.transaction()`, every repository call made
by the same task (reads, `execute`, another `transaction()`) runs in that one transaction. So a
step of a conversation can save its data and the conversation's state together, with
repositories that know nothing of each other. (A task started inside a transaction inherits
it; do not start one there.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import apply_migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime | None) -> str | None:
    """Times are stored as ISO 8601 text in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC time")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


class Database:
    """Created without I/O; `open()` connects and migrates (idempotent), `close()` ends it."""

    def __init__(self, path: Path | str):
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # The transaction the current task is in (set only inside `transaction()`).
        self._in_transaction: ContextVar[bool] = ContextVar(f"in_transaction_{id(self)}", default=False)

    async def open(self, *, migrate_to: int | None = None) -> Database:
        async with self._lock:
            if self._conn is None:
                self._conn = await _connect(self.path, migrate_to)
        return self

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open; call open() first")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception; joins the task's open one."""
        if self._in_transaction.get():
            yield self._connection
            return
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            token = self._in_transaction.set(True)
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            else:
                await self._connection.execute("COMMIT")
            finally:
                self._in_transaction.reset(token)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        if self._in_transaction.get():
            yield self._connection
        else:
            async with self._lock:
                yield self._connection

    # One hand-off to the SQLite thread per query (execute + fetch + close would be three).
    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._reading() as conn:
            rows = await conn.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._reading() as conn:
            return list(await conn.execute_fetchall(sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, tuple(params))
            return cursor.rowcount

    async def schema_version(self) -> int:
        row = await self.fetch_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        row = await self.fetch_one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    async def close(self) -> None:
        async with self._lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None


async def _connect(path: Path | str, migrate_to: int | None) -> aiosqlite.Connection:
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await apply_migrations(conn, target=migrate_to)
    except BaseException:
        await conn.close()
        raise
    return conn


async def open_database(path: Path | str, *, migrate_to: int | None = None) -> Database:
    """Open (creating if needed) the database and apply pending migrations."""
    return await Database(path).open(migrate_to=migrate_to)
