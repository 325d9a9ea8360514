"""The schema as the migrations leave it: every foreign key is indexed."""

from __future__ import annotations

from storage import open_database


async def test_every_foreign_key_has_an_index_led_by_its_column(tmp_path):
    db = await open_database(tmp_path / "schema.db")
    try:
        rows = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [r[0] for r in rows]
        assert "agreements" in tables
        missing = []
        for table in tables:
            leading = set()
            for index in await db.fetch_all(f"PRAGMA index_list({table})"):
                columns = await db.fetch_all(f"PRAGMA index_info({index['name']})")
                if columns:
                    leading.add(min(columns, key=lambda c: c["seqno"])["name"])
            columns = await db.fetch_all(f"PRAGMA table_info({table})")
            key = sorted((c for c in columns if c["pk"]), key=lambda c: c["pk"])
            if key:
                leading.add(key[0]["name"])
            for foreign in await db.fetch_all(f"PRAGMA foreign_key_list({table})"):
                if foreign["from"] not in leading:
                    missing.append(f"{table}.{foreign['from']} -> {foreign['table']}")
        assert missing == [], f"foreign keys without an index: {missing}"
    finally:
        await db.close()
