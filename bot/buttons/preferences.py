"""Notification preferences (/powiadomienia): the menu, quiet hours, category switches.

"np" keeps the data of earlier releases for the menu and the quiet hours (a preset sets a
state already). The category buttons used to toggle ("np:t:<category>"); they now carry the
state they set under "npc", and an old toggle is answered as no longer valid.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData
from storage.preferences import Category


class NotificationsButton(CallbackData, prefix="np"):
    act: Literal["menu", "q", "qt", "qs"]  # the menu · quiet hours · type other hours · set a preset
    start: Literal["off"] | int | None = None  # "qs": minutes after midnight, or "off" for none
    end: int | None = None


class CategorySwitch(CallbackData, prefix="npc"):
    category: Category
    state: Literal["on", "off"]


MENU = NotificationsButton(act="menu").pack()
