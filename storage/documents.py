"""Verifiable documents: the code each agreement and attestation carries, what it states, and
whether it is still valid.

A code is 12 characters drawn with `secrets` from an alphabet without look-alikes (no 0/O, 1/I):
60 random bits, so codes cannot be guessed or enumerated, and no sequential id is ever shown.
The code is printed outside the fingerprinted text, so the text and its SHA-256 stay as they were.

A document's facts are a JSON object written when it is issued (what the document states: issuer,
programme, the person's name, the period, hours where it states them). Other parts may add keys
(the hours ledger: the kinds of work); `handlers/document_verify.py` shows the keys it knows.

A document is valid until a coordinator revokes it or replaces it (a new document, a new code;
the old one then names its replacement). An agreement's document also follows its agreement: an
offer taken back before acceptance leaves its code pointing at a text no longer offered.
Each verification adds one to a counter; who checked is never stored.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from storage.db import from_db_time, to_db_time
from storage.repository import Repository

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CODE_LENGTH = 12


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """The code in `text` as stored ("abcd-efgh 2345" → "ABCDEFGH2345"), or None when it cannot be one."""
    if not text:
        return None
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """For reading aloud and typing: ABCD-EFGH-2345."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class Kind(StrEnum):
    AGREEMENT = "agreement"
    ATTESTATION = "attestation"


