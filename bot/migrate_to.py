"""`volunteer-bot migrate-to postgresql://...`: the configured SQLite database copied into an empty
PostgreSQL database, for a programme that outgrew one server.

The target is migrated to the SQLite database's schema version first (the same migrations, see
storage/migrations), then every table is copied with COPY in foreign-key order in one transaction
(the copy is whole or nothing), with the tables' own triggers off: what they derive (the audience
facts, the indexed choices, the hours ledger, the search index) is copied as it is. Foreign keys
stay checked; a key pointing to a row copied later (a document replaced by a newer one) is filled
in after the rows. The identity sequences are set past the copied ids, and the row counts of
both sides are compared table by table and printed.

Refused, with one line: a target that is not empty or is at another schema version, a source
that is not an SQLite file. Stop the bot first: the copy reads one snapshot of the file, and what
the bot writes after it would not be copied.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg

BATCH_ROWS = 5_000


class MigrateRefused(Exception):
    """The copy cannot start; the message says why in one line."""


def command(settings, url: str) -> int:
    """The CLI's `migrate-to URL`: from the configured SQLite database (bot.config.Settings)."""
    from bot.config import is_postgres_url

    refused = None
    if not is_postgres_url(url):
        refused = "give a postgresql:// URL to copy into"
    elif settings.database_url:
        refused = "DATABASE_URL names PostgreSQL already; set it to the SQLite file to copy"
    else:
        try:
            asyncio.run(migrate_to(Path(settings.database_path), url))
        except MigrateRefused as exc:
            refused = str(exc)
        except psycopg.OperationalError as exc:
            refused = f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}"
    if refused:
        print(f"volunteer-bot: migrate-to: {refused}", file=sys.stderr)
        return 1
    print("done: set DATABASE_URL to that postgresql:// URL and start the bot")
    return 0


async def migrate_to(source: Path, url: str, say: Callable[[str], None] = print) -> dict[str, int]:
    """Copy `source` (SQLite) into the PostgreSQL database at `url`; returns rows per table. (A
    command on its own: the copy itself runs without giving the loop back.)"""
    if not source.is_file():
        raise MigrateRefused(f"there is no SQLite database at {source}")
    started = time.monotonic()
    sqlite = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True, isolation_level=None)
    try:
        sqlite.execute("BEGIN")  # one snapshot of every table
        version = _sqlite_version(sqlite)
        _check_no_bot_running(sqlite)
        with psycopg.connect(url, autocommit=True) as target:
            _check_target(target, version)
        await _migrate_target(url, version)
        with psycopg.connect(url) as target:  # one transaction: all of it or nothing
            counts = _copy(sqlite, target, say)
            target.commit()
    finally:
        sqlite.close()
    total = sum(counts.values())
    say(f"copied {total} rows in {len(counts)} tables (schema {version}) in {time.monotonic() - started:.1f} s")
    return counts


