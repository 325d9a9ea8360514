"""The language menu and the language buttons (prefix and data of earlier releases: "lang:menu",
"lang:set:<locale>"). A language button works whenever it is pressed: it sets that language."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class LanguageButton(CallbackData, prefix="lang"):
    act: Literal["menu", "set"]
    locale: str | None = None


LANGUAGE_MENU = LanguageButton(act="menu").pack()
