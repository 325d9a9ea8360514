"""The volunteer's side of the agreement: "Moje porozumienie", reading it (summary + Polish PDF),
accepting it in chat, sending a signed copy back, ending it, asking for an attestation.

Every button carries the agreement id and is checked against the database: it must be the
volunteer's own agreement, in a state that allows the action. The accept button also carries
the beginning of the text's SHA-256, so a button for a text that has since been changed is refused.
"""

from __future__ import annotations

import logging

from markupsafe import Markup
from telegram import InputFile, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.agreements import REASON_LIMIT, file_problem, file_type, names_match, render_attestation
from bot.context import BotContext
from bot.i18n import N_, html_escape
from bot.pdf import render_pdf
from handlers import plan
from handlers.agreement_text import (
    agreement_pdf,
    display_name,
    number,
    period,
    polish,
    scope_of,
    state_name,
    today,
    volunteer_of,
)
from handlers.common import alert, cb, flow, keyboard, send_safely, show, stale_button, translator_for
from handlers.menu import MAIN_MENU, cancel, menu_after
from storage.agreements import VOLUNTEER_MAY_END, Agreement, State, TransitionRefused
from storage.applications import Status

log = logging.getLogger(__name__)

END = ConversationHandler.END
NAME = "agreement_name"
UPLOAD = "agreement_upload"
END_REASON = "agreement_end_reason"

MY = cb("ag", "my")
_SIGNING = "agreement_signing"  # user_data: [agreement id, hash prefix, typed name] after the name matched
_ENDING = "agreement_ending"  # user_data: [agreement id, reason]
_WRONG = "agreement_wrong_names"
HASH_PREFIX = 16  # hex characters of the text's SHA-256 carried in the accept buttons


def current(agreements: list[Agreement]) -> Agreement | None:
    """What "Moje porozumienie" shows: one being concluded, else the one in force, else the last.
    A draft is the coordinator's work in progress and is not shown."""
    visible = [a for a in agreements if a.state != State.DRAFT]
    for states in ((State.OFFERED, State.ACCEPTED, State.SIGNED), (State.ACTIVE,)):
        found = [a for a in visible if a.state in states]
        if found:
            return found[0]
    return visible[0] if visible else None


