"""`volunteer-bot migrate-to postgresql://...`: an SQLite database with rows in every table copied into
an empty PostgreSQL database; the bot on PostgreSQL then has the same data and goes on numbering
after the copied ids. Needs a PostgreSQL server: TEST_DATABASE_URL (`.ci/run` starts one)."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from bot.app import build_application
from bot.cli import main
from bot.config import Settings
from bot.double import BotApiDouble, running
from bot.migrate_to import MigrateRefused, migrate_to
from storage import open_database
from storage.applications import ApplicationRepository
from storage.coordinators import CoordinatorRepository
from storage.users import UserRepository
from tests.pg_databases import ON_POSTGRES, empty_postgres_database, open_sqlite
from tests.schema_filler import fill

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server: set TEST_DATABASE_URL")
ZOFIA = 4242


async def _sqlite_with_data(path) -> dict[str, int]:
    db = await open_sqlite(path)
    try:
        await UserRepository(db).record_contact(ZOFIA, "Zofia", "Ząbek", "zofia", "pl")
        await CoordinatorRepository(db).add(ZOFIA)
    finally:
        await db.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        return fill(conn)


async def test_every_table_is_copied_and_the_bot_on_postgresql_has_the_same_data(tmp_path):
    source = tmp_path / "bot.db"
    counts = await _sqlite_with_data(source)
    url = empty_postgres_database()
    said: list[str] = []
    copied = await migrate_to(source, url, said.append)

    assert [t for t, n in counts.items() if copied.get(t) != n] == []  # every table, every row
    assert f"users: {counts['users']} rows" in said and said[-1].startswith(f"copied {sum(counts.values())} rows")
    db = await open_database(url)
    try:
        user = await UserRepository(db).get(ZOFIA)
        assert user is not None and user.full_name == "Zofia Ząbek"
        highest = (await db.fetch_one("SELECT MAX(id) FROM applications"))[0]
        await UserRepository(db).record_contact(555, "Nowa", None, None, "pl")
        draft = await ApplicationRepository(db).start_draft(555, "full_name")  # numbered after the copy
        assert draft.id > highest
        with contextlib.closing(sqlite3.connect(source)) as conn:
            first = conn.execute("SELECT id, status, created_at FROM applications ORDER BY id LIMIT 1").fetchone()
        row = await db.fetch_one("SELECT id, status, created_at FROM applications ORDER BY id LIMIT 1")
        assert tuple(row) == first
        # The filler's made-up delivered updates would have the double's update ids: forget them.
        await db.execute("DELETE FROM update_inbox")
    finally:
        await db.close()

    double = BotApiDouble()  # the bot itself, on PostgreSQL: Zofia is still a coordinator
    async with running(build_application(Settings(database_url=url), double), double):
        zofia = double.user(user_id=ZOFIA, first_name="Zofia", language_code="pl")
        await zofia.send("/koordynator")
        assert "tylko dla osób koordynujących" not in zofia.last.text
        assert zofia.last.buttons


async def test_a_target_that_is_not_empty_or_at_another_version_is_refused(tmp_path):
    source = tmp_path / "bot.db"
    await _sqlite_with_data(source)
    url = empty_postgres_database()
    await migrate_to(source, url, lambda line: None)
    with pytest.raises(MigrateRefused, match="not empty"):
        await migrate_to(source, url, lambda line: None)

    other = empty_postgres_database()
    await (await open_database(other)).close()  # migrated by this release...
    old = tmp_path / "old.db"
    await (await open_sqlite(old, migrate_to=20)).close()  # ...and a database of an older one
    with pytest.raises(MigrateRefused, match="schema version"):
        await migrate_to(old, other, lambda line: None)


async def test_a_database_a_bot_is_running_on_is_refused(tmp_path):
    source = tmp_path / "bot.db"
    await (await open_sqlite(source)).close()
    with contextlib.closing(sqlite3.connect(source)) as conn:
        conn.execute(
            "INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at) "
            "VALUES ('poller', '4242@another-host', '2026-01-01', '2026-01-01', '9999-12-31T00:00:00+00:00')"
        )
        conn.commit()
    with pytest.raises(MigrateRefused, match="a bot is running on this database"):
        await migrate_to(source, empty_postgres_database(), lambda line: None)


def test_the_command_names_what_it_refuses_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(tmp_path / "missing.db"))
    assert main(["migrate-to", empty_postgres_database()]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"volunteer-bot: migrate-to: there is no SQLite database at {tmp_path / 'missing.db'}"]
    assert main(["migrate-to", "mysql://x"]) == 1
    assert capsys.readouterr().err.strip() == "volunteer-bot: migrate-to: give a postgresql:// URL to copy into"
