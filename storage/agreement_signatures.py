"""What the volunteer accepted in chat, and the written form: the signed copies they upload and
the coordinator's confirmation. A part of AgreementRepository (storage/agreements.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from storage.agreement_model import Acceptance, Agreement, State, StoredFile, TransitionRefused, _file, sha256_text
from storage.agreement_records import AgreementRecords
from storage.db import from_db_time, to_db_time

_FILE_COLUMNS = "id, agreement_id, telegram_id, file_name, mime_type, size, sha256, uploaded_at"


class AgreementSignatures(AgreementRecords):
    async def acceptance(self, agreement_id: int) -> Acceptance | None:
        row = await self._db.fetch_one("SELECT * FROM agreement_acceptances WHERE agreement_id = ?", (agreement_id,))
        if row is None:
            return None
        return Acceptance(
            row["agreement_id"],
            row["telegram_id"],
            row["template_version"],
            row["text_sha256"],
            row["typed_name"],
            from_db_time(row["accepted_at"]),
        )

    async def verify(self, agreement_id: int) -> bool | None:
        """Does the stored text still hash to what was accepted? None: nothing accepted yet."""
        agreement = await self.get(agreement_id)
        acceptance = await self.acceptance(agreement_id)
        if agreement is None or acceptance is None:
            return None
        return agreement.rendered_text is not None and sha256_text(agreement.rendered_text) == acceptance.text_sha256

    # ---- written form ----------------------------------------------------------------------
    async def add_file(
        self,
        agreement_id: int,
        telegram_id: int,
        file_name: str,
        mime_type: str,
        content: bytes,
        now: datetime,
    ) -> StoredFile:
        """A signed copy from the volunteer, only while the written copy is awaited."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT state, written_required, telegram_id FROM agreements WHERE id = ?", (agreement_id,)
            )
            row = await cursor.fetchone()
            if row is None or row["telegram_id"] != telegram_id:
                raise TransitionRefused(None, "owner")
            if row["state"] != State.ACCEPTED or not row["written_required"]:
                raise TransitionRefused(State(row["state"]))
            cursor = await conn.execute(
                "INSERT INTO agreement_files (agreement_id, telegram_id, file_name, mime_type, size, sha256, content, "
                "uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    agreement_id,
                    telegram_id,
                    file_name,
                    mime_type,
                    len(content),
                    hashlib.sha256(content).hexdigest(),
                    content,
                    stamp,
                ),
            )
            file_id = (await cursor.fetchone())[0]
            await self._log(conn, agreement_id, stamp, telegram_id, "file_uploaded", file_name)
        stored = await self.get_file(file_id)
        assert stored is not None
        return stored[0]

    async def files(self, agreement_id: int) -> list[StoredFile]:
        rows = await self._db.fetch_all(
            f"SELECT {_FILE_COLUMNS} FROM agreement_files WHERE agreement_id = ? ORDER BY id", (agreement_id,)
        )
        return [_file(r) for r in rows]

    async def get_file(self, file_id: int) -> tuple[StoredFile, bytes] | None:
        row = await self._db.fetch_one(f"SELECT {_FILE_COLUMNS}, content FROM agreement_files WHERE id = ?", (file_id,))
        return (_file(row), bytes(row["content"])) if row else None

    async def confirm_signed(self, agreement_id: int, actor_id: int, how: str, now: datetime) -> Agreement:
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE agreements SET state = 'signed', signed_at = ?, signed_by = ?, signed_how = ?, updated_at = ? "
                "WHERE id = ? AND state = 'accepted' AND written_required = 1",
                (stamp, actor_id, how, stamp, agreement_id),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(await self._state(conn, agreement_id))
            await self._log(conn, agreement_id, stamp, actor_id, "signed", how)
        signed = await self.get(agreement_id)
        assert signed is not None
        return signed
