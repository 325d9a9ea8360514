"""A PostgreSQL connection (psycopg 3, async) behind the interface the repositories were written
against on SQLite (storage/connection.py): `await conn.execute(...)`, `async with conn.execute(...)`,
rows that behave like sqlite3.Row, `rowcount`, `executemany`.

Every statement is SQLite's text translated once (storage/sql_dialect.py). Values are adapted so
that what comes back is what SQLite gives: Python bools are stored as 0/1 (the flag columns are
integers), and numeric (what SUM and AVG of integers give) is an int when whole, else a float.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import psycopg
import psycopg.conninfo
from psycopg import pq
from psycopg.adapt import AdaptersMap, Dumper, Loader

from storage.connection import Cursor
from storage.sql_dialect import to_postgres


class Row:
    """One row: by index, by column name (case-insensitive, as sqlite3.Row), keys(), dict(row)."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]):
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                try:
                    return self._values[self._index[key.lower()]]
                except KeyError:
                    raise IndexError(f"No item with that key: {key!r}") from None
        return self._values[key]

    def keys(self) -> list[str]:
        return [name for name, _ in sorted(self._names(), key=lambda item: item[1])]

    def _names(self) -> list[tuple[str, int]]:
        seen: dict[int, str] = {}
        for name, position in self._index.items():
            seen.setdefault(position, name)
        return [(name, position) for position, name in seen.items()]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return tuple(self._values) == tuple(other._values) and self.keys() == other.keys()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __repr__(self) -> str:
        return f"Row({dict(zip(self.keys(), self._values, strict=False))!r})"


def _row_factory(cursor: psycopg.AsyncCursor) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    index: dict[str, int] = {}
    for position, column in enumerate(description):
        index.setdefault(column.name, position)
    for position, column in enumerate(description):
        index.setdefault(column.name.lower(), position)

    def make(values: Sequence[Any]) -> Row:
        return Row(values, index)

    return make


class _BoolAsInteger(Dumper):
    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


ADAPTERS = AdaptersMap(psycopg.adapters)
ADAPTERS.register_dumper(bool, _BoolAsInteger)
ADAPTERS.register_loader("numeric", _NumericAsNumber)


def _params(params: Sequence[Any] | dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    return params if isinstance(params, dict) else tuple(params)


def _integrity(exc: psycopg.IntegrityError) -> sqlite3.IntegrityError:
    """The repositories catch sqlite3.IntegrityError (a unique code taken, a duplicate): the same
    class on both engines keeps them engine-free."""
    error = sqlite3.IntegrityError(str(exc).strip())
    error.__cause__ = exc
    return error


class _Statement:
    """`conn.execute(...)`: awaited it gives the Cursor; `async with` gives it too."""

    __slots__ = ("_run",)

    def __init__(self, run: Any):
        self._run = run

    def __await__(self):
        return self._run.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """A psycopg AsyncConnection in autocommit mode (transactions are explicit BEGIN/COMMIT)."""

    engine = "postgresql"

    def __init__(self, raw: psycopg.AsyncConnection):
        self.raw = raw

    @classmethod
    async def open(cls, url: str) -> PgConnection:
        raw = await psycopg.AsyncConnection.connect(
            with_safety_limits(url), autocommit=True, context=ADAPTERS, row_factory=_row_factory
        )
        return cls(raw)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    @property
    def usable(self) -> bool:
        return not self.raw.closed and not self.raw.broken

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> _Statement:
        return _Statement(self._execute(sql, params))

    async def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> Cursor:
        try:
            cursor = await self.raw.execute(to_postgres(sql), _params(params))
        except psycopg.IntegrityError as exc:
            raise _integrity(exc) from exc
        rows = await cursor.fetchall() if cursor.description is not None else []
        return Cursor(rows, cursor.rowcount, None)

    async def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> Cursor:
        try:
            async with self.raw.cursor() as cursor:
                await cursor.executemany(to_postgres(sql), [_params(p) for p in seq_of_params])
                return Cursor([], cursor.rowcount, None)
        except psycopg.IntegrityError as exc:
            raise _integrity(exc) from exc

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return (await self.execute(sql, params))._rows

    async def execute_native(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        """A statement already in PostgreSQL's dialect (migrations' own files, maintenance)."""
        cursor = await self.raw.execute(sql, params)
        return await cursor.fetchall() if cursor.description is not None else []

    async def close(self) -> None:
        await self.raw.close()


# A server that stops answering (a network partition, a frozen host) must not hang the bot, nor a
# frozen bot hold the write lock (pg_advisory_xact_lock) for everyone: connecting gives up after
# 10 s, TCP keepalives find a dead peer within ~1 min, and a session idle inside a transaction for
# 2 min is ended by the server (its lock released). The URL's own values win.
SAFETY_LIMITS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "options": "-c idle_in_transaction_session_timeout=120000",
}


def with_safety_limits(url: str) -> str:
    given = psycopg.conninfo.conninfo_to_dict(url)
    return psycopg.conninfo.make_conninfo(url, **{k: v for k, v in SAFETY_LIMITS.items() if k not in given})


class PgSnapshot:
    """A separate process's read-only view of one moment (the export worker's): the sqlite3
    connection calls it makes (`execute`, `cursor().execute`, `close`), on one REPEATABLE READ
    transaction, without an event loop."""

    def __init__(self, url: str):
        self.raw = psycopg.connect(url, context=ADAPTERS, row_factory=_row_factory)
        self.raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.raw.read_only = True
        self._cursors = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        return self.raw.execute(to_postgres(sql), _params(params))

    def cursor(self) -> _StreamingCursor:
        self._cursors += 1
        return _StreamingCursor(self.raw, f"export_{self._cursors}")

    def close(self) -> None:
        self.raw.close()


class _StreamingCursor:
    """Plain tuples fetched as they are iterated (a server-side cursor), as sqlite3's cursor with
    `row_factory = None`."""

    row_factory: Any = None

    def __init__(self, raw: psycopg.Connection, name: str):
        self._raw = raw
        self._name = name

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.ServerCursor:
        from psycopg.rows import tuple_row

        cursor = self._raw.cursor(name=self._name, row_factory=tuple_row)
        cursor.execute(to_postgres(sql), _params(params))
        return cursor
