"""The individual development plan (Indywidualny Plan Rozwoju Wolontariatu Eksperckiego).

The volunteer chooses trainings (the configured topics and the published trainings of the
catalogue), areas of activity, the organisations or communities to support and one to three
goals, and sends the plan; the coordinator approves it or asks for changes. Every version sent
is kept; trainings are marked completed when attended (or by the coordinator).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Translator, html_escape
from bot.pdf import render_pdf
from bot.services import Role
from handlers.common import alert, audit, cb, keyboard, requires_role, send_safely, show, stale_button, translator_for
from handlers.menu import MAIN_MENU
from storage.applications import Status
from storage.plans import (
    COMMUNITIES_LIMIT,
    GOAL_LIMIT,
    MAX_GOALS,
    Plan,
    PlanContent,
    PlanRefused,
    PlanStatus,
)

log = logging.getLogger(__name__)

END = ConversationHandler.END
COMMUNITIES = "plan_communities"
GOAL = "plan_goal"
COMMENT = "plan_comment"

MY = cb("pl", "my")
_COMMENTING = "plan_commenting"  # user_data of a coordinator: [plan id, version]

STATUS_NAMES = {
    PlanStatus.DRAFT: N_("draft, not sent to the coordinator yet"),
    PlanStatus.SUBMITTED: N_("sent, waiting for the coordinator"),
    PlanStatus.APPROVED: N_("approved by the coordinator"),
    PlanStatus.CHANGES_REQUESTED: N_("the coordinator asks for changes"),
}


# ---- reading -------------------------------------------------------------------------------------
async def _eligible(context: BotContext, user_id: int) -> bool:
    """The plan is agreed after acceptance to the team."""
    application = await context.services.applications.latest(user_id)
    if application is not None and application.status == Status.ACCEPTED:
        return True
    return bool(await context.services.agreements.for_volunteer(user_id))


async def plan_for(context: BotContext, user_id: int) -> Plan:
    """The volunteer's plan, begun from what the application said."""
    services = context.services
    existing = await services.plans.of(user_id)
    if existing is not None:
        return existing
    application = await services.applications.latest(user_id)
    answers = await services.applications.answers(application.id) if application else {}
    topics = [t for t in answers.get("development") or [] if isinstance(t, str)]
    areas = [a for a in answers.get("competences") or [] if isinstance(a, str)]
    communities = answers.get("communities") if isinstance(answers.get("communities"), str) else ""
    start = PlanContent([f"topic:{t}" for t in topics], areas, communities[:COMMUNITIES_LIMIT], [])
    return await services.plans.ensure(user_id, start, services.clock())


async def _training_labels(context: BotContext, items: list[str], locale: str) -> dict[str, str]:
    org = context.services.org
    topics = {c.id: c.label.get(locale) for c in org.development_topics}
    event_ids = [int(i.split(":", 1)[1]) for i in items if i.startswith("event:") and i.split(":", 1)[1].isdecimal()]
    events = await context.services.plans.trainings_by_id(event_ids)
    labels = {}
    for item in items:
        kind, _, ref = item.partition(":")
        if kind == "topic":
            labels[item] = topics.get(ref, ref)
        elif kind == "event" and ref.isdecimal() and int(ref) in events:
            training = events[int(ref)]
            labels[item] = f"{training.title} ({training.starts_at.date().strftime('%d.%m.%Y')})"
        else:
            labels[item] = item
    return labels


async def plan_lines(context: BotContext, plan: Plan, t: Translator) -> list[str]:
    org = context.services.org
    content = plan.content
    done = await context.services.plans.completed(plan.id, plan.telegram_id)
    labels = await _training_labels(context, content.trainings, t.locale)
    areas = {c.id: c.label.get(t.locale) for c in org.competence_areas}
    lines = [t._("<b>Trainings</b>")]
    lines += [("✅ " if item in done else "▫️ ") + html_escape(labels[item]) for item in content.trainings] or [
        t._("— none chosen yet")
    ]
    lines += ["", t._("<b>Areas of activity</b>")]
    lines.append(
        html_escape(", ".join(areas.get(a, a) for a in content.areas)) if content.areas else t._("— none chosen yet")
    )
    lines += ["", t._("<b>Organisations and communities I will support</b>")]
    lines.append(html_escape(content.communities) if content.communities else t._("— not given yet"))
    lines += ["", t._("<b>Goals</b>")]
    lines += [html_escape(f"{i}. {goal}") for i, goal in enumerate(content.goals, 1)] or [t._("— no goals yet")]
    return [str(line) for line in lines]


