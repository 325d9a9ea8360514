"""One agreement as a coordinator sees it: the card, its PDF and signed files, offering it (after
a confirmation), taking an offer back, confirming the signed copy, renewing. The role is checked
by the caller (handlers/agreement_admin.py) on every press; the agreement named is re-read here."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from markupsafe import Markup
from telegram import InputFile, Update

from bot.agreement_facts import number, today
from bot.agreements import needs_written_form
from bot.buttons.agreements import MY_AGREEMENT, AgreementAdmin, AgreementList
from bot.buttons.documents import DocumentAdmin
from bot.buttons.plan import PlanReview
from bot.buttons.threads import WriteTo
from bot.context import BotContext
from bot.document_issue import issue_for_agreement
from bot.replies import confirm
from handlers.agreement_text import (
    agreement_pdf,
    agreement_text,
    ended_line,
    period,
    scope_of,
    state_name,
    volunteer_label,
)
from handlers.common import alert, audit, keyboard, send_safely, show, stale_button, translator_for
from storage.agreements import COORDINATOR_MAY_END, Agreement, State, TransitionRefused

log = logging.getLogger(__name__)


def _button(act: str, agreement_id: int, how: str | None = None) -> str:
    return AgreementAdmin(act=act, ref=agreement_id, how=how).pack()


async def agreement_from(update: Update, context: BotContext, press: AgreementAdmin) -> Agreement | None:
    agreement = await context.services.agreements.get(press.ref) if press.ref else None
    if agreement is None:
        await stale_button(update, context)
    return agreement


async def refused(update: Update, context: BotContext, agreement_id: int) -> None:
    now = await context.services.agreements.get(agreement_id)
    t = context.t
    await alert(
        update,
        t.gettext(
            "Agreement #%(id)d is now: %(state)s. This is not possible any more.",
            id=agreement_id,
            state=state_name(t, now.state, staff=True) if now else "—",
        ),
    )


def on_agreement(action: Callable[[Update, BotContext, Agreement, AgreementAdmin], Awaitable[None]]):
    """A press on one agreement: the agreement named is read again (gone: a stale button), and a
    step its state no longer allows (TransitionRefused) is answered with the state it is in now."""

    @functools.wraps(action)
    async def pressed(update: Update, context: BotContext, press: AgreementAdmin) -> None:
        agreement = await agreement_from(update, context, press)
        if agreement is None:
            return
        try:
            await action(update, context, agreement, press)
        except TransitionRefused:
            await refused(update, context, agreement.id)

    return pressed


@on_agreement
async def open_one(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    await show_card(update, context, agreement)


# ---- the card ----------------------------------------------------------------------------------
async def show_card(update: Update, context: BotContext, agreement: Agreement, *, new_message: bool = False) -> None:
    t = context.t
    services = context.services
    user = await services.users.get(agreement.telegram_id) if agreement.owner_deleted_at is None else None
    handle = f" (@{user.username})" if user and user.username else ""
    lines = [
        t._(
            "<b>Agreement #%(id)d</b> (no. %(number)s) · %(state)s",
            id=agreement.id,
            number=number(services, agreement),
            state=state_name(t, agreement.state, staff=True),
        ),
        t._("Volunteer: %(name)s%(handle)s", name=await volunteer_label(services, t, agreement), handle=handle),
        t._("Period: %(period)s", period=period(t, agreement)),
        t._("Written form required (over 30 days).")
        if needs_written_form(agreement.start_date, agreement.end_date)
        else t._("Documentary form is enough (30 days or less)."),
        t._("Scope (Polish):") + " " + ("" if agreement.scope else t._("<i>(from the application and the plan)</i>")),
        Markup("<i>%s</i>") % (await scope_of(services, agreement))[:1500],
    ]
    if agreement.template_version:
        lines.append(t._("Template version: %(version)s", version=agreement.template_version))
    acceptance = await services.agreements.acceptance(agreement.id)
    if acceptance is not None:
        lines.append(
            t._(
                "Accepted in chat: %(when)s, name typed: %(name)s, SHA-256 %(sha)s…",
                when=t.datetime(acceptance.accepted_at),
                name=acceptance.typed_name,
                sha=acceptance.text_sha256[:16],
            )
        )
        if await services.agreements.verify(agreement.id):
            lines.append(t._("✅ The stored text is exactly the text accepted."))
        else:
            lines.append(t._("⚠️ <b>The stored text differs from the text accepted!</b>"))
    if agreement.signed_at:
        how = t.gettext("on paper") if agreement.signed_how == "paper" else t.gettext("signed file")
        lines.append(t._("Signed copy confirmed: %(when)s (%(how)s)", when=t.datetime(agreement.signed_at), how=how))
    files = await services.agreements.files(agreement.id)
    if files:
        lines.append(t.ngettext("%(count)d signed file received.", "%(count)d signed files received.", len(files)))
    if agreement.state == State.ENDED and agreement.ended_on:
        lines.append(ended_line(t, agreement))
    text = "\n".join(str(line) for line in lines)
    await show(update, context, text, _buttons(context, agreement, files), new_message=new_message)


def _buttons(context: BotContext, agreement: Agreement, files):
    t = context.t
    a = agreement.id
    rows = []
    if agreement.state == State.DRAFT:
        rows.append([(t.gettext("📅 Period"), _button("per", a)), (t.gettext("✏️ Scope"), _button("sc", a))])
        if agreement.scope:
            rows.append([(t.gettext("↩️ Scope from the application"), _button("scd", a))])
        rows.append([(t.gettext("📨 Offer to the volunteer"), _button("off", a))])
    if agreement.state == State.OFFERED:
        rows.append([(t.gettext("↩️ Take back to change"), _button("wd", a))])
    if agreement.state == State.ACCEPTED and agreement.written_required:
        rows += [[(f"📎 {f.file_name}"[:60], _button("f", f.id))] for f in files[-5:]]
        if files:
            rows.append([(t.gettext("✅ Confirm the signed file"), _button("sg", a, "file"))])
        rows.append([(t.gettext("✅ Confirm a paper copy signed"), _button("sg", a, "paper"))])
    # The plan and a renewal belong to the person; one who deleted the account has neither.
    former = agreement.owner_deleted_at is not None
    plan = PlanReview(act="u", ref=agreement.telegram_id).pack()
    rows.append([(t.gettext("📄 PDF"), _button("pdf", a))] + ([] if former else [(t.gettext("🧭 Plan"), plan)]))
    if not former:
        rows.append([(t.gettext("✉️ Write"), WriteTo(person=agreement.telegram_id).pack())])
    if agreement.state != State.DRAFT:
        rows.append([(t.gettext("🔐 Verification codes"), DocumentAdmin(act="list", ref=a).pack())])
    if agreement.state in (State.ACTIVE, State.ENDED, State.EXPIRED, State.SIGNED) and not former:
        rows.append([(t.gettext("🔁 Renew"), _button("rn", a))])
    if agreement.state in COORDINATOR_MAY_END:
        rows.append([(t.gettext("⏹ End"), _button("end", a))])
    rows.append([(t.gettext("« Back to the list"), AgreementList(state=agreement.state).pack())])
    return keyboard(rows)


@on_agreement
async def send_pdf(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    await update.callback_query.answer()
    pdf = await agreement_pdf(context.services, agreement, context.bot.username)
    await context.bot.send_document(update.effective_chat.id, pdf)


async def send_file(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    found = await context.services.agreements.get_file(press.ref) if press.ref else None
    if found is None:
        await stale_button(update, context)
        return
    stored, content = found
    await update.callback_query.answer()
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=stored.file_name),
        caption=context.t.gettext(
            "Signed copy of agreement #%(id)d, received %(when)s. SHA-256 %(sha)s…",
            id=stored.agreement_id,
            when=context.t.datetime(stored.uploaded_at),
            sha=stored.sha256[:16],
        ),
    )


@on_agreement
async def scope_default(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    """The scope made from the application and the plan again (the typed one is dropped)."""
    services = context.services
    changed = await services.agreements.set_scope(agreement.id, None, update.effective_user.id, services.clock())
    await show_card(update, context, changed)


# ---- offering, confirming, renewing ---------------------------------------------------------------
@on_agreement
async def confirm_offer(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    t = context.t
    if agreement.state != State.DRAFT:
        await refused(update, context, agreement.id)
        return
    question = t._(
        "Offer agreement #%(id)d to %(name)s for %(period)s? The text is then fixed; to change it "
        "later, take it back first.",
        id=agreement.id,
        name=await volunteer_label(context.services, t, agreement),
        period=period(t, agreement),
    )
    await confirm(
        update,
        context,
        question,
        (t.gettext("📨 Yes, offer it"), _button("offy", agreement.id)),
        (t.gettext("Cancel"), _button("o", agreement.id)),
    )


@on_agreement
async def offer(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    services = context.services
    if agreement.state != State.DRAFT:
        await refused(update, context, agreement.id)
        return
    text = await agreement_text(services, agreement)
    offered = await services.agreements.offer(
        agreement.id,
        update.effective_user.id,
        text,
        services.org.agreement.template_version,
        needs_written_form(agreement.start_date, agreement.end_date),
        services.clock(),
        scope=await scope_of(services, agreement),  # later plan changes do not alter an offered text
    )
    await issue_for_agreement(services, offered)  # its verification code, outside the text
    await audit(context, update.effective_user.id, "agreement.offered", f"agreement:{offered.id}")
    await show_card(update, context, offered)
    vt = await translator_for(services, offered.telegram_id)
    sent = await send_safely(
        context.bot,
        services,
        offered.telegram_id,
        vt._(
            "📄 <b>Your volunteer agreement is ready</b> (no. %(number)s, %(period)s). Read it and accept it "
            "in this chat.",
            number=number(services, offered),
            period=period(vt, offered),
        ),
        keyboard([[(vt.gettext("📄 My agreement"), MY_AGREEMENT)]]),
    )
    if not sent:
        await context.bot.send_message(
            update.effective_chat.id,
            context.t._("The volunteer could not be reached in Telegram (they may have blocked the bot)."),
        )


@on_agreement
async def withdraw(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    back = await context.services.agreements.withdraw_offer(
        agreement.id, update.effective_user.id, context.services.clock()
    )
    await audit(context, update.effective_user.id, "agreement.offer_withdrawn", f"agreement:{back.id}")
    await show_card(update, context, back)


@on_agreement
async def confirm_signed(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    services = context.services
    how = press.how
    if how is None or (how == "file" and not await services.agreements.files(agreement.id)):
        await stale_button(update, context)
        return
    signed = await services.agreements.confirm_signed(agreement.id, update.effective_user.id, how, services.clock())
    await audit(context, update.effective_user.id, "agreement.signed_copy_confirmed", f"agreement:{signed.id}", how=how)
    activated = await services.agreements.activate_due(today(services), services.clock(), signed.id)
    now = activated[0] if activated else signed
    await show_card(update, context, now)
    vt = await translator_for(services, now.telegram_id)
    text = vt._("✅ The coordinator confirmed the signed copy of your agreement.")
    text += " " + (
        vt._("It is in force from today.")
        if activated
        else vt._("It comes into force on %(date)s.", date=vt.date(now.start_date))
    )
    await send_safely(
        context.bot, services, now.telegram_id, text, keyboard([[(vt.gettext("📄 My agreement"), MY_AGREEMENT)]])
    )


@on_agreement
async def renew(update: Update, context: BotContext, agreement: Agreement, press: AgreementAdmin) -> None:
    """A new draft following this agreement, with the same scope and length."""
    services = context.services
    if agreement.owner_deleted_at is not None:  # the person is gone; an id reused is someone new
        await stale_button(update, context)
        return
    if agreement.state not in (State.ACTIVE, State.SIGNED, State.ENDED, State.EXPIRED):
        await refused(update, context, agreement.id)
        return
    start = max(agreement.end_date + timedelta(days=1), today(services))
    end = start + (agreement.end_date - agreement.start_date)
    try:
        draft = await services.agreements.create_draft(
            agreement.telegram_id,
            agreement.application_id,
            start,
            end,
            update.effective_user.id,
            services.clock(),
            renewal_of=agreement.id,
            scope=agreement.scope,
        )
    except TransitionRefused:
        draft = await services.agreements.pending_for(agreement.telegram_id)
        await alert(
            update,
            context.t.gettext(
                "This volunteer already has an agreement being prepared: #%(id)d.", id=draft.id if draft else 0
            ),
        )
        if draft is None:
            return
    await show_card(update, context, draft, new_message=True)
