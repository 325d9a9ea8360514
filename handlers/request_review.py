"""Coordinators deal with requests for support: the overview by status, a list paged by key, one
request's card (the organisation, the answers, the history), approve (after a confirmation),
decline with a typed reason, ask the organisation's contacts a typed question, or correct an
answer ("sr_edit", handlers/request_edit.py). The role is read at every
press and again when a text arrives; of two coordinators acting at once one wins, the other is told."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.matching import MatchButton
from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.organisations import REQUESTS, OrgReview, RequestList, RequestMine, RequestReview
from bot.context import BotContext
from bot.flow import SUMMARY, End, Flow, FlowRun, Prompt, typed_step
from bot.i18n import html_escape
from bot.replies import confirm
from bot.services import Role
from handlers.common import audit, key_row, keyboard, show, stale_button
from handlers.partner_common import (
    REQUEST_GROUPS,
    REQUEST_STATUS,
    history_lines,
    partners,
    refuse_changed,
    request_lines,
    request_title,
    tell_contacts,
)
from handlers.partner_rows import alerts_row, work_rows
from storage.assignments import MATCHABLE
from storage.organisations import Refused
from storage.paging import page_of
from storage.support_requests import EDITABLE, OPEN, REVIEW_ORDER, RequestStatus, SupportRequest

log = logging.getLogger(__name__)

PAGE_SIZE = 8
REASON_FLOW = "sr_reason"
QUESTION_FLOW = "sr_question"
EDIT_FLOW = "sr_edit"
REASON_LIMIT = 1000


async def overview(update: Update, context: BotContext) -> None:
    t = context.t
    if partners(context) is None:
        await stale_button(update, context)
        return
    counts = await context.services.support_requests.counts()
    rows = [
        [
            (
                t.gettext("%(group)s (%(count)d)", group=t.gettext(REQUEST_GROUPS[s]), count=counts[s]),
                RequestList(status=s).pack(),
            )
        ]
        for s in REVIEW_ORDER
    ]
    rows.append(await alerts_row(context, update.effective_user.id, "requests"))
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, t._("<b>🤝 Requests for support</b>\nChoose a list:"), keyboard(rows))


async def status_list(update: Update, context: BotContext, press: RequestList) -> None:
    t = context.t
    status = RequestStatus(press.status)
    page = await page_of(
        lambda limit, **key: context.services.support_requests.list_by_status(status, limit, **key),
        PAGE_SIZE,
        after=press.after,
        before=press.before,
    )
    names = await context.services.organisations.names(r.organisation_id for r in page.items)
    rows = [
        [
            (
                f"{request_title(context, r)} · {names.get(r.organisation_id, '—')}"[:64],
                RequestReview(act="o", ref=r.id).pack(),
            )
        ]
        for r in page.items
    ]
    rows += key_row(t, page, lambda **key: RequestList(status=status, **key).pack())
    rows.append([(t.gettext("« Requests for support"), REQUESTS)])
    title = t._("<b>%(group)s</b>", group=t.gettext(REQUEST_GROUPS[status]))
    body = t._("Nothing here yet.") if not page.items else t._("Choose a request:")
    await show(update, context, f"{title}\n{body}", keyboard(rows))


async def request_of(update: Update, context: BotContext, ref: int | None) -> SupportRequest | None:
    found = None
    if ref is not None and partners(context) is not None:  # a file without [partners]: nothing to show
        found = await context.services.support_requests.get(ref)
    if found is None:
        await stale_button(update, context)
    return found


async def open_one(update: Update, context: BotContext, press: RequestReview) -> None:
    t, services = context.t, context.services
    request = await request_of(update, context, press.ref)
    if request is None:
        return
    organisation = await services.organisations.get(request.organisation_id)
    lines = request_lines(context, request, organisation)
    if request.status == RequestStatus.DECLINED and request.decision_note:
        lines += ["", t._("The coordinator's explanation: <i>%(reason)s</i>", reason=request.decision_note)]
    lines += await history_lines(context, await services.support_requests.history(request.id))
    rows = []
    if request.status in OPEN:
        rows.append(
            [
                (t.gettext("✅ Approve"), RequestReview(act="a", ref=request.id).pack()),
                (t.gettext("❌ Decline"), RequestReview(act="r", ref=request.id).pack()),
            ]
        )
        if request.status == RequestStatus.SUBMITTED:
            rows.append([(t.gettext("❓ Ask for more information"), RequestReview(act="q", ref=request.id).pack())])
    if request.status in EDITABLE:
        rows.append([(t.gettext("✏️ Correct an answer"), RequestReview(act="e", ref=request.id).pack())])
    if request.status in MATCHABLE:  # matching experts: handlers/matching.py
        rows.append([(t.gettext("🔎 Experts for this request"), MatchButton(act="c", ref=request.id).pack())])
    rows += await work_rows(context, request.id)  # its experts' work (handlers/work_close.py)
    rows.append([(t.gettext("🏢 The organisation"), OrgReview(act="o", org=request.organisation_id).pack())])
    rows.append([(t.gettext("« Back to the list"), RequestList(status=request.status).pack())])
    await show(update, context, "\n".join(str(line) for line in lines)[:4000], keyboard(rows))


def _already(t, request_id: int, status: str | None) -> str:
    if status is None:
        return t.gettext("This request does not exist any more.")
    return t.gettext(
        "Request #%(id)d has already been dealt with (now: %(status)s).",
        id=request_id,
        status=t.gettext(REQUEST_STATUS.get(status, status)),
    )


async def confirm_approve(update: Update, context: BotContext, press: RequestReview) -> None:
    t = context.t
    request = await request_of(update, context, press.ref)
    if request is None:
        return
    if request.status not in OPEN:
        await refuse_changed(update, _already(t, request.id, request.status))
        return
    await confirm(
        update,
        context,
        t._("Approve request #%(id)d? The organisation will be told.", id=request.id),
        yes=(t.gettext("✅ Yes, approve"), RequestReview(act="ay", ref=request.id).pack()),
        no=(t.gettext("Cancel"), RequestReview(act="o", ref=request.id).pack()),
    )


async def approve(update: Update, context: BotContext, press: RequestReview) -> None:
    t, services = context.t, context.services
    request = await request_of(update, context, press.ref)
    if request is None:
        return
    coordinator_id = update.effective_user.id
    try:
        async with services.db.transaction():
            approved = await services.support_requests.approve(request.id, coordinator_id, services.clock())
            await audit(context, coordinator_id, "support_request.approved", f"support_request:{request.id}")
    except Refused as changed:
        await refuse_changed(update, _already(t, request.id, changed.status))
        return
    await update.callback_query.answer()
    back = keyboard([[(t.gettext("« Requests for support"), REQUESTS)]])
    await context.bot.send_message(
        update.effective_chat.id, t._("✅ Request #%(id)d approved.", id=approved.id), reply_markup=back
    )

    def compose(ct):
        text = ct._(
            "✅ Your request for support #%(id)d has been approved. We are looking for an expert and will let "
            "you know.",
            id=approved.id,
        )
        return text, keyboard([[(ct.gettext("Open"), RequestMine(act="o", ref=approved.id).pack())]])

    await tell_contacts(context, approved.organisation_id, compose)


# ---- a typed reason or question ---------------------------------------------------------------------
async def _start_typing(update: Update, context: BotContext, press: RequestReview, flow: str, allowed) -> None:
    request = await request_of(update, context, press.ref)
    if request is None:
        return
    if request.status not in allowed:
        await refuse_changed(update, _already(context.t, request.id, request.status))
        return
    await update.callback_query.answer()
    data = {"ref": request.id, "org": request.organisation_id}
    if flow == EDIT_FLOW:
        data["answers"] = dict(request.answers)
        await context.flows.start(update, context, flow, data, step=SUMMARY)  # the list of answers first
        return
    await context.flows.start(update, context, flow, data)


async def _reason_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Why is request #%(id)d declined? Your explanation will be sent to the organisation. (/anuluj to stop)",
            id=run.data.get("ref", 0),
        )
    )


async def _question_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "What would you like to ask the organisation about request #%(id)d? (/anuluj to stop)",
            id=run.data.get("ref", 0),
        )
    )


def _refused(run: FlowRun) -> End | None:
    if run.context.role >= Role.COORDINATOR:
        return None
    log.warning("user %s typed a request review text without the coordinator role", run.user_id)
    return End(html_escape(run.t.gettext("This is only available to coordinators.")))


def _then(run: FlowRun, text: str, then) -> End:
    chat_id, bot = run.update.effective_chat.id, run.context.bot
    back = keyboard([[(run.t.gettext("« Back to the request"), RequestReview(act="o", ref=run.data["ref"]).pack())]])

    async def after() -> None:
        await bot.send_message(chat_id, text, reply_markup=back)
        await then()

    return End(None, after=after)


async def _declined(run: FlowRun, reason: str) -> End:
    """In the step's transaction: the decision, its audit entry and the flow's end, together."""
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context, t = run.services, run.context, run.t
    try:
        declined = await services.support_requests.decline(run.data["ref"], run.user_id, reason, services.clock())
    except Refused as changed:
        return End(html_escape(_already(t, run.data["ref"], changed.status)))
    await audit(context, run.user_id, "support_request.declined", f"support_request:{declined.id}")

    def compose(ct):
        text = ct._("Unfortunately we cannot take on request for support #%(id)d.", id=declined.id)
        text += "\n\n" + ct._("The coordinator's explanation: <i>%(reason)s</i>", reason=reason)
        return text, keyboard([[(ct.gettext("Open"), RequestMine(act="o", ref=declined.id).pack())]])

    async def tell() -> None:
        await tell_contacts(context, declined.organisation_id, compose)

    return _then(run, t._("❌ Request #%(id)d declined.", id=declined.id), tell)


async def _asked(run: FlowRun, question: str) -> End:
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context, t = run.services, run.context, run.t
    try:
        asked = await services.support_requests.ask(run.data["ref"], run.user_id, question, services.clock())
    except Refused as changed:
        return End(html_escape(_already(t, run.data["ref"], changed.status)))
    await audit(context, run.user_id, "support_request.info_requested", f"support_request:{asked.id}")

    def compose(ct):
        text = ct._(
            "A coordinator asks about your request for support #%(id)d:\n\n<i>%(question)s</i>",
            id=asked.id,
            question=question,
        )
        return text, keyboard([[(ct.gettext("✍️ Answer the coordinator"), RequestMine(act="ans", ref=asked.id).pack())]])

    async def tell() -> None:
        await tell_contacts(context, asked.organisation_id, compose)

    return _then(run, t._("❓ Your question has been sent. You will get the answer here."), tell)


async def _nothing() -> None:
    return None


def _stopped(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been changed.")


REASON = Flow(
    REASON_FLOW, lambda run: [typed_step("reason", _reason_prompt, REASON_LIMIT, _declined)], cancelled=_stopped
)
QUESTION = Flow(
    QUESTION_FLOW, lambda run: [typed_step("question", _question_prompt, REASON_LIMIT, _asked)], cancelled=_stopped
)


async def _overview(update: Update, context: BotContext, press: RequestReview) -> None:
    await overview(update, context)


_ACTIONS = {
    "list": _overview,
    "o": open_one,
    "a": confirm_approve,
    "ay": approve,
    "r": lambda u, c, p: _start_typing(u, c, p, REASON_FLOW, OPEN),
    "q": lambda u, c, p: _start_typing(u, c, p, QUESTION_FLOW, (RequestStatus.SUBMITTED,)),
    "e": lambda u, c, p: _start_typing(u, c, p, EDIT_FLOW, EDITABLE),
}


async def pressed(update: Update, context: BotContext, press: RequestReview) -> None:
    await _ACTIONS[press.act](update, context, press)
