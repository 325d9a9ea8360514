"""🏢 My organisation: what a contact person sees of their organisation (its status, details and
contact people), answering a coordinator's question, and a one-time link for another contact
person. Every press names the organisation and is checked: the person must be its contact now."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.buttons.menu import MAIN_MENU
from bot.buttons.organisations import REGISTER, OrgMine, OrgReview, RequestMineList
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, typed_step
from bot.replies import confirm
from bot.sending import tell, tell_coordinators
from bot.services import Role
from handlers.common import alert, audit, keyboard, show, stale_button
from handlers.menu import menu_after
from handlers.org_register import start_registration
from handlers.partner_common import ORG_CONTACT_CONSENT, contact_organisation, organisation_lines, partners
from storage.organisations import Organisation, OrgStatus, Refused

log = logging.getLogger(__name__)

ANSWER_FLOW = "og_ans"
ANSWER_LIMIT = 3000


async def my_organisation(update: Update, context: BotContext) -> None:
    """The person's organisation (or the list, when they speak for several)."""
    t = context.t
    mine = await context.services.organisations.of_person(update.effective_user.id)
    if len(mine) == 1:
        await _show(update, context, mine[0][0])
        return
    rows = [[(o.name[:60], OrgMine(act="o", org=o.id).pack())] for o, _ in mine]
    rows.append([(t.gettext("➕ Register an organisation"), REGISTER)])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    text = t._("<b>🏢 My organisation</b>") + "\n"
    text += t._("Choose an organisation:") if mine else t._("You are not a contact person of any organisation yet.")
    await show(update, context, text, keyboard(rows))


async def _show(update: Update, context: BotContext, organisation: Organisation) -> None:
    t, services = context.t, context.services
    lines = [t._("<b>🏢 My organisation</b>"), "", *organisation_lines(context, organisation)]
    rows = []
    if organisation.status == OrgStatus.NEEDS_INFO:
        question = await services.organisations.last_question(organisation.id)
        if question is not None:
            lines += ["", t._("The coordinator asks: <i>%(question)s</i>", question=question.note)]
        rows.append([(t.gettext("✍️ Answer the coordinator"), OrgMine(act="ans", org=organisation.id).pack())])
    elif organisation.status == OrgStatus.PENDING:
        lines += ["", t._("A coordinator will verify the organisation soon; you will get the answer here.")]
    elif organisation.status == OrgStatus.REJECTED and organisation.decision_note:
        lines += ["", t._("The coordinator's explanation: <i>%(reason)s</i>", reason=organisation.decision_note)]
    lines += ["", t._("<b>Contact people</b>")]
    for contact in await services.organisations.contacts(organisation.id):
        lines.append(t._("• %(name)s", name=contact.name))
    if organisation.status == OrgStatus.VERIFIED:
        rows.append([(t.gettext("🙋 Ask for support"), OrgMine(act="new", org=organisation.id).pack())])
        rows.append([(t.gettext("📋 Our requests for support"), RequestMineList(org=organisation.id).pack())])
        rows.append([(t.gettext("➕ Invite another contact person"), OrgMine(act="inv", org=organisation.id).pack())])
    rows.append([(t.gettext("🚪 Stop being a contact person"), OrgMine(act="out", org=organisation.id).pack())])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(str(line) for line in lines)[:4000], keyboard(rows))


async def pressed(update: Update, context: BotContext, press: OrgMine) -> None:
    if press.act == "reg":
        await start_registration(update, context)
        return
    if press.act == "o" and press.org is None:
        await my_organisation(update, context)
        return
    organisation = await contact_organisation(update, context, press.org)
    if organisation is None:
        return
    if press.act == "o":
        await _show(update, context, organisation)
    elif press.act == "ans":
        await _start_answer(update, context, organisation)
    elif press.act == "inv":
        await invite(update, context, organisation)
    elif press.act in ("out", "outy"):
        await leave(update, context, organisation, confirmed=press.act == "outy")
    elif press.act == "new":
        from handlers.request_form import start_request  # the request form's module shows this menu

        await start_request(update, context, organisation)