# ---- "Moje porozumienie" ---------------------------------------------------------------------
async def my_agreement(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    agreement = current(await services.agreements.for_volunteer(user_id))
    if agreement is None:
        application = await services.applications.latest(user_id)
        if application is not None and application.status == Status.ACCEPTED:
            text = t._(
                "<b>Your volunteer agreement</b>\n\nYour application has been accepted 🎉 The coordinator is "
                "preparing your agreement; you will get it in this chat. Meanwhile you can start your "
                "development plan."
            )
            rows = [[(t.gettext("🧭 My development plan"), plan.MY)], [(t.gettext("« Main menu"), MAIN_MENU)]]
        else:
            text = t._(
                "<b>Your volunteer agreement</b>\n\nThe agreement is signed after your application to the "
                "team has been accepted."
            )
            rows = [[(t.gettext("📝 My application"), cb("ap", "open"))], [(t.gettext("« Main menu"), MAIN_MENU)]]
        await show(update, context, text, keyboard(rows))
        return END
    await show(update, context, await _summary(context, agreement), _buttons(context, agreement))
    return END


async def _summary(context: BotContext, agreement: Agreement) -> str:
    t = context.t
    services = context.services
    org = services.org
    lines = [
        t._("<b>Your volunteer agreement</b> no. %(number)s", number=number(services, agreement)),
        t._("Status: %(state)s", state=state_name(t, agreement.state)),
        t._("Period: %(period)s", period=period(t, agreement)),
        t._("Scope of your work (in Polish):"),
        Markup("<i>%s</i>") % (await scope_of(services, agreement)),
    ]
    if agreement.written_required:
        lines.append(t._("Form: written (the agreement is for more than 30 days)."))
    else:
        lines.append(t._("Form: documentary (accepting it in this chat is enough)."))
    if agreement.state in (State.OFFERED, State.ACCEPTED, State.SIGNED, State.ACTIVE):
        lines += ["", t._("<b>In short</b>"), html_escape(org.agreement.summary.get(t.locale))]
    if agreement.state == State.OFFERED:
        lines += [
            "",
            t._(
                "The full legal text is in Polish: read it in the PDF file. To accept it, press "
                "“Accept and sign” and type your full name."
            ),
        ]
    elif agreement.state == State.ACCEPTED and agreement.written_required:
        lines += ["", t._("⏳ Waiting for the signed written copy.")]
    elif agreement.state == State.ACCEPTED or agreement.state == State.SIGNED:
        lines += ["", t._("It comes into force on %(date)s.", date=t.date(agreement.start_date))]
    elif agreement.state == State.ENDED and agreement.ended_on:
        lines.append(
            t._(
                "Ended on %(date)s. Reason: %(reason)s",
                date=t.date(agreement.ended_on),
                reason=agreement.end_reason or "—",
            )
        )
    return "\n".join(str(line) for line in lines)


def _buttons(context: BotContext, agreement: Agreement):
    t = context.t
    rows = []
    if agreement.state == State.OFFERED and agreement.text_sha256:
        rows.append(
            [(t.gettext("✍️ Accept and sign"), cb("ag", "acc", agreement.id, agreement.text_sha256[:HASH_PREFIX]))]
        )
    if agreement.state == State.ACCEPTED and agreement.written_required:
        rows.append([(t.gettext("🖊 How to sign it in writing"), cb("ag", "form", agreement.id))])
        rows.append([(t.gettext("📤 Send the signed file"), cb("ag", "up", agreement.id))])
    rows.append([(t.gettext("📄 Download the PDF"), cb("ag", "pdf", agreement.id))])
    if agreement.state in (State.ACTIVE, State.ENDED, State.EXPIRED):
        rows.append([(t.gettext("📜 Ask for an attestation"), cb("ag", "att", agreement.id))])
    rows.append([(t.gettext("🧭 My development plan"), plan.MY)])
    if agreement.state in VOLUNTEER_MAY_END:
        rows.append([(t.gettext("⏹ End the agreement"), cb("ag", "end", agreement.id))])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    return keyboard(rows)


async def _own(update: Update, context: BotContext, states: tuple[State, ...] | None = None) -> Agreement | None:
    """The agreement a button names, if it is the user's own (and in one of `states`)."""
    parts = update.callback_query.data.split(":")
    agreement = None
    if len(parts) >= 3 and parts[2].isdecimal():
        agreement = await context.services.agreements.get(int(parts[2]))
    if agreement is None or agreement.telegram_id != update.effective_user.id or agreement.state == State.DRAFT:
        await stale_button(update, context)
        return None
    if states is not None and agreement.state not in states:
        await alert(
            update,
            context.t.gettext(
                "This agreement is now: %(state)s. This button no longer applies.",
                state=state_name(context.t, agreement.state),
            ),
        )
        return None
    return agreement


async def send_pdf(update: Update, context: BotContext) -> int:
    agreement = await _own(update, context)
    if agreement is None:
        return END
    await update.callback_query.answer()
    t = context.t
    await context.bot.send_document(
        update.effective_chat.id,
        await agreement_pdf(context.services, agreement),
        caption=t.gettext("The full text of your agreement (in Polish)."),
    )
    return END


# ---- accepting ---------------------------------------------------------------------------------
async def start_accepting(update: Update, context: BotContext) -> str | int:
    agreement = await _own(update, context, (State.OFFERED,))
    if agreement is None:
        return END
    shown = update.callback_query.data.split(":")[3] if update.callback_query.data.count(":") >= 3 else ""
    if not agreement.text_sha256 or not shown or not agreement.text_sha256.startswith(shown):
        await alert(update, context.t.gettext("The agreement has been changed since. Please open it again."))
        return END
    await update.callback_query.answer()
    context.user_data[_SIGNING] = [agreement.id, shown, None]
    context.user_data[_WRONG] = 0
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "To confirm it is you, type your <b>full name</b> as given in your application "
            "(capital letters and Polish characters do not matter). /anuluj to stop."
        ),
    )
    return NAME


