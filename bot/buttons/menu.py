"""The main menu, help and the coordinator panel (prefixes as in earlier releases)."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class MenuButton(CallbackData, prefix="menu"):
    section: Literal["main", "help", "coord"]


MAIN_MENU = MenuButton(section="main").pack()
HELP = MenuButton(section="help").pack()
COORDINATOR_PANEL = MenuButton(section="coord").pack()
