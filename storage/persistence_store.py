"""Storage for python-telegram-bot's persistence, as JSON documents (no Telegram types here)."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database, to_db_time, utcnow


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class PersistenceStore:
    def __init__(self, db: Database):
        self._db = db

    async def conversations(self, name: str) -> dict[tuple, Any]:
        rows = await self._db.fetch_all("SELECT key, state FROM bot_conversations WHERE name = ?", (name,))
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def set_conversation(self, name: str, key: tuple, state: Any | None) -> None:
        key_json = _dump(list(key))
        if state is None:
            await self._db.execute("DELETE FROM bot_conversations WHERE name = ? AND key = ?", (name, key_json))
            return
        await self._db.execute(
            "INSERT INTO bot_conversations (name, key, state, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (name, key_json, _dump(state), to_db_time(utcnow())),
        )

    async def all_documents(self, table: str) -> dict[int, Any]:
        id_column = _ID_COLUMNS[table]
        rows = await self._db.fetch_all(f"SELECT {id_column} AS id, data FROM {table}")
        return {int(r["id"]): json.loads(r["data"]) for r in rows}

    async def set_document(self, table: str, doc_id: int, data: Any) -> None:
        id_column = _ID_COLUMNS[table]
        await self._db.execute(
            f"INSERT INTO {table} ({id_column}, data, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT ({id_column}) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (doc_id, _dump(data), to_db_time(utcnow())),
        )

    async def drop_document(self, table: str, doc_id: int) -> None:
        id_column = _ID_COLUMNS[table]
        await self._db.execute(f"DELETE FROM {table} WHERE {id_column} = ?", (doc_id,))


USER_DATA = "bot_user_data"
CHAT_DATA = "bot_chat_data"
BOT_DATA = "bot_data"
_ID_COLUMNS = {USER_DATA: "user_id", CHAT_DATA: "chat_id", BOT_DATA: "id"}
