"""Coordinators review applications: lists by status, one application, decisions, questions,
notifications and the CSV export. Every command and button re-checks the role."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from telegram import InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.forms import display
from bot.i18n import html_escape
from bot.services import Role
from handlers import agreement_admin
from handlers.application_text import (
    STATUS_GROUPS,
    answer_lines,
    history_lines,
    split_for_telegram,
    status_name,
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
from storage.applications import OPEN, REVIEW_ORDER, Application, Status, TransitionRefused

log = logging.getLogger(__name__)

END = ConversationHandler.END
REASON = "reason"
QUESTION = "question"
PAGE_SIZE = 8
_PENDING = "review_pending"  # user_data: (action, application id) while typing a reason
REASON_LIMIT = 1000

LIST = cb("rv", "list")


# ---- lists -------------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def overview(update: Update, context: BotContext) -> int:
    t = context.t
    counts = await context.services.applications.counts()
    notify = await context.services.coordinator_settings.notify_applications(update.effective_user.id)
    rows = [
        [
            (
                t.gettext("%(group)s (%(count)d)", group=t.gettext(STATUS_GROUPS[s]), count=counts[s]),
                cb("rv", "s", s, 0),
            )
        ]
        for s in REVIEW_ORDER
    ]
    rows.append([(t.gettext("⬇️ Export to CSV"), cb("rv", "x"))])
    bell = t.gettext("🔔 New application alerts: on") if notify else t.gettext("🔕 New application alerts: off")
    rows.append([(bell, cb("rv", "n"))])
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    total = sum(counts.values())
    text = (
        t._("<b>Applications</b>")
        + "\n"
        + t.ngettext(
            "%(count)d application in all. Choose a list:",
            "%(count)d applications in all. Choose a list:",
            total,
        )
    )
    await show(update, context, text, keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def toggle_notifications(update: Update, context: BotContext) -> int:
    repo = context.services.coordinator_settings
    user_id = update.effective_user.id
    await repo.set_notify_applications(user_id, not await repo.notify_applications(user_id))
    return await overview(update, context)


@requires_role(Role.COORDINATOR)
async def status_list(update: Update, context: BotContext) -> int:
    t = context.t
    parts = update.callback_query.data.split(":")
    try:
        status, page = Status(parts[2]), max(0, int(parts[3]))
    except (IndexError, ValueError):
        await stale_button(update, context)
        return END
    repo = context.services.applications
    items = await repo.list_by_status(status, page * PAGE_SIZE, PAGE_SIZE + 1)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    rows = [[(_list_label(t, item), cb("rv", "o", item.id))] for item in items]
    nav = []
    if page > 0:
        nav.append((t.gettext("« Previous"), cb("rv", "s", status, page - 1)))
    if more:
        nav.append((t.gettext("Next »"), cb("rv", "s", status, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(t.gettext("« Applications"), LIST)])
    title = t._("<b>%(group)s</b>", group=t.gettext(STATUS_GROUPS[status]))
    body = t._("Nothing here yet.") if not items else t._("Choose an application:")
    await show(update, context, title + "\n" + body, keyboard(rows))
    return END


def _list_label(t, item) -> str:
    name = (item.name or "—")[:40]
    when = t.date(item.submitted_at, "d.MM") if item.submitted_at else ""
    return f"#{item.id} {name} · {when}"


# ---- one application ------------------------------------------------------------------------
async def _names(context: BotContext, ids: set[int]) -> dict[int, str]:
    names = {}
    for user_id in ids:
        user = await context.services.users.get(user_id)
        if user is not None:
            names[user_id] = user.full_name
    return names


async def render_application(context: BotContext, application: Application) -> list[str]:
    t = context.t
    services = context.services
    answers = await services.applications.answers(application.id)
    history = await services.applications.history(application.id)
    names = await _names(context, {h.actor_id for h in history if h.actor_id})
    user = await services.users.get(application.telegram_id)
    who = user.full_name if user else str(application.telegram_id)
    handle = f" (@{user.username})" if user and user.username else ""
    blocks = [
        t._(
            "<b>Application #%(id)d</b> · %(status)s",
            id=application.id,
            status=status_name(t, application.status),
        ),
        t._("Telegram: %(name)s%(handle)s", name=who, handle=handle),
        "",
        *answer_lines(services.org, answers, t),
    ]
    if history:
        blocks += ["", t._("<b>History</b>"), *history_lines(history, t, names)]
    return split_for_telegram([str(b) for b in blocks])


@requires_role(Role.COORDINATOR)
async def open_one(update: Update, context: BotContext) -> int:
    t = context.t
    application = await _application_from(update, context)
    if application is None:
        return END
    messages = await render_application(context, application)
    rows = []
    if application.status in OPEN:
        rows.append(
            [
                (t.gettext("✅ Accept"), cb("rv", "a", application.id)),
                (t.gettext("❌ Reject"), cb("rv", "r", application.id)),
            ]
        )
        if application.status == Status.SUBMITTED:
            rows.append([(t.gettext("❓ Ask for more information"), cb("rv", "q", application.id))])
    rows.append([(t.gettext("« Back to the list"), cb("rv", "s", application.status, 0))])
    for text in messages[:-1]:
        await show(update, context, text, None, new_message=True)
    await show(update, context, messages[-1], keyboard(rows), new_message=len(messages) > 1)
    return END


async def _application_from(update: Update, context: BotContext) -> Application | None:
    parts = update.callback_query.data.split(":")
    application = None
    if len(parts) >= 3 and parts[2].isdecimal():
        application = await context.services.applications.get(int(parts[2]))
    if application is None or application.status == Status.DRAFT:
        await stale_button(update, context)
        return None
    return application


# ---- decisions -------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def confirm_accept(update: Update, context: BotContext) -> int:
    t = context.t
    application = await _application_from(update, context)
    if application is None:
        return END
    if application.status not in OPEN:
        return await _already_decided(update, context, application)
    await show(
        update,
        context,
        t._("Accept application #%(id)d? The volunteer will be told at once.", id=application.id),
        keyboard(
            [
                [
                    (t.gettext("✅ Yes, accept"), cb("rv", "ay", application.id)),
                    (t.gettext("Cancel"), cb("rv", "o", application.id)),
                ]
            ]
        ),
        new_message=True,
    )
    return END


@requires_role(Role.COORDINATOR)
async def accept(update: Update, context: BotContext) -> int:
    application = await _application_from(update, context)
    if application is None:
        return END
    return await _decide(update, context, application, accepted=True, reason=None)


async def _decide(update, context, application, *, accepted: bool, reason: str | None) -> int:
    t = context.t
    services = context.services
    try:
        decided = await services.applications.decide(
            application.id, update.effective_user.id, accepted, reason, now=services.clock()
        )
    except TransitionRefused:
        current = await services.applications.get(application.id)
        return await _already_decided(update, context, current or application)
    action = "application.accepted" if accepted else "application.rejected"
    await audit(context, update.effective_user.id, action, f"application:{decided.id}")
    if update.callback_query:
        await update.callback_query.answer()
    done = (
        t._("✅ Application #%(id)d accepted.", id=decided.id)
        if accepted
        else t._("❌ Application #%(id)d not accepted.", id=decided.id)
    )
    rows = [[(t.gettext("« Applications"), LIST)]]
    if accepted:  # the agreement starts here: a draft is ready for the coordinator
        prepare = await agreement_admin.on_application_accepted(context, decided, update.effective_user.id)
        if prepare is not None:
            rows.insert(0, [prepare])
    await context.bot.send_message(update.effective_chat.id, done, reply_markup=keyboard(rows))
    await _tell_volunteer(context, decided, accepted, reason)
    return END


async def _already_decided(update, context, application) -> int:
    t = context.t
    text = t.gettext(
        "Application #%(id)d has already been dealt with (now: %(status)s).",
        id=application.id,
        status=status_name(t, application.status),
    )
    if update.callback_query:
        await alert(update, text)
    else:
        await context.bot.send_message(update.effective_chat.id, html_escape(text))
    return END


async def _tell_volunteer(context, application: Application, accepted: bool, reason: str | None) -> None:
    t = await translator_for(context.services, application.telegram_id)
    programme = context.services.org.programme.name.get(t.locale)
    if accepted:
        text = t._(
            "🎉 <b>Congratulations!</b> Your application to %(programme)s has been accepted. "
            "The coordinator will send you the volunteer agreement soon.",
            programme=programme,
        )
    else:
        text = t._(
            "Thank you for applying to %(programme)s. Unfortunately we cannot accept your application this time.",
            programme=programme,
        )
        if reason:
            text += "\n\n" + t._("The coordinator's explanation: <i>%(reason)s</i>", reason=reason)
    markup = keyboard([[(t.gettext("📝 My application"), cb("ap", "status"))]])
    await send_safely(context.bot, context.services, application.telegram_id, text, markup)


# ---- reasons and questions, typed by the coordinator --------------------------------------------
@requires_role(Role.COORDINATOR)
async def start_typing(update: Update, context: BotContext) -> str | int:
    t = context.t
    action = update.callback_query.data.split(":")[1]
    application = await _application_from(update, context)
    if application is None:
        return END
    allowed = OPEN if action == "r" else (Status.SUBMITTED,)
    if application.status not in allowed:
        return await _already_decided(update, context, application)
    context.user_data[_PENDING] = [action, application.id]
    await update.callback_query.answer()
    if action == "r":
        prompt = t._(
            "Why is application #%(id)d not accepted? Your explanation will be sent to "
            "the volunteer. (/anuluj to stop)",
            id=application.id,
        )
        state = REASON
    else:
        prompt = t._(
            "What would you like to ask the author of application #%(id)d? (/anuluj to stop)",
            id=application.id,
        )
        state = QUESTION
    await context.bot.send_message(update.effective_chat.id, prompt)
    return state


@requires_role(Role.COORDINATOR)
async def typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    pending = context.user_data.get(_PENDING)
    text = (update.effective_message.text or "").strip()
    if not pending:
        return END
    if not text or len(text) > REASON_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                REASON_LIMIT,
            ),
        )
        return None  # stay in the same state
    action, application_id = pending
    application = await context.services.applications.get(application_id)
    context.user_data.pop(_PENDING, None)
    if application is None:
        return END
    if action == "r":
        return await _decide(update, context, application, accepted=False, reason=text)
    services = context.services
    try:
        asked = await services.applications.request_info(
            application_id, update.effective_user.id, text, now=services.clock()
        )
    except TransitionRefused:
        current = await services.applications.get(application_id)
        return await _already_decided(update, context, current or application)
    await audit(context, update.effective_user.id, "application.info_requested", f"application:{application_id}")
    await context.bot.send_message(
        update.effective_chat.id,
        t._("❓ Your question has been sent. You will get the answer here."),
        reply_markup=keyboard([[(t.gettext("« Applications"), LIST)]]),
    )
    vt = await translator_for(context.services, asked.telegram_id)
    await send_safely(
        context.bot,
        context.services,
        asked.telegram_id,
        vt._(
            "A coordinator asks for more information about your application:\n\n<i>%(question)s</i>",
            question=text,
        ),
        keyboard([[(vt.gettext("✍️ Answer the coordinator"), cb("ap", "reply"))]]),
    )
    return END


async def not_typed(update: Update, context: BotContext) -> None:
    await context.bot.send_message(update.effective_chat.id, context.t._("Please type the text, or /anuluj to stop."))


# ---- notifications to coordinators --------------------------------------------------------------
async def notify_new_application(context: BotContext, application: Application, answers: dict[str, Any]) -> None:
    services = context.services
    org = services.org
    name = answers.get("full_name")
    county_field = next((f for f in org.form if f.id == "county"), None)
    for staff_id in await services.staff_ids():
        if not await services.coordinator_settings.notify_applications(staff_id):
            continue
        t = await translator_for(context.services, staff_id)
        where = ""
        if county_field is not None and answers.get("county") is not None:
            where = display(org, county_field, answers["county"], t)
        text = t._(
            "📥 New application #%(id)d: %(name)s %(where)s",
            id=application.id,
            name=name if isinstance(name, str) else "—",
            where=f"({where})" if where else "",
        )
        markup = keyboard([[(t.gettext("Open"), cb("rv", "o", application.id))]])
        await send_safely(context.bot, context.services, staff_id, text, markup)


async def notify_info_given(context: BotContext, application: Application, answer: str) -> None:
    services = context.services
    question = await services.applications.last_question(application.id)
    recipients = [question.actor_id] if question and question.actor_id else await services.staff_ids()
    for staff_id in recipients:
        if await services.role_of(staff_id) < Role.COORDINATOR:
            continue
        t = await translator_for(context.services, staff_id)
        text = t._(
            "✍️ The answer to your question about application #%(id)d:\n\n<i>%(answer)s</i>",
            id=application.id,
            answer=answer,
        )
        markup = keyboard([[(t.gettext("Open"), cb("rv", "o", application.id))]])
        await send_safely(context.bot, context.services, staff_id, text, markup)


# ---- export ------------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def export_menu(update: Update, context: BotContext) -> int:
    t = context.t
    rows = [[(t.gettext("All"), cb("rv", "xs", "all"))]]
    rows += [[(t.gettext(STATUS_GROUPS[s]), cb("rv", "xs", s))] for s in REVIEW_ORDER]
    rows.append([(t.gettext("« Applications"), LIST)])
    await show(update, context, t._("Which applications should the CSV file contain?"), keyboard(rows))
    return END


def spreadsheet_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a leading apostrophe stops that."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def applications_csv(context: BotContext, rows: list[tuple[Application, dict]]) -> bytes:
    t = context.t
    org = context.services.org
    buffer = io.StringIO()
    # Semicolons: what Excel in Polish expects; the BOM makes it read UTF-8 (Polish letters).
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(
        [
            t.gettext("ID"),
            t.gettext("Status"),
            t.gettext("Sent"),
            t.gettext("Decided"),
            t.gettext("Telegram user id"),
        ]
        + [f.label.get(t.locale) for f in org.form]
    )
    for application, answers in rows:
        writer.writerow(
            [
                str(application.id),
                status_name(t, application.status),
                t.datetime(application.submitted_at, "y-MM-dd HH:mm") if application.submitted_at else "",
                t.datetime(application.decided_at, "y-MM-dd HH:mm") if application.decided_at else "",
                str(application.telegram_id),
            ]
            + [
                spreadsheet_cell(display(org, f, answers[f.id], t)) if answers.get(f.id) is not None else ""
                for f in org.form
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@requires_role(Role.COORDINATOR)
async def export(update: Update, context: BotContext) -> int:
    t = context.t
    choice = update.callback_query.data.split(":")[2] if update.callback_query.data.count(":") >= 2 else ""
    if choice == "all":
        statuses = REVIEW_ORDER
    else:
        try:
            statuses = (Status(choice),)
        except ValueError:
            await stale_button(update, context)
            return END
        if statuses[0] == Status.DRAFT:
            await stale_button(update, context)
            return END
    rows = await context.services.applications.for_export(statuses)
    await update.callback_query.answer()
    stamp = context.t.datetime(context.services.clock(), "y-MM-dd")
    name = f"zgloszenia-{choice}-{stamp}.csv"
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(applications_csv(context, rows), filename=name),
        caption=t.ngettext("%(count)d application.", "%(count)d applications.", len(rows)),
    )
    log.info("coordinator %s exported %d applications (%s)", update.effective_user.id, len(rows), choice)
    await audit(context, update.effective_user.id, "applications.exported", status=choice, count=len(rows))
    return END


# ---- registration -----------------------------------------------------------------------------
def handlers() -> list:
    """Stateless review handlers (commands and buttons), for the global group."""
    return [
        CommandHandler(["zgloszenia", "applications"], overview),
        CommandHandler(["eksport", "export"], export_menu),
        CallbackQueryHandler(overview, pattern=r"^rv:list$"),
        CallbackQueryHandler(toggle_notifications, pattern=r"^rv:n$"),
        CallbackQueryHandler(status_list, pattern=r"^rv:s:"),
        CallbackQueryHandler(open_one, pattern=r"^rv:o:"),
        CallbackQueryHandler(confirm_accept, pattern=r"^rv:a:"),
        CallbackQueryHandler(accept, pattern=r"^rv:ay:"),
        CallbackQueryHandler(export_menu, pattern=r"^rv:x$"),
        CallbackQueryHandler(export, pattern=r"^rv:xs:"),
    ]


def conversation():
    """Typing a rejection reason or a question for the volunteer."""
    return flow(
        "review",
        entry_points=[CallbackQueryHandler(start_typing, pattern=r"^rv:[rq]:")],
        states={
            REASON: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
                MessageHandler(~filters.COMMAND, not_typed),
            ],
            QUESTION: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
                MessageHandler(~filters.COMMAND, not_typed),
            ],
        },
        cancel=cancel,
    )