# ---- the volunteer ----------------------------------------------------------------------------
async def my_plan(update: Update, context: BotContext) -> int:
    t = context.t
    user_id = update.effective_user.id
    if not await _eligible(context, user_id):
        await show(
            update,
            context,
            t._("The development plan is agreed after your application to the team has been accepted."),
            keyboard([[(t.gettext("« Main menu"), MAIN_MENU)]]),
        )
        return END
    plan = await plan_for(context, user_id)
    lines = [
        t._("<b>🧭 Your individual development plan</b>"),
        t._("Status: %(status)s", status=t.gettext(STATUS_NAMES[plan.status])),
    ]
    if plan.version:
        lines.append(t._("Versions sent so far: %(version)d", version=plan.version))
    if plan.status == PlanStatus.CHANGES_REQUESTED and plan.comment:
        lines.append(t._("The coordinator's comment: <i>%(comment)s</i>", comment=plan.comment))
    lines += ["", *await plan_lines(context, plan, t)]
    rows = [
        [(t.gettext("📚 Trainings"), cb("pl", "tr")), (t.gettext("🧩 Areas"), cb("pl", "ar"))],
        [(t.gettext("🤝 Organisations"), cb("pl", "cm")), (t.gettext("🎯 Goals"), cb("pl", "gl"))],
    ]
    if plan.status in (PlanStatus.DRAFT, PlanStatus.CHANGES_REQUESTED):
        rows.append([(t.gettext("📨 Send to the coordinator"), cb("pl", "send"))])
    rows.append([(t.gettext("📄 The plan as PDF"), cb("pl", "pdf"))])
    rows.append([(t.gettext("« My agreement"), cb("ag", "my")), (t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))
    return END


async def _own_plan(update: Update, context: BotContext) -> Plan | None:
    if not await _eligible(context, update.effective_user.id):
        await stale_button(update, context)
        return None
    return await plan_for(context, update.effective_user.id)


async def trainings(update: Update, context: BotContext) -> int:
    t = context.t
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    services = context.services
    chosen = plan.content.trainings
    options = [f"topic:{c.id}" for c in services.org.development_topics]
    options += [f"event:{e.id}" for e in await services.plans.upcoming_trainings(services.clock())]
    options += [item for item in chosen if item not in options]
    labels = await _training_labels(context, options, t.locale)
    rows = [
        [(("✅ " if item in chosen else "▫️ ") + labels[item][:60], cb("pl", "tt", *item.split(":", 1)))]
        for item in options
    ]
    rows.append([(t.gettext("Done ✔"), MY)])
    await show(
        update,
        context,
        t._("<b>Trainings</b>\nChoose the trainings and topics you will take (press again to remove):"),
        keyboard(rows),
    )
    return END


async def toggle_training(update: Update, context: BotContext) -> int:
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    parts = update.callback_query.data.split(":")
    item = ":".join(parts[2:4])
    services = context.services
    valid = {f"topic:{c.id}" for c in services.org.development_topics}
    valid |= {f"event:{e.id}" for e in await services.plans.upcoming_trainings(services.clock())}
    chosen = list(plan.content.trainings)
    if item in chosen:
        chosen.remove(item)
    elif item in valid:
        chosen.append(item)
    else:
        await stale_button(update, context)
        return END
    await services.plans.edit(plan.id, replace(plan.content, trainings=chosen), services.clock())
    return await trainings(update, context)


async def areas(update: Update, context: BotContext) -> int:
    t = context.t
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    chosen = plan.content.areas
    rows = [
        [(("✅ " if c.id in chosen else "▫️ ") + c.label.get(t.locale), cb("pl", "ta", c.id))]
        for c in context.services.org.competence_areas
    ]
    rows.append([(t.gettext("Done ✔"), MY)])
    await show(update, context, t._("<b>Areas of activity</b>\nIn which areas will you work?"), keyboard(rows))
    return END


async def toggle_area(update: Update, context: BotContext) -> int:
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    area = update.callback_query.data.split(":")[2] if update.callback_query.data.count(":") == 2 else ""
    services = context.services
    chosen = list(plan.content.areas)
    if area in chosen:
        chosen.remove(area)
    elif area in {c.id for c in services.org.competence_areas}:
        chosen.append(area)
    else:
        await stale_button(update, context)
        return END
    await services.plans.edit(plan.id, replace(plan.content, areas=chosen), services.clock())
    return await areas(update, context)


async def goals(update: Update, context: BotContext) -> int:
    t = context.t
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    lines = [t._("<b>Goals</b>"), t._("Set one to three goals for your volunteering.")]
    lines += [html_escape(f"{i}. {goal}") for i, goal in enumerate(plan.content.goals, 1)]
    rows = [
        [(t.gettext("🗑 Remove goal %(number)d", number=i), cb("pl", "gd", i))]
        for i in range(1, len(plan.content.goals) + 1)
    ]
    if len(plan.content.goals) < MAX_GOALS:
        rows.insert(0, [(t.gettext("➕ Add a goal"), cb("pl", "ga"))])
    rows.append([(t.gettext("« The plan"), MY)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))
    return END


async def remove_goal(update: Update, context: BotContext) -> int:
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    part = update.callback_query.data.split(":")[2] if update.callback_query.data.count(":") == 2 else ""
    if not part.isdecimal() or not 1 <= int(part) <= len(plan.content.goals):
        await stale_button(update, context)
        return END
    remaining = [g for i, g in enumerate(plan.content.goals, 1) if i != int(part)]
    services = context.services
    await services.plans.edit(plan.id, replace(plan.content, goals=remaining), services.clock())
    return await goals(update, context)


async def start_goal(update: Update, context: BotContext) -> str | int:
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    if len(plan.content.goals) >= MAX_GOALS:
        await alert(update, context.t.gettext("You already have three goals. Remove one to add another."))
        return END
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "Type your goal in one or two sentences (e.g. “Help two village councils prepare a village fund "
            "proposal”). /anuluj to stop."
        ),
    )
    return GOAL


