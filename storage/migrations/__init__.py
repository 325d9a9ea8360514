"""Numbered schema migrations: `NNNN_name.sql` files applied in order, each in one transaction.

A migration, once released, is never edited: a change to the schema is a new file.

The files are SQLite's. On PostgreSQL each statement is translated (storage/sql_dialect.py), except
where a migration has a `NNNN_name.postgresql.sql` beside it: SQLite's triggers (and its full-text
table) have no translation, so those migrations are written again in PostgreSQL's own dialect
(plpgsql trigger functions doing what the SQLite triggers do), used instead on PostgreSQL only.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_POSTGRES_SUFFIX = ".postgresql.sql"
# Two processes starting at once on one PostgreSQL database migrate one after the other.
_MIGRATION_LOCK = 0x766F6C6D


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def postgresql(self) -> str | None:
        """The migration written for PostgreSQL, where SQLite's cannot be translated."""
        entry = resources.files(__package__) / f"{self.version:04d}_{self.name}{_POSTGRES_SUFFIX}"
        return entry.read_text(encoding="utf-8") if entry.is_file() else None


def available_migrations() -> list[Migration]:
    found = []
    for entry in resources.files(__package__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def apply_migrations(conn: aiosqlite.Connection, target: int | None = None) -> list[int]:
    """Apply every migration above the recorded version (up to `target`); return those applied."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
        row = await cur.fetchone()
    current = int(row[0])
    applied = []
    for migration in available_migrations():
        if migration.version <= current or (target is not None and migration.version > target):
            continue
        log.info("Applying migration %04d_%s", migration.version, migration.name)
        # executescript commits any open transaction first, so the script carries its own.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;"
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
            f"({migration.version}, '{migration.name}', '{datetime.now(UTC).isoformat()}');\n"
            "COMMIT;"
        )
        try:
            await conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied


async def apply_migrations_postgres(conn, target: int | None = None) -> list[int]:
    """The same migrations on PostgreSQL (`conn`: a storage.pg_connection.PgConnection in
    autocommit), each in one transaction with the same schema_migrations table. An up-to-date
    database costs two round trips (every replica and every test opens one)."""
    migrations = [m for m in available_migrations() if target is None or m.version <= target]
    compat = (resources.files(__package__) / "compat.postgresql.sql").read_text(encoding="utf-8")
    mark = hashlib.sha256(compat.encode()).hexdigest()[:16]
    rows = await conn.execute_native(
        "SELECT to_regclass('schema_migrations') IS NOT NULL, "
        "obj_description(to_regprocedure('sqlite_json_path(text)'), 'pg_proc')"
    )
    if rows[0][0] and rows[0][1] == mark:
        current = (await conn.execute_native("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))[0][0]
        if all(m.version <= current for m in migrations):
            return []
    await _in_transaction(
        conn,
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);\n"
        f"{compat}\nCOMMENT ON FUNCTION sqlite_json_path(TEXT) IS '{mark}'",
    )
    applied = []
    for migration in migrations:
        if await _apply_postgres(conn, migration):
            applied.append(migration.version)
    return applied


async def _in_transaction(conn, script: str) -> None:
    """A script under the migration lock, in one transaction."""
    await conn.execute_native(f"BEGIN; SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    try:
        await conn.execute_native(script)
        await conn.execute_native("COMMIT")
    except BaseException:
        if conn.usable and conn.in_transaction:
            await conn.execute_native("ROLLBACK")
        raise


async def _apply_postgres(conn, migration: Migration) -> bool:
    """One migration in its transaction, unless another process applied it meanwhile."""
    from storage.sql_dialect import split_statements

    await conn.execute_native(f"BEGIN; SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    try:
        rows = await conn.execute_native("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        if migration.version <= int(rows[0][0]):
            await conn.execute_native("ROLLBACK")
            return False
        log.info("Applying migration %04d_%s (PostgreSQL)", migration.version, migration.name)
        native = migration.postgresql
        if native is not None:
            await conn.execute_native(native)
        else:
            for statement in split_statements(migration.sql):
                if not statement.upper().startswith("PRAGMA"):
                    await conn.execute(statement)
        await conn.execute_native(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
            (migration.version, migration.name, datetime.now(UTC).isoformat()),
        )
        await conn.execute_native("COMMIT")
    except BaseException:
        if conn.usable and conn.in_transaction:
            await conn.execute_native("ROLLBACK")
        raise
    return True
