"""After an assignment: the contacts exchanged and the expert <-> organisation relay.

When an expert is assigned, the expert gets the organisation contact person's details (the contact
consented to that when registering) and chooses whether to share their own e-mail and phone (the
volunteer's consent did not cover it: asked, never assumed) or to write only through the bot.

The relay is a thread of storage/threads.py: kind 'assignment', subject 'assignment:<id>', about
the assignment's contact person (`telegram_id`) and handed to the expert (`assigned_to`). The
contact's messages are stored with `from_person`, the expert's with `from_staff`; both are
delivered here, each with "✍️ Answer" that starts this module's flow again. Only those two people
may write, while the assignment is active; every press and message checks it on the server.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.buttons.matching import AssignmentPress
from bot.context import BotContext
from bot.counselling import send_content
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.i18n import html_escape
from bot.routing import Routes
from bot.sending import tell
from handlers.common import alert, audit, keyboard, show, stale_button
from handlers.counselling import CONTENT_KINDS, read_content
from storage.assignments import RELAY, Assignment, Refused, relay_subject
from storage.organisations import Contact
from storage.threads import Content

log = logging.getLogger(__name__)

RELAY_FLOW = "mx_msg"


async def _contact(services, assignment: Assignment) -> Contact | None:
    """The organisation's side of the assignment, while that person is still its contact."""
    request = await services.support_requests.get(assignment.request_id)
    if request is None or assignment.contact_id is None:
        return None
    return next(
        (c for c in await services.organisations.contacts(request.organisation_id) if c.id == assignment.contact_id),
        None,
    )


def _reach(t, email: str | None, phone: str | None) -> str:
    given = ", ".join(x for x in (email, phone) if x)
    return given or t.gettext("no e-mail or phone given")


def _write(t, assignment: Assignment, label: str) -> tuple[str, str]:
    return (label, AssignmentPress(act="w", ref=assignment.id).pack())


async def after_assignment(context: BotContext, assignment: Assignment) -> None:
    """Tell both sides: the expert gets the contact's details and the choice; the contacts are told who."""
    services = context.services
    request = await services.support_requests.get(assignment.request_id)
    organisation = await services.organisations.get(request.organisation_id)
    contact = await _contact(services, assignment)
    expert = await services.people.one(assignment.telegram_id)

    def to_expert(t):
        lines = [
            t._(
                "🤝 <b>You are assigned to request for support #%(id)d</b> (%(org)s).",
                id=request.id,
                org=organisation.name,
            )
        ]
        if contact is not None:
            lines.append(
                t._(
                    "The organisation's contact person: %(name)s, %(reach)s.",
                    name=contact.name,
                    reach=_reach(t, contact.email, contact.phone),
                )
            )
        lines.append(
            t._(
                "Would you like to give them your e-mail and phone too? Or you can write to each other "
                "only through the bot."
            )
        )
        rows = [
            [(t.gettext("📇 Share my contact details"), AssignmentPress(act="sh", ref=assignment.id).pack())],
            [(t.gettext("💬 Only through the bot"), AssignmentPress(act="ns", ref=assignment.id).pack())],
        ]
        if contact is not None:
            rows.append([_write(t, assignment, t.gettext("✍️ Write to the organisation"))])
        return "\n\n".join(str(x) for x in lines), keyboard(rows)

    await tell(context.bot, services, assignment.telegram_id, to_expert)
    for each in await services.organisations.contacts(request.organisation_id):
        mine = contact is not None and each.id == contact.id

        def to_contact(t, mine=mine):
            text = t._(
                "🤝 An expert has been assigned to your request for support #%(id)d: %(name)s.",
                id=request.id,
                name=expert.name,
            )
            if mine:
                text += "\n\n" + t._(
                    "They have your contact details; theirs come if they choose to share them. "
                    "You can also write to each other through the bot."
                )
                return text, keyboard([[_write(t, assignment, t.gettext("✍️ Write to the expert"))]])
            return text, None

        await tell(context.bot, services, each.telegram_id, to_contact)


async def _mine(update: Update, context: BotContext, ref: int) -> tuple[Assignment, Contact | None, bool] | None:
    """The active assignment a press names, and which side the presser is (True: the expert)."""
    services = context.services
    assignment = await services.assignments.assignment(ref)
    user = update.effective_user.id
    if assignment is not None and assignment.state == "active":
        contact = await _contact(services, assignment)
        if assignment.telegram_id == user:
            return assignment, contact, True
        if contact is not None and contact.telegram_id == user:
            return assignment, contact, False
    log.warning("user %s pressed a button of assignment %s", user, ref)
    await stale_button(update, context)
    return None


async def share(update: Update, context: BotContext, press: AssignmentPress) -> None:
    t, services = context.t, context.services
    found = await _mine(update, context, press.ref)
    if found is None or not found[2]:
        if found is not None:
            await stale_button(update, context)
        return
    assignment, contact, _ = found
    shares = press.act == "sh"
    try:
        async with services.db.transaction():
            await services.assignments.share(assignment.id, update.effective_user.id, shares)
            await audit(
                context,
                update.effective_user.id,
                "matching.shared" if shares else "matching.relay_only",
                f"assignment:{assignment.id}",
            )
    except Refused:
        await alert(update, t.gettext("You have chosen already."))
        return
    rows = [[_write(t, assignment, t.gettext("✍️ Write to the organisation"))]] if contact else []
    if not shares:
        await show(
            update,
            context,
            t._("💬 Fine: your e-mail and phone stay with us. Write to the organisation through the bot."),
            keyboard(rows),
        )
        return
    expert = await services.people.one(assignment.telegram_id)
    await show(update, context, t._("📇 Your contact details have been passed on to the organisation."), keyboard(rows))
    if contact is not None:
        await tell(
            context.bot,
            services,
            contact.telegram_id,
            lambda ct: (
                ct._(
                    "📇 Expert %(name)s (request #%(id)d) shares their contact details: %(reach)s.",
                    name=expert.name,
                    id=assignment.request_id,
                    reach=_reach(ct, expert.email, expert.phone),
                ),
                None,
            ),
        )


