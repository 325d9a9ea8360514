"""Rows in every table of an SQLite database, made from its schema alone (for the upgrade and the
migrate-to tests, where what matters is that nothing is lost, whichever table it is in): parents
first, keys pointing to rows that exist, values within each CHECK (IN-lists, id = 1, positive
numbers), times as the bot stores them."""

from __future__ import annotations

import re
import sqlite3

SKIPPED = ("schema_migrations",)
_IN_LIST = r"\b{col}\s+IN\s*\(([^)]*)\)"


def tables(conn: sqlite3.Connection) -> list[str]:
    """The bot's tables (an FTS table's shadow tables and SQLite's own left out)."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    virtual = [name for name, sql in rows if sql and sql.upper().startswith("CREATE VIRTUAL")]
    return [
        name
        for name, _ in rows
        if not name.startswith("sqlite_") and name not in SKIPPED and not any(name.startswith(v + "_") for v in virtual)
    ]


def _order(conn: sqlite3.Connection, names: list[str]) -> list[str]:
    parents = {t: {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({t})")} - {t} for t in names}
    order: list[str] = []
    while len(order) < len(names):
        ready = [t for t in names if t not in order and parents[t] <= set(order)]
        order += ready or [next(t for t in names if t not in order)]
    return order


def _value(conn, table: str, sql: str, column, n: int, keys: dict[str, tuple[str, str]]):
    _, name, kind, _, _, pk = column
    kind = (kind or "").upper()
    if name in keys:
        parent, parent_column = keys[name]
        found = conn.execute(f"SELECT {parent_column} FROM {parent} ORDER BY 1 LIMIT 1 OFFSET ?", (n,)).fetchone()
        found = found or conn.execute(f"SELECT {parent_column} FROM {parent} ORDER BY 1 LIMIT 1").fetchone()
        return found[0] if found else None
    options = re.search(_IN_LIST.format(col=re.escape(name)), sql, re.IGNORECASE)
    if options:
        choices = re.findall(r"'([^']*)'", options[1]) or [o.strip() for o in options[1].split(",")]
        return choices[n % len(choices)]
    if re.search(rf"CHECK\s*\(\s*{re.escape(name)}\s*=\s*1\s*\)", sql):
        return 1
    if pk and name == "id":
        return None  # numbered by SQLite
    if "INT" in kind:
        return 7_000_000_000 + n if name.endswith("telegram_id") or name.endswith("_by") else n + 1
    if "REAL" in kind:
        return 1.5 + n
    if "BLOB" in kind:
        return bytes([n % 256]) * 8
    if name.endswith("_at") or name in ("starts_at", "ends_at", "worked_at"):
        return f"2026-11-{10 + n:02d}T10:00:00.000000+00:00"
    if name in ("day", "date_from", "date_to", "start_date", "end_date"):
        return f"2026-11-{10 + n:02d}"
    if name == "month":
        return f"2026-{1 + n % 12:02d}"
    if re.search(rf"\b{re.escape(name)}\b[^\n]*--\s*JSON", sql):
        return '"wartość"' if n % 2 else "[]"
    return f"{name} {n} — Zażółć"


def fill(conn: sqlite3.Connection, rows: int = 3) -> dict[str, int]:
    """Insert up to `rows` rows into every table; returns the rows each table then holds."""
    names = tables(conn)
    for table in _order(conn, names):
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0] or ""
        columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
        keys = {r[3]: (r[2], r[4] or "rowid") for r in conn.execute(f"PRAGMA foreign_key_list({table})")}
        if sql.upper().startswith("CREATE VIRTUAL"):
            columns = [(0, "rowid", "INTEGER", 0, None, 0), *columns]
        for n in range(rows):
            values = {c[1]: _value(conn, table, sql, c, n, keys) for c in columns}
            values = {k: v for k, v in values.items() if v is not None}
            marks = ", ".join("?" for _ in values)
            try:
                conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})", tuple(values.values()))
            except sqlite3.IntegrityError:
                continue  # a unique key or a CHECK this simple filler does not meet: fewer rows
    conn.commit()
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in names}
