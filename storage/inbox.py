"""The update inbox (migration 0025): updates stored before they are confirmed, claimed per person,
marked applied with their effects and done once handled. Knows nothing of Telegram: an update is
its id, its person (the ordering key) and its body as text (bot/inbox.py does the rest).

Every write is a write transaction, serialized on both engines, so a read-then-write here is
correct across processes: two processes never claim the same person's updates at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, to_db_time

# How many pending rows one claim looks at (oldest first); the rest wait for the next claim.
SCAN = 500
PER_PERSON = 50  # a person's updates looked at in one claim; the rest in the next ones


@dataclass(frozen=True)
class Incoming:
    update_id: int
    person: int
    body: str


@dataclass(frozen=True)
class Pending:
    update_id: int
    person: int
    body: str
    applied: bool  # its effects were committed already: handled again, it must not write
    attempts: int


_PENDING_SQL = (
    "SELECT update_id, person, body, received_at, applied_at, attempts, claimed_by, claimed_until "
    "FROM update_inbox WHERE done_at IS NULL"
)
_SCAN_SQL = (
    "SELECT update_id, person, body, received_at, applied_at, attempts, claimed_by, claimed_until FROM ("
    "SELECT update_id, person, body, received_at, applied_at, attempts, claimed_by, claimed_until, "
    "ROW_NUMBER() OVER (PARTITION BY person ORDER BY update_id) AS nth "
    "FROM update_inbox WHERE done_at IS NULL) AS pending WHERE nth <= ? ORDER BY update_id LIMIT ?"
)


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(
        self,
        updates: Sequence[Incoming],
        now: datetime,
        *,
        claim_for: str | None,
        claim_until: datetime,
    ) -> tuple[list[int], list[int]]:
        """Store a batch in one transaction (a known update_id is ignored: a duplicate). With
        `claim_for`, an update whose person has nothing pending but what `claim_for` holds is
        claimed at once. Returns (the ids stored, of those the ones claimed)."""
        stamp, until = to_db_time(now), to_db_time(claim_until)
        stored: list[int] = []
        claimed: list[int] = []
        async with self._db.transaction() as conn:
            for update in updates:
                if claim_for is None:
                    cur = await conn.execute(
                        "INSERT INTO update_inbox (update_id, person, body, received_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (update_id) DO NOTHING",
                        (update.update_id, update.person, update.body, stamp),
                    )
                    if cur.rowcount:
                        stored.append(update.update_id)
                    continue
                # Claimed with the insert only when the person has nothing pending but what this
                # process holds: then this process runs it after those, in order.
                cur = await conn.execute(
                    "INSERT INTO update_inbox (update_id, person, body, received_at, claimed_by, claimed_until) "
                    "SELECT ?, ?, ?, ?, CASE WHEN p.n = 0 THEN ? END, CASE WHEN p.n = 0 THEN ? END "
                    "FROM (SELECT COUNT(*) AS n FROM update_inbox WHERE person = ? AND done_at IS NULL "
                    "AND (claimed_by IS NULL OR claimed_by <> ? OR claimed_until <= ?)) AS p "
                    "WHERE 1 = 1 ON CONFLICT (update_id) DO NOTHING RETURNING claimed_by",
                    (
                        update.update_id,
                        update.person,
                        update.body,
                        stamp,
                        claim_for,
                        until,
                        update.person,
                        claim_for,
                        stamp,
                    ),
                )
                rows = await cur.fetchall()
                if rows:
                    stored.append(update.update_id)
                    if rows[0][0] is not None:
                        claimed.append(update.update_id)
        return stored, claimed

    async def store_refused(self, refused: Sequence[tuple[Incoming, str]], now: datetime) -> None:
        """Updates that cannot be read, kept as handled with why (see bot/inbox.py)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            for update, why in refused:
                await conn.execute(
                    "INSERT INTO update_inbox (update_id, person, body, received_at, done_at, last_error) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING",
                    (update.update_id, update.person, update.body, stamp, stamp, why[:500]),
                )

    async def any_claimable(self, now: datetime) -> bool:
        """A cheap look (a read) before a claim: is anything pending that nobody holds? (What this
        process holds, it is handling.)"""
        row = await self._db.fetch_one(
            "SELECT 1 FROM update_inbox WHERE done_at IS NULL "
            "AND (claimed_until IS NULL OR claimed_until <= ?) LIMIT 1",
            (to_db_time(now),),
        )
        return row is not None

    async def claim(
        self,
        holder: str,
        now: datetime,
        until: datetime,
        *,
        ready_before: datetime,
        busy: Iterable[int] = (),
        persons: int = 64,
        only: int | None = None,
        done: Iterable[int] = (),
        takeover: Iterable[str] = (),
        gaps_wait_until: datetime | None = None,
        in_flight: Iterable[int] = (),
    ) -> dict[int, list[Pending]]:
        """Claim, per person nobody else holds (and not in `busy`, handled here now), the pending
        updates in update_id order up to the first one received after `ready_before`. `only`: just
        that person. `takeover`: holders known to be dead, whose claims are taken at once.
        `in_flight`: updates this process holds and handles already (not claimed again: each claim
        counts as an attempt).

        `gaps_wait_until` (webhook replicas): Telegram numbers a bot's updates one after another,
        so a missing number below a pending update is an update still on its way (to this or
        another replica), and maybe this person's: updates above it wait for it, unless the first
        one above it was received before `gaps_wait_until` (it is not coming: a filtered update,
        or one Telegram gave up)."""
        stamp = to_db_time(now)
        mine = {holder, *takeover}
        ready = to_db_time(ready_before)
        skip = set(busy)
        handling = set(in_flight)
        async with self._db.transaction() as conn:
            await self._mark_done(conn, done, stamp)
            if only is not None:
                cur = await conn.execute(f"{_PENDING_SQL} AND person = ? ORDER BY update_id LIMIT ?", (only, SCAN))
            else:  # at most PER_PERSON of each: one person's backlog cannot fill the scan
                cur = await conn.execute(_SCAN_SQL, (PER_PERSON, SCAN))
            rows = await cur.fetchall()
            held_elsewhere = {
                r["person"]
                for r in rows
                if r["claimed_by"] is not None
                and r["claimed_by"] not in mine
                and r["claimed_until"] is not None
                and r["claimed_until"] > stamp
            }
            blocked = await _first_behind_a_gap(conn, rows, to_db_time(gaps_wait_until)) if gaps_wait_until else None
            chosen: dict[int, list[Pending]] = {}
            stopped: set[int] = set()
            for r in rows:
                person = r["person"]
                if blocked is not None and r["update_id"] >= blocked:
                    break
                if person in skip or person in held_elsewhere or person in stopped or r["update_id"] in handling:
                    continue
                if r["received_at"] > ready:
                    stopped.add(person)  # this and the person's later updates wait for the window
                    continue
                if person not in chosen and len(chosen) >= persons:
                    continue
                chosen.setdefault(person, []).append(_pending(r))
            ids = [p.update_id for rows_ in chosen.values() for p in rows_]
            for part in _chunks(ids, 400):
                marks = ", ".join("?" for _ in part)
                await conn.execute(
                    f"UPDATE update_inbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 "
                    f"WHERE update_id IN ({marks})",
                    (holder, to_db_time(until), *part),
                )
        return chosen

    async def renew(self, holder: str, until: datetime) -> None:
        await self._db.execute(
            "UPDATE update_inbox SET claimed_until = ? WHERE claimed_by = ? AND done_at IS NULL",
            (to_db_time(until), holder),
        )

    async def mark_done(self, update_ids: Iterable[int], now: datetime) -> None:
        async with self._db.transaction() as conn:
            await self._mark_done(conn, update_ids, to_db_time(now))

    async def give_up(self, update_id: int, now: datetime, error: str) -> None:
        """An update that cannot be handled (unparseable, or it failed too often): done, with why."""
        await self._db.execute(
            "UPDATE update_inbox SET done_at = ?, last_error = ?, claimed_until = NULL WHERE update_id = ?",
            (to_db_time(now), error[:500], update_id),
        )

    async def release(self, holder: str) -> int:
        """Let go of this holder's claims (stopping: another process may take them at once)."""
        return await self._db.execute(
            "UPDATE update_inbox SET claimed_until = NULL WHERE claimed_by = ? AND done_at IS NULL",
            (holder,),
        )

    async def holders(self, now: datetime) -> list[str]:
        """Who holds live claims now (to release those of a process known to be dead)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT claimed_by FROM update_inbox WHERE done_at IS NULL AND claimed_until > ?",
            (to_db_time(now),),
        )
        return [r[0] for r in rows if r[0] is not None]

    async def purge(self, before: datetime, limit: int = 2000) -> int:
        """Forget handled updates done before `before` (a duplicate is recognised until then)."""
        return await self._db.execute(
            "DELETE FROM update_inbox WHERE update_id IN (SELECT update_id FROM update_inbox "
            "WHERE done_at IS NOT NULL AND done_at < ? LIMIT ?)",
            (to_db_time(before), limit),
        )

    async def counts(self) -> dict[str, int]:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END), 0) AS pending, "
            "COALESCE(SUM(CASE WHEN applied_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS applied FROM update_inbox"
        )
        return {"total": int(row["total"]), "pending": int(row["pending"]), "applied": int(row["applied"])}

    @staticmethod
    async def _mark_done(conn, update_ids: Iterable[int], stamp: str) -> None:
        ids = list(update_ids)
        for part in _chunks(ids, 400):
            marks = ", ".join("?" for _ in part)
            await conn.execute(f"UPDATE update_inbox SET done_at = ? WHERE update_id IN ({marks})", (stamp, *part))


async def _first_behind_a_gap(conn, rows, wait_until: str) -> int | None:
    """The first pending update_id above a number not stored yet that is still awaited."""
    if not rows:
        return None
    low, high = rows[0]["update_id"], rows[-1]["update_id"]
    cur = await conn.execute("SELECT MAX(update_id) FROM update_inbox WHERE update_id < ?", (low,))
    before = (await cur.fetchall())[0][0]
    cur = await conn.execute(
        "SELECT update_id FROM update_inbox WHERE update_id > ? AND update_id <= ? AND done_at IS NOT NULL",
        (low, high),
    )
    handled = {r[0] for r in await cur.fetchall()}
    received = {r["update_id"]: r["received_at"] for r in rows}
    expected = before + 1 if before is not None else low
    for update_id in sorted(handled | set(received)):
        if update_id > expected and update_id in received and received[update_id] > wait_until:
            return update_id
        expected = update_id + 1
    return None


APPLIED_SQL = "UPDATE update_inbox SET applied_at = ? WHERE update_id = ? AND applied_at IS NULL"


async def mark_applied(conn, update_id: int, now: datetime) -> bool:
    """Inside the transaction of an update's effects, just before it commits. False: it was
    applied already (by another process that handled it too, or before a crash), so these
    effects must not commit. Write transactions are serialized, so the check holds across
    processes."""
    cur = await conn.execute(APPLIED_SQL, (to_db_time(now), update_id))
    return cur.rowcount != 0


def _pending(row) -> Pending:
    return Pending(
        update_id=int(row["update_id"]),
        person=int(row["person"]),
        body=row["body"],
        applied=row["applied_at"] is not None,
        attempts=int(row["attempts"]),
    )


def _chunks(items: list[int], size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
