"""The schema as the migrations leave it: every foreign key is indexed (on either engine: the
catalogue is read through storage/schema_info.py)."""

from __future__ import annotations

from storage import open_database, schema_info


async def test_every_foreign_key_has_an_index_led_by_its_column(tmp_path):
    db = await open_database(tmp_path / "schema.db")
    try:
        async with db.transaction() as conn:
            tables = await schema_info.table_names(conn)
            assert "agreements" in tables
            missing = []
            for table in tables:
                leading = await schema_info.index_leading_columns(conn, table)
                for column, parent, _ in await schema_info.foreign_keys(conn, table):
                    if column not in leading:
                        missing.append(f"{table}.{column} -> {parent}")
        assert missing == [], f"foreign keys without an index: {missing}"
    finally:
        await db.close()


async def test_every_table_about_a_person_is_indexed_by_the_person(tmp_path):
    """Erasing someone touches every such table: each must be an index lookup, not a scan."""
    db = await open_database(tmp_path / "people.db")
    try:
        unindexed = []
        async with db.transaction() as conn:
            for table in await schema_info.table_names(conn):
                if "telegram_id" not in await schema_info.column_names(conn, table):
                    continue
                if "telegram_id" not in await schema_info.index_leading_columns(conn, table):
                    unindexed.append(table)
        assert unindexed == [], f"tables about a person without an index on telegram_id: {unindexed}"
    finally:
        await db.close()


async def test_retention_deletes_in_small_transactions_and_lets_others_run_between(tmp_path, monkeypatch):
    import asyncio
    from datetime import UTC, datetime, timedelta

    from storage import privacy
    from storage.applications import ApplicationRepository
    from storage.users import UserRepository

    monkeypatch.setattr(privacy, "PURGE_BATCH", 7)
    db = await open_database(tmp_path / "retention.db")
    try:
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        for n in range(30):
            await UserRepository(db).record_contact(500 + n, "Osoba", None, None, "pl", now=long_ago)
            await ApplicationRepository(db).start_draft(500 + n, "full_name", now=long_ago)
        commits, ticks = [], 0
        real = db.transaction

        def counting():
            commits.append(ticks)
            return real()

        monkeypatch.setattr(db, "transaction", counting)
        done = False

        async def someone_else():
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0)

        other = asyncio.create_task(someone_else())
        counts = await privacy.purge_old(
            db, long_ago + timedelta(days=400), draft_days=30, closed_days=365, agreement_years=5
        )
        done = True
        await other
        assert counts["drafts"] == 30
        drafts = commits[:5]  # 7 + 7 + 7 + 7 + 2: five transactions for the drafts
        assert len(set(drafts)) == 5, drafts  # the other task ran between every two of them
        assert (await db.fetch_one("SELECT COUNT(*) FROM applications"))[0] == 0
    finally:
        await db.close()
