"""How people are named to coordinators: the full name from their application, else the name
they have in Telegram, else their id; with the contact details they gave in the application.

One query for any number of people (lists, CSVs and the audit log name many at once), so every
place that names someone uses `PeopleDirectory.named` rather than reading users one by one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from storage.db import Database

NAME_FIELD = "full_name"


@dataclass(frozen=True)
class Person:
    telegram_id: int
    name: str  # what coordinators read: the application's full name, else the Telegram name
    telegram_name: str
    username: str | None
    email: str | None
    phone: str | None
    known: bool  # False once the account is deleted (or for an id the bot never saw)

    @property
    def label(self) -> str:
        """The name with the Telegram username, for lists and buttons."""
        return f"{self.name} (@{self.username})" if self.username else self.name

    def contact_cells(self) -> tuple[str, str, str, str]:
        """Name, e-mail, phone and Telegram name: the first columns of a coordinator's CSV."""
        return (self.name, self.email or "", self.phone or "", self.telegram_name)


def _answer(raw: str | None) -> str | None:
    """An answer is stored as JSON; only a non-blank string names or reaches someone."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return (value.strip() or None) if isinstance(value, str) else None


# The newest answer to one field among a person's applications (drafts too: a name typed and
# not yet sent is still their name). Served by applications_by_user and the answers' key.
_LATEST_ANSWER = """(SELECT ans.value FROM applications a
    JOIN application_answers ans ON ans.application_id = a.id AND ans.field_id = ?
    WHERE a.telegram_id = CAST(w.value AS INTEGER) AND ans.value IS NOT NULL ORDER BY a.id DESC LIMIT 1)"""


class PeopleDirectory:
    def __init__(self, db: Database, email_field: str | None = "email", phone_field: str | None = "phone"):
        self._db = db
        self._fields = (NAME_FIELD, email_field or "", phone_field or "")

    async def named(self, telegram_ids: Iterable[int | None]) -> dict[int, Person]:
        """Every id given (None is skipped), named; one query however many there are."""
        wanted = sorted({int(i) for i in telegram_ids if i is not None})
        if not wanted:
            return {}
        rows = await self._db.fetch_all(
            f"""
            SELECT CAST(w.value AS INTEGER) AS telegram_id, u.telegram_id AS known, u.first_name, u.last_name,
                   u.username, {_LATEST_ANSWER} AS name, {_LATEST_ANSWER} AS email, {_LATEST_ANSWER} AS phone
            FROM json_each(?) w LEFT JOIN users u ON u.telegram_id = CAST(w.value AS INTEGER)
            """,
            (*self._fields, json.dumps(wanted)),
        )
        people = {}
        for row in rows:
            telegram_id = int(row["telegram_id"])
            telegram_name = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
            people[telegram_id] = Person(
                telegram_id=telegram_id,
                name=_answer(row["name"]) or telegram_name or str(telegram_id),
                telegram_name=telegram_name,
                username=row["username"],
                email=_answer(row["email"]),
                phone=_answer(row["phone"]),
                known=row["known"] is not None,
            )
        return people

    async def one(self, telegram_id: int) -> Person:
        return (await self.named([telegram_id]))[telegram_id]
