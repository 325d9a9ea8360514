"""How the database runs statements: a writing and a reading connection on the loop's thread,
transactions that nest by joining, another process's write lock waited for without blocking the
loop, and WAL checkpoints done off the loop."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

import storage.db as storage_db
from storage import open_database
from storage.coordinators import CoordinatorRepository
from tests.pg_databases import ON_POSTGRES, sqlite_only

INSERT = "INSERT INTO coordinators (telegram_id, added_at) VALUES (?, '2026-11-30T12:00:00+00:00')"


async def test_a_read_outside_a_transaction_sees_only_what_is_committed(tmp_path):
    db = await open_database(tmp_path / "db.sqlite")
    coordinators = CoordinatorRepository(db)
    inside, released = asyncio.Event(), asyncio.Event()

    async def writer():
        async with db.transaction() as conn:
            await conn.execute(INSERT, (1,))
            inside.set()
            await released.wait()  # another task reads while this transaction is open

    try:
        task = asyncio.create_task(writer())
        await inside.wait()
        assert await coordinators.list() == []  # not waiting for the writer, not seeing half of it
        released.set()
        await task
        assert [c.telegram_id for c in await coordinators.list()] == [1]
    finally:
        await db.close()


async def test_a_transaction_joins_the_one_its_task_is_in_and_rolls_back_whole(tmp_path):
    db = await open_database(tmp_path / "db.sqlite")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(INSERT, (1,))
                await db.execute(INSERT, (2,))  # joins: no transaction of its own
                assert (await db.fetch_one("SELECT COUNT(*) FROM coordinators"))[0] == 2  # reads its own writes
                raise RuntimeError("the step failed")
        assert await db.fetch_all("SELECT telegram_id FROM coordinators") == []
        assert await db.execute(INSERT, (3,)) == 1  # and the connection is usable again
    finally:
        await db.close()


@sqlite_only("another process's lock on the SQLite file; the PostgreSQL form follows")
async def test_another_process_holding_the_write_lock_is_waited_for_without_blocking_the_loop(tmp_path):
    path = tmp_path / "db.sqlite"
    db = await open_database(path)
    other = sqlite3.connect(path, isolation_level=None)  # another process, as SQLite sees it
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(INSERT, (1,))
        write = asyncio.create_task(db.execute(INSERT, (2,)))
        ticks = 0
        while not write.done() and ticks < 20:  # the loop keeps running other work meanwhile
            await asyncio.sleep(0.001)
            ticks += 1
        assert not write.done() and ticks == 20
        other.execute("COMMIT")
        assert await write == 1
        rows = await db.fetch_all("SELECT telegram_id FROM coordinators ORDER BY telegram_id")
        assert [r[0] for r in rows] == [1, 2]
    finally:
        other.close()
        await db.close()


@sqlite_only("SQLite's busy timeout; PostgreSQL waits for the write lock while its holder lives")
async def test_a_lock_held_too_long_fails_the_write_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 30)
    path = tmp_path / "db.sqlite"
    db = await open_database(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await db.execute(INSERT, (2,))
        other.execute("ROLLBACK")
        assert await db.execute(INSERT, (2,)) == 1
    finally:
        other.close()
        await db.close()


@sqlite_only("SQLite's WAL checkpoints; PostgreSQL writes its files itself")
async def test_writes_reach_the_database_file_through_a_checkpoint_off_the_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_db, "CHECKPOINT_EVERY_S", 0.01)
    checkpoints = []
    real = storage_db._checkpoint

    def spy(path):
        checkpoints.append(path)
        real(path)

    monkeypatch.setattr(storage_db, "_checkpoint", spy)
    path = tmp_path / "db.sqlite"
    db = await open_database(path)

    def in_the_file_itself() -> list[int]:  # immutable=1 reads the main file and ignores the WAL
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return [r[0] for r in conn.execute("SELECT telegram_id FROM coordinators")]
        finally:
            conn.close()

    try:
        await db.execute(INSERT, (5,))
        assert in_the_file_itself() == []  # committed to the WAL only: no checkpoint on the loop
        for _ in range(500):
            if checkpoints:
                break
            await asyncio.sleep(0.01)
        assert checkpoints and in_the_file_itself() == [5]
    finally:
        await db.close()


@sqlite_only("an SQLite file name")
async def test_an_in_memory_database_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(ValueError, match="must be a file"):
        await open_database(":memory:")


async def test_a_long_read_runs_off_the_loop_and_sees_what_is_committed(tmp_path):
    db = await open_database(tmp_path / "db.sqlite")
    try:
        await db.execute(INSERT, (1,))
        rows = await db.fetch_all_off_the_loop("SELECT telegram_id FROM coordinators")
        assert [r["telegram_id"] for r in rows] == [1]
        with pytest.raises(RuntimeError, match="cannot see this transaction"):
            async with db.transaction():
                await db.fetch_all_off_the_loop("SELECT 1")
    finally:
        await db.close()


postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: set TEST_DATABASE_URL")


@postgres_only
async def test_postgresql_another_process_holding_the_write_lock_is_waited_for_without_blocking_the_loop(tmp_path):
    import psycopg

    from storage.postgres import WRITE_LOCK

    db = await open_database(tmp_path / "db.sqlite")
    other = await psycopg.AsyncConnection.connect(db.url, autocommit=True)  # another replica
    try:
        await other.execute("BEGIN")
        await other.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        await other.execute("INSERT INTO coordinators (telegram_id, added_at) VALUES (1, '2026-11-30')")
        write = asyncio.create_task(db.execute(INSERT, (2,)))
        ticks = 0
        while not write.done() and ticks < 20:  # the loop keeps running other work meanwhile
            await asyncio.sleep(0.001)
            ticks += 1
        assert not write.done() and ticks == 20
        await other.execute("COMMIT")
        assert await write == 1
        rows = await db.fetch_all("SELECT telegram_id FROM coordinators ORDER BY telegram_id")
        assert [r[0] for r in rows] == [1, 2]
    finally:
        await other.close()
        await db.close()


@postgres_only
async def test_postgresql_connections_lost_with_a_restart_are_replaced_with_one_line(tmp_path, caplog):
    """The server ended every connection of the bot (as a restart does): the next read and the
    next write each connect again, with one warning apiece, and nothing is lost."""
    import psycopg

    db = await open_database(tmp_path / "db.sqlite")
    try:
        await db.execute(INSERT, (1,))
        assert (await db.fetch_one("SELECT COUNT(*) FROM coordinators"))[0] == 1
        async with await psycopg.AsyncConnection.connect(db.url, autocommit=True) as admin:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        await asyncio.sleep(0.05)
        with caplog.at_level("WARNING", logger="storage.postgres"):
            assert (await db.fetch_one("SELECT COUNT(*) FROM coordinators"))[0] == 1
            assert await db.execute(INSERT, (2,)) == 1
        lost = [r for r in caplog.records if "connection lost" in r.getMessage()]
        assert len(lost) == 2, [r.getMessage() for r in lost]
        assert (await db.fetch_one("SELECT COUNT(*) FROM coordinators"))[0] == 2
    finally:
        await db.close()
