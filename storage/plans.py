"""The individual development plan (Indywidualny Plan Rozwoju Wolontariatu Eksperckiego).

One plan per volunteer, edited as a working copy. Sending it to the coordinator stores a new
numbered version; the coordinator approves that version or asks for changes. Editing after that
makes a working copy again, sent as the next version: every version stays on record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from storage.db import from_db_time, to_db_time
from storage.repository import Repository

MAX_GOALS = 3
GOAL_LIMIT = 300
COMMUNITIES_LIMIT = 1000


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


class PlanRefused(Exception):
    """The plan is not in a state that allows this (e.g. a stale approve button)."""


@dataclass(frozen=True)
class PlanContent:
    trainings: list[str] = field(default_factory=list)  # "topic:<id>" or "event:<id>"
    areas: list[str] = field(default_factory=list)
    communities: str = ""
    goals: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps(
            {"trainings": self.trainings, "areas": self.areas, "communities": self.communities, "goals": self.goals},
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> PlanContent:
        data = json.loads(text)
        return cls(data["trainings"], data["areas"], data["communities"], data["goals"])


@dataclass(frozen=True)
class Plan:
    id: int
    telegram_id: int
    status: PlanStatus
    content: PlanContent
    version: int  # the last version sent (0: never sent)
    comment: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class PlanVersion:
    version: int
    content: PlanContent
    submitted_at: datetime
    approved_at: datetime | None
    approved_by: int | None


@dataclass(frozen=True)
class Training:
    """A published training from the events catalogue."""

    id: int
    title: str
    starts_at: datetime


def _plan(row) -> Plan:
    return Plan(
        id=row["id"],
        telegram_id=row["telegram_id"],
        status=PlanStatus(row["status"]),
        content=PlanContent(
            json.loads(row["trainings"]), json.loads(row["areas"]), row["communities"], json.loads(row["goals"])
        ),
        version=row["version"],
        comment=row["comment"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=from_db_time(row["reviewed_at"]),
        updated_at=from_db_time(row["updated_at"]),
    )


class PlanRepository(Repository):
    async def get(self, plan_id: int) -> Plan | None:
        return await self._one(_plan, "SELECT * FROM development_plans WHERE id = ?", (plan_id,))

    async def of(self, telegram_id: int) -> Plan | None:
        return await self._one(_plan, "SELECT * FROM development_plans WHERE telegram_id = ?", (telegram_id,))

    async def ensure(self, telegram_id: int, start: PlanContent, now: datetime) -> Plan:
        """The volunteer's plan, begun from what the application said if there is none yet."""
        stamp = to_db_time(now)
        await self._db.execute(
            "INSERT INTO development_plans (telegram_id, status, trainings, areas, communities, goals, created_at, "
            "updated_at) VALUES (?, 'draft', ?, ?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO NOTHING",
            (
                telegram_id,
                json.dumps(start.trainings),
                json.dumps(start.areas),
                start.communities,
                json.dumps(start.goals, ensure_ascii=False),
                stamp,
                stamp,
            ),
        )
        plan = await self.of(telegram_id)
        assert plan is not None
        return plan

    async def edit(self, plan_id: int, content: PlanContent, now: datetime) -> Plan:
        """Change the working copy; a plan that was sent becomes a draft of the next version."""
        await self._db.execute(
            "UPDATE development_plans SET trainings = ?, areas = ?, communities = ?, goals = ?, status = 'draft', "
            "updated_at = ? WHERE id = ?",
            (
                json.dumps(content.trainings),
                json.dumps(content.areas),
                content.communities,
                json.dumps(content.goals, ensure_ascii=False),
                to_db_time(now),
                plan_id,
            ),
        )
        plan = await self.get(plan_id)
        assert plan is not None
        return plan

    async def submit(self, plan_id: int, now: datetime) -> Plan:
        """A new version for the coordinator; only a working copy (draft or being changed) is sent."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE development_plans SET status = 'submitted', version = version + 1, updated_at = ? "
                "WHERE id = ? AND status IN ('draft', 'changes_requested') RETURNING *",
                (stamp, plan_id),
            )
            row = await cursor.fetchone()
            if row is None:
                raise PlanRefused
            plan = _plan(row)
            await conn.execute(
                "INSERT INTO plan_versions (plan_id, version, content, submitted_at) VALUES (?, ?, ?, ?)",
                (plan_id, plan.version, plan.content.as_json(), stamp),
            )
        return plan

    async def approve(self, plan_id: int, version: int, actor_id: int, now: datetime) -> Plan:
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE development_plans SET status = 'approved', reviewed_by = ?, reviewed_at = ?, comment = NULL "
                "WHERE id = ? AND status = 'submitted' AND version = ? RETURNING *",
                (actor_id, stamp, plan_id, version),
            )
            row = await cursor.fetchone()
            if row is None:
                raise PlanRefused
            await conn.execute(
                "UPDATE plan_versions SET approved_at = ?, approved_by = ? WHERE plan_id = ? AND version = ?",
                (stamp, actor_id, plan_id, version),
            )
        return _plan(row)

    async def request_changes(self, plan_id: int, version: int, actor_id: int, comment: str, now: datetime) -> Plan:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE development_plans SET status = 'changes_requested', comment = ?, reviewed_by = ?, "
                "reviewed_at = ? WHERE id = ? AND status = 'submitted' AND version = ? RETURNING *",
                (comment, actor_id, to_db_time(now), plan_id, version),
            )
            row = await cursor.fetchone()
        if row is None:
            raise PlanRefused
        return _plan(row)

    async def versions(self, plan_id: int) -> list[PlanVersion]:
        rows = await self._db.fetch_all("SELECT * FROM plan_versions WHERE plan_id = ? ORDER BY version", (plan_id,))
        return [
            PlanVersion(
                r["version"],
                PlanContent.from_json(r["content"]),
                from_db_time(r["submitted_at"]),
                from_db_time(r["approved_at"]),
                r["approved_by"],
            )
            for r in rows
        ]

    async def approved_version(self, plan_id: int) -> PlanVersion | None:
        approved = [v for v in await self.versions(plan_id) if v.approved_at is not None]
        return approved[-1] if approved else None

    async def waiting(self) -> list[Plan]:
        rows = await self._db.fetch_all(
            "SELECT * FROM development_plans WHERE status = 'submitted' ORDER BY updated_at"
        )
        return [_plan(r) for r in rows]

    # ---- trainings ----------------------------------------------------------------------------
    async def mark_completed(self, plan_id: int, item: str, actor_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            "INSERT INTO plan_completions (plan_id, item, completed_at, marked_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (plan_id, item) DO NOTHING",
            (plan_id, item, to_db_time(now), actor_id),
        )
        return changed > 0

    async def completed(self, plan_id: int, telegram_id: int) -> dict[str, datetime | None]:
        """Items done: marked by a coordinator, or trainings from the catalogue attended."""
        rows = await self._db.fetch_all("SELECT item, completed_at FROM plan_completions WHERE plan_id = ?", (plan_id,))
        done: dict[str, datetime | None] = {r["item"]: from_db_time(r["completed_at"]) for r in rows}
        attended = await self._db.fetch_all(
            "SELECT r.event_id, r.attendance_at FROM event_registrations r WHERE r.telegram_id = ? "
            "AND r.attendance = 'attended'",
            (telegram_id,),
        )
        for r in attended:
            done.setdefault(f"event:{r['event_id']}", from_db_time(r["attendance_at"]))
        return done

    async def upcoming_trainings(self, now: datetime, limit: int = 10) -> list[Training]:
        rows = await self._db.fetch_all(
            "SELECT id, title, starts_at FROM events WHERE type = 'training' AND status = 'published' "
            "AND starts_at >= ? ORDER BY starts_at, id LIMIT ?",
            (to_db_time(now), limit),
        )
        return [Training(r["id"], r["title"], from_db_time(r["starts_at"])) for r in rows]

    async def trainings_by_id(self, ids: list[int]) -> dict[int, Training]:
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        rows = await self._db.fetch_all(f"SELECT id, title, starts_at FROM events WHERE id IN ({marks})", ids)
        return {r["id"]: Training(r["id"], r["title"], from_db_time(r["starts_at"])) for r in rows}
