"""What the panel keeps beside an application for the coordinators: internal notes, and the
templates of reasons for not accepting (Polish required, other languages falling back to it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time

NOTE_LIMIT = 2000
TITLE_LIMIT = 80
LOCALES = ("pl", "en", "uk")


@dataclass(frozen=True)
class Note:
    id: int
    author_id: int
    at: datetime
    text: str


@dataclass(frozen=True)
class ReasonTemplate:
    id: int
    title: str
    texts: dict[str, str]  # locale -> text; "pl" always there

    def text_for(self, locale: str) -> str:
        return self.texts.get(locale) or self.texts["pl"]


class ApplicationNotes:
    def __init__(self, db: Database):
        self._db = db

    async def add(self, application_id: int, author_id: int, text: str, now: datetime) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO application_notes (application_id, author_id, at, text) VALUES (?, ?, ?, ?) RETURNING id",
                (application_id, author_id, to_db_time(now), text),
            )
            return (await cursor.fetchone())[0]

    async def of(self, application_id: int) -> list[Note]:
        rows = await self._db.fetch_all(
            "SELECT id, author_id, at, text FROM application_notes WHERE application_id = ? ORDER BY id",
            (application_id,),
        )
        return [Note(r[0], r[1], from_db_time(r[2]), r[3]) for r in rows]


class ReasonTemplates:
    def __init__(self, db: Database):
        self._db = db

    async def all(self) -> list[ReasonTemplate]:
        rows = await self._db.fetch_all(
            "SELECT id, title, text_pl, text_en, text_uk FROM rejection_templates WHERE deleted_at IS NULL "
            "ORDER BY title, id"
        )
        return [_template(r) for r in rows]

    async def get(self, template_id: int) -> ReasonTemplate | None:
        row = await self._db.fetch_one(
            "SELECT id, title, text_pl, text_en, text_uk FROM rejection_templates WHERE id = ? AND deleted_at IS NULL",
            (template_id,),
        )
        return _template(row) if row else None

    async def save(
        self, template_id: int | None, title: str, texts: dict[str, str], author_id: int, now: datetime
    ) -> int | None:
        """A new template (template_id None) or a changed one; None when it no longer exists."""
        values = (title, texts["pl"], texts.get("en") or None, texts.get("uk") or None, author_id, to_db_time(now))
        async with self._db.transaction() as conn:
            if template_id is None:
                cursor = await conn.execute(
                    "INSERT INTO rejection_templates (title, text_pl, text_en, text_uk, updated_by, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    values,
                )
                return (await cursor.fetchone())[0]
            cursor = await conn.execute(
                "UPDATE rejection_templates SET title = ?, text_pl = ?, text_en = ?, text_uk = ?, updated_by = ?, "
                "updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                (*values, template_id),
            )
            return template_id if cursor.rowcount == 1 else None

    async def delete(self, template_id: int, author_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE rejection_templates SET deleted_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL",
            (to_db_time(now), author_id, template_id),
        )
        return changed > 0


def _template(row) -> ReasonTemplate:
    texts = {locale: text for locale, text in zip(LOCALES, (row[2], row[3], row[4]), strict=True) if text}
    return ReasonTemplate(row[0], row[1], texts)
