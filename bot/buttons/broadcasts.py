"""Announcements: the list, one announcement, a draft's screens, sending and cancelling.

`BroadcastButton` keeps the prefix and field order of earlier releases ("bc:<act>:<id>:<value>"),
so menus already in coordinators' chats keep working. The audience ticks and "urgent" used to
toggle; they now carry the state they set, under new prefixes (a toggle pressed twice undid
itself): an old "bc:g:…" or "bc:urg:…" button is answered as no longer valid.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData

BroadcastAction = Literal[
    "list",  # the list: after announcement `id` (`value` "a") or before it ("b"); else the first page
    "new",  # compose a new one
    "o",  # open one
    "x",  # cancel one: the confirmation
    "xy",  # cancel one: confirmed
    "d",  # a draft's panel
    "pv",  # preview a draft
    "edit",  # type a draft's text again
    "cat",  # the categories of a draft
    "cs",  # set a draft's category (`value`)
    "del",  # discard a draft
    "aud",  # a draft's audience
    "pc",  # the counties picker
    "pk",  # the competence areas picker
    "pe",  # the events picker
    "now",  # send now: the confirmation
    "go",  # send now: confirmed
    "sch",  # schedule: type the date
    "sgo",  # schedule: confirmed for `value` (Unix time)
]


class BroadcastButton(CallbackData, prefix="bc"):
    act: BroadcastAction
    id: int | None = None  # the announcement (for "list": where the page continues; earlier releases' page number)
    value: str | None = None


class AudienceTick(CallbackData, prefix="bca"):
    """Sets one choice of a draft's audience on or off: a group, a county, a competence area or
    the registrants of an event."""

    draft: int
    kind: Literal["g", "c", "k", "e"]
    state: Literal["on", "off"]
    value: str


class UrgentSwitch(CallbackData, prefix="bcu"):
    draft: int
    state: Literal["on", "off"]


LIST = BroadcastButton(act="list", id=0).pack()
NEW = BroadcastButton(act="new").pack()


def button(act: str, broadcast_id: int | None = None, value: object = None) -> str:
    return BroadcastButton(act=act, id=broadcast_id, value=None if value is None else str(value)).pack()
