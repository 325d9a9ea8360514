"""A guarded change of status, shared by organisations and requests for support: it happens only
from an allowed status, so of two people acting at once the second is refused with the status now."""

from __future__ import annotations


class Refused(Exception):
    """A change refused: the thing is not in a state that allows it (`status`: what it is now)."""

    def __init__(self, status: str | None):
        super().__init__(status)
        self.status = status


async def move_status(
    conn, table: str, row_id: int, allowed: tuple[str, ...], to: str, stamp: str, decision: tuple | None = None
) -> None:
    """The status changes only from one of `allowed` (two people acting at once: the second is
    Refused with the status now). `decision`: (who, note) also kept as the decision."""
    marks = ", ".join("?" for _ in allowed)
    extra, params = "", ()
    if decision is not None:
        extra, params = ", decided_at = ?, decided_by = ?, decision_note = ?", (stamp, *decision)
    cursor = await conn.execute(
        f"UPDATE {table} SET status = ?, updated_at = ?{extra} WHERE id = ? AND status IN ({marks})",
        (to, stamp, *params, row_id, *allowed),
    )
    if cursor.rowcount != 1:
        current = await (await conn.execute(f"SELECT status FROM {table} WHERE id = ?", (row_id,))).fetchone()
        raise Refused(current["status"] if current else None)
