"""Volunteer agreements: the volunteer's own agreement ("ag") and the coordinators' side ("ga").

The prefixes and field order are those of earlier releases ("ag:my", "ag:pdf:12",
"ga:o:12", "ga:sg:12:paper"), so menus and notifications already in people's chats keep
working. Every press is re-checked on the server: the agreement exists, belongs to the person
(or the person coordinates), and is in a state that allows the action.
"""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData
from storage.agreements import State


class AgreementButton(CallbackData, prefix="ag"):
    """The volunteer's side. `sha` (accept) is the beginning of the offered text's SHA-256, so a
    button for a text changed since is refused."""

    act: Literal["my", "pdf", "acc", "sign", "form", "up", "end", "att"]
    agreement_id: int | None = None
    sha: str | None = None


class AgreementAdmin(CallbackData, prefix="ga"):
    """The coordinators' side. `ref` is the agreement, except: the application (mk), the signed
    file (f), the attestation (op). `how` says which signed copy is confirmed (sg)."""

    act: Literal[
        "list", "new", "plans", "mk", "o", "pdf", "f", "per", "sc", "scd", "off", "offy", "wd", "sg", "endy", "rn",
        "end", "op",
    ]  # fmt: skip
    ref: int | None = None
    how: Literal["paper", "file"] | None = None


class AgreementList(CallbackData, prefix="gal"):
    """One page of the agreements in a state: after agreement `after` (or before agreement
    `before`), or the first. `page` is the page number earlier releases carried: such a button
    opens the first page."""

    state: State
    page: int | None = None
    after: int | None = None
    before: int | None = None


MY_AGREEMENT = AgreementButton(act="my").pack()
AGREEMENTS = AgreementAdmin(act="list").pack()
