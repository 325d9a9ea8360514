"""Conversations with the coordinators (threads, issue 15)."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class AskButton(CallbackData, prefix="tha"):
    """ "✉️ Write to a coordinator": the person starts (or goes on with) their conversation."""

    act: Literal["ask"] = "ask"


class OfferButton(CallbackData, prefix="tho"):
    """Send the text held from outside any conversation; `at` names the offer (microseconds)."""

    at: int


class ThreadButton(CallbackData, prefix="th"):
    # o: the conversation's card (n: as a new message, under a relayed one) · rep: answer · cls: close
    # hand: choose who takes it · to: hand to `who`
    act: Literal["o", "n", "rep", "cls", "hand", "to"]
    thread: int
    who: int | None = None


class ThreadsPage(CallbackData, prefix="thl"):
    """/pytania: the open conversations after `after` (before `before`), or the first ones."""

    after: int | None = None
    before: int | None = None


class WriteTo(CallbackData, prefix="thw"):
    """ "✉️ Write" from a person's application, agreement or sign-up card."""

    person: int


ASK = AskButton().pack()
THREADS = ThreadsPage().pack()
