""" "Moje dane": what the bot stores about the person, correcting it, exporting all of it as JSON,
withdrawing optional consents, and deleting the account (RODO art. 15–17 and 20).

What deletion keeps is decided in storage.privacy (agreements accepted or signed, for the period
in the organisation file); the deletion is logged without any personal data.
"""

from __future__ import annotations

import json
import logging

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.forms import Problem, parse_phone, parse_text
from bot.i18n import html_escape
from bot.organisation import FieldType
from handlers.application_text import answer_lines, status_name
from handlers.common import alert, cb, flow, keyboard, show, stale_button
from handlers.events import send_notices_now
from handlers.menu import MAIN_MENU, cancel
from storage import privacy
from storage.applications import Status

log = logging.getLogger(__name__)

END = ConversationHandler.END
CORRECTING = "correcting"
MY_DATA = cb("md", "show")
_EDITABLE = (FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.DATE, FieldType.NUMBER)
_FIELD = "mydata_field"


async def _sent_application(context: BotContext, user_id: int):
    application = await context.services.applications.latest(user_id)
    return application if application is not None and application.status != Status.DRAFT else None


async def my_data(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    profile = await services.users.get(user_id)
    lines = [t._("<b>🔒 My data</b>"), "", t._("<b>Profile</b> (from Telegram)")]
    if profile is not None:
        lines.append(t._("Name: %(name)s", name=profile.full_name or "—"))
        if profile.username:
            lines.append(t._("Username: @%(username)s", username=profile.username))
        lines.append(t._("Language: %(language)s", language=t.language_name(t.locale)))
        lines.append(t._("With us since: %(date)s", date=t.date(profile.created_at)))
    application = await services.applications.latest(user_id)
    if application is not None:
        lines += ["", t._("<b>Application</b> (%(status)s)", status=status_name(t, application.status))]
        lines += answer_lines(services.org, await services.applications.answers(application.id), t, limit=80)
    consents = await services.consents.all_for(user_id)
    if consents:
        lines += ["", t._("<b>Consents</b>")]
        latest = {}
        for consent in consents:
            latest[consent.kind] = consent
        for consent in latest.values():
            lines.append(
                t._(
                    "%(kind)s: %(state)s (version %(version)s, %(date)s)",
                    kind=_consent_name(context, consent.kind),
                    state=t.gettext("given") if consent.granted else t.gettext("not given or withdrawn"),
                    version=consent.version,
                    date=t.date(consent.at),
                )
            )
    signups = await services.events.mine(user_id, services.clock())
    hours = await services.events.hours_of(user_id)
    lines += [
        "",
        t._("<b>Events</b>"),
        t.ngettext("%(count)d upcoming sign-up.", "%(count)d upcoming sign-ups.", len(signups)),
    ]
    if hours:
        lines.append(t._("Hours of volunteering recorded: %(hours)s.", hours=t.number(hours)))
    lines += ["", t._("The agreement and the development plan are under 📄 My agreement.")]
    rows = []
    if await _sent_application(context, user_id) is not None:
        rows.append([(t.gettext("✏️ Correct my data"), cb("md", "e"))])
    rows.append([(t.gettext("📦 Download all my data (JSON)"), cb("md", "x"))])
    if services.org.consents:
        rows.append([(t.gettext("🚫 Optional consents"), cb("md", "c"))])
    rows.append([(t.gettext("🗑 Delete my account"), cb("md", "del"))])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    text = "\n".join(str(line) for line in lines)
    await show(update, context, text[:4000], keyboard(rows))
    return END


def _consent_name(context: BotContext, kind: str) -> str:
    t = context.t
    if kind == "rules":
        return t.gettext("recruitment rules")
    if kind == "privacy":
        return t.gettext("processing of personal data")
    for consent in context.services.org.consents:
        if kind == f"optional:{consent.id}":
            return consent.text.get(t.locale)[:80]
    return kind


# ---- export -----------------------------------------------------------------------------------
async def export(update: Update, context: BotContext) -> int:
    services = context.services
    user_id = update.effective_user.id
    data = await privacy.personal_data(services.db, user_id, services.clock())
    data["controller"] = services.org.data_protection.controller
    data["contact"] = services.org.data_protection.contact_email
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    await update.callback_query.answer()
    stamp = context.t.datetime(services.clock(), "y-MM-dd")
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(body, filename=f"moje-dane-{stamp}.json"),
        caption=context.t._("Everything the bot stores about you, as a JSON file."),
    )
    log.info("user %s exported their data (%d bytes)", user_id, len(body))
    return END


