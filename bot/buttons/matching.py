"""Matching experts to requests for support (stage two): the coordinator's ranked list, invitations
and assignment; the expert's answer, browsing and offering; the expert <-> organisation relay.
Every press names the request, invitation or assignment by id and is checked again on the server."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class MatchButton(CallbackData, prefix="mx"):
    # c: the ranked candidates · i: invite `who` · s: who answered what · rm: remind `who` once
    # as: assign `who`? · asy: assign `who`
    act: Literal["c", "i", "s", "rm", "as", "asy"]
    ref: int
    who: int | None = None


class ExpertPress(CallbackData, prefix="mxe"):
    # y: "Biorę to" · n: "Nie tym razem" · v: an open request's card · of: offer oneself
    act: Literal["y", "n", "v", "of"]
    ref: int


class BrowseRequests(CallbackData, prefix="mxb"):
    """The open requests that fit the expert, best first (a page of them)."""

    page: int = 0


class AssignmentPress(CallbackData, prefix="mxr"):
    # sh: share my e-mail and phone · ns: messages through the bot only · w: write to the other side
    act: Literal["sh", "ns", "w"]
    ref: int


BROWSE = BrowseRequests().pack()
