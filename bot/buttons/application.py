"""Applying: opening the form, a draft found, the status, withdrawing, answering a question.

The prefixes are those of earlier releases, so menus already in people's chats keep working.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class ApplicationButton(CallbackData, prefix="ap"):
    act: Literal["open", "cont", "restart", "delete", "status", "withdraw", "reply"]
    confirm: Literal["yes"] | None = None  # "withdraw" asks first; "yes" is the confirmation


class AcceptNewRules(CallbackData, prefix="rules"):
    act: Literal["accept"]
    version: str
