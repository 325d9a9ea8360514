"""Which errors mean "the database cannot be used right now" on either engine: SQLite busy or
unreadable, a PostgreSQL connection lost. Such an error is waited out (the update is handled
again, a renewal is tried at the next step), never taken for a bug."""

from __future__ import annotations

import sqlite3

# SQLite's result codes for a database that is busy, locked, unreadable or full right now; any
# other OperationalError ("no such column") is a bug, reported at once rather than waited out.
_SQLITE_AWAY = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
    sqlite3.SQLITE_READONLY,
}


def database_away(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return code is None or code & 0xFF in _SQLITE_AWAY
    kind = type(error)
    # psycopg is imported only with PostgreSQL in use; its classes are recognised by name.
    return kind.__module__.startswith("psycopg") and kind.__name__ in ("OperationalError", "InterfaceError")
