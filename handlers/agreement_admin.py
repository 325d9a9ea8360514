"""Coordinators manage agreements: /porozumienia by state, preparing a draft (period, scope),
offering it, checking the acceptance and the signed copies, confirming the written copy, ending,
renewing, and adding an opinion to an attestation. Every command and button re-checks the role."""

from __future__ import annotations

import logging
from datetime import timedelta

from markupsafe import Markup
from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.agreements import REASON_LIMIT, SCOPE_LIMIT, default_period, needs_written_form, parse_period
from bot.context import BotContext
from bot.services import Role
from handlers import plan
from handlers.agreement import attestation_file, attestation_text
from handlers.agreement_text import (
    STATE_GROUPS,
    agreement_pdf,
    agreement_text,
    display_name,
    number,
    period,
    scope_of,
    state_name,
    today,
)
from handlers.common import (
    alert,
    audit,
    cb,
    flow,
    keyboard,
    requires_role,
    send_safely,
    show,
    stale_button,
    translator_for,
)
from handlers.menu import COORDINATOR_PANEL, cancel
from storage.agreements import (
    COORDINATOR_MAY_END,
    STATE_ORDER,
    Agreement,
    State,
    TransitionRefused,
)
from storage.applications import Application

log = logging.getLogger(__name__)

END = ConversationHandler.END
PERIOD = "agreement_period"
SCOPE = "agreement_scope"
END_REASON = "agreement_end_reason"
OPINION = "attestation_opinion"
PAGE_SIZE = 8
OPINION_LIMIT = 1500

LIST = cb("ga", "list")
_EDITING = "agreement_editing"  # user_data: [agreement id] while typing a period, scope or reason
_ENDING = "agreement_ending_staff"  # user_data: [agreement id, reason]
_OPINION = "attestation_opinion"  # user_data: [attestation id]


