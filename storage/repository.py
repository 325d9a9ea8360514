"""What the repositories share: the database they work on, and one row read and turned into a record."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from storage.db import Database

T = TypeVar("T")


class Repository:
    def __init__(self, db: Database):
        self._db = db

    async def _one(self, record: Callable[[sqlite3.Row], T], sql: str, params: Iterable[Any] = ()) -> T | None:
        """The row `sql` finds as a record (`record` turns it into one); None when there is none."""
        row = await self._db.fetch_one(sql, params)
        return record(row) if row else None
