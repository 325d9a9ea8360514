"""What the schema holds, read from the database itself (the GDPR export walks every table with a
person's id; the tests check every foreign key is indexed): each engine keeps it in its own
catalogue (SQLite's sqlite_master and PRAGMAs, PostgreSQL's information_schema), so this is the one
place that asks each its own way.

`conn` is a connection of either engine (storage/connection.py, storage/pg_connection.py).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


def _postgres(conn) -> bool:
    return getattr(conn, "engine", "sqlite") == "postgresql"


async def table_names(conn) -> list[str]:
    """The tables (not views, not the engine's own), by name."""
    if _postgres(conn):
        rows = await conn.execute_native(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [r[0] for r in rows]
    rows = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [r[0] for r in rows if not r[0].startswith("sqlite_")]


async def column_names(conn, table: str) -> list[str]:
    if _postgres(conn):
        rows = await conn.execute_native(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]
    return [r[1] for r in await conn.execute_fetchall(f"PRAGMA table_info({table})")]


async def foreign_keys(conn, table: str) -> list[tuple[str, str, str | None]]:
    """(column, parent table, parent column or None for the parent's key) of each foreign key."""
    if _postgres(conn):
        rows = await conn.execute_native(
            "SELECT a.attname, p.relname, pa.attname FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() "
            "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, pcol) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.col "
            "JOIN pg_attribute pa ON pa.attrelid = p.oid AND pa.attnum = k.pcol "
            "WHERE c.contype = 'f' AND t.relname = %s ORDER BY c.conname",
            (table,),
        )
        return [(r[0], r[1], r[2]) for r in rows]
    return [(r[3], r[2], r[4]) for r in await conn.execute_fetchall(f"PRAGMA foreign_key_list({table})")]


_JSON_COLUMN = re.compile(r"\s*(\w+)\s+\w+[^\n]*?--\s*JSON\b")
_CREATE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\)", re.S)
_ADD = re.compile(r"ALTER TABLE (\w+) ADD COLUMN ([^\n]*--\s*JSON\b[^\n]*)")


async def json_columns(conn, table: str) -> set[str]:
    """The columns the schema marks as holding JSON (a "-- JSON" comment on their line)."""
    if _postgres(conn):
        return _json_columns_of_migrations().get(table, set())
    rows = await conn.execute_fetchall("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    lines = (rows[0][0] or "").splitlines() if rows else []
    return {match[1] for match in map(_JSON_COLUMN.match, lines) if match}


@cache
def _json_columns_of_migrations() -> dict[str, set[str]]:
    """PostgreSQL keeps no comments: the marks are read from the (SQLite) migration files."""
    found: dict[str, set[str]] = {}
    for entry in sorted(resources.files("storage.migrations").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql") or entry.name.endswith(".postgresql.sql"):
            continue
        text = entry.read_text(encoding="utf-8")
        for table, body in _CREATE.findall(text):
            found.setdefault(table, set()).update(m[1] for m in map(_JSON_COLUMN.match, body.splitlines()) if m)
        for table, line in _ADD.findall(text):
            match = _JSON_COLUMN.match(line)
            if match:
                found.setdefault(table, set()).add(match[1])
    return found


async def index_leading_columns(conn, table: str) -> set[str]:
    """The first column of each index of the table (its primary key's too): what a lookup by
    that column is answered from."""
    if _postgres(conn):
        rows = await conn.execute_native(
            "SELECT a.attname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] WHERE t.relname = %s",
            (table,),
        )
        return {r[0] for r in rows}
    leading = set()
    for index in await conn.execute_fetchall(f"PRAGMA index_list({table})"):
        columns = await conn.execute_fetchall(f"PRAGMA index_info({index['name']})")
        if columns:
            leading.add(min(columns, key=lambda c: c["seqno"])["name"])
    columns = await conn.execute_fetchall(f"PRAGMA table_info({table})")
    key = sorted((c for c in columns if c["pk"]), key=lambda c: c["pk"])
    if key:
        leading.add(key[0]["name"])
    return leading