def _sqlite_version(sqlite: sqlite3.Connection) -> int:
    try:
        return int(sqlite.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise MigrateRefused(f"the source is not the bot's SQLite database ({exc})") from None


def _check_no_bot_running(sqlite: sqlite3.Connection) -> None:
    """A bot still running on the file would write after the snapshot is taken, and that would be
    lost: its live lease (migration 25 on) names it. A process of this machine that died holds
    nothing."""
    from bot.inbox_applied import dead_here

    if not sqlite.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").fetchone():
        return
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    for holder, until in sqlite.execute("SELECT holder, expires_at FROM leases WHERE expires_at > ?", (now,)):
        if not dead_here(holder):
            raise MigrateRefused(
                f"a bot is running on this database ({holder}, until {until[:19]} UTC): stop it first, "
                "so that nothing it writes after the copy is lost"
            )


def _check_target(target: psycopg.Connection, version: int) -> None:
    tables = _tables(target)
    if not tables:
        return
    if "schema_migrations" in tables:
        row = target.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        if row[0] != version:
            raise MigrateRefused(
                f"the PostgreSQL database is at schema version {row[0]} and the SQLite one at {version}: "
                "give an empty database"
            )
    for table in tables:
        if table != "schema_migrations" and target.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            raise MigrateRefused(f"the PostgreSQL database is not empty (table {table} has rows): give an empty one")


async def _migrate_target(url: str, version: int) -> None:
    from storage.migrations import apply_migrations_postgres
    from storage.pg_connection import PgConnection

    conn = await PgConnection.open(url)
    try:
        await apply_migrations_postgres(conn, target=version)
    finally:
        await conn.close()


def _tables(target: psycopg.Connection) -> list[str]:
    rows = target.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _foreign_keys(target: psycopg.Connection) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, parent table)]"""
    rows = target.execute(
        "SELECT t.relname, a.attname, p.relname FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1] WHERE c.contype = 'f'"
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, parent in rows:
        found.setdefault(table, []).append((column, parent))
    return found


def copy_order(tables: list[str], keys: dict[str, list[tuple[str, str]]]) -> tuple[list[str], dict[str, list[str]]]:
    """Tables parents first, and per table the key columns filled in after every row is copied
    (a key to the same table, or one that closes a cycle)."""
    order: list[str] = []
    later: dict[str, list[str]] = {}
    left = set(tables)
    while left:
        ready = sorted(t for t in left if all(p not in left or p == t for _, p in keys.get(t, [])))
        if not ready:  # a cycle: break it at the first table, filling its keys in afterwards
            ready = [sorted(left)[0]]
        for table in ready:
            deferred = [c for c, p in keys.get(table, []) if p == table or (p in left and p != table)]
            if deferred:
                later[table] = deferred
            order.append(table)
            left.discard(table)
    return order, later


def _copy(sqlite: sqlite3.Connection, target: psycopg.Connection, say: Callable[[str], None]) -> dict[str, int]:
    source_tables = {r[0] for r in sqlite.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    tables = [t for t in _tables(target) if t != "schema_migrations"]
    order, later = copy_order(tables, _foreign_keys(target))
    for table in tables:
        target.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
    counts: dict[str, int] = {}
    for table in order:
        if table not in source_tables:
            say(f"{table}: not in the SQLite database (0 rows)")
            counts[table] = 0
            continue
        columns = [
            r[0]
            for r in target.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()
        ]
        deferred = later.get(table, [])
        counts[table] = _copy_table(sqlite, target, table, columns, deferred)
    identities = {
        r[0]
        for r in target.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND is_identity = 'YES'"
        ).fetchall()
    }
    for table in tables:
        target.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        if table in identities:
            _set_identity(target, table)
    for table in order:
        copied = target.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        expected = sqlite.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] if table in source_tables else 0
        if copied != expected:
            raise RuntimeError(f"{table}: {expected} rows in SQLite, {copied} in PostgreSQL")
        say(f"{table}: {copied} rows")
    return counts


def _copy_table(
    sqlite: sqlite3.Connection, target: psycopg.Connection, table: str, columns: list[str], deferred: list[str]
) -> int:
    selected = ", ".join(f'"{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = sqlite.execute(f'SELECT {selected} FROM "{table}"')
    positions = [columns.index(c) for c in deferred]
    keep: list[tuple] = []
    count = 0
    with target.cursor() as out, out.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        while rows := cursor.fetchmany(BATCH_ROWS):
            for row in rows:
                if positions:
                    row = list(row)
                    if any(row[p] is not None for p in positions):
                        keep.append((*(row[p] for p in positions), row[columns.index("id")]))
                    for p in positions:
                        row[p] = None
                copy.write_row(row)
                count += 1
    if keep:
        assignments = ", ".join(f'"{c}" = %s' for c in deferred)
        with target.cursor() as out:
            out.executemany(f'UPDATE "{table}" SET {assignments} WHERE id = %s', keep)
    return count


def _set_identity(target: psycopg.Connection, table: str) -> None:
    """The next id after the highest copied (identity columns are named id)."""
    sequence = target.execute("SELECT pg_get_serial_sequence(%s, 'id')", (f'"{table}"',)).fetchone()
    target.execute(
        f'SELECT setval(%s, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)',
        (sequence[0],),
    )
