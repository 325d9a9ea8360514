"""The suite on PostgreSQL: with TEST_DATABASE_URL=postgresql://... set, every database a test opens by
path (Settings(database_path=...), open_database(path)) is a PostgreSQL database of its own,
the same path giving the same database within the test (so restarts see their data), dropped
after the test.

Fast: the migrations run once per run into a template database; a test's database is a copy
(`CREATE DATABASE ... TEMPLATE`), and after the test it is emptied and kept for the next one
when its schema is still the template's (emptying ~10 ms; a copy 20-200 ms on a busy server). A
test that opens a database at an older schema (`open_database(path, migrate_to=N)`) gets an empty
one migrated to N, as on SQLite, dropped after it.

Tests of SQLite itself are marked `sqlite_only("why")`: skipped on PostgreSQL with that reason.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

URL = os.environ.get("TEST_DATABASE_URL", "").strip()
ON_POSTGRES = URL.startswith(("postgresql://", "postgres://"))


def sqlite_only(reason: str):
    """Skip on PostgreSQL, saying why (the test checks SQLite's own behaviour)."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"SQLite only: {reason}")


def _url_for(name: str) -> str:
    """TEST_DATABASE_URL with another database name (still a postgresql:// URL)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(URL)
    return urlunsplit(parts._replace(path="/" + name))


_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'"
)
_FINGERPRINT = (
    "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema()), (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal), "
    "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = current_schema()), "
    "(SELECT COALESCE(MAX(version), 0) FROM schema_migrations)"
)


class _Server:
    """The test run's databases on the server named by TEST_DATABASE_URL."""

    def __init__(self) -> None:
        import psycopg

        self.run = f"test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.run}_template"
        self._admin = psycopg.connect(URL, autocommit=True)
        self._count = 0
        self._template_ready = False
        self._migrated: set[str] = set()  # copies of the template
        self._clean: list[str] = []  # emptied copies, ready for the next test
        self._template_fingerprint: tuple | None = None

    def _ensure_template(self) -> None:
        if self._template_ready:
            return
        from storage.postgres import PostgresDatabase

        self._admin.execute(f'CREATE DATABASE "{self.template}"')

        async def migrate() -> None:
            db = PostgresDatabase(_url_for(self.template))
            await db.open()
            await db.close()

        asyncio.run(migrate()) if not _loop_running() else _in_thread(migrate)
        import psycopg

        with psycopg.connect(_url_for(self.template), autocommit=True) as conn:
            self._template_fingerprint = self._fingerprint(conn)
        self._template_ready = True

    def create(self, *, migrated: bool) -> str:
        if migrated and self._clean:
            return self._clean.pop()
        self._count += 1
        name = f"{self.run}_{self._count}"
        if migrated:
            self._ensure_template()
            self._admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
            self._migrated.add(name)
        else:
            self._admin.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        self._migrated.discard(name)
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def release(self, name: str) -> None:
        """A test's database back to the pool, emptied, when its schema is still the template's
        (emptying takes ~10 ms; a copy of the template ~20-200 ms, as the server is busy);
        otherwise dropped."""
        if name not in self._migrated or not self._emptied(name):
            self.drop(name)
            return
        self._clean.append(name)

    def _emptied(self, name: str) -> bool:
        import psycopg

        self._admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            with psycopg.connect(_url_for(name), autocommit=True) as conn:
                if self._fingerprint(conn) != self._template_fingerprint:
                    return False  # a test added tables, triggers or functions: not reused
                conn.execute("BEGIN; SET LOCAL session_replication_role = replica")  # no triggers, no key checks
                for (table,) in conn.execute(_TABLES).fetchall():
                    conn.execute(f'DELETE FROM "{table}"')
                conn.execute("COMMIT")
                conn.execute("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S'")
        except psycopg.Error:
            return False  # no right to turn triggers off, or the database is gone: made anew
        return True

    @staticmethod
    def _fingerprint(conn) -> tuple:
        return conn.execute(_FINGERPRINT).fetchone()

    def close(self) -> None:
        for name in self._clean:
            self.drop(name)
        if self._template_ready:
            self.drop(self.template)
        self._admin.close()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_thread(make) -> None:
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(make())
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


_server: _Server | None = None


def server() -> _Server:
    global _server
    if _server is None:
        _server = _Server()
    return _server


class _TestDatabases:
    """Within one test: path -> its PostgreSQL database, created when first opened."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def url_for(self, path: Path | str, *, migrated: bool) -> str:
        key = str(Path(path).resolve())
        if key not in self.names:
            self.names[key] = server().create(migrated=migrated)
        return _url_for(self.names[key])

    def drop_all(self) -> None:
        for name in self.names.values():
            server().release(name)
        self.names.clear()


@pytest.fixture(autouse=True)
def postgres_databases(monkeypatch):
    """Every database opened by path is a PostgreSQL database when TEST_DATABASE_URL is set."""
    if not ON_POSTGRES:
        yield None
        return
    import storage.db
    from storage.postgres import PostgresDatabase

    databases = _TestDatabases()

    class TestPostgresDatabase(PostgresDatabase):
        def __init__(self, path: Path | str):
            super().__init__("postgresql://")
            self.path = self.location = path

        async def open(self, *, migrate_to: int | None = None):
            if not self._opened:
                self.url = self.path = databases.url_for(self.location, migrated=migrate_to is None)
            return await super().open(migrate_to=migrate_to)

    original = storage.db.Database.__new__

    def new(cls, path):
        if cls is storage.db.Database and not str(path).startswith(("postgresql://", "postgres://")):
            return TestPostgresDatabase(path)
        return original(cls, path)

    monkeypatch.setattr(storage.db.Database, "__new__", new)
    try:
        yield databases
    finally:
        databases.drop_all()


def pytest_sessionfinish(session, exitstatus) -> None:
    if _server is not None:
        for name in _extra:
            _server.drop(name)
        _server.close()


async def open_sqlite(path: Path | str, *, migrate_to: int | None = None):
    """An SQLite database whatever TEST_DATABASE_URL says (a test of SQLite files themselves:
    upgrading one in place, copying one into PostgreSQL)."""
    import storage.db

    db = object.__new__(storage.db.Database)
    db.__init__(path)
    return await db.open(migrate_to=migrate_to)


def empty_postgres_database() -> str:
    """A new empty database on the test server (dropped at the end of the run's session)."""
    name = server().create(migrated=False)
    _extra.append(name)
    return _url_for(name)


_extra: list[str] = []