# ---- lists -----------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def overview(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    counts = await services.agreements.counts()
    waiting = await services.agreements.accepted_without_agreement()
    plans = await services.plans.waiting()
    rows = [[(t.gettext("🆕 Accepted, no agreement yet (%(count)d)", count=len(waiting)), cb("ga", "new"))]]
    rows += [
        [(t.gettext("%(group)s (%(count)d)", group=t.gettext(STATE_GROUPS[s]), count=counts[s]), cb("ga", "s", s, 0))]
        for s in STATE_ORDER
    ]
    rows.append([(t.gettext("🧭 Plans waiting for approval (%(count)d)", count=len(plans)), cb("ga", "plans"))])
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, t._("<b>Volunteer agreements</b>\nChoose a list:"), keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def without_agreement(update: Update, context: BotContext) -> int:
    t = context.t
    waiting = await context.services.agreements.accepted_without_agreement()
    rows = [
        [(f"{name or telegram_id}"[:50], cb("ga", "mk", application_id))]
        for application_id, telegram_id, name in waiting
    ]
    rows.append([(t.gettext("« Agreements"), LIST)])
    text = t._("Choose a volunteer to prepare an agreement for:") if waiting else t._("Nothing here yet.")
    await show(update, context, t._("<b>Accepted, no agreement yet</b>") + "\n" + text, keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def plans_waiting(update: Update, context: BotContext) -> int:
    t = context.t
    rows = []
    for waiting in await context.services.plans.waiting():
        name = await plan._name(context, waiting.telegram_id)
        rows.append([(f"{name} · v{waiting.version}"[:60], cb("pc", "o", waiting.id))])
    rows.append([(t.gettext("« Agreements"), LIST)])
    text = t._("Choose a plan:") if len(rows) > 1 else t._("Nothing here yet.")
    await show(update, context, t._("<b>Plans waiting for approval</b>") + "\n" + text, keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def state_list(update: Update, context: BotContext) -> int:
    t = context.t
    parts = update.callback_query.data.split(":")
    try:
        state, page = State(parts[2]), max(0, int(parts[3]))
    except (IndexError, ValueError):
        await stale_button(update, context)
        return END
    items = await context.services.agreements.list_by_state(state, page * PAGE_SIZE, PAGE_SIZE + 1)
    more = len(items) > PAGE_SIZE
    rows = [
        [(f"#{item.id} {(item.name or '—')[:36]} · {t.date(item.end_date, 'd.MM.y')}", cb("ga", "o", item.id))]
        for item in items[:PAGE_SIZE]
    ]
    nav = []
    if page > 0:
        nav.append((t.gettext("« Previous"), cb("ga", "s", state, page - 1)))
    if more:
        nav.append((t.gettext("Next »"), cb("ga", "s", state, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(t.gettext("« Agreements"), LIST)])
    body = t._("Choose an agreement:") if items else t._("Nothing here yet.")
    await show(
        update, context, t._("<b>%(group)s</b>", group=t.gettext(STATE_GROUPS[state])) + "\n" + body, keyboard(rows)
    )
    return END


# ---- preparing -------------------------------------------------------------------------------
async def prepare_for(context: BotContext, application: Application, actor_id: int | None) -> Agreement | None:
    """A draft for an accepted volunteer (None if one is already being prepared or concluded)."""
    services = context.services
    start, end = default_period(today(services), services.org.agreement.default_months)
    try:
        return await services.agreements.create_draft(
            application.telegram_id, application.id, start, end, actor_id, services.clock()
        )
    except TransitionRefused:
        return None


async def on_application_accepted(context: BotContext, application: Application, coordinator_id: int):
    """After an acceptance (review): the draft agreement is ready; a button for the coordinator."""
    t = context.t
    draft = await prepare_for(context, application, coordinator_id)
    if draft is None:
        draft = await context.services.agreements.pending_for(application.telegram_id)
    if draft is None:
        return None
    return (t.gettext("✍️ Prepare the agreement"), cb("ga", "o", draft.id))


@requires_role(Role.COORDINATOR)
async def make_draft(update: Update, context: BotContext) -> int:
    parts = update.callback_query.data.split(":")
    application = None
    if len(parts) == 3 and parts[2].isdecimal():
        application = await context.services.applications.get(int(parts[2]))
    if application is None or application.status != "accepted":
        await stale_button(update, context)
        return END
    draft = await prepare_for(context, application, update.effective_user.id)
    if draft is None:
        draft = await context.services.agreements.pending_for(application.telegram_id)
    if draft is None:
        await stale_button(update, context)
        return END
    await _show(update, context, draft)
    return END


async def _agreement_from(update: Update, context: BotContext) -> Agreement | None:
    parts = update.callback_query.data.split(":")
    agreement = None
    if len(parts) >= 3 and parts[2].isdecimal():
        agreement = await context.services.agreements.get(int(parts[2]))
    if agreement is None:
        await stale_button(update, context)
    return agreement


async def _refused(update: Update, context: BotContext, agreement_id: int) -> int:
    current = await context.services.agreements.get(agreement_id)
    t = context.t
    await alert(
        update,
        t.gettext(
            "Agreement #%(id)d is now: %(state)s. This is not possible any more.",
            id=agreement_id,
            state=state_name(t, current.state) if current else "—",
        ),
    )
    return END


@requires_role(Role.COORDINATOR)
async def open_one(update: Update, context: BotContext) -> int:
    agreement = await _agreement_from(update, context)
    if agreement is not None:
        await _show(update, context, agreement)
    return END


async def _show(update: Update, context: BotContext, agreement: Agreement, *, new_message: bool = False) -> None:
    t = context.t
    services = context.services
    user = await services.users.get(agreement.telegram_id)
    handle = f" (@{user.username})" if user and user.username else ""
    lines = [
        t._(
            "<b>Agreement #%(id)d</b> (no. %(number)s) · %(state)s",
            id=agreement.id,
            number=number(services, agreement),
            state=state_name(t, agreement.state),
        ),
        t._("Volunteer: %(name)s%(handle)s", name=await display_name(services, agreement), handle=handle),
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
        lines.append(
            t._(
                "Ended on %(date)s. Reason: %(reason)s",
                date=t.date(agreement.ended_on),
                reason=agreement.end_reason or "—",
            )
        )
    await show(
        update,
        context,
        "\n".join(str(line) for line in lines),
        _buttons(context, agreement, files),
        new_message=new_message,
    )


def _buttons(context: BotContext, agreement: Agreement, files):
    t = context.t
    a = agreement.id
    rows = []
    if agreement.state == State.DRAFT:
        rows.append([(t.gettext("📅 Period"), cb("ga", "per", a)), (t.gettext("✏️ Scope"), cb("ga", "sc", a))])
        if agreement.scope:
            rows.append([(t.gettext("↩️ Scope from the application"), cb("ga", "scd", a))])
        rows.append([(t.gettext("📨 Offer to the volunteer"), cb("ga", "off", a))])
    if agreement.state == State.OFFERED:
        rows.append([(t.gettext("↩️ Take back to change"), cb("ga", "wd", a))])
    if agreement.state == State.ACCEPTED and agreement.written_required:
        rows += [[(f"📎 {f.file_name}"[:60], cb("ga", "f", f.id))] for f in files[-5:]]
        if files:
            rows.append([(t.gettext("✅ Confirm the signed file"), cb("ga", "sg", a, "file"))])
        rows.append([(t.gettext("✅ Confirm a paper copy signed"), cb("ga", "sg", a, "paper"))])
    rows.append(
        [(t.gettext("📄 PDF"), cb("ga", "pdf", a)), (t.gettext("🧭 Plan"), cb("pc", "u", agreement.telegram_id))]
    )
    if agreement.state in (State.ACTIVE, State.ENDED, State.EXPIRED, State.SIGNED):
        rows.append([(t.gettext("🔁 Renew"), cb("ga", "rn", a))])
    if agreement.state in COORDINATOR_MAY_END:
        rows.append([(t.gettext("⏹ End"), cb("ga", "end", a))])
    rows.append([(t.gettext("« Back to the list"), cb("ga", "s", agreement.state, 0))])
    return keyboard(rows)


@requires_role(Role.COORDINATOR)
async def send_pdf(update: Update, context: BotContext) -> int:
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    await update.callback_query.answer()
    await context.bot.send_document(update.effective_chat.id, await agreement_pdf(context.services, agreement))
    return END


@requires_role(Role.COORDINATOR)
async def send_file(update: Update, context: BotContext) -> int:
    parts = update.callback_query.data.split(":")
    found = (
        await context.services.agreements.get_file(int(parts[2])) if len(parts) == 3 and parts[2].isdecimal() else None
    )
    if found is None:
        await stale_button(update, context)
        return END
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
    return END


# ---- typed by the coordinator: period, scope, reason -----------------------------------------
@requires_role(Role.COORDINATOR)
async def start_typing(update: Update, context: BotContext) -> str | int:
    t = context.t
    action = update.callback_query.data.split(":")[1]
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    allowed = COORDINATOR_MAY_END if action == "end" else (State.DRAFT,)
    if agreement.state not in allowed:
        return await _refused(update, context, agreement.id)
    await update.callback_query.answer()
    context.user_data[_EDITING] = [agreement.id]
    if action == "per":
        months = context.services.org.agreement.default_months
        await context.bot.send_message(
            update.effective_chat.id,
            t._(
                "Type the period, e.g. 1.12.2026 – 31.05.2027, or choose below. Over 30 days the "
                "agreement needs written form. (/anuluj to stop)"
            ),
            reply_markup=keyboard(
                [
                    [
                        (t.ungettext("%(count)d month", "%(count)d months", n), cb("ga", "pp", agreement.id, n))
                        for n in sorted({1, 3, 6, 12, months})
                    ]
                ]
            ),
        )
        return PERIOD
    if action == "sc":
        await context.bot.send_message(
            update.effective_chat.id,
            t._("Type the scope of work as it should appear in the agreement (in Polish). (/anuluj to stop)"),
        )
        return SCOPE
    await context.bot.send_message(
        update.effective_chat.id,
        t._("Why does agreement #%(id)d end? The volunteer will see the reason. (/anuluj to stop)", id=agreement.id),
    )
    return END_REASON


async def _editing(update: Update, context: BotContext) -> Agreement | None:
    pending = context.user_data.get(_EDITING)
    agreement = await context.services.agreements.get(pending[0]) if pending else None
    return agreement


@requires_role(Role.COORDINATOR)
async def period_typed(update: Update, context: BotContext) -> str | int:
    agreement = await _editing(update, context)
    if agreement is None:
        return END
    result = parse_period(update.effective_message.text or "", today(context.services))
    if not isinstance(result, tuple):
        await context.bot.send_message(
            update.effective_chat.id, result.text(context.t) + "\n" + context.t._("(/anuluj to stop)")
        )
        return PERIOD
    return await _set_period(update, context, agreement, *result)


@requires_role(Role.COORDINATOR)
async def period_preset(update: Update, context: BotContext) -> int:
    agreement = await _agreement_from(update, context)
    parts = update.callback_query.data.split(":")
    if agreement is None:
        return END
    if len(parts) != 4 or not parts[3].isdecimal() or not 1 <= int(parts[3]) <= 60:
        await stale_button(update, context)
        return END
    await update.callback_query.answer()
    start = max(agreement.start_date, today(context.services))
    _, end = default_period(start, int(parts[3]))
    return await _set_period(update, context, agreement, start, end)


async def _set_period(update, context, agreement, start, end) -> int:
    services = context.services
    context.user_data.pop(_EDITING, None)
    try:
        changed = await services.agreements.set_period(
            agreement.id, start, end, update.effective_user.id, services.clock()
        )
    except TransitionRefused:
        await context.bot.send_message(
            update.effective_chat.id, context.t._("This agreement can no longer be changed.")
        )
        return END
    await _show(update, context, changed, new_message=True)
    return END


@requires_role(Role.COORDINATOR)
async def scope_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    agreement = await _editing(update, context)
    if agreement is None:
        return END
    text = (update.effective_message.text or "").strip()
    if not text or len(text) > SCOPE_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                SCOPE_LIMIT,
            ),
        )
        return SCOPE
    # "$" would be read as a placeholder if the text were ever used as a template: keep it literal.
    return await _set_scope(update, context, agreement, text)


@requires_role(Role.COORDINATOR)
async def scope_default(update: Update, context: BotContext) -> int:
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    await update.callback_query.answer()
    return await _set_scope(update, context, agreement, None)


async def _set_scope(update, context, agreement, scope) -> int:
    services = context.services
    context.user_data.pop(_EDITING, None)
    try:
        changed = await services.agreements.set_scope(agreement.id, scope, update.effective_user.id, services.clock())
    except TransitionRefused:
        await context.bot.send_message(
            update.effective_chat.id, context.t._("This agreement can no longer be changed.")
        )
        return END
    await _show(update, context, changed, new_message=True)
    return END


@requires_role(Role.COORDINATOR)
async def reason_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    agreement = await _editing(update, context)
    reason = (update.effective_message.text or "").strip()
    if agreement is None:
        return END
    if not reason or len(reason) > REASON_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                REASON_LIMIT,
            ),
        )
        return END_REASON
    context.user_data.pop(_EDITING, None)
    context.user_data[_ENDING] = [agreement.id, reason]
    await context.bot.send_message(
        update.effective_chat.id,
        t._("End agreement #%(id)d today? Reason: <i>%(reason)s</i>", id=agreement.id, reason=reason),
        reply_markup=keyboard(
            [
                [
                    (t.gettext("⏹ Yes, end it"), cb("ga", "endy", agreement.id)),
                    (t.gettext("Cancel"), cb("ga", "o", agreement.id)),
                ]
            ]
        ),
    )
    return END


