"""Coordinators revoke or replace a verifiable document, from the agreement's card ("🔐
Verification codes"): the codes of the agreement and of its attestations, one document as a
verifier sees it (with how many times it was checked), revoking and replacing it after a
confirmation. Every press is behind the role check and re-reads the document; only a current
document (neither revoked nor replaced) can be revoked or replaced; each change is audit-logged.

Replacing issues a new document with a new code and the old one then names it: an agreement gets
a new copy of the same accepted text (its hash unchanged); an attestation is issued again with
today's facts (and the opinion it had), under a new number.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.buttons.agreements import AgreementAdmin
from bot.buttons.documents import DocumentAdmin
from bot.context import BotContext
from bot.document_issue import issue_for_agreement, issue_for_attestation
from bot.documents import KIND_NAMES, SHORT_DATE, verification_facts
from bot.replies import confirm
from bot.routing import Routes
from bot.services import Role
from handlers.agreement_attestation import attestation_file, attestation_terms, attestation_text
from handlers.agreement_text import agreement_pdf
from handlers.common import alert, audit, keyboard, requires_role, show, stale_button, translator_for
from storage.agreements import Agreement, State
from storage.documents import Document, Kind, Standing, grouped

log = logging.getLogger(__name__)

LISTED = 10  # the newest documents of an agreement (an agreement has a handful)


def _button(act: str, ref: int) -> str:
    return DocumentAdmin(act=act, ref=ref).pack()


def _mark(document: Document) -> str:
    if document.revoked_at is not None:
        return "⛔"
    return "↪️" if document.replaced_by is not None else "✅"


# ---- the list and one document ---------------------------------------------------------------
async def codes_of(update: Update, context: BotContext, press: DocumentAdmin) -> None:
    t = context.t
    agreement = await context.services.agreements.get(press.ref)
    if agreement is None:
        await stale_button(update, context)
        return
    documents = (await context.services.documents.of_agreement(agreement.id))[:LISTED]
    rows = [
        [
            (
                f"{_mark(d)} {t.gettext(KIND_NAMES[d.kind])} {d.number} · {t.date(d.issued_at, SHORT_DATE)}"[:60],
                _button("o", d.id),
            )
        ]
        for d in documents
    ]
    rows.append([(t.gettext("« Back to the agreement"), AgreementAdmin(act="o", ref=agreement.id).pack())])
    text = t._("<b>Verification codes</b> · agreement #%(id)d", id=agreement.id) + "\n"
    text += (
        t._("✅ valid · ↪️ replaced · ⛔ revoked. Choose a document:")
        if documents
        else t._("No codes: this agreement and its attestations were issued before documents carried codes.")
    )
    await show(update, context, text, keyboard(rows))


async def _document(update: Update, context: BotContext, press: DocumentAdmin) -> Document | None:
    document = await context.services.documents.get(press.ref)
    if document is None:
        await stale_button(update, context)
    return document


async def open_one(update: Update, context: BotContext, press: DocumentAdmin, *, new_message: bool = False) -> None:
    t = context.t
    found = await context.services.documents.inspect(press.ref)
    if found is None:
        await stale_button(update, context)
        return
    document = found.document
    lines = [str(line) for line in verification_facts(t, found)]
    lines.append(
        t.ngettext("Checked %(count)d time so far.", "Checked %(count)d times so far.", document.verifications)
    )
    rows = []
    if document.current and found.standing != Standing.WITHDRAWN:
        rows.append([(t.gettext("🔁 Replace with a new code"), _button("rp", document.id))])
        rows.append([(t.gettext("⛔ Revoke"), _button("rv", document.id))])
    rows.append([(t.gettext("« Verification codes"), _button("list", document.agreement_id))])
    await show(update, context, "\n".join(lines), keyboard(rows), new_message=new_message)


def _what(context: BotContext, document: Document) -> dict:
    t = context.t
    return {"kind": t.gettext(KIND_NAMES[document.kind]), "number": document.number, "code": grouped(document.code)}


async def _no_longer_current(update: Update, context: BotContext, document: Document) -> None:
    await alert(update, context.t.gettext("This document has already been revoked or replaced."))


# ---- revoking ----------------------------------------------------------------------------------
async def confirm_revoke(update: Update, context: BotContext, press: DocumentAdmin) -> None:
    document = await _document(update, context, press)
    if document is None:
        return
    if not document.current:
        await _no_longer_current(update, context, document)
        return
    t = context.t
    await confirm(
        update,
        context,
        t._(
            "Revoke the %(kind)s no. %(number)s (code %(code)s)? Whoever checks the code will see that it "
            "is not valid. This cannot be undone.",
            **_what(context, document),
        ),
        (t.gettext("⛔ Yes, revoke it"), _button("rvy", document.id)),
        (t.gettext("Cancel"), _button("o", document.id)),
    )


async def revoke(update: Update, context: BotContext, press: DocumentAdmin) -> None:
    services = context.services
    document = await _document(update, context, press)
    if document is None:
        return
    revoked = await services.documents.revoke(document.id, update.effective_user.id, services.clock())
    if revoked is None:
        await _no_longer_current(update, context, document)
        return
    await audit(
        context, update.effective_user.id, "document.revoked", f"document:{document.id}", kind=document.kind.value
    )
    await open_one(update, context, press)
    agreement = await services.agreements.get(document.agreement_id)
    if agreement is not None and agreement.owner_deleted_at is None:
        vt = await translator_for(services, document.telegram_id)
        what = {"kind": vt.gettext(KIND_NAMES[document.kind]), "number": document.number}
        text = vt._(
            "⛔ The coordinator revoked your %(kind)s no. %(number)s: its verification code no longer confirms it.",
            **what,
        )
        await _tell(context, document.telegram_id, text)


# ---- replacing ---------------------------------------------------------------------------------
async def confirm_replace(update: Update, context: BotContext, press: DocumentAdmin) -> None:
    document = await _document(update, context, press)
    if document is None:
        return
    if not document.current:
        await _no_longer_current(update, context, document)
        return
    t = context.t
    question = t._(
        "Replace the %(kind)s no. %(number)s (code %(code)s) with a new document and a new code? The old "
        "code will say which document replaced it.",
        **_what(context, document),
    )
    question += "\n" + (
        t._("The agreement's text stays exactly as accepted; only the copy and its code are new.")
        if document.kind == Kind.AGREEMENT
        else t._("The attestation is issued again with today's data, under a new number.")
    )
    await confirm(
        update,
        context,
        question,
        (t.gettext("🔁 Yes, replace it"), _button("rpy", document.id)),
        (t.gettext("Cancel"), _button("o", document.id)),
    )


class _Gone(Exception):
    """The document stopped being current while the replacement was made."""


async def replace(update: Update, context: BotContext, press: DocumentAdmin) -> None:
    services = context.services
    document = await _document(update, context, press)
    if document is None:
        return
    agreement = await services.agreements.get(document.agreement_id)
    if agreement is None or agreement.state == State.DRAFT:
        await stale_button(update, context)
        return
    if not document.current or (document.kind == Kind.AGREEMENT and agreement.text_sha256 != document.text_sha256):
        await _no_longer_current(update, context, document)
        return
    actor = update.effective_user.id
    try:
        if document.kind == Kind.AGREEMENT:
            new = await issue_for_agreement(services, agreement, replacing=document, actor_id=actor)
        else:
            new = await _new_attestation(context, agreement, document, actor)
        if new is None:
            raise _Gone
    except _Gone:
        await _no_longer_current(update, context, document)
        return
    await audit(context, actor, "document.replaced", f"document:{document.id}", kind=document.kind.value, by=new.id)
    await open_one(update, context, DocumentAdmin(act="o", ref=new.id))
    await _send_new(context, update.effective_chat.id, agreement, new)


async def _new_attestation(context: BotContext, agreement: Agreement, document: Document, actor: int) -> Document:
    """The attestation issued again (with the opinion it had) and its code, in one transaction."""
    services = context.services
    old = await services.agreements.attestation(document.attestation_id) if document.attestation_id else None
    terms = await attestation_terms(context, agreement)
    now = services.clock()
    async with services.db.transaction():
        text = await attestation_text(context, agreement, old.opinion if old else None, terms)
        attestation = await services.agreements.add_attestation(agreement.telegram_id, agreement.id, text, now)
        if old is not None and old.opinion:
            attestation = await services.agreements.add_opinion(
                attestation.id, old.opinion, text, old.opinion_by or actor, now
            )
        new = await issue_for_attestation(
            services, attestation, terms.facts(services.org), replacing=document, actor_id=actor
        )
        if new is None:
            raise _Gone  # rolls the new attestation back too
    return new


async def _send_new(context: BotContext, chat_id: int, agreement: Agreement, new: Document) -> None:
    """The new PDF to the coordinator, and to the person (unless their account was deleted)."""
    services = context.services

    async def pdf():
        if new.kind == Kind.AGREEMENT:
            return await agreement_pdf(services, agreement, context.bot.username)
        attestation = await services.agreements.attestation(new.attestation_id)
        return await attestation_file(context, attestation.id, attestation.rendered_text, agreement)

    await context.bot.send_document(chat_id, await pdf())
    if agreement.owner_deleted_at is not None:
        return
    vt = await translator_for(services, new.telegram_id)
    caption = vt.gettext(
        "Your %(kind)s has been issued again: no. %(number)s, with a new verification code. The old code no "
        "longer confirms it.",
        kind=vt.gettext(KIND_NAMES[new.kind]),
        number=new.number,
    )
    try:
        await context.bot.send_document(new.telegram_id, await pdf(), caption=caption)
    except TelegramError:
        log.warning("could not send the replaced document %s to its person", new.id)


async def _tell(context: BotContext, telegram_id: int, text: str) -> None:
    try:
        await context.bot.send_message(telegram_id, text)
    except TelegramError:
        log.warning("could not tell %s about a revoked document", telegram_id)


# ---- routing -----------------------------------------------------------------------------------
_ACTIONS = {
    "list": codes_of,
    "o": open_one,
    "rv": confirm_revoke,
    "rvy": revoke,
    "rp": confirm_replace,
    "rpy": replace,
}


@requires_role(Role.COORDINATOR)
async def _pressed(update: Update, context: BotContext, press: DocumentAdmin) -> None:
    """Every press, behind the role check read from the database with the session."""
    await _ACTIONS[press.act](update, context, press)


def register(routes: Routes) -> None:
    routes.press(DocumentAdmin, _pressed)
