"""The database: migrations, pragmas, transactions and the repositories, without Telegram."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import open_database, schema_info
from storage.coordinators import CoordinatorRepository
from storage.migrations import available_migrations
from storage.users import UserRepository

STORAGE = Path(__file__).resolve().parent.parent / "storage"


async def test_an_empty_database_is_migrated_to_the_latest_version(tmp_path):
    db = await open_database(tmp_path / "new.db")
    try:
        latest = available_migrations()[-1].version
        assert await db.schema_version() == latest
        rows = await db.fetch_all("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == list(range(1, latest + 1))
        if db.engine == "sqlite":  # SQLite's own settings (PostgreSQL has no such switches)
            assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
            assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
            assert (await db.fetch_one("PRAGMA busy_timeout"))[0] >= 1000
        assert await db.integrity_check() == "ok"
    finally:
        await db.close()


async def test_a_database_at_an_earlier_version_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    db = await open_database(path, migrate_to=1)
    assert await db.schema_version() == 1
    async with db.transaction() as conn:
        assert "flow_state" not in await schema_info.table_names(conn)
    await UserRepository(db).record_contact(7, "Zofia", "Ząbek", "zofia", "pl")
    await CoordinatorRepository(db).add(7)
    await db.close()

    db = await open_database(path)
    try:
        assert await db.schema_version() == available_migrations()[-1].version
        async with db.transaction() as conn:
            assert "flow_state" in await schema_info.table_names(conn)
        user = await UserRepository(db).get(7)
        assert user is not None and user.full_name == "Zofia Ząbek"
        assert await CoordinatorRepository(db).is_coordinator(7)
    finally:
        await db.close()


async def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "again.db"
    await (await open_database(path)).close()
    db = await open_database(path)
    try:
        count = (await db.fetch_one("SELECT COUNT(*) FROM schema_migrations"))[0]
        assert count == len(available_migrations())
    finally:
        await db.close()


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    db = await open_database(tmp_path / "tx.db")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO coordinators (telegram_id, added_at) VALUES (1, 'now')")
                raise RuntimeError("boom")
        assert await CoordinatorRepository(db).list() == []
    finally:
        await db.close()


async def test_contact_is_written_only_when_something_changed(tmp_path):
    db = await open_database(tmp_path / "users.db")
    users = UserRepository(db)
    try:
        start = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
        first = await users.record_contact(5, "Jan", None, None, "pl", now=start)
        same = await users.record_contact(5, "Jan", None, None, "pl", now=start + timedelta(minutes=5))
        assert same.last_seen_at == first.last_seen_at  # no write for an ordinary message
        later = await users.record_contact(5, "Jan", None, None, "pl", now=start + timedelta(hours=2))
        assert later.last_seen_at == start + timedelta(hours=2)
        renamed = await users.record_contact(5, "Janek", None, None, "pl", now=start + timedelta(hours=2))
        assert renamed.first_name == "Janek"

        await users.mark_unreachable(5, now=start)
        assert (await users.get(5)).unreachable_at == start
        again = await users.record_contact(5, "Janek", None, None, "pl", now=start + timedelta(hours=2))
        assert again.unreachable_at is None  # writing again makes them reachable

        await users.set_locale(5, "uk")
        assert (await users.get(5)).chosen_locale == "uk"
    finally:
        await db.close()


async def test_coordinators_are_added_once_and_removed(tmp_path):
    db = await open_database(tmp_path / "roles.db")
    repo = CoordinatorRepository(db)
    try:
        assert await repo.add(11, added_by=1) is True
        assert await repo.add(11) is False
        assert [c.telegram_id for c in await repo.list()] == [11]
        assert await repo.remove(11) is True
        assert await repo.remove(11) is False
        assert not await repo.is_coordinator(11)
    finally:
        await db.close()


def test_storage_knows_nothing_of_telegram():
    for path in STORAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("telegram", "bot", "handlers")), f"{path}: {name}"