async def name_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    pending = context.user_data.get(_SIGNING)
    if not pending:
        return END
    typed = " ".join((update.effective_message.text or "").split())[:200]
    agreement = await context.services.agreements.get(pending[0])
    if agreement is None or agreement.state != State.OFFERED or agreement.telegram_id != update.effective_user.id:
        context.user_data.pop(_SIGNING, None)
        await menu_after(update, context, t._("This agreement is no longer waiting for acceptance."))
        return END
    expected = await display_name(context.services, agreement)
    if not names_match(typed, expected):
        wrong = context.user_data.get(_WRONG, 0) + 1
        context.user_data[_WRONG] = wrong
        text = t._(
            "This is not the name given in your application. Please type your first name and surname "
            "exactly as in the application, or /anuluj to stop."
        )
        if wrong >= 3:
            text += "\n\n" + t._(
                "If your name has changed, write to the coordinator: %(email)s",
                email=context.services.org.organisation.email,
            )
        await context.bot.send_message(update.effective_chat.id, text)
        return NAME
    context.user_data[_SIGNING] = [agreement.id, pending[1], typed]
    context.user_data.pop(_WRONG, None)
    await context.bot.send_message(
        update.effective_chat.id,
        t._(
            "Thank you, %(name)s. By pressing the button below you accept agreement no. %(number)s "
            "(template %(version)s) with the text in the PDF file. Its fingerprint (SHA-256) begins "
            "with <code>%(sha)s</code>.",
            name=typed,
            number=number(context.services, agreement),
            version=agreement.template_version or "",
            sha=agreement.text_sha256[:HASH_PREFIX],
        ),
        reply_markup=keyboard(
            [
                [(t.gettext("✅ I accept and sign"), cb("ag", "sign", agreement.id, pending[1]))],
                [(t.gettext("Not now"), MY)],
            ]
        ),
    )
    return END


async def not_a_name(update: Update, context: BotContext) -> str:
    await context.bot.send_message(
        update.effective_chat.id, context.t._("Please type your full name, or /anuluj to stop.")
    )
    return NAME


async def sign(update: Update, context: BotContext) -> int:
    """ "Akceptuję i podpisuję": records who, when, which template version and text hash, the name."""
    t = context.t
    services = context.services
    agreement = await _own(update, context, (State.OFFERED,))
    if agreement is None:
        return END
    parts = update.callback_query.data.split(":")
    pending = context.user_data.get(_SIGNING)
    shown = parts[3] if len(parts) > 3 else ""
    if not pending or pending[0] != agreement.id or pending[1] != shown or not pending[2]:
        await alert(update, t.gettext("Please press “Accept and sign” and type your full name first."))
        return END
    try:
        accepted = await services.agreements.accept(
            agreement.id, update.effective_user.id, pending[2], shown, services.clock()
        )
    except TransitionRefused as refused:
        if refused.reason == "text":
            await alert(update, t.gettext("The agreement has been changed since. Please open it again."))
        else:
            await stale_button(update, context)
        return END
    context.user_data.pop(_SIGNING, None)
    await update.callback_query.answer()
    await _retire(update)
    log.info("agreement %s accepted in chat by %s", accepted.id, update.effective_user.id)
    activated = await services.agreements.activate_due(today(services), services.clock(), accepted.id)
    if accepted.written_required:
        await context.bot.send_message(
            update.effective_chat.id,
            t._("✅ <b>Accepted.</b> Your acceptance has been recorded in this chat.")
            + "\n\n"
            + written_form_text(context),
            reply_markup=_written_buttons(context, accepted),
        )
    else:
        when = (
            t._("It is in force from today.")
            if activated
            else t._("It comes into force on %(date)s.", date=t.date(accepted.start_date))
        )
        await menu_after(update, context, t._("✅ <b>Agreement accepted.</b>") + " " + when)
    await notify_staff(
        context,
        accepted,
        N_("✍️ %(name)s accepted agreement no. %(number)s in chat."),
    )
    return END


