"""Reviewing applications: the lists, one application, decisions, alerts and the CSV export.

"rv" keeps the wire format of earlier releases for the buttons people may still have in their
chats (the "Open" under a new-application alert, the card's decisions). A list page, the alert
switch (which now carries the state it sets) and the export choice are kinds of their own.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData
from storage.applications import Status


class ReviewButton(CallbackData, prefix="rv"):
    # list: the overview · o: open one · a: accept? · ay: accept · r: reject (asks the reason)
    # q: ask the volunteer a question · x: the export menu · f: correct an answer · u: undo a decision
    act: Literal["list", "o", "a", "ay", "r", "q", "x", "f", "u"]
    application_id: int | None = None


class ReviewList(CallbackData, prefix="rvs"):
    """A page of one status: the applications sent after (or before) the one named."""

    status: Status
    after: int | None = None
    before: int | None = None


class ReviewAlerts(CallbackData, prefix="rva"):
    """New-application alerts for the coordinator who presses: set on or off."""

    on: bool


class ReviewExport(CallbackData, prefix="rvx"):
    scope: Literal["all"] | Status


APPLICATIONS = ReviewButton(act="list").pack()
