"""Backups taken while the bot writes, and putting one back."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage import open_database
from storage.backup import BackupError, backup, inspect, restore
from storage.users import UserRepository
from tests.pg_databases import sqlite_only
from tests.test_cli import clean_env, volunteer_bot

# `volunteer-bot backup` and `restore` copy an SQLite file (its backup API, integrity_check); on
# PostgreSQL they point to pg_dump instead (tests/test_cli.py checks that line).
pytestmark = sqlite_only("the SQLite backup API; PostgreSQL is backed up with pg_dump")


async def test_a_backup_taken_during_writes_is_whole_and_consistent(tmp_path):
    path = tmp_path / "live.db"
    db = await open_database(path)
    users = UserRepository(db)
    for n in range(200):
        await users.record_contact(10_000 + n, f"Osoba {n}", None, None, "pl")
    writing = True

    async def keep_writing():
        n = 0
        while writing:
            async with db.transaction() as conn:  # two rows that belong together, in one transaction
                await users.record_contact(20_000 + n, "Para", None, None, "pl")
                await conn.execute(
                    "INSERT INTO coordinators (telegram_id, added_at) VALUES (?, '2026-11-30')", (20_000 + n,)
                )
            n += 1
            await asyncio.sleep(0)
        return n

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    info = await asyncio.to_thread(backup, path, tmp_path / "copy.db")
    writing = False
    written = await writer
    await db.close()

    assert info.path.exists() and info.people >= 200
    copy = sqlite3.connect(info.path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        pairs = copy.execute("SELECT COUNT(*) FROM users WHERE telegram_id >= 20000").fetchone()[0]
        coordinators = copy.execute("SELECT COUNT(*) FROM coordinators").fetchone()[0]
        assert pairs == coordinators <= written  # a snapshot between transactions, never inside one
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, nothing beside it
    finally:
        copy.close()
    assert not (tmp_path / "copy.db.partial").exists()


async def test_restoring_puts_the_backup_back_and_keeps_the_replaced_database(tmp_path):
    path = tmp_path / "bot.db"
    db = await open_database(path)
    await UserRepository(db).record_contact(1, "Przed", None, None, "pl")
    await db.close()
    backup(path, tmp_path / "saved.db")
    db = await open_database(path)
    await UserRepository(db).record_contact(2, "Po", None, None, "pl")
    await db.close()

    info, kept = restore(tmp_path / "saved.db", path)

    assert info.people == 1 and kept is not None and kept.exists()
    db = await open_database(path)
    try:
        assert await UserRepository(db).get(1) is not None
        assert await UserRepository(db).get(2) is None
    finally:
        await db.close()
    old = sqlite3.connect(kept)
    assert old.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2
    old.close()


async def test_restoring_refuses_what_is_not_a_good_backup_and_a_running_bot(tmp_path):
    path = tmp_path / "bot.db"
    await (await open_database(path)).close()
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n" * 100, encoding="utf-8")
    with pytest.raises(BackupError, match="not a database"):
        restore(notes, path)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(BackupError, match="not one of volunteer-bot"):
        inspect(other)
    backup(path, tmp_path / "saved.db")
    db = await open_database(path)  # the bot is running: its log is beside the file
    await UserRepository(db).record_contact(3, "Ktoś", None, None, "pl")
    try:
        with pytest.raises(BackupError, match="the bot is running"):
            restore(tmp_path / "saved.db", path)
    finally:
        await db.close()
    with pytest.raises(BackupError, match="exists already"):
        backup(path, tmp_path / "saved.db")


def test_the_backup_and_restore_commands(tmp_path):
    env = clean_env(DATABASE_URL="sqlite:///bot.db")
    assert volunteer_bot(tmp_path, "coordinators", "add", "42", env=env).returncode == 0
    made = volunteer_bot(tmp_path, "backup", "kopie/2026-11-30.db", env=env)
    assert made.returncode == 0, made.stderr
    assert "backup written to kopie/2026-11-30.db" in made.stdout
    again = volunteer_bot(tmp_path, "backup", "kopie/2026-11-30.db", env=env)
    assert again.returncode == 1 and "exists already" in again.stderr and "Traceback" not in again.stderr
    back = volunteer_bot(tmp_path, "restore", "kopie/2026-11-30.db", env=env)
    assert back.returncode == 0, back.stderr
    assert "the database it replaced is kept as" in back.stdout
    listed = volunteer_bot(tmp_path, "coordinators", "list", env=env)
    assert "42\tcoordinator" in listed.stdout