async def not_typed(update: Update, context: BotContext) -> None:
    await context.bot.send_message(update.effective_chat.id, context.t._("Please type the text, or /anuluj to stop."))


# ---- offering, confirming, ending, renewing -------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def confirm_offer(update: Update, context: BotContext) -> int:
    t = context.t
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    if agreement.state != State.DRAFT:
        return await _refused(update, context, agreement.id)
    await show(
        update,
        context,
        t._(
            "Offer agreement #%(id)d to %(name)s for %(period)s? The text is then fixed; to change it "
            "later, take it back first.",
            id=agreement.id,
            name=await display_name(context.services, agreement),
            period=period(t, agreement),
        ),
        keyboard(
            [
                [
                    (t.gettext("📨 Yes, offer it"), cb("ga", "offy", agreement.id)),
                    (t.gettext("Cancel"), cb("ga", "o", agreement.id)),
                ]
            ]
        ),
        new_message=True,
    )
    return END


@requires_role(Role.COORDINATOR)
async def offer(update: Update, context: BotContext) -> int:
    services = context.services
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    if agreement.state != State.DRAFT:
        return await _refused(update, context, agreement.id)
    text = await agreement_text(services, agreement)
    try:
        offered = await services.agreements.offer(
            agreement.id,
            update.effective_user.id,
            text,
            services.org.agreement.template_version,
            needs_written_form(agreement.start_date, agreement.end_date),
            services.clock(),
            scope=await scope_of(services, agreement),  # later plan changes do not alter an offered text
        )
    except TransitionRefused:
        return await _refused(update, context, agreement.id)
    await audit(context, update.effective_user.id, "agreement.offered", f"agreement:{offered.id}")
    await update.callback_query.answer()
    await _show(update, context, offered)
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
        keyboard([[(vt.gettext("📄 My agreement"), cb("ag", "my"))]]),
    )
    if not sent:
        await context.bot.send_message(
            update.effective_chat.id,
            context.t._("The volunteer could not be reached in Telegram (they may have blocked the bot)."),
        )
    return END


