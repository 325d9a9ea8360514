"""Coordinators verify organisations, as they review applications: the overview by status, a
list paged by key, one organisation's card (details, contact people, history), verify (after a
confirmation), reject with a typed reason, ask the contacts a typed question, and a one-time link
that adds a contact person. The role is read at every press and again when a text arrives; of two
coordinators deciding at once, one wins and the other is told what happened."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.organisations import ORGANISATIONS, OrgList, OrgMine, OrgReview, RequestReview
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, typed_step
from bot.i18n import html_escape
from bot.partners import IDENTIFIERS
from bot.replies import confirm
from bot.services import Role
from handlers.common import audit, key_row, keyboard, show, stale_button
from handlers.org_mine import invite
from handlers.partner_common import (
    ORG_GROUPS,
    ORG_STATUS,
    history_lines,
    organisation_lines,
    partners,
    refuse_changed,
    request_title,
    tell_contacts,
)
from handlers.partner_rows import alerts_row
from storage.organisations import OPEN, REVIEW_ORDER, Organisation, OrgStatus, Refused
from storage.paging import page_of

log = logging.getLogger(__name__)

PAGE_SIZE = 8
RECENT_REQUESTS = 5
REASON_FLOW = "og_reason"
QUESTION_FLOW = "og_question"
REASON_LIMIT = 1000


async def overview(update: Update, context: BotContext) -> None:
    t = context.t
    if partners(context) is None:
        await stale_button(update, context)
        return
    counts = await context.services.organisations.counts()
    rows = [
        [
            (
                t.gettext("%(group)s (%(count)d)", group=t.gettext(ORG_GROUPS[s]), count=counts[s]),
                OrgList(status=s).pack(),
            )
        ]
        for s in REVIEW_ORDER
    ]
    rows.append(await alerts_row(context, update.effective_user.id, "organisations"))
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, t._("<b>🏢 Organisations</b>\nChoose a list:"), keyboard(rows))


async def status_list(update: Update, context: BotContext, press: OrgList) -> None:
    t = context.t
    status = OrgStatus(press.status)
    page = await page_of(
        lambda limit, **key: context.services.organisations.list_by_status(status, limit, **key),
        PAGE_SIZE,
        after=press.after,
        before=press.before,
    )
    rows = [[(f"#{o.id} {o.name[:40]}", OrgReview(act="o", org=o.id).pack())] for o in page.items]
    rows += key_row(t, page, lambda **key: OrgList(status=status, **key).pack())
    rows.append([(t.gettext("« Organisations"), ORGANISATIONS)])
    body = t._("Nothing here yet.") if not page.items else t._("Choose an organisation:")
    title = t._("<b>%(group)s</b>", group=t.gettext(ORG_GROUPS[status]))
    await show(update, context, f"{title}\n{body}", keyboard(rows))


async def organisation_of(update: Update, context: BotContext, press: OrgReview) -> Organisation | None:
    found = None
    if press.org is not None and partners(context) is not None:  # a file without [partners]: nothing to show
        found = await context.services.organisations.get(press.org)
    if found is None:
        await stale_button(update, context)
    return found


async def open_one(update: Update, context: BotContext, press: OrgReview) -> None:
    t, services = context.t, context.services
    organisation = await organisation_of(update, context, press)
    if organisation is None:
        return
    lines = [t._("<b>Organisation #%(id)d</b>", id=organisation.id), *organisation_lines(context, organisation)]
    for other_id, other_name, key in await services.organisations.same_numbers(organisation, IDENTIFIERS):
        lines.append(
            t._(
                "⚠️ The same %(number)s as organisation #%(id)d, %(name)s.",
                number=key.upper(),
                id=other_id,
                name=other_name,
            )
        )
    lines += ["", t._("<b>Contact people</b>")]
    for contact in await services.organisations.contacts(organisation.id):
        reach = ", ".join(x for x in (contact.email, contact.phone) if x)
        lines.append(t._("• %(name)s %(reach)s", name=contact.name, reach=reach))
    lines += await history_lines(context, await services.organisations.history(organisation.id))
    rows = []
    if organisation.status in OPEN:
        rows.append(
            [
                (t.gettext("✅ Verify"), OrgReview(act="a", org=organisation.id).pack()),
                (t.gettext("❌ Reject"), OrgReview(act="r", org=organisation.id).pack()),
            ]
        )
        if organisation.status == OrgStatus.PENDING:
            rows.append([(t.gettext("❓ Ask for more information"), OrgReview(act="q", org=organisation.id).pack())])
    if organisation.status == OrgStatus.VERIFIED:
        rows.append([(t.gettext("➕ Link for a new contact person"), OrgReview(act="inv", org=organisation.id).pack())])
        # Its latest requests, for a coordinator who comes from the organisation (the lists have them all).
        for request in await services.support_requests.of_organisation(organisation.id, RECENT_REQUESTS):
            rows.append([(f"🤝 {request_title(context, request)}"[:64], RequestReview(act="o", ref=request.id).pack())])
    rows.append([(t.gettext("« Back to the list"), OrgList(status=organisation.status).pack())])
    await show(update, context, "\n".join(str(line) for line in lines)[:4000], keyboard(rows))


def _already(t, organisation_id: int, status: str | None) -> str:
    if status is None:
        return t.gettext("This organisation does not exist any more.")
    return t.gettext(
        "Organisation #%(id)d has already been dealt with (now: %(status)s).",
        id=organisation_id,
        status=t.gettext(ORG_STATUS[OrgStatus(status)]),
    )


async def confirm_verify(update: Update, context: BotContext, press: OrgReview) -> None:
    t = context.t
    organisation = await organisation_of(update, context, press)
    if organisation is None:
        return
    if organisation.status not in OPEN:
        await refuse_changed(update, _already(t, organisation.id, organisation.status))
        return
    await confirm(
        update,
        context,
        t._("Verify %(name)s? Its contact people will be told and can then ask for support.", name=organisation.name),
        yes=(t.gettext("✅ Yes, verify"), OrgReview(act="ay", org=organisation.id).pack()),
        no=(t.gettext("Cancel"), OrgReview(act="o", org=organisation.id).pack()),
    )


async def verify(update: Update, context: BotContext, press: OrgReview) -> None:
    t, services = context.t, context.services
    organisation = await organisation_of(update, context, press)
    if organisation is None:
        return
    coordinator_id = update.effective_user.id
    try:
        async with services.db.transaction():
            verified = await services.organisations.verify(organisation.id, coordinator_id, services.clock())
            await audit(context, coordinator_id, "organisation.verified", f"organisation:{organisation.id}")
    except Refused as refused:
        await refuse_changed(update, _already(t, organisation.id, refused.status))
        return
    await update.callback_query.answer()
    done = t._("✅ %(name)s is verified.", name=verified.name)
    back = keyboard([[(t.gettext("« Organisations"), ORGANISATIONS)]])
    await context.bot.send_message(update.effective_chat.id, done, reply_markup=back)

    def compose(ct):
        text = ct._(
            "🎉 <b>%(name)s</b> has been verified. You can now ask for the support of our experts.",
            name=verified.name,
        )
        return text, keyboard([[(ct.gettext("🏢 My organisation"), OrgMine(act="o", org=verified.id).pack())]])

    await tell_contacts(context, verified.id, compose)


async def _start_typing(update: Update, context: BotContext, press: OrgReview, flow: str, allowed) -> None:
    organisation = await organisation_of(update, context, press)
    if organisation is None:
        return
    if organisation.status not in allowed:
        await refuse_changed(update, _already(context.t, organisation.id, organisation.status))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, flow, {"org": organisation.id, "name": organisation.name})


async def _reason_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Why is %(name)s not accepted? Your explanation will be sent to its contact people. (/anuluj to stop)",
            name=run.data.get("name", ""),
        )
    )


async def _question_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "What would you like to ask the contact people of %(name)s? (/anuluj to stop)",
            name=run.data.get("name", ""),
        )
    )


def _refused(run: FlowRun) -> End | None:
    if run.context.role >= Role.COORDINATOR:
        return None
    log.warning("user %s typed an organisation review text without the coordinator role", run.user_id)
    return End(html_escape(run.t.gettext("This is only available to coordinators.")))


async def _rejected(run: FlowRun, reason: str) -> End:
    """In the step's transaction: the decision, its audit entry and the flow's end, together."""
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context, t = run.services, run.context, run.t
    try:
        rejected = await services.organisations.reject(run.data["org"], run.user_id, reason, services.clock())
    except Refused as changed:
        return End(html_escape(_already(t, run.data["org"], changed.status)))
    await audit(context, run.user_id, "organisation.rejected", f"organisation:{rejected.id}")

    def compose(ct):
        text = ct._("Unfortunately %(name)s cannot join the programme.", name=rejected.name)
        text += "\n\n" + ct._("The coordinator's explanation: <i>%(reason)s</i>", reason=reason)
        return text, None

    async def after() -> None:
        await tell_contacts(context, rejected.id, compose)

    back = keyboard([[(t.gettext("« Organisations"), ORGANISATIONS)]])
    return _end(run, t._("❌ %(name)s not accepted.", name=rejected.name), back, after)


async def _asked(run: FlowRun, question: str) -> End:
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context, t = run.services, run.context, run.t
    try:
        asked = await services.organisations.ask(run.data["org"], run.user_id, question, services.clock())
    except Refused as changed:
        return End(html_escape(_already(t, run.data["org"], changed.status)))
    await audit(context, run.user_id, "organisation.info_requested", f"organisation:{asked.id}")

    def compose(ct):
        text = ct._(
            "A coordinator asks for more information about %(name)s:\n\n<i>%(question)s</i>",
            name=asked.name,
            question=question,
        )
        return text, keyboard([[(ct.gettext("✍️ Answer the coordinator"), OrgMine(act="ans", org=asked.id).pack())]])

    async def after() -> None:
        await tell_contacts(context, asked.id, compose)

    back = keyboard([[(t.gettext("« Organisations"), ORGANISATIONS)]])
    return _end(run, t._("❓ Your question has been sent. You will get the answer here."), back, after)


def _end(run: FlowRun, text: str, markup, then) -> End:
    chat_id = run.update.effective_chat.id
    bot = run.context.bot

    async def after() -> None:
        await bot.send_message(chat_id, text, reply_markup=markup)
        await then()

    return End(None, after=after)


async def _invite(update: Update, context: BotContext, press: OrgReview) -> None:
    organisation = await organisation_of(update, context, press)
    if organisation is not None:
        await invite(update, context, organisation, by_coordinator=True)


async def _ask_reason(update: Update, context: BotContext, press: OrgReview) -> None:
    await _start_typing(update, context, press, REASON_FLOW, OPEN)


async def _ask_question(update: Update, context: BotContext, press: OrgReview) -> None:
    await _start_typing(update, context, press, QUESTION_FLOW, (OrgStatus.PENDING,))


async def _overview(update: Update, context: BotContext, press: OrgReview) -> None:
    await overview(update, context)


_ACTIONS = {
    "list": _overview,
    "o": open_one,
    "a": confirm_verify,
    "ay": verify,
    "r": _ask_reason,
    "q": _ask_question,
    "inv": _invite,
}


async def pressed(update: Update, context: BotContext, press: OrgReview) -> None:
    await _ACTIONS[press.act](update, context, press)


def _stopped(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been changed.")


REASON = Flow(
    REASON_FLOW, lambda run: [typed_step("reason", _reason_prompt, REASON_LIMIT, _rejected)], cancelled=_stopped
)
QUESTION = Flow(
    QUESTION_FLOW, lambda run: [typed_step("question", _question_prompt, REASON_LIMIT, _asked)], cancelled=_stopped
)
