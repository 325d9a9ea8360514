"""Issuing a verifiable document and printing its envelope (the code and the QR code), shared by
the agreement's and the attestation's PDFs and by the coordinators' revoke/replace screens.

An agreement's document is issued when its text is frozen (offered); an attestation's when it is
asked for. What is fingerprinted stays the text alone: the QR code is an image printed after it, and the
code with the link is a line of the footer, both outside the hashed text.
"""

from __future__ import annotations

from typing import Any

from bot.agreement_facts import number, volunteer_of
from bot.documents import document_facts, verification_link
from bot.i18n import Translator
from bot.services import Services
from storage.agreements import Agreement, Attestation
from storage.documents import Document, Kind, grouped


async def issue_for_agreement(
    services: Services, agreement: Agreement, *, replacing: Document | None = None, actor_id: int | None = None
) -> Document | None:
    """The code of an offered agreement's text (a replacement states what the first one did). The
    same text offered again after being taken back keeps the code it had: one text, one code."""
    if agreement.text_sha256 is None:
        return None
    if replacing is None:
        earlier = await services.documents.for_agreement_text(agreement.id, agreement.text_sha256)
        if earlier is not None and earlier.current:
            return earlier
    if replacing is not None:
        facts = replacing.facts
    else:
        volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
        facts = document_facts(services.org, name=volunteer.name, start=agreement.start_date, end=agreement.end_date)
    return await services.documents.issue(
        Kind.AGREEMENT,
        telegram_id=agreement.telegram_id,
        agreement_id=agreement.id,
        number=number(services, agreement),
        text_sha256=agreement.text_sha256,
        facts=facts,
        now=services.clock(),
        issued_by=actor_id,
        replacing=replacing.id if replacing else None,
    )


async def issue_for_attestation(
    services: Services,
    attestation: Attestation,
    facts: dict[str, Any],
    *,
    replacing: Document | None = None,
    actor_id: int | None = None,
) -> Document | None:
    return await services.documents.issue(
        Kind.ATTESTATION,
        telegram_id=attestation.telegram_id,
        agreement_id=attestation.agreement_id,
        attestation_id=attestation.id,
        number=str(attestation.id),
        text_sha256=attestation.text_sha256,
        facts=facts,
        now=services.clock(),
        issued_by=actor_id,
        replacing=replacing.id if replacing else None,
    )


def link_of(services: Services, bot_username: str, document: Document) -> str:
    """What the QR code holds."""
    return verification_link(services.settings.public_url, bot_username, document.code)


def footer_code(services: Services, pl: Translator, bot_username: str, document: Document | None) -> str:
    """The footer's verification line, on every page (empty for documents issued before codes)."""
    if document is None:
        return ""
    return "\n" + pl.gettext(
        "Verification: code %(code)s · scan the QR code or open %(link)s",
        code=grouped(document.code),
        link=link_of(services, bot_username, document),
    )