@requires_role(Role.COORDINATOR)
async def withdraw(update: Update, context: BotContext) -> int:
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    try:
        back = await context.services.agreements.withdraw_offer(
            agreement.id, update.effective_user.id, context.services.clock()
        )
    except TransitionRefused:
        return await _refused(update, context, agreement.id)
    await audit(context, update.effective_user.id, "agreement.offer_withdrawn", f"agreement:{back.id}")
    await _show(update, context, back)
    return END


@requires_role(Role.COORDINATOR)
async def confirm_signed(update: Update, context: BotContext) -> int:
    services = context.services
    agreement = await _agreement_from(update, context)
    parts = update.callback_query.data.split(":")
    if agreement is None:
        return END
    how = parts[3] if len(parts) == 4 else ""
    if how not in ("paper", "file") or (how == "file" and not await services.agreements.files(agreement.id)):
        await stale_button(update, context)
        return END
    try:
        signed = await services.agreements.confirm_signed(agreement.id, update.effective_user.id, how, services.clock())
    except TransitionRefused:
        return await _refused(update, context, agreement.id)
    await audit(context, update.effective_user.id, "agreement.signed_copy_confirmed", f"agreement:{signed.id}", how=how)
    activated = await services.agreements.activate_due(today(services), services.clock(), signed.id)
    current = activated[0] if activated else signed
    await _show(update, context, current)
    vt = await translator_for(services, current.telegram_id)
    text = vt._("✅ The coordinator confirmed the signed copy of your agreement.")
    text += " " + (
        vt._("It is in force from today.")
        if activated
        else vt._("It comes into force on %(date)s.", date=vt.date(current.start_date))
    )
    await send_safely(
        context.bot, services, current.telegram_id, text, keyboard([[(vt.gettext("📄 My agreement"), cb("ag", "my"))]])
    )
    return END