async def _retire(update: Update) -> None:
    """Take the buttons off the confirmation, so it cannot be pressed twice."""
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:
        log.debug("could not remove the buttons")


def written_form_text(context: BotContext) -> Markup:
    t = context.t
    org = context.services.org
    return Markup("\n").join(
        [
            t._(
                "The agreement is for more than 30 days, so Polish law requires <b>written form</b>: a "
                "handwritten signature, or a qualified electronic signature. Acceptance in chat is "
                "documentary form: good evidence, but not written form. Choose one way:"
            ),
            t._(
                "1️⃣ Print the PDF, sign it by hand and give it to the coordinator (or post it to %(address)s).",
                address=f"{org.organisation.name}, {org.organisation.address}",
            ),
            t._(
                "2️⃣ Sign the PDF with %(methods)s and send the signed file back in this chat.",
                methods=org.agreement.signature_methods.get(t.locale),
            ),
            t._("The coordinator confirms the signed copy; then the agreement comes into force."),
        ]
    )


def _written_buttons(context: BotContext, agreement: Agreement):
    t = context.t
    return keyboard(
        [
            [(t.gettext("📄 Download the PDF"), cb("ag", "pdf", agreement.id))],
            [(t.gettext("📤 Send the signed file"), cb("ag", "up", agreement.id))],
            [(t.gettext("« My agreement"), MY)],
        ]
    )


async def how_to_sign(update: Update, context: BotContext) -> int:
    agreement = await _own(update, context, (State.ACCEPTED,))
    if agreement is None:
        return END
    await show(update, context, written_form_text(context), _written_buttons(context, agreement))
    return END


# ---- the signed copy -------------------------------------------------------------------------
async def start_upload(update: Update, context: BotContext) -> str | int:
    agreement = await _own(update, context, (State.ACCEPTED,))
    if agreement is None:
        return END
    if not agreement.written_required:
        await stale_button(update, context)
        return END
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "Send the signed agreement as a file: a PDF, or a scan as JPEG or PNG, at most %(mb)d MB. /anuluj to stop.",
            mb=context.services.org.agreement.max_upload_mb,
        ),
    )
    return UPLOAD


async def awaiting_copy(context: BotContext, user_id: int) -> Agreement | None:
    for agreement in await context.services.agreements.for_volunteer(user_id):
        if agreement.state == State.ACCEPTED and agreement.written_required:
            return agreement
    return None


async def document_received(update: Update, context: BotContext) -> str | int:
    """A file in the upload step, or any file while a written copy is awaited."""
    t = context.t
    services = context.services
    agreement = await awaiting_copy(context, update.effective_user.id)
    if agreement is None:
        await menu_after(update, context, t._("I was not expecting a file from you right now."))
        return END
    document = update.effective_message.document
    max_mb = services.org.agreement.max_upload_mb
    problem = file_problem(None, document.file_size, max_mb)
    content = b""
    if problem is None:
        try:
            telegram_file = await document.get_file()
            content = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as exc:  # e.g. over the 20 MB a bot may download
            log.warning("could not download a signed copy: %s", exc)
            problem = file_problem(None, max_mb * 1024 * 1024 + 1, max_mb)
        else:
            problem = file_problem(content, len(content), max_mb)
    if problem is not None:
        await context.bot.send_message(update.effective_chat.id, problem.text(t) + "\n" + t._("/anuluj to stop."))
        return UPLOAD
    name = (document.file_name or "podpisane-porozumienie")[:120]
    try:
        stored = await services.agreements.add_file(
            agreement.id, update.effective_user.id, name, file_type(content) or "", content, services.clock()
        )
    except TransitionRefused:
        await menu_after(update, context, t._("This agreement is no longer waiting for a signed copy."))
        return END
    await menu_after(
        update,
        context,
        t._(
            "📎 Received: %(name)s. The coordinator will check the signed copy and confirm it; you will get a "
            "message here.",
            name=stored.file_name,
        ),
    )
    await notify_staff(context, agreement, N_("📎 %(name)s sent a signed copy of agreement no. %(number)s."))
    return END


