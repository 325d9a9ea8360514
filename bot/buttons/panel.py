"""The coordinators' web panel in the chat: its screen, a one-time sign-in link, ending sessions."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class PanelButton(CallbackData, prefix="pnl"):
    # menu: the panel's screen · link: send a one-time sign-in link · end: end every panel session
    act: Literal["menu", "link", "end"]


PANEL_MENU = PanelButton(act="menu").pack()