async def goal_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    text = " ".join((update.effective_message.text or "").split())
    if not text or len(text) > GOAL_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                GOAL_LIMIT,
            ),
        )
        return GOAL
    plan = await plan_for(context, update.effective_user.id)
    if len(plan.content.goals) >= MAX_GOALS:
        await context.bot.send_message(
            update.effective_chat.id, t._("You already have three goals. Remove one to add another.")
        )
        return END
    services = context.services
    await services.plans.edit(plan.id, replace(plan.content, goals=[*plan.content.goals, text]), services.clock())
    await context.bot.send_message(update.effective_chat.id, t._("🎯 Goal added."))
    await goals(update, context)
    return END


async def start_communities(update: Update, context: BotContext) -> str | int:
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    await update.callback_query.answer()
    t = context.t
    current = plan.content.communities
    text = t._("Which organisations or communities will you support? Type them in one message. /anuluj to stop.")
    if current:
        text += "\n\n" + t._("Now: <i>%(current)s</i>", current=current)
    await context.bot.send_message(update.effective_chat.id, text)
    return COMMUNITIES


async def communities_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    text = " ".join((update.effective_message.text or "").split())
    if not text or len(text) > COMMUNITIES_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                COMMUNITIES_LIMIT,
            ),
        )
        return COMMUNITIES
    plan = await plan_for(context, update.effective_user.id)
    services = context.services
    await services.plans.edit(plan.id, replace(plan.content, communities=text), services.clock())
    await context.bot.send_message(update.effective_chat.id, t._("🤝 Saved."))
    await my_plan(update, context)
    return END


