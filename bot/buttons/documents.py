"""Verifiable documents, the coordinators' side ("dc"): the codes of an agreement and its
attestations, one document, revoking and replacing it (each after a confirmation). `ref` is the
agreement (list) or the document (the rest); every press is re-checked on the server."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class DocumentAdmin(CallbackData, prefix="dc"):
    act: Literal["list", "o", "rv", "rvy", "rp", "rpy"]
    ref: int
