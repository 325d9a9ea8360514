"""A contact person's view of their organisation's requests for support: the list (newest first,
paged by key), one request with its state, withdrawing it, and answering a coordinator's question.
Every press is checked: the request must belong to an organisation the person is a contact of
now, so another organisation's request (a forged button) gets the stale-button answer."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.organisations import OrgMine, RequestMine, RequestMineList, RequestReview
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, typed_step
from bot.replies import confirm
from bot.sending import tell_coordinators
from bot.services import Role
from handlers.assignment_relay import contact_lines
from handlers.common import alert, audit, key_row, keyboard, show
from handlers.partner_common import REQUEST_STATUS, contact_organisation, contact_request, request_lines, request_title
from storage.organisations import Refused
from storage.paging import page_of
from storage.support_requests import WITHDRAWABLE, RequestStatus

log = logging.getLogger(__name__)

PAGE_SIZE = 8
# A request's state at a glance on its button (the card says it in words).
_MARKS = {
    RequestStatus.SUBMITTED: "🕓",
    RequestStatus.NEEDS_INFO: "❓",
    RequestStatus.APPROVED: "✅",
    RequestStatus.ASSIGNED: "🤝",
    RequestStatus.DONE: "🏁",
    RequestStatus.DECLINED: "❌",
    RequestStatus.WITHDRAWN: "↩️",
}
ANSWER_FLOW = "sr_ans"
ANSWER_LIMIT = 3000


async def our_requests(update: Update, context: BotContext, press: RequestMineList) -> None:
    t = context.t
    organisation = await contact_organisation(update, context, press.org)
    if organisation is None:
        return
    page = await page_of(
        lambda limit, **key: context.services.support_requests.of_organisation(organisation.id, limit, **key),
        PAGE_SIZE,
        after=press.after,
        before=press.before,
    )
    rows = [[(f"{_MARKS.get(r.status, '•')} {request_title(context, r)}"[:64], _open(r.id))] for r in page.items]
    rows += key_row(t, page, lambda **key: RequestMineList(org=organisation.id, **key).pack())
    rows.append([(t.gettext("🙋 Ask for support"), OrgMine(act="new", org=organisation.id).pack())])
    rows.append([(t.gettext("« My organisation"), OrgMine(act="o", org=organisation.id).pack())])
    title = t._("<b>Requests for support of %(name)s</b>", name=organisation.name)
    body = t._("No requests yet.") if not page.items else t._("Choose a request:")
    await show(update, context, f"{title}\n{body}", keyboard(rows))


def _open(request_id: int) -> str:
    return RequestMine(act="o", ref=request_id).pack()


async def show_request(update: Update, context: BotContext, press: RequestMine) -> None:
    t = context.t
    request = await contact_request(update, context, press.ref)
    if request is None:
        return
    lines = request_lines(context, request, None)
    rows = []
    if request.status == RequestStatus.NEEDS_INFO:
        question = await context.services.support_requests.last_question(request.id)
        if question is not None:
            lines += ["", t._("The coordinator asks: <i>%(question)s</i>", question=question.note)]
        rows.append([(t.gettext("✍️ Answer the coordinator"), RequestMine(act="ans", ref=request.id).pack())])
    if request.status == RequestStatus.DECLINED and request.decision_note:
        lines += ["", t._("The coordinator's explanation: <i>%(reason)s</i>", reason=request.decision_note)]
    assigned, write = await contact_lines(context, request.id, update.effective_user.id)  # after an assignment
    lines += assigned
    rows += write
    if request.status in WITHDRAWABLE:
        rows.append([(t.gettext("↩️ Withdraw the request"), RequestMine(act="w", ref=request.id).pack())])
    rows.append([(t.gettext("« Our requests"), RequestMineList(org=request.organisation_id).pack())])
    await show(update, context, "\n".join(str(line) for line in lines)[:4000], keyboard(rows))


async def withdraw(update: Update, context: BotContext, press: RequestMine) -> None:
    t, services = context.t, context.services
    request = await contact_request(update, context, press.ref)
    if request is None:
        return
    if request.status not in WITHDRAWABLE:
        await alert(
            update,
            t.gettext(
                "This request cannot be withdrawn any more (now: %(status)s).",
                status=t.gettext(REQUEST_STATUS[request.status]),
            ),
        )
        return
    if press.act == "w":
        await confirm(
            update,
            context,
            t._("Withdraw request #%(id)d? The coordinators will be told.", id=request.id),
            (t.gettext("Yes, withdraw it"), RequestMine(act="wy", ref=request.id).pack()),
            (t.gettext("No, keep it"), _open(request.id)),
        )
        return
    try:
        async with services.db.transaction():
            withdrawn = await services.support_requests.withdraw(request.id, update.effective_user.id, services.clock())
            await audit(context, update.effective_user.id, "support_request.withdrawn", f"support_request:{request.id}")
    except Refused as changed:
        await alert(
            update,
            t.gettext(
                "This request cannot be withdrawn any more (now: %(status)s).",
                status=t.gettext(REQUEST_STATUS.get(changed.status, "—")),
            ),
        )
        return
    await show_request(update, context, RequestMine(act="o", ref=withdrawn.id))

    def compose(ct):
        text = ct._("↩️ Request for support #%(id)d has been withdrawn by the organisation.", id=withdrawn.id)
        return text, keyboard([[(ct.gettext("Open"), RequestReview(act="o", ref=withdrawn.id).pack())]])

    await tell_coordinators(context.bot, services, compose)


# ---- answering a coordinator's question -------------------------------------------------------------
async def start_answer(update: Update, context: BotContext, press: RequestMine) -> None:
    request = await contact_request(update, context, press.ref)
    if request is None:
        return
    if request.status != RequestStatus.NEEDS_INFO:
        await alert(update, context.t.gettext("The coordinator is not waiting for an answer."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, ANSWER_FLOW, {"ref": request.id, "org": request.organisation_id})


async def _ask_answer(run: FlowRun) -> Prompt:
    return Prompt(run.t._("Please type your answer for the coordinator:"))


async def _answered(run: FlowRun, text: str) -> End:
    services, context = run.services, run.context
    not_waiting = End(run.t._("The coordinator is not waiting for an answer."))
    if await services.organisations.contact(run.data["org"], run.user_id) is None:
        return not_waiting
    try:
        request = await services.support_requests.answer(run.data["ref"], run.user_id, text, services.clock())
    except Refused:
        return not_waiting
    await audit(context, run.user_id, "support_request.info_given", f"support_request:{request.id}")
    question = await services.support_requests.last_question(request.id)

    async def still_coordinates(staff_id: int) -> bool:
        return await services.role_of(staff_id) >= Role.COORDINATOR

    def compose(ct):
        told = ct._("✍️ The answer about request for support #%(id)d:\n\n<i>%(answer)s</i>", id=request.id, answer=text)
        return told, keyboard([[(ct.gettext("Open"), RequestReview(act="o", ref=request.id).pack())]])

    async def notify() -> None:
        asker = [question.actor_id] if question and question.actor_id else None
        await tell_coordinators(context.bot, services, compose, recipients=asker, wants=still_coordinates)

    return End(run.t._("Thank you! Your answer has been passed on to the coordinator."), after=notify)


ANSWER = Flow(ANSWER_FLOW, lambda run: [typed_step("answer", _ask_answer, ANSWER_LIMIT, _answered)])


async def pressed(update: Update, context: BotContext, press: RequestMine) -> None:
    if press.act == "o":
        await show_request(update, context, press)
    elif press.act in ("w", "wy"):
        await withdraw(update, context, press)
    else:
        await start_answer(update, context, press)
