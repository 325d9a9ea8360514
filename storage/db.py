"""The database: SQLite in WAL mode, with foreign keys and a busy timeout.

Statements run on the event loop's thread (see storage/connection.py for why): one connection
writes, another reads. An asyncio lock makes every write transaction atomic with respect to the
other coroutines; reads outside a transaction go to the reading connection, so they never wait
for (or see half of) another coroutine's transaction. In WAL mode readers and the writer do not
block each other, in this process or in another one on the same file.

Transactions nest by joining: inside `async with db.transaction()`, every repository call made
by the same task (reads, `execute`, another `transaction()`) runs in that one transaction. So a
step of a conversation can save its data and the conversation's state together, with
repositories that know nothing of each other. (A task started inside a transaction inherits
it; do not start one there.)

Migrations, which may run for long on a big database, run in aiosqlite's worker thread; so do
WAL checkpoints (copying the log back into the database, with an fsync), every second after
writes, so that no commit on the loop's thread ever waits for the disk.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.connection import Connection
from storage.migrations import apply_migrations
from storage.transaction_hooks import current_observer

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Another process holding the write lock is waited for here, with the loop free meanwhile.
_BEGIN_RETRY_S = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
CHECKPOINT_EVERY_S = 1.0


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

    def __new__(cls, path: Path | str):
        # A postgresql:// URL is the PostgreSQL engine (imported only then); a path is this one.
        if cls is Database and isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
            from storage.postgres import PostgresDatabase

            return PostgresDatabase(path)  # type: ignore[return-value]
        return super().__new__(cls)

    engine = "sqlite"

    def __init__(self, path: Path | str):
        self.path = path
        self._writer: Connection | None = None
        self._reader: Connection | None = None
        self._lock = asyncio.Lock()
        self._commits = 0  # since the last checkpoint
        self._checkpointer: asyncio.Task | None = None
        # The transaction the current task is in (set only inside `transaction()`).
        self._in_transaction: ContextVar[bool] = ContextVar(f"in_transaction_{id(self)}", default=False)

    async def open(self, *, migrate_to: int | None = None) -> Database:
        async with self._lock:
            if self._writer is None:
                await _migrate(self.path, migrate_to)
                # The writer fails at once when another process holds the lock; `_begin` waits.
                self._writer = Connection.open(str(self.path), busy_timeout_ms=0)
                self._reader = Connection.open(str(self.path), busy_timeout_ms=1000)
                self._writer.raw.execute("PRAGMA wal_autocheckpoint = 0")  # see _checkpoints()
                self._checkpointer = asyncio.get_running_loop().create_task(self._checkpoints())
        return self

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    def connections(self) -> list[sqlite3.Connection]:
        """The open SQLite connections (for tracing and diagnostics)."""
        return [c.raw for c in (self._writer, self._reader) if c is not None]

    def _connection(self, *, write: bool) -> Connection:
        conn = self._writer if write else self._reader
        if conn is None:
            raise RuntimeError("the database is not open; call open() first")
        return conn

    def transaction(self) -> _Transaction:
        """`async with db.transaction() as conn`: BEGIN IMMEDIATE ... COMMIT, rolled back on any
        exception; inside another transaction of the same task it joins that one."""
        return _Transaction(self)

    def _for_reading(self) -> Connection:
        return self._connection(write=self._in_transaction.get())

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = self._for_reading().execute(sql, tuple(params))._rows
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._for_reading().execute(sql, tuple(params))._rows

    async def fetch_all_off_the_loop(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """A long read (a scan for retention, a report) in aiosqlite's worker thread on a connection
        of its own, so the bot keeps answering everyone meanwhile. It sees what is committed, so it
        is refused inside a transaction (whose own writes it would not see)."""
        if self._in_transaction.get():
            raise RuntimeError("a read off the loop cannot see this transaction's writes")
        async with aiosqlite.connect(str(self.path)) as conn:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            return list(await conn.execute_fetchall(sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as conn:
            return conn.execute(sql, tuple(params)).rowcount

    async def schema_version(self) -> int:
        row = await self.fetch_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        row = await self.fetch_one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    async def _checkpoints(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_EVERY_S)
            if self._commits:
                self._commits = 0
                try:
                    await asyncio.to_thread(_checkpoint, self.path)
                except sqlite3.Error as exc:  # tried again after the next writes
                    log.warning("WAL checkpoint failed: %s", exc)

    async def close(self) -> None:
        async with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.cancel()
                self._checkpointer = None
            for conn in (self._reader, self._writer):  # the last one to close checkpoints the WAL
                if conn is not None:
                    conn.close()
            self._writer = self._reader = None


def _checkpoint(path: Path | str) -> None:
    """In a worker thread, on a connection of its own; PASSIVE never waits for readers or writers."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


class _Transaction:
    """A class, not an @asynccontextmanager: entered on every write, and a generator-based context
    manager cost as much as the statements of a form step."""

    __slots__ = ("_conn", "_db", "_outermost", "_token")

    def __init__(self, db: Database):
        self._db = db

    async def __aenter__(self) -> Connection:
        db = self._db
        self._conn = conn = db._connection(write=True)
        self._outermost = not db._in_transaction.get()
        if self._outermost:
            await db._lock.acquire()
            try:
                await _begin(conn)
            except BaseException:
                db._lock.release()
                raise
            self._token = db._in_transaction.set(True)
        return conn

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if not self._outermost:
            return
        db, conn = self._db, self._conn
        try:
            if exc_type is None:
                try:
                    observer = current_observer.get()
                    if observer is not None:
                        await observer.committing(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
                db._commits += 1
            else:
                _rollback(conn)
        finally:
            db._in_transaction.reset(self._token)
            db._lock.release()


def _rollback(conn: Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


async def _begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE, waiting (without blocking the loop) while another process writes."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    attempt = 0
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(_BEGIN_RETRY_S[min(attempt, len(_BEGIN_RETRY_S) - 1)])
        attempt += 1


async def _migrate(path: Path | str, migrate_to: int | None) -> None:
    """Create the file if needed, turn on WAL and apply pending migrations, off the loop's thread."""
    if str(path) == ":memory:":
        raise ValueError("the database must be a file: the reading and the writing connection share it")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path), isolation_level=None) as conn:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await apply_migrations(conn, target=migrate_to)


async def open_database(path: Path | str, *, migrate_to: int | None = None) -> Database:
    """Open (creating if needed) the database and apply pending migrations: a file path is SQLite,
    a postgresql:// URL PostgreSQL (storage/postgres.py)."""
    return await Database(path).open(migrate_to=migrate_to)
