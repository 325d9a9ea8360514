"""Coordinators review applications: the overview by status, the lists, one application (its
card) and the alerts about new applications and answers. Deciding is in handlers/review_decisions.py,
the CSV export in handlers/review_export.py. Every command and button re-checks the role."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.review import APPLICATIONS, ReviewAlerts, ReviewButton, ReviewExport, ReviewList
from bot.buttons.threads import WriteTo
from bot.context import BotContext
from bot.jobs.applications import alert_new_applications
from bot.routing import Routes
from bot.sending import tell_coordinators
from bot.services import Role
from handlers import review_decisions, review_export, review_fixes
from handlers.application_text import STATUS_GROUPS, answer_lines, history_lines, split_for_telegram, status_name
from handlers.common import keyboard, requires_role, show, stale_button
from handlers.review_export import spreadsheet_cell
from storage.applications import OPEN, REVIEW_ORDER, Application, Status

__all__ = ["for_role", "notify_info_given", "notify_new_application", "register", "spreadsheet_cell"]

log = logging.getLogger(__name__)

PAGE_SIZE = 8
PressHandler = Callable[[Update, BotContext, Any], Awaitable[Any]]


def for_role(role: Role, handler: PressHandler) -> PressHandler:
    """`requires_role` for a press handler `(update, context, press)`: the role is read at the press."""

    async def guarded(update: Update, context: BotContext, press) -> Any:
        async def call(update: Update, context: BotContext) -> Any:
            return await handler(update, context, press)

        call.__name__ = getattr(handler, "__name__", "press")
        return await requires_role(role)(call)(update, context)

    return guarded


def _open_button(application_id: int) -> str:
    return ReviewButton(act="o", application_id=application_id).pack()


# ---- lists -------------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def overview(update: Update, context: BotContext) -> None:
    t = context.t
    counts = await context.services.applications.counts()
    notify = await context.services.coordinator_settings.notify_applications(update.effective_user.id)
    rows = [
        [
            (
                t.gettext("%(group)s (%(count)d)", group=t.gettext(STATUS_GROUPS[s]), count=counts[s]),
                ReviewList(status=s).pack(),
            )
        ]
        for s in REVIEW_ORDER
    ]
    rows.append([(t.gettext("⬇️ Export to CSV"), ReviewButton(act="x").pack())])
    if notify:  # the button says what is set now and sets the other state
        rows.append([(t.gettext("🔔 New application alerts: on"), ReviewAlerts(on=False).pack())])
    else:
        rows.append([(t.gettext("🔕 New application alerts: off"), ReviewAlerts(on=True).pack())])
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


async def set_alerts(update: Update, context: BotContext, press: ReviewAlerts) -> None:
    await context.services.coordinator_settings.set_notify_applications(update.effective_user.id, press.on)
    await overview(update, context)


async def status_list(update: Update, context: BotContext, press: ReviewList) -> None:
    t = context.t
    status = press.status
    if status == Status.DRAFT:  # drafts are the volunteer's own
        await stale_button(update, context)
        return
    repo = context.services.applications
    # One more than a page tells whether there is more in the direction of travel.
    items = await repo.list_by_status(status, PAGE_SIZE + 1, after=press.after, before=press.before)
    if press.before is not None:
        earlier, later = len(items) > PAGE_SIZE, True
        items = items[-PAGE_SIZE:]
    else:
        earlier, later = press.after is not None, len(items) > PAGE_SIZE
        items = items[:PAGE_SIZE]
    if not items and (press.after is not None or press.before is not None):
        items = await repo.list_by_status(status, PAGE_SIZE + 1)  # the anchor is gone: the first page
        earlier, later = False, len(items) > PAGE_SIZE
        items = items[:PAGE_SIZE]
    rows = [[(_list_label(t, item), _open_button(item.id))] for item in items]
    paging = []
    if earlier:
        paging.append((t.gettext("« Previous"), ReviewList(status=status, before=items[0].id).pack()))
    if later:
        paging.append((t.gettext("Next »"), ReviewList(status=status, after=items[-1].id).pack()))
    rows += [paging] if paging else []
    rows.append([(t.gettext("« Applications"), APPLICATIONS)])
    title = t._("<b>%(group)s</b>", group=t.gettext(STATUS_GROUPS[status]))
    body = t._("Nothing here yet.") if not items else t._("Choose an application:")
    await show(update, context, title + "\n" + body, keyboard(rows))


def _list_label(t, item) -> str:
    name = (item.name or "—")[:40]
    when = t.date(item.submitted_at, "d.MM") if item.submitted_at else ""
    return f"#{item.id} {name} · {when}"


# ---- one application ------------------------------------------------------------------------
async def _names(context: BotContext, ids: set[int]) -> dict[int, str]:
    """Who did what in the history: the names coordinators know people by, in one query."""
    return {user_id: person.name for user_id, person in (await context.services.people.named(ids)).items()}


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
        blocks += ["", t._("<b>History</b>"), *history_lines(history, t, names, services.org)]
    return split_for_telegram([str(b) for b in blocks])


async def open_one(update: Update, context: BotContext, press: ReviewButton) -> None:
    t = context.t
    application = await review_decisions.application_of(update, context, press)
    if application is None:
        return
    messages = await render_application(context, application)
    rows = []
    if application.status in OPEN:
        rows.append(
            [
                (t.gettext("✅ Accept"), ReviewButton(act="a", application_id=application.id).pack()),
                (t.gettext("❌ Reject"), ReviewButton(act="r", application_id=application.id).pack()),
            ]
        )
        if application.status == Status.SUBMITTED:
            rows.append(
                [
                    (
                        t.gettext("❓ Ask for more information"),
                        ReviewButton(act="q", application_id=application.id).pack(),
                    )
                ]
            )
    if application.status in review_fixes.DECIDED:
        rows.append([(t.gettext("↩️ Undo the decision"), ReviewButton(act="u", application_id=application.id).pack())])
    rows.append([(t.gettext("✏️ Correct an answer"), ReviewButton(act="f", application_id=application.id).pack())])
    rows.append([(t.gettext("✉️ Write"), WriteTo(person=application.telegram_id).pack())])
    rows.append([(t.gettext("« Back to the list"), ReviewList(status=application.status).pack())])
    for text in messages[:-1]:
        await show(update, context, text, None, new_message=True)
    await show(update, context, messages[-1], keyboard(rows), new_message=len(messages) > 1)


async def _overview_pressed(update: Update, context: BotContext, press: ReviewButton) -> None:
    await overview(update, context)


_ACTIONS: dict[str, PressHandler] = {
    "list": _overview_pressed,
    "o": open_one,
    "a": review_decisions.confirm_accept,
    "ay": review_decisions.accept,
    "r": review_decisions.ask_reason,
    "q": review_decisions.ask_question,
    "x": review_export.export_menu_pressed,
    "f": review_fixes.start_fix,
    "u": review_fixes.start_undo,
}


async def pressed(update: Update, context: BotContext, press: ReviewButton) -> None:
    await _ACTIONS[press.act](update, context, press)


# ---- alerts to coordinators ---------------------------------------------------------------------
async def notify_new_application(context: BotContext, application: Application, answers: dict[str, Any]) -> None:
    """An application was sent: the coordinators are told at once, unless an alert went out a few
    minutes ago (then a digest follows: bot/jobs/applications.py)."""
    await alert_new_applications(context.bot, context.services)


async def notify_info_given(context: BotContext, application: Application, answer: str) -> None:
    services = context.services
    question = await services.applications.last_question(application.id)

    async def still_coordinates(staff_id: int) -> bool:
        return await services.role_of(staff_id) >= Role.COORDINATOR

    def compose(t):
        text = t._(
            "✍️ The answer to your question about application #%(id)d:\n\n<i>%(answer)s</i>",
            id=application.id,
            answer=answer,
        )
        return text, keyboard([[(t.gettext("Open"), _open_button(application.id))]])

    await tell_coordinators(
        context.bot,
        services,
        compose,
        recipients=[question.actor_id] if question and question.actor_id else None,
        wants=still_coordinates,
    )


# ---- registration -----------------------------------------------------------------------------
def register(routes: Routes) -> None:
    coordinator = Role.COORDINATOR
    routes.press(ReviewButton, for_role(coordinator, pressed))
    routes.press(ReviewList, for_role(coordinator, status_list))
    routes.press(ReviewAlerts, for_role(coordinator, set_alerts))
    routes.command(["zgloszenia", "applications"], overview)
    routes.press(ReviewExport, for_role(coordinator, review_export.export))
    routes.command(["eksport", "export"], review_export.export_menu)
    review_decisions.register(routes)
    routes.flow(review_fixes.FIX)
    routes.flow(review_fixes.UNDO)
