"""Which errors mean "the database cannot be used right now" on either engine: SQLite busy or
unreadable, a PostgreSQL connection lost. Such an error is waited out (the update is handled
again, a renewal is tried at the next step), never taken for a bug."""

from __future__ import annotations

import sqlite3


def database_away(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        return True
    kind = type(error)
    # psycopg is imported only with PostgreSQL in use; its classes are recognised by name.
    return kind.__module__.startswith("psycopg") and kind.__name__ in ("OperationalError", "InterfaceError")
