"""Admins manage coordinators (invites, removal) and read the audit log."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class CoordinatorButton(CallbackData, prefix="co"):
    # ls: the list · inv: a new invite link · rm: remove? · rmy: remove · rvk: revoke open invites
    # csv: the audit log as CSV
    act: Literal["ls", "inv", "rm", "rmy", "rvk", "csv"]
    person: int | None = None  # for rm and rmy


class AuditLogPage(CallbackData, prefix="col"):
    """A page of the audit log: the entries older than `before`, or newer than `after`."""

    before: int | None = None
    after: int | None = None


COORDINATORS = CoordinatorButton(act="ls").pack()
AUDIT_LOG = AuditLogPage().pack()
