"""Events and trainings: the catalogue, the card, sign-up, reminders and attendance answers
(volunteers), and the coordinators' list, card and attendance sheet.

`ev` and `em` keep the wire format of earlier releases for everything that names one event
(cards, reminders, notices already in people's chats); lists and filters, whose old data mixed
several layouts under one prefix, have kinds of their own.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class EventButton(CallbackData, prefix="ev"):
    """A volunteer's press about one event. `answer` is for the reminder ("rs") and the
    attendance question ("at"): y / n."""

    act: Literal["o", "j", "l", "ly", "ics", "rs", "at"]
    event_id: int
    answer: Literal["y", "n"] | None = None


class EventList(CallbackData, prefix="evl"):
    """The catalogue, filtered by the index of a type and of a county (None: all): the events
    after event `after` (or before event `before`), or the first page. `page` is the page number
    earlier releases carried: such a button opens the first page."""

    page: int | None = None
    type_index: int | None = None
    county_index: int | None = None
    after: int | None = None
    before: int | None = None


class EventFilter(CallbackData, prefix="evq"):
    """The screen choosing a type ("t") or a county ("c") for the catalogue's filter."""

    what: Literal["t", "c"]
    type_index: int | None = None
    county_index: int | None = None
    page: int = 0


class MyEvents(CallbackData, prefix="evm"):
    pass


class EventAlerts(CallbackData, prefix="eva"):
    """New-event alerts: the screen, or set one type / county on or off. A county of None with
    `on` means "all counties" (no county chosen)."""

    what: Literal["t", "c"] | None = None
    index: int | None = None
    on: bool | None = None


class EventAdmin(CallbackData, prefix="em"):
    """A coordinator's press about one event (the role is checked again on every press)."""

    act: Literal["o", "pub", "puby", "link", "del", "dely", "dup", "ed", "rg", "csv", "att", "tall", "cx", "hrs", "ann"]
    event_id: int
    page: int | None = None


class ManageEvents(CallbackData, prefix="eml"):
    """The coordinators' list of drafts and current events: after event `after` (or before event
    `before`), or the first page. `page` is the page number earlier releases carried: such a
    button opens the first page."""

    page: int | None = None
    after: int | None = None
    before: int | None = None


class NewEvent(CallbackData, prefix="emn"):
    pass


class MarkAttendance(CallbackData, prefix="emt"):
    """Set one person's attendance: present or absent (a state, so a second press changes nothing)."""

    event_id: int
    person: int
    present: bool
    page: int = 0


EVENTS = EventList().pack()
MY_EVENTS = MyEvents().pack()
ALERTS = EventAlerts().pack()
MANAGE = ManageEvents().pack()
NEW_EVENT = NewEvent().pack()


def card(act: str, event_id: int, answer: str | None = None) -> str:
    return EventButton(act=act, event_id=event_id, answer=answer).pack()


def admin(act: str, event_id: int, page: int | None = None) -> str:
    return EventAdmin(act=act, event_id=event_id, page=page).pack()
