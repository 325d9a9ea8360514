"""Invitations of experts to an approved request for support, and their assignment (migration 0023).

A coordinator invites experts (each answers "Biorę to" or "Nie tym razem", once); an expert may
also offer themselves for an open request (an invitation of origin 'offered', accepted at once).
The coordinator assigns who said yes: the request becomes 'assigned' (more may be assigned while
it is). Every change names the states it may start from and checks the request in the same
transaction, so a request withdrawn meanwhile refuses the change (`Refused` says why) and
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database, from_db_time, to_db_time

MATCHABLE = ("approved", "assigned")  # request statuses open to invitations and assignments
RELAY = "assignment"  # the thread kind of the expert <-> organisation relay (storage/threads.py)


def relay_subject(assignment_id: int) -> str:
    return f"assignment:{assignment_id}"


class InvitationState(StrEnum):
    WAITING = "waiting"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Refused(Exception):
    """Why not: 'request' (not open for matching now), 'answered', 'not_accepted', 'exists',
    'reminded', 'gone', 'own' (a contact person of the organisation that asked: its work is
    confirmed by its contacts, so none of them is its expert)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Invitation:
    id: int
    request_id: int
    telegram_id: int
    origin: str
    state: InvitationState
    invited_by: int | None
    created_at: datetime
    answered_at: datetime | None
    reminded_at: datetime | None


@dataclass(frozen=True)
class Assignment:
    id: int
    request_id: int
    telegram_id: int
    state: str
    assigned_by: int
    assigned_at: datetime
    contact_id: int | None
    expert_shares: bool | None


def _invitation(r) -> Invitation:
    return Invitation(
        r["id"],
        r["request_id"],
        r["telegram_id"],
        r["origin"],
        InvitationState(r["state"]),
        r["invited_by"],
        from_db_time(r["created_at"]),
        from_db_time(r["answered_at"]),
        from_db_time(r["reminded_at"]),
    )


def _assignment(r) -> Assignment:
    shares = r["expert_shares"]
    return Assignment(
        r["id"],
        r["request_id"],
        r["telegram_id"],
        r["state"],
        r["assigned_by"],
        from_db_time(r["assigned_at"]),
        r["contact_id"],
        None if shares is None else bool(shares),
    )


async def _open(conn, request_id: int) -> None:
    row = (await conn.execute("SELECT status FROM support_requests WHERE id = ?", (request_id,)))._rows
    if not row or row[0]["status"] not in MATCHABLE:
        raise Refused("request")


async def _not_own(conn, request_id: int, telegram_id: int) -> None:
    if (
        await conn.execute(
            "SELECT 1 FROM support_requests r JOIN organisation_contacts c ON c.organisation_id = r.organisation_id "
            "WHERE r.id = ? AND c.telegram_id = ?",
            (request_id, telegram_id),
        )
    )._rows:
        raise Refused("own")


