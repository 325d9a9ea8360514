"""The volunteer's development plan: /plan, trainings and areas ticked (each press sets a tick on
or off), the organisations and the goals typed (flows "plc" and "plg"), sending it to the
coordinator, and its PDF."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Update

from bot.buttons.agreements import MY_AGREEMENT
from bot.buttons.menu import MAIN_MENU
from bot.buttons.plan import MY_PLAN, PlanArea, PlanButton, PlanReview, PlanTraining
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, question, typed_step
from bot.i18n import N_, html_escape
from bot.routing import Routes
from bot.sending import tell_coordinators
from handlers.common import alert, keyboard, show, stale_button
from handlers.plan_text import (
    STATUS_NAMES,
    eligible,
    missing_parts,
    plan_for,
    plan_lines,
    plan_pdf_file,
    training_labels,
    volunteer_name,
)
from handlers.presses import ignoring_press
from storage.plans import COMMUNITIES_LIMIT, GOAL_LIMIT, MAX_GOALS, Plan, PlanRefused, PlanStatus

COMMUNITIES, GOAL = "plc", "plg"
GOAL_KEY = 8  # hex characters of a goal's SHA-256 carried in its "remove" button


def goal_key(goal: str) -> str:
    return hashlib.sha256(goal.encode("utf-8")).hexdigest()[:GOAL_KEY]


async def my_plan(update: Update, context: BotContext) -> None:
    """/plan and "My development plan"."""
    t = context.t
    user_id = update.effective_user.id
    if not await eligible(context, user_id):
        await show(
            update,
            context,
            t._("The development plan is agreed after your application to the team has been accepted."),
            keyboard([[(t.gettext("« Main menu"), MAIN_MENU)]]),
        )
        return
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
        [(t.gettext("📚 Trainings"), _button("tr")), (t.gettext("🧩 Areas"), _button("ar"))],
        [(t.gettext("🤝 Organisations"), _button("cm")), (t.gettext("🎯 Goals"), _button("gl"))],
    ]
    if plan.status in (PlanStatus.DRAFT, PlanStatus.CHANGES_REQUESTED):
        rows.append([(t.gettext("📨 Send to the coordinator"), _button("send"))])
    rows.append([(t.gettext("📄 The plan as PDF"), _button("pdf"))])
    rows.append([(t.gettext("« My agreement"), MY_AGREEMENT), (t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


def _button(act: str) -> str:
    return PlanButton(act=act).pack()


async def _own_plan(update: Update, context: BotContext) -> Plan | None:
    if not await eligible(context, update.effective_user.id):
        await stale_button(update, context)
        return None
    return await plan_for(context, update.effective_user.id)


# ---- trainings and areas: each press sets a tick --------------------------------------------------
async def _training_options(context: BotContext) -> list[str]:
    services = context.services
    options = [f"topic:{c.id}" for c in services.org.development_topics]
    return options + [f"event:{e.id}" for e in await services.plans.upcoming_trainings(services.clock())]


async def _area_options(context: BotContext) -> list[str]:
    return [c.id for c in context.services.org.competence_areas]


def _tick_keyboard(t, chosen: list[str], labelled: list[tuple[str, str]], press: Callable[[str, bool], str]):
    """One row per (item, label), ticked if chosen; its button sets the opposite."""
    rows = [
        [(("✅ " if item in chosen else "▫️ ") + label, press(item, item not in chosen))] for item, label in labelled
    ]
    rows.append([(t.gettext("Done ✔"), MY_PLAN)])
    return keyboard(rows)


async def _tick(
    update: Update,
    context: BotContext,
    part: str,
    item: str,
    on: bool,
    options: Callable[[BotContext], Awaitable[list[str]]],
    shown: Callable[[Update, BotContext, Plan], Awaitable[None]],
) -> None:
    """Sets the tick of `item` in the plan's `part` (trainings or areas) and shows the list again;
    the same press twice changes nothing. `options(context)` lists what may be ticked now."""
    plan = await _own_plan(update, context)
    if plan is None:
        return
    chosen = list(getattr(plan.content, part))
    if on and item not in chosen:
        if item not in await options(context):
            await stale_button(update, context)
            return
        chosen.append(item)
    elif not on and item in chosen:
        chosen.remove(item)
    if chosen != getattr(plan.content, part):
        services = context.services
        plan = await services.plans.edit(plan.id, replace(plan.content, **{part: chosen}), services.clock())
    await shown(update, context, plan)


async def trainings(update: Update, context: BotContext, plan: Plan | None = None) -> None:
    t = context.t
    plan = plan or await _own_plan(update, context)
    if plan is None:
        return
    chosen = plan.content.trainings
    options = await _training_options(context)
    options += [item for item in chosen if item not in options]
    labels = await training_labels(context, options, t.locale)
    buttons = _tick_keyboard(
        t,
        chosen,
        [(item, labels[item][:60]) for item in options],
        lambda item, on: PlanTraining(on=on, item=item).pack(),
    )
    text = t._("<b>Trainings</b>\nChoose the trainings and topics you will take (press again to remove):")
    await show(update, context, text, buttons)


async def tick_training(update: Update, context: BotContext, press: PlanTraining) -> None:
    await _tick(update, context, "trainings", press.item, press.on, _training_options, trainings)


async def areas(update: Update, context: BotContext, plan: Plan | None = None) -> None:
    t = context.t
    plan = plan or await _own_plan(update, context)
    if plan is None:
        return
    buttons = _tick_keyboard(
        t,
        plan.content.areas,
        [(c.id, c.label.get(t.locale)) for c in context.services.org.competence_areas],
        lambda area, on: PlanArea(on=on, area=area).pack(),
    )
    await show(update, context, t._("<b>Areas of activity</b>\nIn which areas will you work?"), buttons)


async def tick_area(update: Update, context: BotContext, press: PlanArea) -> None:
    await _tick(update, context, "areas", press.area, press.on, _area_options, areas)


# ---- goals -----------------------------------------------------------------------------------------
async def goals(update: Update, context: BotContext, plan: Plan | None = None) -> None:
    t = context.t
    plan = plan or await _own_plan(update, context)
    if plan is None:
        return
    lines = [t._("<b>Goals</b>"), t._("Set one to three goals for your volunteering.")]
    lines += [_goal_line(i, goal) for i, goal in enumerate(plan.content.goals, 1)]
    rows = [
        [(t.gettext("🗑 Remove goal %(number)d", number=i), PlanButton(act="gd", goal=i, key=goal_key(goal)).pack())]
        for i, goal in enumerate(plan.content.goals, 1)
    ]
    if len(plan.content.goals) < MAX_GOALS:
        rows.insert(0, [(t.gettext("➕ Add a goal"), _button("ga"))])
    rows.append([(t.gettext("« The plan"), MY_PLAN)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


def _goal_line(number: int, goal: str) -> str:
    return str(html_escape(f"{number}. {goal}"))


async def remove_goal(update: Update, context: BotContext, press: PlanButton) -> None:
    """Removes the goal the button was made for; pressed again, the next goal stays."""
    plan = await _own_plan(update, context)
    if plan is None:
        return
    if press.goal is None or not 1 <= press.goal <= MAX_GOALS or not press.key:
        await stale_button(update, context)
        return
    goals_now = plan.content.goals
    index = press.goal - 1
    if index < len(goals_now) and goal_key(goals_now[index]) == press.key:
        services = context.services
        remaining = goals_now[:index] + goals_now[index + 1 :]
        plan = await services.plans.edit(plan.id, replace(plan.content, goals=remaining), services.clock())
    await goals(update, context, plan)


async def start_goal(update: Update, context: BotContext, press: PlanButton) -> None:
    plan = await _own_plan(update, context)
    if plan is None:
        return
    if len(plan.content.goals) >= MAX_GOALS:
        await alert(update, context.t.gettext("You already have three goals. Remove one to add another."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, GOAL, {})


_ask_goal = question(
    N_(
        "Type your goal in one or two sentences (e.g. “Help two village councils prepare a village fund "
        "proposal”). /anuluj to stop."
    )
)


async def _add_goal(run: FlowRun, goal: str) -> End:
    t = run.t
    services = run.services
    plan = await plan_for(run.context, run.user_id)
    if len(plan.content.goals) >= MAX_GOALS:
        return End(t._("You already have three goals. Remove one to add another."), menu=False)
    changed = await services.plans.edit(
        plan.id, replace(plan.content, goals=[*plan.content.goals, goal]), services.clock()
    )

    async def show_goals() -> None:
        await goals(run.update, run.context, changed)

    return End(t._("🎯 Goal added."), menu=False, after=show_goals)


# ---- organisations and communities --------------------------------------------------------------------
async def start_communities(update: Update, context: BotContext, press: PlanButton) -> None:
    if await _own_plan(update, context) is None:
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, COMMUNITIES, {})


async def _ask_communities(run: FlowRun) -> Prompt:
    t = run.t
    text = t._("Which organisations or communities will you support? Type them in one message. /anuluj to stop.")
    plan = await run.services.plans.of(run.user_id)
    if plan is not None and plan.content.communities:
        text += "\n\n" + t._("Now: <i>%(current)s</i>", current=plan.content.communities)
    return Prompt(text)


async def _set_communities(run: FlowRun, text: str) -> End:
    services = run.services
    plan = await plan_for(run.context, run.user_id)
    await services.plans.edit(plan.id, replace(plan.content, communities=text), services.clock())

    async def show_plan() -> None:
        await my_plan(run.update, run.context)

    return End(run.t._("🤝 Saved."), menu=False, after=show_plan)


# ---- sending, the PDF -----------------------------------------------------------------------------
async def send_plan(update: Update, context: BotContext, press: PlanButton) -> None:
    t = context.t
    services = context.services
    plan = await _own_plan(update, context)
    if plan is None:
        return
    missing = missing_parts(plan.content)
    if missing:
        await alert(
            update, t.gettext("Before sending, add: %(missing)s.", missing=", ".join(t.gettext(m) for m in missing))
        )
        return
    try:
        sent = await services.plans.submit(plan.id, services.clock())
    except PlanRefused:
        await alert(update, t.gettext("This version has already been sent."))
        return
    await my_plan(update, context)
    name = await volunteer_name(context, sent.telegram_id)
    await tell_coordinators(
        context.bot,
        services,
        lambda st: (
            st._("🧭 %(name)s sent a development plan (version %(version)d).", name=name, version=sent.version),
            keyboard([[(st.gettext("Open the plan"), PlanReview(act="o", ref=sent.id).pack())]]),
        ),
    )


async def send_plan_pdf(update: Update, context: BotContext, press: PlanButton) -> None:
    plan = await _own_plan(update, context)
    if plan is None:
        return
    await update.callback_query.answer()
    await context.bot.send_document(update.effective_chat.id, await plan_pdf_file(context, plan))


# ---- routing ---------------------------------------------------------------------------------------
_ACTIONS = {
    "my": ignoring_press(my_plan),
    "tr": ignoring_press(trainings),
    "ar": ignoring_press(areas),
    "gl": ignoring_press(goals),
    "gd": remove_goal,
    "ga": start_goal,
    "cm": start_communities,
    "send": send_plan,
    "pdf": send_plan_pdf,
}


async def pressed(update: Update, context: BotContext, press: PlanButton) -> None:
    await _ACTIONS[press.act](update, context, press)


GOAL_FLOW = Flow(
    GOAL, lambda run: [typed_step("goal", _ask_goal, GOAL_LIMIT, _add_goal, one_line=True, numbered=False)]
)
COMMUNITIES_FLOW = Flow(
    COMMUNITIES,
    lambda run: [
        typed_step("communities", _ask_communities, COMMUNITIES_LIMIT, _set_communities, one_line=True, numbered=False)
    ],
)


def register(routes: Routes) -> None:
    routes.flow(GOAL_FLOW)
    routes.flow(COMMUNITIES_FLOW)
    routes.press(PlanButton, pressed)
    routes.press(PlanTraining, tick_training)
    routes.press(PlanArea, tick_area)
    routes.command("plan", my_plan)
