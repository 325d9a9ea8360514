"""The database on PostgreSQL: the same API as storage/db.py's SQLite Database, chosen by
`Database("postgresql://...")`.

Connections (psycopg 3, async: the loop keeps running while the server answers):
- the writer: every write transaction, one at a time behind an asyncio lock, as on SQLite. After
  BEGIN it takes `pg_advisory_xact_lock(WRITE_LOCK)`, so write transactions of every process are
  serialized like SQLite's BEGIN IMMEDIATE and read-then-write code stays correct across replicas.
  The commit hook (storage/transaction_hooks.py) runs just before COMMIT.
- the reader: reads outside a transaction, in autocommit (each sees what is committed).
- a third one for `fetch_all_off_the_loop` (long reports), so they never hold up the reader.

A connection whose server went away (PostgreSQL restarted, the network dropped it) is replaced on
its next use, with one line in the log; a read that found it broken is tried once more on the new
one. A transaction that was under way when it broke fails as any failed transaction does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import psycopg

from storage.pg_connection import PgConnection, Row
from storage.transaction_hooks import current_observer

log = logging.getLogger(__name__)

# One constant for every process on the database: "the write lock" (SQLite's is the file's).
WRITE_LOCK = 0x766F6C62  # "volb"


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """The URL without its password, for the log."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    host = info.get("host", "")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', '')}/{info.get('dbname', '')}"


class PostgresDatabase:
    """Created without I/O; `open()` connects and migrates (idempotent), `close()` ends it."""

    def __init__(self, url: str):
        self.path = url  # the location, under the name code of the SQLite engine reads
        self.url = url
        self._writer: PgConnection | None = None
        self._reader: PgConnection | None = None
        self._off_loop: PgConnection | None = None
        self._lock = asyncio.Lock()
        self._off_loop_lock = asyncio.Lock()
        self._reconnecting = asyncio.Lock()
        self._opened = False
        self._in_transaction: ContextVar[bool] = ContextVar(f"in_transaction_{id(self)}", default=False)

    engine = "postgresql"

    async def open(self, *, migrate_to: int | None = None) -> PostgresDatabase:
        from storage.migrations import apply_migrations_postgres

        async with self._lock:
            if not self._opened:
                conn = await PgConnection.open(self.url)
                try:
                    await apply_migrations_postgres(conn, target=migrate_to)
                except BaseException:
                    await conn.close()
                    raise
                self._writer = conn  # the migrating connection writes from now on
                self._reader = await PgConnection.open(self.url)
                self._opened = True
        return self

    @property
    def is_open(self) -> bool:
        return self._opened

    def connections(self) -> list[Any]:
        """SQLite's connections for tracing: none here."""
        return []

    def transaction(self) -> _Transaction:
        return _Transaction(self)

    async def _fresh(self, name: str) -> PgConnection:
        """The named connection, replaced when its server went away."""
        if not self._opened:
            raise RuntimeError("the database is not open; call open() first")
        conn = getattr(self, name)
        if conn is not None and conn.usable:
            return conn
        async with self._reconnecting:  # several readers finding it broken: one reconnects
            conn = getattr(self, name)
            if conn is not None and conn.usable:
                return conn
            if conn is not None:
                log.warning(
                    "PostgreSQL connection lost (%s); connecting again to %s", name.strip("_"), safe_url(self.url)
                )
                with contextlib.suppress(psycopg.Error):
                    await conn.close()
                setattr(self, name, None)  # while the server is away, told once, tried at each use
            conn = await PgConnection.open(self.url)
            setattr(self, name, conn)
            return conn

    async def _read(self, sql: str, params: Iterable[Any]) -> list[Row]:
        if self._in_transaction.get():
            return (await self._writer.execute(sql, tuple(params)))._rows  # type: ignore[union-attr]
        params = tuple(params)
        for attempt in (1, 2):
            conn = await self._fresh("_reader")
            try:
                return (await conn.execute(sql, params))._rows
            except psycopg.OperationalError:
                if attempt == 2 or conn.usable:
                    raise
        raise AssertionError("unreachable")

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self._read(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self._read(sql, params)

    async def fetch_all_off_the_loop(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A long read on a connection of its own (the server does the work; the loop waits free)."""
        if self._in_transaction.get():
            raise RuntimeError("a read off the loop cannot see this transaction's writes")
        async with self._off_loop_lock:
            conn = await self._fresh("_off_loop")
            return (await conn.execute(sql, tuple(params)))._rows

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as conn:
            return (await conn.execute(sql, tuple(params))).rowcount

    async def schema_version(self) -> int:
        row = await self.fetch_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        """PostgreSQL checks its pages itself; here: every foreign key holds (they are enforced)."""
        await self.fetch_one("SELECT 1")
        return "ok"

    async def close(self) -> None:
        async with self._lock:
            for name in ("_reader", "_writer", "_off_loop"):
                conn = getattr(self, name)
                if conn is not None:
                    with contextlib.suppress(psycopg.Error):  # a server already gone: nothing to close
                        await conn.close()
                setattr(self, name, None)
            self._opened = False


class _Transaction:
    __slots__ = ("_conn", "_db", "_outermost", "_token")

    def __init__(self, db: PostgresDatabase):
        self._db = db

    async def __aenter__(self) -> PgConnection:
        db = self._db
        self._outermost = not db._in_transaction.get()
        if not self._outermost:
            self._conn = db._writer  # type: ignore[assignment]
            return self._conn
        await db._lock.acquire()
        try:
            self._conn = await _begin(db)
        except BaseException:
            db._lock.release()
            raise
        self._token = db._in_transaction.set(True)
        return self._conn

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
                    await conn.execute_native("COMMIT")
                except BaseException:
                    await _rollback(conn)
                    raise
            else:
                await _rollback(conn)
        finally:
            db._in_transaction.reset(self._token)
            db._lock.release()


async def _begin(db: PostgresDatabase) -> PgConnection:
    """BEGIN and the write lock; a connection found broken at BEGIN is replaced and tried again."""
    for attempt in (1, 2):
        conn = await db._fresh("_writer")
        try:
            # One round trip for both (a simple query may hold several statements).
            await conn.execute_native(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            return conn
        except psycopg.OperationalError:
            if attempt == 2 or conn.usable:
                await _rollback(conn)
                raise
    raise AssertionError("unreachable")


async def _rollback(conn: PgConnection) -> None:
    if conn.usable and conn.in_transaction:
        with contextlib.suppress(psycopg.OperationalError):  # the server went away with the transaction
            await conn.execute_native("ROLLBACK")
