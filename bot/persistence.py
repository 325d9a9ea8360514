"""python-telegram-bot persistence in the bot's own SQLite database.

Conversation states and user data are JSON, so they survive restarts and upgrades of Python
or PTB. User data holds only small scratch values of a conversation in progress (e.g. which
application a coordinator is writing a reason for); everything worth keeping lives in the bot's
own tables. Chat and bot data are not used; nor is callback data (buttons carry short,
re-checked strings instead).
"""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage import Database
from storage.persistence_store import BOT_DATA, CHAT_DATA, USER_DATA, PersistenceStore


class SQLitePersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, db: Database, update_interval: float = 5.0):
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._store = PersistenceStore(db)
        self._conversations: dict[str, dict[tuple, Any]] = {}
        # PTB hands over every user's data after each of their updates, changed or not;
        # only real changes are written.
        self._user_data_written: dict[int, str] = {}

    async def get_user_data(self) -> dict[int, dict]:
        documents = await self._store.all_documents(USER_DATA)
        self._user_data_written = {user_id: _fingerprint(data) for user_id, data in documents.items()}
        return documents

    async def get_chat_data(self) -> dict[int, dict]:
        return await self._store.all_documents(CHAT_DATA)

    async def get_bot_data(self) -> dict:
        return (await self._store.all_documents(BOT_DATA)).get(1, {})

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        if name not in self._conversations:
            self._conversations[name] = await self._store.conversations(name)
        return deepcopy(self._conversations[name])

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        known = self._conversations.setdefault(name, {})
        if known.get(key) == new_state:  # unchanged, or already gone
            return
        if new_state is None:
            known.pop(key, None)
        else:
            known[key] = new_state
        await self._store.set_conversation(name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        fingerprint = _fingerprint(data)
        if self._user_data_written.get(user_id) == fingerprint:
            return
        await self._store.set_document(USER_DATA, user_id, data)
        self._user_data_written[user_id] = fingerprint

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._store.set_document(CHAT_DATA, chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        await self._store.set_document(BOT_DATA, 1, data)

    async def update_callback_data(self, data: Any) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._store.drop_document(CHAT_DATA, chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self._user_data_written.pop(user_id, None)
        await self._store.drop_document(USER_DATA, user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        pass  # every update is written through at once


def _fingerprint(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
