"""An SQLite connection used on the event loop's own thread, behind the same awaitable interface
the repositories were written against (`await conn.execute(...)`, `async with conn.execute(...)`,
`await cursor.fetchone()`).

Why on the loop's thread: a point read or write in SQLite takes a few microseconds, while handing
it to a worker thread and waking the loop again costs ~150-200 µs (measured on a 2-core machine:
one hand-off per statement was most of a form step). Work that really takes long (a migration, an
export over every application) belongs in a worker thread, not here.

Every statement's rows are read at once and the statement is finished before `execute` returns,
so no half-read statement ever keeps an old snapshot (or a lock) open on the connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any


class Cursor:
    """The result of one statement: its rows, `rowcount` and `lastrowid`."""

    __slots__ = ("_next", "_rows", "lastrowid", "rowcount")

    def __init__(self, rows: list[sqlite3.Row], rowcount: int, lastrowid: int | None):
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def __await__(self):  # `await conn.execute(...)` gives the cursor itself
        return self
        yield  # pragma: no cover - makes this a generator, as __await__ must be

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def fetchone(self) -> sqlite3.Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[sqlite3.Row]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    async def close(self) -> None:
        return None


class Connection:
    """A `sqlite3.Connection` in autocommit mode (transactions are explicit) with rows by name."""

    engine = "sqlite"

    def __init__(self, raw: sqlite3.Connection):
        raw.row_factory = sqlite3.Row
        self.raw = raw

    @classmethod
    def open(cls, path: str, *, busy_timeout_ms: int) -> Connection:
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        raw.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA synchronous = NORMAL")
        return cls(raw)

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        cursor = self.raw.execute(sql, params)
        try:
            rows = cursor.fetchall()
            return Cursor(rows, cursor.rowcount, cursor.lastrowid)
        finally:
            cursor.close()

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> Cursor:
        cursor = self.raw.executemany(sql, seq_of_params)
        try:
            return Cursor([], cursor.rowcount, cursor.lastrowid)
        finally:
            cursor.close()

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.execute(sql, params)._rows

    def close(self) -> None:
        self.raw.close()
