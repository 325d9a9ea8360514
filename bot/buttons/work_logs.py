"""Work done on requests for support (stage two, part 4): the expert's logs, the organisation's or a
coordinator's decision on one, the coordinators' view of a request's work and its closing, and the
feedback after it. Every press names the thing by id and is checked again on the server."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class WorkMine(CallbackData, prefix="wkm"):
    # list: my logs · new: log work · o: one of my logs
    act: Literal["list", "new", "o"]
    ref: int | None = None


class WorkDecide(CallbackData, prefix="wkd"):
    # ok: confirm as logged · fix: correct the hours (asks them and a reason) · no: reject (asks why)
    act: Literal["ok", "fix", "no"]
    log: int


class WorkCard(CallbackData, prefix="wkc"):
    # list: requests with assigned experts · o: one request's work · c: close? · cy: close
    act: Literal["list", "o", "c", "cy"]
    ref: int | None = None


class WorkFeedback(CallbackData, prefix="wkf"):
    """Give feedback on a closed request (the side is found on the server)."""

    ref: int


MY_WORK = WorkMine(act="list").pack()
SUPPORT_WORK = WorkCard(act="list").pack()
