"""The development plan: the volunteer's plan ("pl", ticks "plt"/"pla") and the coordinator's
review ("pc", "pcd"). A tick carries the state it sets (on or off), never a toggle, so a press
delivered twice changes nothing the second time; a goal is removed by its index and the
beginning of its text's fingerprint, so a repeated press cannot remove the next goal.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class PlanButton(CallbackData, prefix="pl"):
    act: Literal["my", "tr", "ar", "cm", "gl", "ga", "gd", "send", "pdf"]
    goal: int | None = None  # gd: the goal's number (from 1)
    key: str | None = None  # gd: the beginning of the goal text's SHA-256


class PlanTraining(CallbackData, prefix="plt"):
    on: bool
    item: str  # "topic:<id>" or "event:<id>"


class PlanArea(CallbackData, prefix="pla"):
    on: bool
    area: str


class PlanReview(CallbackData, prefix="pc"):
    """The coordinator's view. `ref` is the plan, except for "u" (the volunteer's Telegram id);
    `version` is the version an approval or a comment is about."""

    act: Literal["o", "u", "ok", "ch", "dl", "pdf"]
    ref: int
    version: int | None = None


class PlanTrainingDone(CallbackData, prefix="pcd"):
    plan_id: int
    item: str


MY_PLAN = PlanButton(act="my").pack()
