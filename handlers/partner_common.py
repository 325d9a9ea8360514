"""What the organisation and request handlers share: status names, the guards every press goes
through (a coordinator now; a contact of that very organisation), telling an organisation's
contacts, and showing an organisation or a request."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.buttons.organisations import REGISTER, OrgMine
from bot.context import BotContext
from bot.i18n import N_, html_escape
from bot.sending import Compose, tell
from bot.services import Role
from handlers.common import alert, requires_role, stale_button
from handlers.partner_fields import answer_lines, shown
from storage.organisations import Organisation, OrgStatus
from storage.support_requests import RequestStatus, SupportRequest

log = logging.getLogger(__name__)

ORG_STATUS = {
    OrgStatus.PENDING: N_("waiting for verification"),
    OrgStatus.NEEDS_INFO: N_("a coordinator asks for more information"),
    OrgStatus.VERIFIED: N_("verified"),
    OrgStatus.REJECTED: N_("not admitted"),
}
ORG_GROUPS = {
    OrgStatus.PENDING: N_("To verify"),
    OrgStatus.NEEDS_INFO: N_("Asked for more"),
    OrgStatus.VERIFIED: N_("Verified"),
    OrgStatus.REJECTED: N_("Not accepted"),
}
REQUEST_STATUS = {
    RequestStatus.SUBMITTED: N_("sent, waiting for a coordinator"),
    RequestStatus.NEEDS_INFO: N_("a coordinator asks for more information"),
    RequestStatus.APPROVED: N_("approved"),
    RequestStatus.ASSIGNED: N_("an expert is assigned"),
    RequestStatus.DONE: N_("done and closed"),
    RequestStatus.DECLINED: N_("declined"),
    RequestStatus.WITHDRAWN: N_("withdrawn by the organisation"),
}
REQUEST_GROUPS = {
    RequestStatus.SUBMITTED: N_("New"),
    RequestStatus.NEEDS_INFO: N_("Asked for more"),
    RequestStatus.APPROVED: N_("Approved"),
    RequestStatus.ASSIGNED: N_("Assigned"),
    RequestStatus.DONE: N_("Completed"),
    RequestStatus.DECLINED: N_("Declined"),
    RequestStatus.WITHDRAWN: N_("Withdrawn"),
}
_ACTIONS = {
    "registered": N_("registered"),
    "sent": N_("request sent"),
    "info_requested": N_("question"),
    "info_given": N_("answer"),
    "verified": N_("verified"),
    "rejected": N_("not admitted"),
    "contact_added": N_("contact person added"),
    "contact_left": N_("contact person left"),
    "approved": N_("approved"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn by the organisation"),
    "edited": N_("corrected"),
    "assigned": N_("expert assigned"),
    "closed": N_("closed as done"),
}
PressHandler = Callable[[Update, BotContext, Any], Awaitable[Any]]


def for_coordinators(handler: PressHandler) -> PressHandler:
    """A press handler `(update, context, press)` for coordinators: the role is read at the press."""

    async def guarded(update: Update, context: BotContext, press) -> Any:
        async def call(update: Update, context: BotContext) -> Any:
            return await handler(update, context, press)

        call.__name__ = getattr(handler, "__name__", "press")
        return await requires_role(Role.COORDINATOR)(call)(update, context)

    return guarded


def partners(context: BotContext):
    return context.services.org.partners


async def menu_entry(context: BotContext, user_id: int) -> tuple[str, str] | None:
    """The main menu's row: "🏢 My organisation" for a contact, else "🏢 Register an organisation"."""
    if partners(context) is None:
        return None
    if await context.services.organisations.is_contact(user_id):
        return context.t.gettext("🏢 My organisation"), OrgMine(act="o").pack()
    return context.t.gettext("🏢 Register an organisation"), REGISTER


async def contact_organisation(update: Update, context: BotContext, organisation_id: int | None) -> Organisation | None:
    """The organisation a contact's button names, when the person is its contact now; otherwise the
    stale-button answer (a forged id, another organisation's, or a contact removed)."""
    services = context.services
    if organisation_id is not None and partners(context) is not None:
        contact = await services.organisations.contact(organisation_id, update.effective_user.id)
        if contact is not None:
            return await services.organisations.get(organisation_id)
        log.warning("user %s pressed a button of organisation %s", update.effective_user.id, organisation_id)
    await stale_button(update, context)
    return None