# ---- optional consents ------------------------------------------------------------------------------
async def consents(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    optional = services.org.consents
    parts = update.callback_query.data.split(":")
    if len(parts) == 3:  # a toggle
        try:
            consent = optional[int(parts[2])]
        except (ValueError, IndexError):
            await stale_button(update, context)
            return END
        kind = f"optional:{consent.id}"
        current = await services.consents.current(user_id, kind)
        granted = not (current is not None and current.granted)
        await services.consents.record(user_id, kind, consent.version, granted, services.clock())
        await alert(update, t.gettext("Consent given.") if granted else t.gettext("Consent withdrawn."))
    lines = [str(t._("<b>Optional consents</b>")), "", str(t._("You can give or withdraw each of them at any time."))]
    rows = []
    for index, consent in enumerate(optional):
        current = await services.consents.current(user_id, f"optional:{consent.id}")
        given = current is not None and current.granted
        lines += ["", ("✅ " if given else "▫️ ") + str(html_escape(consent.text.get(t.locale)))]
        if given:
            label = t.gettext("Withdraw consent %(number)d", number=index + 1)
        else:
            label = t.gettext("Give consent %(number)d", number=index + 1)
        rows.append([(label, cb("md", "c", index))])
    rows.append([(t.gettext("« My data"), MY_DATA)])
    await show(update, context, "\n".join(lines), keyboard(rows))
    return END


# ---- correcting answers ---------------------------------------------------------------------------
async def choose_field(update: Update, context: BotContext) -> int:
    t = context.t
    if await _sent_application(context, update.effective_user.id) is None:
        await stale_button(update, context)
        return END
    fields = [(i, f) for i, f in enumerate(context.services.org.form) if f.type in _EDITABLE]
    rows = [[(f.label.get(t.locale), cb("md", "ef", i))] for i, f in fields]
    rows.append([(t.gettext("« My data"), MY_DATA)])
    text = t._(
        "Which answer would you like to correct? Choices (like the county) are changed by a coordinator: write to them."
    )
    await show(update, context, text, keyboard(rows))
    return END


async def ask_field(update: Update, context: BotContext) -> str | int:
    t = context.t
    form = context.services.org.form
    try:
        index = int(update.callback_query.data.split(":")[2])
        form_field = form[index]
    except (ValueError, IndexError):
        await stale_button(update, context)
        return END
    if form_field.type not in _EDITABLE or await _sent_application(context, update.effective_user.id) is None:
        await stale_button(update, context)
        return END
    context.user_data[_FIELD] = index
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        t._("Type the new answer: %(prompt)s (/anuluj to stop)", prompt=form_field.prompt.get(t.locale)),
    )
    return CORRECTING


async def correct(update: Update, context: BotContext) -> str | int:
    t = context.t
    services = context.services
    index = context.user_data.get(_FIELD)
    if index is None or index >= len(services.org.form):
        return END
    form_field = services.org.form[index]
    text = update.effective_message.text or ""
    result = parse_phone(text) if form_field.type == FieldType.PHONE else parse_text(form_field, text)
    if isinstance(result, Problem):
        await context.bot.send_message(update.effective_chat.id, result.text(t))
        return CORRECTING
    application = await _sent_application(context, update.effective_user.id)
    context.user_data.pop(_FIELD, None)
    if application is None or not await services.applications.correct_answer(
        application.id, update.effective_user.id, form_field.id, result.value, services.clock()
    ):
        await context.bot.send_message(update.effective_chat.id, t._("Your application is not available any more."))
        return END
    await context.bot.send_message(update.effective_chat.id, t._("✔ Saved. The coordinators will see the change."))
    await my_data(update, context)
    return END


