"""Verifiable documents without Telegram: where a code is checked, and the facts a document states.

The QR code holds `<BOT_PUBLIC_URL>/verify/<code>` when the bot has a public web address (the page
itself comes with the web panel), else the bot's own link `https://t.me/<bot>?start=verify_<code>`,
which works today. The facts are written when a document is issued (storage/documents.py); keys
may be added (the hours ledger: confirmed hours, kinds of work) without changing older documents.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.organisation import Organisation

DEEP_LINK = "verify"  # t.me/<bot>?start=verify_<code>


def verification_link(public_url: str | None, bot_username: str, code: str) -> str:
    if public_url:
        return f"{public_url.rstrip('/')}/verify/{code}"
    return f"https://t.me/{bot_username}?start={DEEP_LINK}_{code}"


def document_facts(
    org: Organisation, *, name: str, start: date, end: date, hours: float | None = None, **more: Any
) -> dict[str, Any]:
    """What a document states, as kept with its code: the issuer as it was when it was issued."""
    facts: dict[str, Any] = {
        "issuer": org.organisation.name,
        "programme": org.programme.name.get("pl"),
        "name": name,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    if hours:
        facts["hours"] = round(float(hours), 2)
    facts.update(more)
    return facts