async def contact_request(update: Update, context: BotContext, request_id: int) -> SupportRequest | None:
    """A request the person may see: one of an organisation they are a contact of."""
    request = await context.services.support_requests.get(request_id)
    if request is None:
        await stale_button(update, context)
        return None
    if await contact_organisation(update, context, request.organisation_id) is None:
        return None
    return request


async def tell_contacts(context: BotContext, organisation_id: int, compose: Compose) -> int:
    """Every contact of the organisation, each in their own language."""
    sent = 0
    for contact in await context.services.organisations.contacts(organisation_id):
        sent += await tell(context.bot, context.services, contact.telegram_id, compose)
    return sent


async def refuse_changed(update: Update, text: str) -> None:
    """The thing changed meanwhile (another coordinator, the contact): said over the chat."""
    if update.callback_query is not None:
        await alert(update, text)
    else:
        await update.get_bot().send_message(update.effective_chat.id, html_escape(text))


def organisation_lines(context: BotContext, organisation: Organisation, t=None) -> list[str]:
    t = t or context.t
    settings = partners(context)
    return [
        t._(
            "<b>%(name)s</b> · %(status)s",
            name=organisation.name,
            status=t.gettext(ORG_STATUS[organisation.status]),
        ),
        *answer_lines(context.services.org, [f for f in settings.form if f.id != "name"], organisation.answers, t),
    ]


def request_title(context: BotContext, request: SupportRequest, t=None) -> str:
    t = t or context.t
    kind = shown(context.services.org, partners(context).field("request_form", "kind"), request.answers["kind"], t)
    return t.gettext(
        "#%(id)d %(kind)s · %(start)s–%(end)s",
        id=request.id,
        kind=kind,
        start=t.date(request.date_from, "d.MM"),
        end=t.date(request.date_to, "d.MM.y"),
    )


def request_lines(context: BotContext, request: SupportRequest, organisation: Organisation | None, t=None) -> list[str]:
    t = t or context.t
    lines = [
        t._(
            "<b>Request for support #%(id)d</b> · %(status)s",
            id=request.id,
            status=t.gettext(REQUEST_STATUS.get(request.status, request.status)),
        )
    ]
    if organisation is not None:
        lines.append(t._("Organisation: %(name)s", name=organisation.name))
    lines.append(t._("Sent: %(when)s", when=t.datetime(request.created_at)))
    lines += ["", *answer_lines(context.services.org, partners(context).request_form, request.answers, t)]
    return lines


async def history_lines(context: BotContext, history: list) -> list[str]:
    """An organisation's or a request's history, with the names coordinators know people by."""
    if not history:
        return []
    t = context.t
    named = await context.services.people.named({h.actor_id for h in history if h.actor_id})
    lines = ["", t._("<b>History</b>")]
    for entry in history:
        who = named[entry.actor_id].name if entry.actor_id in named else "—"
        action = t.gettext(_ACTIONS[entry.action]) if entry.action in _ACTIONS else entry.action
        note = entry.note if entry.note and not entry.note.startswith("{") else ""
        line = f"{t.datetime(entry.at)} · {action} · {who}" + (f": {note[:200]}" if note else "")
        lines.append(html_escape(line))
    return lines


ORG_CONTACT_CONSENT = "org_contact"  # the contact person's consent, in `consents`


async def mydata_lines(context: BotContext, user_id: int) -> list[str]:
    """For "Moje dane": the organisations the person is a contact of, with the details they gave."""
    t = context.t
    mine = await context.services.organisations.of_person(user_id)
    if not mine:
        return []
    lines = ["", t._("<b>Organisations</b> (you are a contact person)")]
    for organisation, contact in mine:
        reach = ", ".join(x for x in (contact.email, contact.phone) if x)
        lines.append(
            t._(
                "%(organisation)s (%(status)s): %(name)s %(reach)s",
                organisation=organisation.name,
                status=t.gettext(ORG_STATUS[organisation.status]),
                name=contact.name,
                reach=reach,
            )
        )
    return lines