# ---- the relay ----------------------------------------------------------------------------------------
async def start_writing(update: Update, context: BotContext, press: AssignmentPress) -> None:
    found = await _mine(update, context, press.ref)
    if found is None:
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, RELAY_FLOW, {"asg": press.ref, "req": found[0].request_id})


async def _prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "✍️ Write your message about request #%(id)d: text, a photo or a document. It is "
            "passed on by the bot. /anuluj to stop.",
            id=run.data.get("req", run.data["asg"]),
        ),
        numbered=False,
    )


async def _send(run: FlowRun, value: dict) -> End:
    t, services = run.t, run.services
    assignment = await services.assignments.assignment(run.data["asg"])
    contact = await _contact(services, assignment) if assignment and assignment.state == "active" else None
    user = run.user_id
    if contact is None or user not in (assignment.telegram_id, contact.telegram_id):
        return End(t._("This conversation is not available any more; nothing was sent."))
    content, now, subject = Content.from_dict(value), services.clock(), relay_subject(assignment.id)
    from_expert = user == assignment.telegram_id
    if from_expert:
        thread, _message = await services.threads.from_staff(
            contact.telegram_id, user, content, now, kind=RELAY, subject=subject
        )
    else:
        thread, _message = await services.threads.from_person(user, content, now, kind=RELAY, subject=subject)
    if thread.assigned_to is None:
        await services.threads.hand_over(thread.id, assignment.telegram_id)
    to = contact.telegram_id if from_expert else assignment.telegram_id
    author = (await services.people.one(user)).name if from_expert else contact.name
    bot = run.context.bot

    async def deliver() -> None:
        from bot.sending import translator_for

        ct = await translator_for(services, to)
        if from_expert:
            header = ct._(
                "💬 <b>Expert %(name)s</b> writes about request #%(id)d:", name=author, id=assignment.request_id
            )
        else:
            header = ct._(
                "💬 <b>%(name)s</b> (the organisation) writes about request #%(id)d:",
                name=author,
                id=assignment.request_id,
            )
        markup = keyboard([[_write(ct, assignment, ct.gettext("✍️ Answer"))]])
        try:
            await send_content(bot, to, header, content, markup)
        except TelegramError as exc:
            log.warning("a relayed message of assignment %s did not arrive: %s", assignment.id, exc)
            await services.threads.undelivered(_message.id)

    return End(t._("✅ Sent. The answer will come here, in this chat."), after=deliver)


RELAY_MESSAGE = Flow(
    RELAY_FLOW,
    lambda run: [Step("msg", _prompt, CONTENT_KINDS, read=read_content, done=_send, numbered=False)],
    cancelled=lambda run: run.t._("Stopped. Nothing was sent."),
)


# ---- what the sides see later --------------------------------------------------------------------------
async def contact_lines(context: BotContext, request_id: int, user_id: int):
    """For an organisation's request card: the experts assigned (their details once shared), and
    "✍️ Write" for the contact person on the other side of each. Nothing before an assignment."""
    t, services = context.t, context.services
    lines, rows = [], []
    for assignment in await services.assignments.assignments_of(request_id):
        expert = await services.people.one(assignment.telegram_id)
        reach = (
            _reach(t, expert.email, expert.phone) if assignment.expert_shares else t.gettext("messages through the bot")
        )
        lines.append(html_escape(t.gettext("🤝 Expert: %(name)s (%(reach)s)", name=expert.name, reach=reach)))
        contact = await _contact(services, assignment)
        if assignment.state == "active" and contact is not None and contact.telegram_id == user_id:
            rows.append([_write(t, assignment, t.gettext("✍️ Write to %(name)s", name=expert.name)[:60])])
    return (["", *lines] if lines else []), rows


async def expert_lines(context: BotContext, assignment: Assignment):
    """For the assigned expert's card of the request: the organisation's contact and "✍️ Write"."""
    t = context.t
    contact = await _contact(context.services, assignment)
    if contact is None:
        return [], []
    reach = _reach(t, contact.email, contact.phone)
    line = t._(
        "🤝 You are assigned. The organisation's contact person: %(name)s, %(reach)s.", name=contact.name, reach=reach
    )
    return ["", line], [[_write(t, assignment, t.gettext("✍️ Write to the organisation"))]]


async def mydata_lines(context: BotContext, user_id: int) -> list[str]:
    """ "Moje dane": the invitations and assignments of an expert (all of them are in the JSON file)."""
    services, t = context.services, context.t
    invited = await services.assignments.invited_to(user_id)
    assigned = await services.assignments.of_person(user_id)
    if not invited and not assigned:
        return []
    return [
        "",
        t._("<b>Requests for support</b>"),
        t._(
            "Invitations: %(invited)d, assignments: %(assigned)d (the details are in the JSON file).",
            invited=len(invited),
            assigned=len(assigned),
        ),
    ]


async def pressed(update: Update, context: BotContext, press: AssignmentPress) -> None:
    if press.act == "w":
        await start_writing(update, context, press)
    else:
        await share(update, context, press)


def register(routes: Routes) -> None:
    routes.flow(RELAY_MESSAGE)
    routes.press(AssignmentPress, pressed)
