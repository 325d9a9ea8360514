"""The coordinators' view of the work on requests for support ("🧾 Support work": requests with
assigned experts, one request's logs and feedback), closing a request when its work is done, and
the feedback both sides give after it (flow "wl_fb": 1–5 and an optional comment).

Who closes: a coordinator (the organisation tells them the work is done, or they see every log
decided). A request with logs still waiting for a decision cannot be closed. Closing makes the
request's active assignments 'done' and asks each expert and each of the organisation's contacts
for feedback once; coordinators see it on this card."""

from __future__ import annotations

from telegram import Update

from bot import hours_text, work_text
from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.work_logs import SUPPORT_WORK, WorkCard, WorkFeedback
from bot.context import BotContext
from bot.flow import BUTTONS_ONLY, Choice, End, Flow, FlowRun, Prompt, Step, typed_step
from bot.replies import confirm, keyboard, show
from bot.sending import tell
from handlers.common import alert, audit, stale_button
from handlers.partner_common import for_coordinators
from storage.work_logs import COMMENT_LIMIT, CloseRefused

FEEDBACK = "wl_fb"
STARS = "★★★★★"


async def _organisation_name(context: BotContext, request) -> str:
    names = await context.services.organisations.names([request.organisation_id])
    return names.get(request.organisation_id, "—")


@for_coordinators
async def card(update: Update, context: BotContext, press: WorkCard) -> None:
    if press.act == "list":
        await _list(update, context)
        return
    services = context.services
    request = await services.support_requests.get(press.ref) if press.ref is not None else None
    if request is None or not await services.work_logs.assignments_of_request(request.id):
        await stale_button(update, context)
        return
    if press.act == "o":
        await _open(update, context, request)
    elif press.act == "c":
        t = context.t
        await confirm(
            update,
            context,
            t._(
                "Close request #%(id)d as done? The experts and the organisation will be asked for feedback.",
                id=request.id,
            ),
            (t.gettext("Yes, close it"), WorkCard(act="cy", ref=request.id).pack()),
            (t.gettext("No, go back"), WorkCard(act="o", ref=request.id).pack()),
        )
    else:
        await _close(update, context, request)


async def _list(update: Update, context: BotContext) -> None:
    t, services = context.t, context.services
    found = await services.work_logs.requests_with_work()
    requests = [r for r in [await services.support_requests.get(i) for i, _ in found] if r is not None]
    names = await services.organisations.names([r.organisation_id for r in requests])
    closed = dict(found)
    rows = [
        [
            (
                ("🏁 " if closed[r.id] else "🛠 ")
                + work_text.request_label(t, r.id, names.get(r.organisation_id, "—"))[:60],
                WorkCard(act="o", ref=r.id).pack(),
            )
        ]
        for r in requests
    ]
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    text = t._("🧾 <b>Support work</b>\nRequests with assigned experts (🛠 in progress, 🏁 closed):")
    if not requests:
        text = t._("🧾 <b>Support work</b>\nNo expert is assigned to a request yet.")
    await show(update, context, text, keyboard(rows))


async def _open(update: Update, context: BotContext, request) -> None:
    t, services = context.t, context.services
    assignments = await services.work_logs.assignments_of_request(request.id)
    logs = await services.work_logs.of_request(request.id)
    feedback = await services.work_logs.feedback(request.id)
    closure = await services.work_logs.closure(request.id)
    people = await services.people.named([a.telegram_id for a in assignments] + [f.telegram_id for f in feedback])

    def name(telegram_id: int) -> str:
        person = people.get(telegram_id)
        return person.name if person else "—"

    lines = [
        t._(
            "🧾 <b>Work on request %(title)s</b>",
            title=work_text.request_label(t, request.id, await _organisation_name(context, request)),
        )
    ]
    lines.append(t._("Experts: %(names)s", names=", ".join(name(a.telegram_id) for a in assignments)))
    if closure:
        lines.append(t._("🏁 Closed on %(when)s.", when=t.datetime(closure[1])))
    confirmed = sum(log.confirmed_hours or 0 for log in logs if log.state == "confirmed")
    lines += ["", t._("Confirmed hours: %(hours)s", hours=hours_text.hours(t, confirmed))]
    for log in logs[-15:]:
        lines.append(
            f"{work_text.STATE_MARK[log.state]} {t.date(log.day, 'dd.MM.y')} · {name(log.telegram_id)} · "
            f"{hours_text.hours(t, log.hours)} · {work_text.state_text(t, log)}"
        )
    if feedback:
        lines += ["", t._("<b>Feedback</b>")]
        for item in feedback:
            side = t.gettext("expert") if item.side == "expert" else t.gettext("organisation")
            comment = f" — <i>{_escape(item.comment)}</i>" if item.comment else ""
            lines.append(f"{STARS[: item.score]} {item.score}/5 · {_escape(name(item.telegram_id))} ({side}){comment}")
    rows = []
    if closure is None:
        rows.append([(t.gettext("🏁 Close the request as done"), WorkCard(act="c", ref=request.id).pack())])
    rows.append([(t.gettext("« Support work"), SUPPORT_WORK)])
    await show(update, context, "\n".join(str(x) for x in lines)[:4000], keyboard(rows))