async def not_text(update: Update, context: BotContext) -> str:
    await context.bot.send_message(update.effective_chat.id, context.t._("Please type the text, or /anuluj to stop."))
    return CORRECTING


# ---- deleting the account ---------------------------------------------------------------------------
async def confirm_delete(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    kept = await privacy.kept_by_law(services.db, update.effective_user.id)
    lines = [
        t._("<b>Delete your account?</b>"),
        "",
        t._(
            "We will erase your profile, your applications and their answers, your consents, your event "
            "sign-ups and hours, your development plan, your preferences and this conversation's saved state."
        ),
    ]
    if kept.get("agreements"):
        lines += [
            "",
            t._(
                "By law we must keep your volunteer agreements (with their acceptance records and signed copies) "
                "for %(years)d years after they end; the rest of your data is erased.",
                years=services.org.data_protection.agreements_kept_years,
            ),
        ]
    lines += ["", t._("This cannot be undone. You can start again any time with /start.")]
    rows = [[(t.gettext("🗑 Yes, delete my account"), cb("md", "dely"))], [(t.gettext("« My data"), MY_DATA)]]
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))
    return END


async def delete(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    if user_id in services.settings.admin_ids:
        await alert(update, t.gettext("Admins are set in the server settings; ask the server's administrator."))
        return END
    # Places in upcoming events go to the waitlist first, as if given back one by one.
    promoted = False
    for event, _registration in await services.events.mine(user_id, services.clock()):
        promoted |= bool((await services.events.leave(event.id, user_id, services.clock())).promoted)
    kept = await privacy.kept_by_law(services.db, user_id)
    erased = await privacy.erase(services.db, user_id)
    await services.audit.forget_actor(user_id)
    # The log says that an account was deleted and what was kept, never whose.
    await services.audit.record(None, "account.deleted", None, services.clock(), kept=kept, erased=sum(erased.values()))
    _forget_in_memory(context, user_id)
    if promoted:
        await send_notices_now(context)
    await update.callback_query.answer()
    await show(
        update,
        context,
        t._(
            "Your account has been deleted. Thank you for the time you gave to others. 💙\n\n"
            "Type /start to begin again."
        ),
    )
    return END


def _forget_in_memory(context: BotContext, user_id: int) -> None:
    """PTB keeps user data and conversation states in memory too; without this it would write them
    back after the update."""
    application = context.application
    application.drop_user_data(user_id)
    application.drop_chat_data(user_id)
    for handlers in application.handlers.values():
        for handler in handlers:
            states = getattr(handler, "_conversations", None)  # ConversationHandler's own record
            if isinstance(states, dict):
                for key in [k for k in states if user_id in k]:
                    states.pop(key, None)


def handlers() -> list:
    return [
        CommandHandler(["moje_dane", "mydata"], my_data),
        CallbackQueryHandler(my_data, pattern=r"^md:show$"),
        CallbackQueryHandler(export, pattern=r"^md:x$"),
        CallbackQueryHandler(consents, pattern=r"^md:c(:|$)"),
        CallbackQueryHandler(choose_field, pattern=r"^md:e$"),
        CallbackQueryHandler(confirm_delete, pattern=r"^md:del$"),
        CallbackQueryHandler(delete, pattern=r"^md:dely$"),
    ]


def conversation():
    return flow(
        "mydata",
        entry_points=[CallbackQueryHandler(ask_field, pattern=r"^md:ef:")],
        states={
            CORRECTING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, correct),
                MessageHandler(~filters.COMMAND, not_text),
            ]
        },
        cancel=cancel,
    )
