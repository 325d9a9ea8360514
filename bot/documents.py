"""Verifiable documents without Telegram: where a code is checked, and the facts a document states.

The QR code holds `<BOT_PUBLIC_URL>/verify/<code>` when the bot has a public web address (the page
itself comes with the web panel), else the bot's own link `https://t.me/<bot>?start=verify_<code>`,
which works today. The facts are written when a document is issued (storage/documents.py); keys
may be added (the hours ledger: confirmed hours, kinds of work) without changing older documents.

`verification_facts` is the one description of a checked document, HTML-safe lines in the reader's
language: the bot's answer (handlers/document_verify.py) and the panel's public page alike. It
shows the keys of a document's facts it knows (a key added to the facts needs its line here).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from bot.i18n import N_, Translator
from bot.organisation import Organisation
from storage.documents import Kind, Standing, Verification, grouped

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


KIND_NAMES = {Kind.AGREEMENT: N_("volunteer agreement"), Kind.ATTESTATION: N_("attestation of volunteering")}
SHORT_DATE = "dd.MM.y"


def _day(t: Translator, iso: str | None) -> str:
    return t.date(date.fromisoformat(iso), SHORT_DATE) if iso else "—"


def standing_line(t: Translator, found: Verification) -> Markup:
    doc = found.document
    match found.standing:
        case Standing.REVOKED:
            return t._(
                "⛔ <b>Revoked</b> on %(date)s: this document is not valid.", date=t.date(doc.revoked_at, SHORT_DATE)
            )
        case Standing.REPLACED:
            return t._(
                "↪️ <b>Replaced</b> by document no. %(number)s issued on %(date)s: this one is not valid any more.",
                number=found.replacement_number or "—",
                date=t.date(found.replacement_issued_at, SHORT_DATE) if found.replacement_issued_at else "—",
            )
        case Standing.WITHDRAWN:
            return t._("⛔ <b>Not valid</b>: this text was taken back before it was accepted.")
        case Standing.PENDING:
            return t._("⏳ <b>Not in force</b>: this agreement was offered and has not been accepted yet.")
    return t._("✅ <b>Valid.</b>")


def _agreement_line(t: Translator, found: Verification) -> Markup | None:
    """Where the agreement a valid agreement document states stands today."""
    if found.document.kind != Kind.AGREEMENT or found.standing != Standing.VALID:
        return None
    state = found.agreement_state
    if state == "active":
        return t._("The agreement is in force until %(date)s.", date=t.date(found.agreement_end, SHORT_DATE))
    if state in ("accepted", "signed"):
        return t._("The agreement has been accepted; it is not in force yet.")
    if state == "ended":
        ended = found.agreement_ended_on or found.agreement_end
        return t._("The agreement ended on %(date)s.", date=t.date(ended, SHORT_DATE))
    if state == "expired":
        return t._("The agreement ended on %(date)s.", date=t.date(found.agreement_end, SHORT_DATE))
    return None


def verification_facts(t: Translator, found: Verification) -> list[Markup]:
    """What the document states and whether it stands, one line each (HTML-safe)."""
    doc = found.document
    facts = doc.facts
    lines = [
        t._("🔎 <b>Document verification</b> · code %(code)s", code=grouped(doc.code)),
        standing_line(t, found),
        "",
        t._("Issued by: %(issuer)s", issuer=facts.get("issuer", "—")),
        t._("Programme: %(programme)s", programme=facts.get("programme", "—")),
        t._(
            "Document: %(kind)s no. %(number)s, issued on %(date)s",
            kind=t.gettext(KIND_NAMES[doc.kind]),
            number=doc.number,
            date=t.date(doc.issued_at, SHORT_DATE),
        ),
        t._("Person: %(name)s", name=facts.get("name", "—")),
        t._("Period: %(start)s – %(end)s", start=_day(t, facts.get("start")), end=_day(t, facts.get("end"))),
    ]
    if facts.get("hours"):
        lines.append(t._("Hours stated: %(hours)s", hours=t.number(facts["hours"])))
    if facts.get("work"):
        lines.append(t._("Kinds of work: %(kinds)s", kinds=", ".join(map(str, facts["work"]))))
    agreement = _agreement_line(t, found)
    if agreement is not None:
        lines.append(agreement)
    return lines