# ---- another contact person -------------------------------------------------------------------
async def invite(update: Update, context: BotContext, organisation: Organisation, *, by_coordinator=False) -> None:
    """A one-time link for another contact person (a contact's or a coordinator's press)."""
    t, services = context.t, context.services
    if organisation.status != OrgStatus.VERIFIED:
        await alert(update, t.gettext("Other contact people can be invited once the organisation is verified."))
        return
    days = partners(context).invite_days
    now = services.clock()
    token = await services.organisations.invite(organisation.id, update.effective_user.id, timedelta(days=days), now)
    await audit(context, update.effective_user.id, "organisation.invite_created", f"organisation:{organisation.id}")
    link = f"https://t.me/{context.bot.username}?start=orgjoin_{token}"
    text = t.ngettext(
        "🔗 A one-time link for another contact person of %(name)s, valid for %(count)d day. Send it to them: "
        "whoever opens it first becomes a contact person.\n\n%(link)s",
        "🔗 A one-time link for another contact person of %(name)s, valid for %(count)d days. Send it to them: "
        "whoever opens it first becomes a contact person.\n\n%(link)s",
        days,
        name=organisation.name,
        link=link,
    )
    back = OrgReview(act="o", org=organisation.id) if by_coordinator else OrgMine(act="o", org=organisation.id)
    await show(update, context, text, keyboard([[(t.gettext("« Back"), back.pack())]]), new_message=True)


# ---- stopping being a contact person (the consent withdrawn) --------------------------------------
async def leave(update: Update, context: BotContext, organisation: Organisation, *, confirmed: bool) -> None:
    t, services = context.t, context.services
    user_id = update.effective_user.id
    others = [c for c in await services.organisations.contacts(organisation.id) if c.telegram_id != user_id]
    if not confirmed:
        question = t._(
            "Stop being a contact person of %(name)s? Your contact details are deleted and your consent is "
            "withdrawn; the requests already sent stay with the organisation.",
            name=organisation.name,
        )
        if not others and organisation.status != OrgStatus.VERIFIED:
            question += "\n\n" + t._("You are its only contact person: its registration is deleted too.")
        elif not others:
            question += "\n\n" + t._("You are its only contact person: a coordinator can add a new one.")
        yes = (t.gettext("Yes, stop"), OrgMine(act="outy", org=organisation.id).pack())
        no = (t.gettext("No, stay"), OrgMine(act="o", org=organisation.id).pack())
        await confirm(update, context, question, yes, no)
        return
    me = await services.organisations.contact(organisation.id, user_id)
    now = services.clock()
    async with services.db.transaction():
        if me is None or not await services.organisations.remove_contact(organisation.id, user_id, now):
            await stale_button(update, context)
            return
        await services.consents.record(user_id, ORG_CONTACT_CONSENT, partners(context).consent_version, False, now)
        await audit(context, user_id, "organisation.contact_left", f"organisation:{organisation.id}")
    if update.callback_query is not None:
        await update.callback_query.answer()

    def compose(ct):
        text = ct._("👥 %(person)s is no longer a contact person of %(name)s.", person=me.name, name=organisation.name)
        return text, None

    for other in others:
        await tell(context.bot, services, other.telegram_id, compose)
    await menu_after(update, context, t._("You are no longer a contact person of %(name)s.", name=organisation.name))


# ---- answering a coordinator's question ---------------------------------------------------------
async def _start_answer(update: Update, context: BotContext, organisation: Organisation) -> None:
    if organisation.status != OrgStatus.NEEDS_INFO:
        await alert(update, context.t.gettext("The coordinator is not waiting for an answer."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, ANSWER_FLOW, {"org": organisation.id})


async def _ask_answer(run: FlowRun) -> Prompt:
    return Prompt(run.t._("Please type your answer for the coordinator:"))


async def _answered(run: FlowRun, text: str) -> End:
    """In the step's transaction: the contact is checked again, the answer kept, the asker told."""
    services, context = run.services, run.context
    organisation_id = run.data["org"]
    if await services.organisations.contact(organisation_id, run.user_id) is None:
        return End(run.t._("The coordinator is not waiting for an answer."))
    try:
        organisation = await services.organisations.answer(organisation_id, run.user_id, text, services.clock())
    except Refused:
        return End(run.t._("The coordinator is not waiting for an answer."))
    await audit(context, run.user_id, "organisation.info_given", f"organisation:{organisation_id}")
    question = await services.organisations.last_question(organisation_id)

    async def still_coordinates(staff_id: int) -> bool:
        return await services.role_of(staff_id) >= Role.COORDINATOR

    def compose(ct):
        told = ct._(
            "✍️ The answer about organisation %(name)s (#%(id)d):\n\n<i>%(answer)s</i>",
            name=organisation.name,
            id=organisation.id,
            answer=text,
        )
        return told, keyboard([[(ct.gettext("Open"), OrgReview(act="o", org=organisation.id).pack())]])

    async def notify() -> None:
        asker = [question.actor_id] if question and question.actor_id else None
        await tell_coordinators(context.bot, services, compose, recipients=asker, wants=still_coordinates)

    return End(run.t._("Thank you! Your answer has been passed on to the coordinator."), after=notify)


ANSWER = Flow(ANSWER_FLOW, lambda run: [typed_step("answer", _ask_answer, ANSWER_LIMIT, _answered)])