async def not_typed(update: Update, context: BotContext) -> None:
    await context.bot.send_message(update.effective_chat.id, context.t._("Please type the text, or /anuluj to stop."))


def missing_parts(content: PlanContent) -> list[str]:
    missing = []
    if not content.trainings:
        missing.append(N_("at least one training"))
    if not content.areas:
        missing.append(N_("at least one area of activity"))
    if not content.communities:
        missing.append(N_("the organisations or communities you will support"))
    if not 1 <= len(content.goals) <= MAX_GOALS:
        missing.append(N_("one to three goals"))
    return missing


async def send_plan(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    missing = missing_parts(plan.content)
    if missing:
        await alert(
            update, t.gettext("Before sending, add: %(missing)s.", missing=", ".join(t.gettext(m) for m in missing))
        )
        return END
    try:
        sent = await services.plans.submit(plan.id, services.clock())
    except PlanRefused:
        await alert(update, t.gettext("This version has already been sent."))
        return END
    await update.callback_query.answer()
    await my_plan(update, context)
    name = await _name(context, sent.telegram_id)
    for staff_id in await services.staff_ids():
        st = await translator_for(services, staff_id)
        await send_safely(
            context.bot,
            services,
            staff_id,
            st._("🧭 %(name)s sent a development plan (version %(version)d).", name=name, version=sent.version),
            keyboard([[(st.gettext("Open the plan"), cb("pc", "o", sent.id))]]),
        )
    return END


async def _name(context: BotContext, telegram_id: int) -> str:
    from handlers.agreement_text import volunteer_of

    application = await context.services.applications.latest(telegram_id)
    return (await volunteer_of(context.services, telegram_id, application.id if application else None)).name


async def plan_pdf_file(context: BotContext, plan: Plan) -> InputFile:
    from handlers.agreement_text import polish

    services = context.services
    pl = polish(services)
    lines = [
        pl.gettext("INDIVIDUAL DEVELOPMENT PLAN FOR EXPERT VOLUNTEERING"),
        "",
        pl.gettext("Volunteer: %(name)s", name=await _name(context, plan.telegram_id)),
        pl.gettext("Programme: %(programme)s", programme=services.org.programme.name.get("pl")),
        pl.gettext("Status: %(status)s", status=pl.gettext(STATUS_NAMES[plan.status])),
        "",
    ]
    # The same sections as in chat, as plain text.
    from markupsafe import Markup

    for line in await plan_lines(context, plan, pl):
        plain = Markup(line).striptags()
        lines.append(("§ " + plain) if line.startswith("<b>") else plain)
    text = "\n".join(lines) + "\n"
    footer = pl.gettext("Development plan · version %(version)d", version=plan.version)
    return InputFile(
        render_pdf(text, title=pl.gettext("Development plan"), footer=footer, created=services.clock()),
        filename=f"plan-rozwoju-{plan.telegram_id}.pdf",
    )


async def send_plan_pdf(update: Update, context: BotContext) -> int:
    plan = await _own_plan(update, context)
    if plan is None:
        return END
    await update.callback_query.answer()
    await context.bot.send_document(update.effective_chat.id, await plan_pdf_file(context, plan))
    return END


# ---- the coordinator -------------------------------------------------------------------------
def _plan_id(update: Update, index: int = 2) -> int | None:
    parts = update.callback_query.data.split(":")
    return int(parts[index]) if len(parts) > index and parts[index].isdecimal() else None


@requires_role(Role.COORDINATOR)
async def coordinator_view(update: Update, context: BotContext) -> int:
    plan_id = _plan_id(update)
    plan = await context.services.plans.get(plan_id) if plan_id else None
    if plan is None:
        await stale_button(update, context)
        return END
    await _show_to_coordinator(update, context, plan)
    return END


@requires_role(Role.COORDINATOR)
async def coordinator_view_of(update: Update, context: BotContext) -> int:
    """The plan of a volunteer (from an agreement)."""
    user_id = _plan_id(update)
    plan = await context.services.plans.of(user_id) if user_id else None
    if plan is None:
        await alert(update, context.t.gettext("This volunteer has not started a development plan yet."))
        return END
    await _show_to_coordinator(update, context, plan)
    return END


async def _show_to_coordinator(update: Update, context: BotContext, plan: Plan) -> None:
    t = context.t
    lines = [
        t._("<b>🧭 Development plan</b> · %(name)s", name=await _name(context, plan.telegram_id)),
        t._("Status: %(status)s", status=t.gettext(STATUS_NAMES[plan.status])),
        t._("Versions sent so far: %(version)d", version=plan.version),
        "",
        *await plan_lines(context, plan, t),
    ]
    rows = []
    if plan.status == PlanStatus.SUBMITTED:
        rows.append([(t.gettext("✅ Approve"), cb("pc", "ok", plan.id, plan.version))])
        rows.append([(t.gettext("💬 Comment and ask for changes"), cb("pc", "ch", plan.id, plan.version))])
    if plan.content.trainings:
        rows.append([(t.gettext("✔️ Mark a training completed"), cb("pc", "dl", plan.id))])
    rows.append([(t.gettext("📄 The plan as PDF"), cb("pc", "pdf", plan.id))])
    rows.append([(t.gettext("« Agreements"), cb("ga", "list"))])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


@requires_role(Role.COORDINATOR)
async def approve(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    plan_id, version = _plan_id(update), _plan_id(update, 3)
    try:
        approved = await services.plans.approve(plan_id or 0, version or 0, update.effective_user.id, services.clock())
    except PlanRefused:
        await alert(update, t.gettext("This version of the plan is no longer waiting for approval."))
        return END
    await audit(context, update.effective_user.id, "plan.approved", f"plan:{approved.id}", version=version)
    await _show_to_coordinator(update, context, approved)
    vt = await translator_for(services, approved.telegram_id)
    await send_safely(
        context.bot,
        services,
        approved.telegram_id,
        vt._("✅ The coordinator approved your development plan (version %(version)d).", version=approved.version),
        keyboard([[(vt.gettext("🧭 My development plan"), MY)]]),
    )
    return END


@requires_role(Role.COORDINATOR)
async def start_comment(update: Update, context: BotContext) -> str | int:
    plan_id, version = _plan_id(update), _plan_id(update, 3)
    plan = await context.services.plans.get(plan_id) if plan_id else None
    if plan is None or plan.status != PlanStatus.SUBMITTED or plan.version != version:
        await alert(update, context.t.gettext("This version of the plan is no longer waiting for approval."))
        return END
    context.user_data[_COMMENTING] = [plan.id, plan.version]
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._("Type your comment; the volunteer will get it and can change the plan. /anuluj to stop."),
    )
    return COMMENT


@requires_role(Role.COORDINATOR)
async def comment_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    services = context.services
    pending = context.user_data.get(_COMMENTING)
    text = (update.effective_message.text or "").strip()
    if not pending:
        return END
    if not text or len(text) > 1000:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "Please type between 1 and %(count)d character.",
                "Please type between 1 and %(count)d characters.",
                1000,
            ),
        )
        return COMMENT
    context.user_data.pop(_COMMENTING, None)
    try:
        plan = await services.plans.request_changes(
            pending[0], pending[1], update.effective_user.id, text, services.clock()
        )
    except PlanRefused:
        await context.bot.send_message(
            update.effective_chat.id, t._("This version of the plan is no longer waiting for approval.")
        )
        return END
    await context.bot.send_message(
        update.effective_chat.id,
        t._("💬 Your comment has been sent to the volunteer."),
        reply_markup=keyboard([[(t.gettext("Open the plan"), cb("pc", "o", plan.id))]]),
    )
    vt = await translator_for(services, plan.telegram_id)
    await send_safely(
        context.bot,
        services,
        plan.telegram_id,
        vt._("💬 The coordinator comments on your development plan:\n\n<i>%(comment)s</i>", comment=text),
        keyboard([[(vt.gettext("🧭 My development plan"), MY)]]),
    )
    return END