@requires_role(Role.COORDINATOR)
async def end_confirmed(update: Update, context: BotContext) -> int:
    services = context.services
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    pending = context.user_data.get(_ENDING)
    if not pending or pending[0] != agreement.id:
        await stale_button(update, context)
        return END
    try:
        ended = await services.agreements.end(
            agreement.id, update.effective_user.id, pending[1], today(services), COORDINATOR_MAY_END, services.clock()
        )
    except TransitionRefused:
        return await _refused(update, context, agreement.id)
    await audit(context, update.effective_user.id, "agreement.ended", f"agreement:{ended.id}")
    context.user_data.pop(_ENDING, None)
    await update.callback_query.answer()
    await _show(update, context, ended, new_message=True)
    if agreement.state in (State.DRAFT,):
        return END  # the volunteer never saw a draft
    vt = await translator_for(services, ended.telegram_id)
    await send_safely(
        context.bot,
        services,
        ended.telegram_id,
        vt._(
            "Your volunteer agreement no. %(number)s has been ended by the coordinator as of %(date)s.\n"
            "Reason: <i>%(reason)s</i>",
            number=number(services, ended),
            date=vt.date(ended.ended_on),
            reason=pending[1],
        ),
        keyboard([[(vt.gettext("📄 My agreement"), cb("ag", "my"))]]),
    )
    return END


@requires_role(Role.COORDINATOR)
async def renew(update: Update, context: BotContext) -> int:
    """A new draft following this agreement, with the same scope and length."""
    services = context.services
    agreement = await _agreement_from(update, context)
    if agreement is None:
        return END
    if agreement.state not in (State.ACTIVE, State.SIGNED, State.ENDED, State.EXPIRED):
        return await _refused(update, context, agreement.id)
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
            return END
    await _show(update, context, draft, new_message=True)
    return END


