"""SQLite's SQL as PostgreSQL runs it: the repositories and migrations are written once, in SQLite's
dialect, and on PostgreSQL each statement is translated by sqlglot (read sqlite, write postgres)
the first time its text is seen, then taken from a cache (a parse costs ~1 ms; the cache lookup is
a dict hit).

What sqlglot does not do by itself, done here on its syntax tree:
- INTEGER is BIGINT: Telegram ids exceed PostgreSQL's 4-byte integer.
- `id INTEGER PRIMARY KEY` (SQLite's rowid alias, numbered when not given) is an identity column
  (other INTEGER PRIMARY KEY columns, a Telegram id, are always given by the code).
- INSERT OR IGNORE is INSERT ... ON CONFLICT DO NOTHING.
- `ON CONFLICT (a)` stays a plain column list (sqlglot writes `a NULLS FIRST` there).
- `%` in literals is doubled: psycopg reads `%` as the start of a placeholder.
- `strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')` (the migrations' "now" as text) is PostgreSQL's
  clock read and formatted the same way.
- `table MATCH ?` (full-text search) is `table_match(row, ?)`, a function of the migration.
- a subquery in FROM gets a name (PostgreSQL 15 requires one).
- json_extract(doc, path) is sqlite_json_extract (compat.postgresql.sql: SQLite's JSON functions
  on JSON kept as text).
- SQLite's truth values are integers: a comparison summed, added or stored is CASE WHEN ... THEN 1
  ELSE 0 END; an integer flag alone where a condition goes is `flag <> 0`.
- `json(?)` is a cast to json; index hints (INDEXED BY) are dropped.
- `WITHOUT ROWID` is dropped (every PostgreSQL table is a heap with its own indexes).
"""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import exp

_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID", re.IGNORECASE)
_NOW_TEXT = re.compile(r"strftime\s*\(\s*'%Y-%m-%dT%H:%M:%f(?:000)?\+00:00'\s*,\s*'now'\s*\)", re.IGNORECASE)
_NOW_MARK = "pg_now_text_mark()"
_NOW_SQL = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
_PRAGMA = re.compile(r"^\s*PRAGMA\b", re.IGNORECASE)
# SQLite's json_extract keeps its name (a function of compat.postgresql.sql, on JSON kept as text):
# sqlglot would write PostgreSQL's operators for json values, which text columns do not have.
_JSON_EXTRACT = re.compile(r"\bjson_extract\s*\(", re.IGNORECASE)
# SQLite's index hints: PostgreSQL's planner chooses by itself.
_INDEXED_BY = re.compile(r"\b(?:INDEXED\s+BY\s+\w+|NOT\s+INDEXED)\b", re.IGNORECASE)
_BOOLEAN = (exp.Predicate, exp.And, exp.Or, exp.Not, exp.Exists)
_NUMERIC_PARENTS = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Sum, exp.Avg, exp.Max, exp.Min, exp.Neg)
_CONDITION_PARENTS = (exp.And, exp.Or, exp.Not, exp.Where, exp.Having, exp.If)


class UntranslatableSQL(ValueError):
    """A statement SQLite runs that has no PostgreSQL form here (write it portably)."""


@functools.lru_cache(maxsize=16384)
def to_postgres(sql: str) -> str:
    """The PostgreSQL text of one SQLite statement (placeholders as psycopg's %s / %(name)s)."""
    if _PRAGMA.match(sql):
        raise UntranslatableSQL(f"PRAGMA is SQLite's own: {sql.strip()[:80]}")
    text = _NOW_TEXT.sub(_NOW_MARK, _WITHOUT_ROWID.sub(")", sql))
    text = _INDEXED_BY.sub("", _JSON_EXTRACT.sub("sqlite_json_extract(", text))
    try:
        trees = [t for t in sqlglot.parse(text, read="sqlite") if t is not None]
    except sqlglot.errors.ParseError as exc:
        raise UntranslatableSQL(f"{exc}: {sql.strip()[:200]}") from None
    if len(trees) != 1:
        raise UntranslatableSQL(f"one statement at a time, got {len(trees)}: {sql.strip()[:200]}")
    tree = trees[0]
    if isinstance(tree, exp.Command):
        raise UntranslatableSQL(f"not understood by sqlglot: {sql.strip()[:200]}")
    tree = tree.transform(_rewrite)
    out = tree.sql(dialect="postgres", comments=False)
    return re.sub(re.escape(_NOW_MARK), _NOW_SQL, out, flags=re.IGNORECASE)


def split_statements(script: str) -> list[str]:
    """A migration script as its statements (sqlglot's tokenizer knows where literals end)."""
    script = _WITHOUT_ROWID.sub(")", script)
    return [t.sql(dialect="sqlite", comments=False) for t in sqlglot.parse(script, read="sqlite") if t is not None]