async def photo_received(update: Update, context: BotContext) -> str:
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "Photos are compressed and may become unreadable. Please send the scan as a file "
            "(📎 → File), as PDF, JPEG or PNG. /anuluj to stop."
        ),
    )
    return UPLOAD


async def not_a_file(update: Update, context: BotContext) -> str:
    await context.bot.send_message(
        update.effective_chat.id, context.t._("Please send the signed agreement as a file, or /anuluj to stop.")
    )
    return UPLOAD


async def stray_document(update: Update, context: BotContext) -> None:
    """A file sent outside the upload step: a signed copy if one is awaited, else the usual answer."""
    if await awaiting_copy(context, update.effective_user.id) is None:
        await menu_after(
            update,
            context,
            context.t._("I can't handle this kind of message. Choose something from the menu below."),
        )
        return
    await document_received(update, context)


# ---- ending ----------------------------------------------------------------------------------
async def start_ending(update: Update, context: BotContext) -> str | int:
    agreement = await _own(update, context, VOLUNTEER_MAY_END)
    if agreement is None:
        return END
    await update.callback_query.answer()
    context.user_data[_ENDING] = [agreement.id, None]
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "You can end the agreement at any time. Please tell us briefly why (it helps us improve the "
            "programme). /anuluj to stop."
        ),
    )
    return END_REASON


async def end_reason_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    pending = context.user_data.get(_ENDING)
    reason = (update.effective_message.text or "").strip()
    if not pending:
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
    context.user_data[_ENDING] = [pending[0], reason]
    await context.bot.send_message(
        update.effective_chat.id,
        t._("End the agreement today? Reason: <i>%(reason)s</i>", reason=reason),
        reply_markup=keyboard(
            [
                [(t.gettext("⏹ Yes, end it"), cb("ag", "endy", pending[0]))],
                [(t.gettext("No, keep it"), MY)],
            ]
        ),
    )
    return END