def _escape(text: str) -> str:
    from bot.i18n import html_escape

    return str(html_escape(text))


async def _close(update: Update, context: BotContext, request) -> None:
    t, services = context.t, context.services
    user_id = update.effective_user.id
    try:
        async with services.db.transaction():
            experts = await services.work_logs.close(request.id, user_id, services.clock())
            await audit(context, user_id, "support_request.closed", f"support_request:{request.id}")
    except CloseRefused as refused:
        reasons = {
            "closed": t.gettext("This request is closed already."),
            "waiting": t.gettext("Some work still waits for confirmation: confirm or reject it first."),
            "none": t.gettext("No expert is assigned to this request."),
        }
        await alert(update, reasons[refused.reason])
        return
    await _open(update, context, request)
    contacts = [c.telegram_id for c in await services.organisations.contacts(request.organisation_id)]
    for telegram_id in [*experts, *contacts]:

        def compose(pt):
            text = pt._(
                "🏁 Request for support #%(id)d is closed as done. Thank you! How did the cooperation go? "
                "Your short feedback (1–5) helps the coordinators.",
                id=request.id,
            )
            return text, keyboard([[(pt.gettext("⭐ Give feedback"), WorkFeedback(ref=request.id).pack())]])

        await tell(context.bot, services, telegram_id, compose)


# ---- feedback ------------------------------------------------------------------------------------
async def _side(context: BotContext, request, user_id: int) -> str | None:
    services = context.services
    if any(a.telegram_id == user_id for a in await services.work_logs.assignments_of_request(request.id)):
        return "expert"
    if await services.organisations.contact(request.organisation_id, user_id) is not None:
        return "organisation"
    return None


async def feedback_pressed(update: Update, context: BotContext, press: WorkFeedback) -> None:
    t, services = context.t, context.services
    request = await services.support_requests.get(press.ref)
    side = await _side(context, request, update.effective_user.id) if request else None
    if request is None or side is None or await services.work_logs.closure(request.id) is None:
        await stale_button(update, context)
        return
    if await services.work_logs.gave_feedback(request.id, update.effective_user.id):
        await alert(update, t.gettext("You have already given feedback on this request. Thank you!"))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, FEEDBACK, {"ref": request.id, "side": side})


async def _ask_score(run: FlowRun) -> Prompt:
    choices = [Choice(str(n) + " ⭐", str(n)) for n in range(1, 6)]
    return Prompt(
        run.t._("How do you rate the cooperation, from 1 (poor) to 5 (very good)?"), choices=choices, columns=5
    )


async def _ask_comment(run: FlowRun) -> Prompt:
    return Prompt(run.t._("Anything to add? Type a short comment, or skip."))


async def _given(run: FlowRun, comment: str | None) -> End:
    services, t = run.services, run.t
    score = int(run.answers.get("score") or 0)
    if not 1 <= score <= 5:
        return End(t._("Stopped. Nothing was changed."))
    given = await services.work_logs.give_feedback(
        run.data["ref"], run.user_id, run.data["side"], score, comment, services.clock()
    )
    if not given:
        return End(t._("You have already given feedback on this request. Thank you!"))
    await audit(run.context, run.user_id, "support_request.feedback", f"support_request:{run.data['ref']}", score=score)
    return End(t._("Thank you for your feedback!"))


def _feedback_steps(run: FlowRun) -> list[Step]:
    comment = typed_step("comment", _ask_comment, COMMENT_LIMIT, _given)
    return [
        Step("score", _ask_score, BUTTONS_ONLY),
        Step(comment.id, comment.ask, comment.takes, read=comment.read, done=comment.done, optional=True),
    ]


FEEDBACK_FLOW = Flow(FEEDBACK, _feedback_steps, cancelled=lambda run: run.t._("Stopped. Nothing was changed."))