@requires_role(Role.COORDINATOR)
async def completion_list(update: Update, context: BotContext) -> int:
    t = context.t
    plan_id = _plan_id(update)
    plan = await context.services.plans.get(plan_id) if plan_id else None
    if plan is None:
        await stale_button(update, context)
        return END
    done = await context.services.plans.completed(plan.id, plan.telegram_id)
    labels = await _training_labels(context, plan.content.trainings, t.locale)
    open_items = [item for item in plan.content.trainings if item not in done]
    rows = [[("✔️ " + labels[item][:60], cb("pc", "dn", plan.id, item))] for item in open_items]
    rows.append([(t.gettext("« The plan"), cb("pc", "o", plan.id))])
    text = t._("Which training has been completed?") if open_items else t._("Every training of the plan is completed.")
    await show(update, context, text, keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def mark_done(update: Update, context: BotContext) -> int:
    plan_id = _plan_id(update)
    parts = update.callback_query.data.split(":")
    item = ":".join(parts[3:5])
    plan = await context.services.plans.get(plan_id) if plan_id else None
    if plan is None or item not in plan.content.trainings:
        await stale_button(update, context)
        return END
    await context.services.plans.mark_completed(plan.id, item, update.effective_user.id, context.services.clock())
    return await completion_list(update, context)


@requires_role(Role.COORDINATOR)
async def coordinator_pdf(update: Update, context: BotContext) -> int:
    plan_id = _plan_id(update)
    plan = await context.services.plans.get(plan_id) if plan_id else None
    if plan is None:
        await stale_button(update, context)
        return END
    await update.callback_query.answer()
    await context.bot.send_document(update.effective_chat.id, await plan_pdf_file(context, plan))
    return END


# ---- registration ----------------------------------------------------------------------------
def handlers() -> list:
    return [
        CommandHandler("plan", my_plan),
        CallbackQueryHandler(my_plan, pattern=r"^pl:my$"),
        CallbackQueryHandler(trainings, pattern=r"^pl:tr$"),
        CallbackQueryHandler(toggle_training, pattern=r"^pl:tt:"),
        CallbackQueryHandler(areas, pattern=r"^pl:ar$"),
        CallbackQueryHandler(toggle_area, pattern=r"^pl:ta:"),
        CallbackQueryHandler(goals, pattern=r"^pl:gl$"),
        CallbackQueryHandler(remove_goal, pattern=r"^pl:gd:"),
        CallbackQueryHandler(send_plan, pattern=r"^pl:send$"),
        CallbackQueryHandler(send_plan_pdf, pattern=r"^pl:pdf$"),
        CallbackQueryHandler(coordinator_view, pattern=r"^pc:o:"),
        CallbackQueryHandler(coordinator_view_of, pattern=r"^pc:u:"),
        CallbackQueryHandler(approve, pattern=r"^pc:ok:"),
        CallbackQueryHandler(completion_list, pattern=r"^pc:dl:"),
        CallbackQueryHandler(mark_done, pattern=r"^pc:dn:"),
        CallbackQueryHandler(coordinator_pdf, pattern=r"^pc:pdf:"),
    ]


def _text_state(callback):
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND, callback),
        MessageHandler(~filters.COMMAND, not_typed),
    ]


def volunteer_entry_points() -> list:
    return [
        CallbackQueryHandler(start_communities, pattern=r"^pl:cm$"),
        CallbackQueryHandler(start_goal, pattern=r"^pl:ga$"),
    ]


def volunteer_states() -> dict:
    return {COMMUNITIES: _text_state(communities_typed), GOAL: _text_state(goal_typed)}


def coordinator_entry_points() -> list:
    return [CallbackQueryHandler(start_comment, pattern=r"^pc:ch:")]


def coordinator_states() -> dict:
    return {COMMENT: _text_state(comment_typed)}