async def end_confirmed(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    agreement = await _own(update, context, VOLUNTEER_MAY_END)
    if agreement is None:
        return END
    pending = context.user_data.get(_ENDING)
    if not pending or pending[0] != agreement.id or not pending[1]:
        await stale_button(update, context)
        return END
    try:
        ended = await services.agreements.end(
            agreement.id,
            update.effective_user.id,
            pending[1],
            today(services),
            VOLUNTEER_MAY_END,
            services.clock(),
            owner_id=update.effective_user.id,
        )
    except TransitionRefused:
        await stale_button(update, context)
        return END
    context.user_data.pop(_ENDING, None)
    await update.callback_query.answer()
    await _retire(update)
    await menu_after(
        update,
        context,
        t._(
            "The agreement has ended today. Thank you for your work! You can still download it and ask for an "
            "attestation under “My agreement”."
        ),
    )
    await notify_staff(
        context,
        ended,
        N_("⏹ %(name)s ended agreement no. %(number)s."),
        extra_msgid=N_("Reason: %(reason)s"),
        extra={"reason": pending[1]},
    )
    return END


async def not_a_reason(update: Update, context: BotContext) -> str:
    await context.bot.send_message(update.effective_chat.id, context.t._("Please type the text, or /anuluj to stop."))
    return END_REASON


# ---- the attestation (zaświadczenie) ----------------------------------------------------------
async def request_attestation(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    agreement = await _own(update, context, (State.ACTIVE, State.ENDED, State.EXPIRED))
    if agreement is None:
        return END
    await update.callback_query.answer()
    text = await attestation_text(context, agreement, None)
    attestation = await services.agreements.add_attestation(
        update.effective_user.id, agreement.id, text, services.clock()
    )
    await context.bot.send_document(
        update.effective_chat.id,
        attestation_file(context, attestation.id, text),
        caption=t.gettext(
            "Your attestation (in Polish). The coordinator has been told and may add an opinion of your work; "
            "a copy signed by hand is available from the coordinator."
        ),
    )
    await notify_staff(
        context,
        agreement,
        N_("📜 %(name)s asked for an attestation (agreement no. %(number)s)."),
        button=(N_("📝 Add an opinion"), cb("ga", "op", attestation.id)),
    )
    return END


async def attestation_text(context: BotContext, agreement: Agreement, opinion: str | None) -> str:
    services = context.services
    volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
    last_day = min(agreement.end_date, agreement.ended_on or agreement.end_date, today(services))
    last_day = max(last_day, agreement.start_date)
    hours = await services.agreements.recorded_hours(agreement.telegram_id, agreement.start_date, last_day)
    return render_attestation(
        services.org,
        number=number(services, agreement),
        volunteer_name=volunteer.name,
        scope=await scope_of(services, agreement),
        start=agreement.start_date,
        end=last_day,
        issued=today(services),
        hours=hours or None,
        opinion=opinion,
    )


def attestation_file(context: BotContext, attestation_id: int, text: str) -> InputFile:
    from storage.agreements import sha256_text

    services = context.services
    pl = polish(services)
    footer = pl.gettext(
        "Attestation no. %(id)d · SHA-256 of the text: %(sha)s", id=attestation_id, sha=sha256_text(text)
    )
    content = render_pdf(text, title=pl.gettext("Attestation"), footer=footer, created=services.clock())
    return InputFile(content, filename=f"zaswiadczenie-{attestation_id}.pdf")


# ---- notifications to coordinators -------------------------------------------------------------
async def notify_staff(
    context: BotContext,
    agreement: Agreement,
    msgid: str,
    *,
    extra_msgid: str | None = None,
    extra: dict | None = None,
    button: tuple[str, str] | None = None,
) -> None:
    services = context.services
    name = await display_name(services, agreement)
    for staff_id in await services.staff_ids():
        t = await translator_for(services, staff_id)
        text = t._(msgid, name=name, number=number(services, agreement))
        if extra_msgid:
            text += "\n" + t._(extra_msgid, **(extra or {}))
        rows = [[(t.gettext("Open"), cb("ga", "o", agreement.id))]]
        if button:
            rows.insert(0, [(t.gettext(button[0]), button[1])])
        await send_safely(context.bot, services, staff_id, text, keyboard(rows))


# ---- registration ----------------------------------------------------------------------------
def handlers() -> list:
    """Stateless volunteer handlers, for the global group."""
    return [
        CommandHandler(["porozumienie", "agreement"], my_agreement),
        CallbackQueryHandler(my_agreement, pattern=r"^ag:my$"),
        CallbackQueryHandler(send_pdf, pattern=r"^ag:pdf:"),
        CallbackQueryHandler(sign, pattern=r"^ag:sign:"),
        CallbackQueryHandler(how_to_sign, pattern=r"^ag:form:"),
        CallbackQueryHandler(end_confirmed, pattern=r"^ag:endy:"),
        CallbackQueryHandler(request_attestation, pattern=r"^ag:att:"),
    ]


def document_handler() -> MessageHandler:
    return MessageHandler(filters.Document.ALL, stray_document)


def conversation() -> ConversationHandler:
    """Typing the name, sending the signed copy, the reason for ending; the plan's typed answers."""
    text = filters.TEXT & ~filters.COMMAND
    return flow(
        "agreement",
        entry_points=[
            CallbackQueryHandler(start_accepting, pattern=r"^ag:acc:"),
            CallbackQueryHandler(start_upload, pattern=r"^ag:up:"),
            CallbackQueryHandler(start_ending, pattern=r"^ag:end:"),
            *plan.volunteer_entry_points(),
        ],
        states={
            NAME: [MessageHandler(text, name_typed), MessageHandler(~filters.COMMAND, not_a_name)],
            UPLOAD: [
                MessageHandler(filters.Document.ALL, document_received),
                MessageHandler(filters.PHOTO, photo_received),
                MessageHandler(~filters.COMMAND, not_a_file),
            ],
            END_REASON: [MessageHandler(text, end_reason_typed), MessageHandler(~filters.COMMAND, not_a_reason)],
            **plan.volunteer_states(),
        },
        cancel=cancel,
    )