class AssignmentRepository:
    def __init__(self, db: Database):
        self._db = db

    # ---- invitations ------------------------------------------------------------------------------
    async def invite(self, request_id: int, people: list[int], coordinator_id: int, now: datetime) -> list[int]:
        """Invite these experts; returns those newly invited (someone invited before is left as is)."""
        stamp, invited = to_db_time(now), []
        async with self._db.transaction() as conn:
            await _open(conn, request_id)
            for person in people:
                try:
                    await _not_own(conn, request_id, person)
                except Refused:
                    continue  # the organisation's own contact person: never its expert
                if (
                    await conn.execute(
                        "INSERT OR IGNORE INTO support_invitations (request_id, telegram_id, origin, state, "
                        "invited_by, created_at) VALUES (?, ?, 'invited', 'waiting', ?, ?)",
                        (request_id, person, coordinator_id, stamp),
                    )
                ).rowcount:
                    invited.append(person)
        return invited

    async def offer(self, request_id: int, telegram_id: int, now: datetime) -> Invitation:
        """The expert offers themselves: an accepted invitation of their own ('exists' when there is one)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            await _open(conn, request_id)
            await _not_own(conn, request_id, telegram_id)
            if not (
                await conn.execute(
                    "INSERT OR IGNORE INTO support_invitations (request_id, telegram_id, origin, state, created_at, "
                    "answered_at) VALUES (?, ?, 'offered', 'accepted', ?, ?)",
                    (request_id, telegram_id, stamp, stamp),
                )
            ).rowcount:
                raise Refused("exists")
        found = await self.invitation(request_id, telegram_id)
        assert found is not None
        return found

    async def answer(self, request_id: int, telegram_id: int, yes: bool, now: datetime) -> Invitation:
        """ "Biorę to" / "Nie tym razem": once, while the invitation waits and the request is open."""
        async with self._db.transaction() as conn:
            await _open(conn, request_id)
            changed = (
                await conn.execute(
                    "UPDATE support_invitations SET state = ?, answered_at = ? "
                    "WHERE request_id = ? AND telegram_id = ? AND state = 'waiting'",
                    ("accepted" if yes else "declined", to_db_time(now), request_id, telegram_id),
                )
            ).rowcount
            if not changed:
                raise Refused("answered")
        found = await self.invitation(request_id, telegram_id)
        assert found is not None
        return found

    async def remind(self, invitation_id: int, now: datetime) -> Invitation:
        """Mark the one reminder a coordinator may send ('reminded' the second time)."""
        async with self._db.transaction() as conn:
            row = (
                await conn.execute("SELECT request_id FROM support_invitations WHERE id = ?", (invitation_id,))
            )._rows
            if not row:
                raise Refused("gone")
            await _open(conn, row[0]["request_id"])
            if not (
                await conn.execute(
                    "UPDATE support_invitations SET reminded_at = ? WHERE id = ? AND state = 'waiting' "
                    "AND reminded_at IS NULL",
                    (to_db_time(now), invitation_id),
                )
            ).rowcount:
                raise Refused("reminded")
        found = await self._db.fetch_one("SELECT * FROM support_invitations WHERE id = ?", (invitation_id,))
        return _invitation(found)

    async def invitation(self, request_id: int, telegram_id: int) -> Invitation | None:
        row = await self._db.fetch_one(
            "SELECT * FROM support_invitations WHERE request_id = ? AND telegram_id = ?", (request_id, telegram_id)
        )
        return _invitation(row) if row else None

    async def invitation_by_id(self, invitation_id: int) -> Invitation | None:
        row = await self._db.fetch_one("SELECT * FROM support_invitations WHERE id = ?", (invitation_id,))
        return _invitation(row) if row else None

    async def invitations_of(self, request_id: int) -> list[Invitation]:
        rows = await self._db.fetch_all(
            "SELECT * FROM support_invitations WHERE request_id = ? ORDER BY id", (request_id,)
        )
        return [_invitation(r) for r in rows]

    async def invited_to(self, telegram_id: int) -> set[int]:
        """The requests this person was invited to or offered themselves for."""
        rows = await self._db.fetch_all(
            "SELECT request_id FROM support_invitations WHERE telegram_id = ?", (telegram_id,)
        )
        return {r[0] for r in rows}

    # ---- assignments ------------------------------------------------------------------------------
    async def assign(
        self, request_id: int, telegram_id: int, coordinator_id: int, contact_id: int | None, now: datetime
    ) -> Assignment:
        """Assign an expert who said yes; the request becomes 'assigned' (its history says who)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            await _open(conn, request_id)
            await _not_own(conn, request_id, telegram_id)
            said_yes = (
                await conn.execute(
                    "SELECT 1 FROM support_invitations WHERE request_id = ? AND telegram_id = ? AND state = 'accepted'",
                    (request_id, telegram_id),
                )
            )._rows
            if not said_yes:
                raise Refused("not_accepted")
            if not (
                await conn.execute(
                    "INSERT OR IGNORE INTO assignments (request_id, telegram_id, state, assigned_by, assigned_at, "
                    "contact_id) VALUES (?, ?, 'active', ?, ?, ?)",
                    (request_id, telegram_id, coordinator_id, stamp, contact_id),
                )
            ).rowcount:
                raise Refused("exists")
            await conn.execute(
                "UPDATE support_requests SET status = 'assigned', updated_at = ? WHERE id = ?", (stamp, request_id)
            )
            await conn.execute(
                "INSERT INTO support_request_history (request_id, at, actor_id, action, note) "
                "VALUES (?, ?, ?, 'assigned', NULL)",
                (request_id, stamp, coordinator_id),
            )
        found = await self.assignment_of(request_id, telegram_id)
        assert found is not None
        return found

    async def assignment(self, assignment_id: int) -> Assignment | None:
        row = await self._db.fetch_one("SELECT * FROM assignments WHERE id = ?", (assignment_id,))
        return _assignment(row) if row else None

    async def assignment_of(self, request_id: int, telegram_id: int) -> Assignment | None:
        row = await self._db.fetch_one(
            "SELECT * FROM assignments WHERE request_id = ? AND telegram_id = ?", (request_id, telegram_id)
        )
        return _assignment(row) if row else None

    async def assignments_of(self, request_id: int) -> list[Assignment]:
        rows = await self._db.fetch_all("SELECT * FROM assignments WHERE request_id = ? ORDER BY id", (request_id,))
        return [_assignment(r) for r in rows]

    async def of_person(self, telegram_id: int) -> list[Assignment]:
        rows = await self._db.fetch_all(
            "SELECT * FROM assignments WHERE telegram_id = ? ORDER BY id DESC", (telegram_id,)
        )
        return [_assignment(r) for r in rows]

    async def share(self, assignment_id: int, telegram_id: int, shares: bool) -> Assignment:
        """The expert's choice, once: share their e-mail and phone, or messages through the bot only."""
        async with self._db.transaction() as conn:
            if not (
                await conn.execute(
                    "UPDATE assignments SET expert_shares = ? WHERE id = ? AND telegram_id = ? "
                    "AND expert_shares IS NULL AND state = 'active'",
                    (int(shares), assignment_id, telegram_id),
                )
            ).rowcount:
                raise Refused("answered")
        found = await self.assignment(assignment_id)
        assert found is not None
        return found

    async def own_requests(self, telegram_id: int) -> set[int]:
        """The requests of the organisations this person is a contact of (not theirs to take)."""
        rows = await self._db.fetch_all(
            "SELECT r.id FROM support_requests r JOIN organisation_contacts c ON c.organisation_id = r.organisation_id "
            "WHERE c.telegram_id = ?",
            (telegram_id,),
        )
        return {r[0] for r in rows}

    async def matchable(self, telegram_id: int) -> bool:
        """A team member with an active agreement (who may browse, offer and be invited)."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM users WHERE telegram_id = ? AND expert = 1 AND under_agreement = 1", (telegram_id,)
        )
        return row is not None

    async def open_requests(self, limit: int = 200) -> list[int]:
        """Approved requests nobody has been assigned to yet, the newest first (an expert browses)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM support_requests WHERE status = 'approved' ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [r[0] for r in rows]