class Standing(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    REPLACED = "replaced"
    PENDING = "pending"  # an agreement offered, not accepted yet
    WITHDRAWN = "withdrawn"  # an agreement's offer taken back before acceptance


@dataclass(frozen=True)
class Document:
    id: int
    code: str
    kind: Kind
    telegram_id: int
    agreement_id: int
    attestation_id: int | None
    number: str
    text_sha256: str
    facts: dict[str, Any]
    issued_at: datetime
    issued_by: int | None
    revoked_at: datetime | None
    revoked_by: int | None
    replaced_by: int | None
    replaced_at: datetime | None
    verifications: int

    @property
    def current(self) -> bool:
        """Neither revoked nor replaced: the one a coordinator may still revoke or replace."""
        return self.revoked_at is None and self.replaced_by is None


@dataclass(frozen=True)
class Verification:
    """A document as a verifier sees it, with what its standing depends on."""

    document: Document
    agreement_state: str
    agreement_text_sha256: str | None
    agreement_start: date
    agreement_end: date
    agreement_ended_on: date | None
    replacement_number: str | None
    replacement_issued_at: datetime | None

    @property
    def standing(self) -> Standing:
        return standing(self)


def standing(v: Verification) -> Standing:
    doc = v.document
    if doc.revoked_at is not None:
        return Standing.REVOKED
    if doc.replaced_by is not None:
        return Standing.REPLACED
    if doc.kind == Kind.AGREEMENT:
        if v.agreement_text_sha256 != doc.text_sha256:
            return Standing.WITHDRAWN
        if v.agreement_state == "offered":
            return Standing.PENDING
    return Standing.VALID


def _document(row: sqlite3.Row) -> Document:
    return Document(
        id=row["id"],
        code=row["code"],
        kind=Kind(row["kind"]),
        telegram_id=row["telegram_id"],
        agreement_id=row["agreement_id"],
        attestation_id=row["attestation_id"],
        number=row["number"],
        text_sha256=row["text_sha256"],
        facts=json.loads(row["facts"]),
        issued_at=from_db_time(row["issued_at"]),
        issued_by=row["issued_by"],
        revoked_at=from_db_time(row["revoked_at"]),
        revoked_by=row["revoked_by"],
        replaced_by=row["replaced_by"],
        replaced_at=from_db_time(row["replaced_at"]),
        verifications=row["verifications"],
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_VERIFY_SQL = """
SELECT d.*, a.state AS a_state, a.text_sha256 AS a_sha, a.start_date AS a_start, a.end_date AS a_end,
       a.ended_on AS a_ended_on, r.number AS r_number, r.issued_at AS r_issued_at
FROM documents d JOIN agreements a ON a.id = d.agreement_id LEFT JOIN documents r ON r.id = d.replaced_by
WHERE d.{key} = ?
"""


class DocumentRepository(Repository):
    async def issue(
        self,
        kind: Kind,
        *,
        telegram_id: int,
        agreement_id: int,
        number: str,
        text_sha256: str,
        facts: dict[str, Any],
        now: datetime,
        attestation_id: int | None = None,
        issued_by: int | None = None,
        replacing: int | None = None,
    ) -> Document | None:
        """A new document with a fresh code. `replacing`: the document it replaces, in the same
        transaction, only while that one is current (else None and nothing is written)."""
        async with self._db.transaction() as conn:
            if replacing is not None:
                old = await conn.execute(
                    "SELECT 1 FROM documents WHERE id = ? AND revoked_at IS NULL AND replaced_by IS NULL",
                    (replacing,),
                )
                if await old.fetchone() is None:
                    return None
            for _ in range(5):  # a code drawn twice in 2^60 is near impossible; never fail on it
                # ON CONFLICT, not a caught error: on PostgreSQL an error ends the transaction.
                rows = (
                    await conn.execute(
                        "INSERT INTO documents (code, kind, telegram_id, agreement_id, attestation_id, number, "
                        "text_sha256, facts, issued_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (code) DO NOTHING RETURNING id",
                        (
                            new_code(),
                            kind.value,
                            telegram_id,
                            agreement_id,
                            attestation_id,
                            number,
                            text_sha256,
                            json.dumps(facts, ensure_ascii=False, sort_keys=True),
                            to_db_time(now),
                            issued_by,
                        ),
                    )
                )._rows
                if rows:
                    new_id = rows[0][0]
                    break
            else:  # pragma: no cover
                raise RuntimeError("no free document code")
            if replacing is not None:
                await conn.execute(
                    "UPDATE documents SET replaced_by = ?, replaced_at = ? WHERE id = ?",
                    (new_id, to_db_time(now), replacing),
                )
        return await self.get(new_id)

    async def get(self, document_id: int) -> Document | None:
        return await self._one(_document, "SELECT * FROM documents WHERE id = ?", (document_id,))

    async def of_agreement(self, agreement_id: int) -> list[Document]:
        """The agreement's documents and its attestations', newest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM documents WHERE agreement_id = ? ORDER BY id DESC", (agreement_id,)
        )
        return [_document(r) for r in rows]

    async def for_agreement_text(self, agreement_id: int, text_sha256: str) -> Document | None:
        """The newest document issued for the agreement with this text (None: issued before codes)."""
        return await self._one(
            _document,
            "SELECT * FROM documents WHERE agreement_id = ? AND kind = 'agreement' AND text_sha256 = ? "
            "ORDER BY id DESC LIMIT 1",
            (agreement_id, text_sha256),
        )

    async def for_attestation(self, attestation_id: int) -> Document | None:
        return await self._one(
            _document,
            "SELECT * FROM documents WHERE attestation_id = ? ORDER BY id DESC LIMIT 1",
            (attestation_id,),
        )

    async def verify(self, code: str) -> Verification | None:
        """What a verifier sees; counts the check (None: no such code, nothing counted)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE documents SET verifications = verifications + 1 WHERE code = ?", (code,)
            )
            if cursor.rowcount != 1:
                return None
            row = await (await conn.execute(_VERIFY_SQL.format(key="code"), (code,))).fetchone()
        return _verification(row)

    async def inspect(self, document_id: int) -> Verification | None:
        """What a verifier would see, for coordinators (not counted as a verification)."""
        row = await self._db.fetch_one(_VERIFY_SQL.format(key="id"), (document_id,))
        return _verification(row) if row else None

    async def revoke(self, document_id: int, actor_id: int, now: datetime) -> Document | None:
        """Only a current document (None: already revoked or replaced, or gone)."""
        changed = await self._db.execute(
            "UPDATE documents SET revoked_at = ?, revoked_by = ? "
            "WHERE id = ? AND revoked_at IS NULL AND replaced_by IS NULL",
            (to_db_time(now), actor_id, document_id),
        )
        return await self.get(document_id) if changed else None


def _verification(row: sqlite3.Row) -> Verification:
    return Verification(
        document=_document(row),
        agreement_state=row["a_state"],
        agreement_text_sha256=row["a_sha"],
        agreement_start=date.fromisoformat(row["a_start"]),
        agreement_end=date.fromisoformat(row["a_end"]),
        agreement_ended_on=_day(row["a_ended_on"]),
        replacement_number=row["r_number"],
        replacement_issued_at=from_db_time(row["r_issued_at"]),
    )
