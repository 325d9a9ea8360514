""" "Moje dane": the overview, the export, optional consents, corrections and account deletion.

"md" keeps the wire format of earlier releases for the overview and its plain actions; a consent
choice (which now carries the state it sets), the field to correct and the confirmed deletion are
kinds of their own.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class MyDataButton(CallbackData, prefix="md"):
    # show: the overview · x: JSON export · c: optional consents · e: choose a field · del: delete?
    act: Literal["show", "x", "c", "e", "del"]


class ConsentChoice(CallbackData, prefix="mdc"):
    """Give (granted) or withdraw an optional consent of the organisation file."""

    granted: bool
    consent: str


class CorrectField(CallbackData, prefix="mdf"):
    field: str  # a form field's id


class DeleteAccount(CallbackData, prefix="mdd"):
    """The confirmed deletion, for the account created at `since` (epoch seconds): a press
    delivered again, or an old confirmation after starting anew, deletes nothing."""

    since: int


MY_DATA = MyDataButton(act="show").pack()
