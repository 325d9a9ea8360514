"""The coordinator and a volunteer's development plan: reading it, approving the version sent,
commenting and asking for changes (a typed flow, "pcc"), marking trainings completed, the PDF.
Every press re-checks the role; the plan and its version are re-read."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.agreements import AGREEMENTS
from bot.buttons.plan import MY_PLAN, PlanReview, PlanTrainingDone
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, question, typed_step
from bot.i18n import N_
from bot.routing import Routes
from bot.services import Role
from handlers.common import alert, audit, keyboard, requires_role, send_safely, show, stale_button, translator_for
from handlers.plan_text import STATUS_NAMES, plan_lines, plan_pdf_file, training_labels, volunteer_name
from storage.plans import Plan, PlanRefused, PlanStatus

log = logging.getLogger(__name__)

COMMENT = "pcc"
COMMENT_LIMIT = 1000


async def _plan(update: Update, context: BotContext, plan_id: int) -> Plan | None:
    plan = await context.services.plans.get(plan_id)
    if plan is None:
        await stale_button(update, context)
    return plan


async def view(update: Update, context: BotContext, press: PlanReview) -> None:
    plan = await _plan(update, context, press.ref)
    if plan is not None:
        await show_plan(update, context, plan)


async def view_of(update: Update, context: BotContext, press: PlanReview) -> None:
    """The plan of a volunteer (from an agreement)."""
    plan = await context.services.plans.of(press.ref)
    if plan is None:
        await alert(update, context.t.gettext("This volunteer has not started a development plan yet."))
        return
    await show_plan(update, context, plan)


async def show_plan(update: Update, context: BotContext, plan: Plan) -> None:
    t = context.t
    lines = [
        t._("<b>🧭 Development plan</b> · %(name)s", name=await volunteer_name(context, plan.telegram_id)),
        t._("Status: %(status)s", status=t.gettext(STATUS_NAMES[plan.status])),
        t._("Versions sent so far: %(version)d", version=plan.version),
        "",
        *await plan_lines(context, plan, t),
    ]
    rows = []
    if plan.status == PlanStatus.SUBMITTED:
        rows.append([(t.gettext("✅ Approve"), _button("ok", plan.id, plan.version))])
        rows.append([(t.gettext("💬 Comment and ask for changes"), _button("ch", plan.id, plan.version))])
    if plan.content.trainings:
        rows.append([(t.gettext("✔️ Mark a training completed"), _button("dl", plan.id))])
    rows.append([(t.gettext("📄 The plan as PDF"), _button("pdf", plan.id))])
    rows.append([(t.gettext("« Agreements"), AGREEMENTS)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


def _button(act: str, ref: int, version: int | None = None) -> str:
    return PlanReview(act=act, ref=ref, version=version).pack()


async def approve(update: Update, context: BotContext, press: PlanReview) -> None:
    t = context.t
    services = context.services
    try:
        approved = await services.plans.approve(
            press.ref, press.version or 0, update.effective_user.id, services.clock()
        )
    except PlanRefused:
        await alert(update, t.gettext("This version of the plan is no longer waiting for approval."))
        return
    await audit(context, update.effective_user.id, "plan.approved", f"plan:{approved.id}", version=press.version)
    await show_plan(update, context, approved)
    vt = await translator_for(services, approved.telegram_id)
    await send_safely(
        context.bot,
        services,
        approved.telegram_id,
        vt._("✅ The coordinator approved your development plan (version %(version)d).", version=approved.version),
        keyboard([[(vt.gettext("🧭 My development plan"), MY_PLAN)]]),
    )


# ---- a comment asking for changes ---------------------------------------------------------------------
async def start_comment(update: Update, context: BotContext, press: PlanReview) -> None:
    plan = await context.services.plans.get(press.ref)
    if plan is None or plan.status != PlanStatus.SUBMITTED or plan.version != press.version:
        await alert(update, context.t.gettext("This version of the plan is no longer waiting for approval."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, COMMENT, {"plan": plan.id, "version": plan.version})


_ask_comment = question(N_("Type your comment; the volunteer will get it and can change the plan. /anuluj to stop."))


async def _comment(run: FlowRun, text: str) -> End:
    t = run.t
    services = run.services
    if run.context.role < Role.COORDINATOR:  # no longer a coordinator since the flow began
        return End(t._("This is only available to coordinators."))
    try:
        plan = await services.plans.request_changes(
            run.data["plan"], run.data["version"], run.user_id, text, services.clock()
        )
    except PlanRefused:
        return End(t._("This version of the plan is no longer waiting for approval."), menu=False)
    bot, chat_id = run.context.bot, run.update.effective_chat.id

    async def tell_both() -> None:
        await bot.send_message(
            chat_id,
            t._("💬 Your comment has been sent to the volunteer."),
            reply_markup=keyboard([[(t.gettext("Open the plan"), _button("o", plan.id))]]),
        )
        vt = await translator_for(services, plan.telegram_id)
        await send_safely(
            bot,
            services,
            plan.telegram_id,
            vt._("💬 The coordinator comments on your development plan:\n\n<i>%(comment)s</i>", comment=text),
            keyboard([[(vt.gettext("🧭 My development plan"), MY_PLAN)]]),
        )

    return End(None, after=tell_both)


# ---- trainings completed, the PDF ------------------------------------------------------------------
async def completion_list(update: Update, context: BotContext, press: PlanReview, plan: Plan | None = None) -> None:
    t = context.t
    plan = plan or await _plan(update, context, press.ref)
    if plan is None:
        return
    done = await context.services.plans.completed(plan.id, plan.telegram_id)
    labels = await training_labels(context, plan.content.trainings, t.locale)
    open_items = [item for item in plan.content.trainings if item not in done]
    rows = [[("✔️ " + labels[item][:60], PlanTrainingDone(plan_id=plan.id, item=item).pack())] for item in open_items]
    rows.append([(t.gettext("« The plan"), _button("o", plan.id))])
    text = t._("Which training has been completed?") if open_items else t._("Every training of the plan is completed.")
    await show(update, context, text, keyboard(rows))


async def mark_done(update: Update, context: BotContext, press: PlanTrainingDone) -> None:
    """Marks a training completed (marking it again changes nothing)."""
    plan = await context.services.plans.get(press.plan_id)
    if plan is None or press.item not in plan.content.trainings:
        await stale_button(update, context)
        return
    await context.services.plans.mark_completed(plan.id, press.item, update.effective_user.id, context.services.clock())
    await completion_list(update, context, PlanReview(act="dl", ref=plan.id), plan)


async def send_pdf(update: Update, context: BotContext, press: PlanReview) -> None:
    plan = await _plan(update, context, press.ref)
    if plan is None:
        return
    await update.callback_query.answer()
    await context.bot.send_document(update.effective_chat.id, await plan_pdf_file(context, plan))


# ---- routing -----------------------------------------------------------------------------------------
_ACTIONS = {"o": view, "u": view_of, "ok": approve, "ch": start_comment, "dl": completion_list, "pdf": send_pdf}


@requires_role(Role.COORDINATOR)
async def _pressed(update: Update, context: BotContext, press: PlanReview) -> None:
    """Every press of the kind, behind the role check (the role read from the database with the session)."""
    await _ACTIONS[press.act](update, context, press)


COMMENT_FLOW = Flow(COMMENT, lambda run: [typed_step("comment", _ask_comment, COMMENT_LIMIT, _comment, numbered=False)])


def register(routes: Routes) -> None:
    routes.flow(COMMENT_FLOW)
    routes.press(PlanReview, _pressed)
    routes.press(PlanTrainingDone, requires_role(Role.COORDINATOR)(mark_done))