# ---- the attestation's opinion -------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def start_opinion(update: Update, context: BotContext) -> str | int:
    parts = update.callback_query.data.split(":")
    attestation = (
        await context.services.agreements.attestation(int(parts[2]))
        if len(parts) == 3 and parts[2].isdecimal()
        else None
    )
    if attestation is None:
        await stale_button(update, context)
        return END
    if attestation.opinion:
        await alert(update, context.t.gettext("An opinion has already been added to this attestation."))
        return END
    await update.callback_query.answer()
    context.user_data[_OPINION] = [attestation.id]
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "Type your opinion of the volunteer's work (in Polish). It will be added to the attestation and "
            "sent to the volunteer. (/anuluj to stop)"
        ),
    )
    return OPINION


@requires_role(Role.COORDINATOR)
async def opinion_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    services = context.services
    pending = context.user_data.get(_OPINION)
    opinion = " ".join((update.effective_message.text or "").split())
    if not pending:
        return END
    if not opinion or len(opinion) > OPINION_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                OPINION_LIMIT,
            ),
        )
        return OPINION
    context.user_data.pop(_OPINION, None)
    attestation = await services.agreements.attestation(pending[0])
    agreement = await services.agreements.get(attestation.agreement_id) if attestation else None
    if attestation is None or agreement is None:
        return END
    text = await attestation_text(context, agreement, opinion)
    updated = await services.agreements.add_opinion(
        attestation.id, opinion, text, update.effective_user.id, services.clock()
    )
    if updated is None:
        await context.bot.send_message(
            update.effective_chat.id, t._("An opinion has already been added to this attestation.")
        )
        return END
    await context.bot.send_message(
        update.effective_chat.id, t._("📝 The opinion has been added and sent to the volunteer.")
    )
    vt = await translator_for(services, agreement.telegram_id)
    try:
        await context.bot.send_document(
            agreement.telegram_id,
            attestation_file(context, updated.id, updated.rendered_text),
            caption=vt.gettext("Your attestation, now with the coordinator's opinion (in Polish)."),
        )
    except Exception:
        log.warning("could not send the attestation %s to %s", updated.id, agreement.telegram_id)
    return END


# ---- registration ------------------------------------------------------------------------------
def handlers() -> list:
    return [
        CommandHandler(["porozumienia", "agreements"], overview),
        CallbackQueryHandler(overview, pattern=r"^ga:list$"),
        CallbackQueryHandler(without_agreement, pattern=r"^ga:new$"),
        CallbackQueryHandler(plans_waiting, pattern=r"^ga:plans$"),
        CallbackQueryHandler(state_list, pattern=r"^ga:s:"),
        CallbackQueryHandler(make_draft, pattern=r"^ga:mk:"),
        CallbackQueryHandler(open_one, pattern=r"^ga:o:"),
        CallbackQueryHandler(send_pdf, pattern=r"^ga:pdf:"),
        CallbackQueryHandler(send_file, pattern=r"^ga:f:"),
        CallbackQueryHandler(period_preset, pattern=r"^ga:pp:"),
        CallbackQueryHandler(scope_default, pattern=r"^ga:scd:"),
        CallbackQueryHandler(confirm_offer, pattern=r"^ga:off:"),
        CallbackQueryHandler(offer, pattern=r"^ga:offy:"),
        CallbackQueryHandler(withdraw, pattern=r"^ga:wd:"),
        CallbackQueryHandler(confirm_signed, pattern=r"^ga:sg:"),
        CallbackQueryHandler(end_confirmed, pattern=r"^ga:endy:"),
        CallbackQueryHandler(renew, pattern=r"^ga:rn:"),
    ]


def conversation() -> ConversationHandler:
    def text_state(callback):
        return [MessageHandler(filters.TEXT & ~filters.COMMAND, callback), MessageHandler(~filters.COMMAND, not_typed)]

    return flow(
        "agreement_staff",
        entry_points=[
            CallbackQueryHandler(start_typing, pattern=r"^ga:(per|sc|end):"),
            CallbackQueryHandler(start_opinion, pattern=r"^ga:op:"),
            *plan.coordinator_entry_points(),
        ],
        states={
            PERIOD: [CallbackQueryHandler(period_preset, pattern=r"^ga:pp:"), *text_state(period_typed)],
            SCOPE: text_state(scope_typed),
            END_REASON: text_state(reason_typed),
            OPINION: text_state(opinion_typed),
            **plan.coordinator_states(),
        },
        cancel=cancel,
    )