def _rewrite(node: exp.Expression) -> exp.Expression:
    # SQLite's truth values are integers: a comparison counted (SUM(a = b)), added or stored
    # is 1/0 on PostgreSQL too; an integer flag where a condition goes is compared with 0.
    if isinstance(node, _BOOLEAN) and _as_number(node):
        inner = node.copy().transform(_rewrite)  # a replaced node's own parts are not visited again
        return exp.Case(ifs=[exp.If(this=inner, true=exp.Literal.number(1))], default=exp.Literal.number(0))
    if (isinstance(node, (exp.Column, exp.Case)) or (isinstance(node, exp.Literal) and not node.is_string)) and (
        _in_condition(node)
    ):
        return exp.NEQ(this=node.copy().transform(_rewrite), expression=exp.Literal.number(0))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "json" and len(node.expressions) == 1:
        return exp.Cast(this=node.expressions[0].copy(), to=exp.DataType.build("JSON"))
    if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.INT, exp.DataType.Type.SMALLINT):
        return exp.DataType.build("BIGINT")
    if isinstance(node, exp.Literal) and node.is_string and "%" in node.this:
        return exp.Literal.string(node.this.replace("%", "%%"))
    if isinstance(node, exp.Insert) and (node.args.get("alternative") or "").upper() == "IGNORE":
        node.set("alternative", None)
        node.set("conflict", exp.OnConflict(action=exp.var("DO NOTHING")))
        return node
    if isinstance(node, exp.Insert) and node.args.get("alternative"):
        raise UntranslatableSQL("INSERT OR REPLACE has no PostgreSQL form; write INSERT ... ON CONFLICT")
    if isinstance(node, exp.OnConflict):
        keys = node.args.get("conflict_keys")
        if keys:
            node.set("conflict_keys", [k.this if isinstance(k, exp.Ordered) else k for k in keys])
        return node
    if isinstance(node, exp.ColumnDef):
        _rowid_alias_to_identity(node)
    if isinstance(node, exp.Match):
        return _full_text_match(node)
    if isinstance(node, exp.Subquery) and not node.alias and isinstance(node.parent, (exp.From, exp.Join)):
        node.set("alias", exp.TableAlias(this=exp.to_identifier(f"derived_{id(node) % 100000}")))
    return node


def _as_number(node: exp.Expression) -> bool:
    """A truth value where SQLite takes it as a number: summed, added, stored (UPDATE, INSERT
    VALUES), or a value of a CASE (whose other values are numbers)."""
    parent, child = node.parent, node
    while isinstance(parent, exp.Paren):
        parent, child = parent.parent, parent
    if isinstance(parent, _NUMERIC_PARENTS):
        return True
    if isinstance(parent, exp.EQ) and isinstance(parent.parent, exp.Update):
        return child is parent.expression
    if isinstance(parent, exp.Tuple) and isinstance(parent.parent, exp.Values):
        return True  # a value inserted
    if isinstance(parent, exp.If):
        return child is parent.args.get("true")
    if isinstance(parent, exp.Case):
        return child is parent.args.get("default")
    return False


def _in_condition(column: exp.Expression) -> bool:
    """A bare column where a truth value goes (WHERE flag, a AND flag, NOT flag, CASE WHEN flag)."""
    parent, child = column.parent, column
    while isinstance(parent, exp.Paren):
        parent, child = parent.parent, parent
    if isinstance(parent, exp.If):
        return child is parent.this
    return isinstance(parent, _CONDITION_PARENTS)


def _full_text_match(node: exp.Match) -> exp.Expression:
    """`table MATCH ?` (SQLite's full-text search) is `table_match(row, ?)`, a function each
    engine-specific migration defines beside its table (see 0022_panel.postgresql.sql)."""
    table = node.this.name
    alias = table
    select = node.find_ancestor(exp.Select)
    for found in select.find_all(exp.Table) if select else ():
        if found.name == table and found.alias:
            alias = found.alias
    return exp.Anonymous(this=f"{table}_match", expressions=[exp.column(alias), node.expression])


def _rowid_alias_to_identity(column: exp.ColumnDef) -> None:
    kind = column.args.get("kind")
    constraints = column.args.get("constraints") or []
    if kind is None or kind.this not in (exp.DataType.Type.INT, exp.DataType.Type.BIGINT):
        return
    kinds = [c.args.get("kind") for c in constraints]
    if any(isinstance(k, exp.GeneratedAsIdentityColumnConstraint) for k in kinds):
        return
    if column.name.lower() == "id" and any(isinstance(k, exp.PrimaryKeyColumnConstraint) for k in kinds):
        identity = exp.ColumnConstraint(kind=exp.GeneratedAsIdentityColumnConstraint(this=False))
        column.set("constraints", [identity, *constraints])
