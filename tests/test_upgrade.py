"""Today's SQLite databases upgrade in place without loss: a database at migration 24 (the last
before issue 16) with rows in every table, opened by this release, keeps every row and value."""

from __future__ import annotations

import contextlib
import sqlite3

from storage.migrations import available_migrations
from tests.pg_databases import open_sqlite
from tests.schema_filler import fill, tables

BEFORE = 24


def _columns(path, names: list[str]) -> dict[str, list[str]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {table: [r[1] for r in conn.execute(f"PRAGMA table_info({table})")] for table in names}


def _contents(path, columns: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every row of every table, on the columns given, in a stable order."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {
            table: sorted(map(repr, conn.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()))
            for table, names in columns.items()
        }


async def test_a_database_at_migration_24_with_data_in_every_table_upgrades_without_loss(tmp_path):
    path = tmp_path / "old.db"
    await (await open_sqlite(path, migrate_to=BEFORE)).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        counts = fill(conn)
        names = tables(conn)
    assert [t for t, n in counts.items() if n == 0] == []  # every table holds rows
    columns = _columns(path, names)  # as they were at migration 24
    before = _contents(path, columns)

    db = await open_sqlite(path)
    try:
        assert await db.schema_version() == available_migrations()[-1].version
        assert await db.integrity_check() == "ok"
        for table, rows in counts.items():
            assert (await db.fetch_one(f"SELECT COUNT(*) FROM {table}"))[0] == rows, table
        user = await db.fetch_one("SELECT first_name FROM users ORDER BY telegram_id LIMIT 1")
        assert user["first_name"] == "first_name 0 — Zażółć"
    finally:
        await db.close()
    # Every value of every table that was there, on the columns it had: unchanged.
    after = _contents(path, columns)
    assert [t for t in names if after[t] != before[t]] == []
