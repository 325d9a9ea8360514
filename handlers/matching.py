"""The coordinator matches experts to an approved request for support: the ranked candidates with
the reasons (storage/matching.py), inviting one or several (a tap each), who answered what and who
has not (with one reminder each), and assigning those who said yes. Every press re-reads the role,
the request and the person; a request withdrawn meanwhile refuses with its status, nothing changes.

The contacts exchanged and the relay after an assignment: handlers/assignment_relay.py; the
expert's side: handlers/matching_expert.py."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.matching import MatchButton
from bot.buttons.organisations import RequestReview
from bot.context import BotContext
from bot.i18n import html_escape
from bot.routing import Routes
from bot.sending import tell
from handlers.assignment_relay import after_assignment
from handlers.common import alert, audit, keyboard, show, stale_button
from handlers.matching_common import (
    INVITATION_STATE,
    OWN_REQUEST,
    all_candidates,
    invitation_message,
    one_candidate,
    rank,
    reasons_text,
)
from handlers.partner_common import REQUEST_STATUS, for_coordinators, partners, request_title
from storage.assignments import MATCHABLE, Refused
from storage.support_requests import SupportRequest

log = logging.getLogger(__name__)


async def _request(update: Update, context: BotContext, ref: int) -> SupportRequest | None:
    """The request a press names while it is open for matching; else said why, nothing changes."""
    request = await context.services.support_requests.get(ref) if partners(context) is not None else None
    if request is None:
        await stale_button(update, context)
        return None
    if request.status not in MATCHABLE:
        t = context.t
        await alert(
            update,
            t.gettext(
                "Request #%(id)d is not open for matching (now: %(status)s). Nothing has been changed.",
                id=request.id,
                status=t.gettext(REQUEST_STATUS.get(request.status, request.status)),
            ),
        )
        return None
    return request


def _back(t, request_id: int) -> list[tuple[str, str]]:
    return [(t.gettext("« Back to the request"), RequestReview(act="o", ref=request_id).pack())]


async def candidates(update: Update, context: BotContext, press: MatchButton) -> None:
    t, services = context.t, context.services
    request = await _request(update, context, press.ref)
    if request is None:
        return
    invited = {i.telegram_id for i in await services.assignments.invitations_of(request.id)}
    # The organisation's own contact people confirm the work: none of them is its expert.
    left_out = invited | {c.telegram_id for c in await services.organisations.contacts(request.organisation_id)}
    fits = [
        f for f in rank(services, request, await all_candidates(services)) if f.candidate.telegram_id not in left_out
    ]
    shown = fits[: services.org.matching.shown]
    named = await services.people.named(f.candidate.telegram_id for f in shown)
    lines = [
        t._("<b>🔎 Experts for request %(title)s</b>", title=request_title(context, request)),
        t._(
            "Team members with an active agreement, the best fit first (areas, place, free time, load). "
            "Tap a name to invite that person; invite as many as you like."
        ),
    ]
    rows = []
    for number, found in enumerate(shown, 1):
        name = named[found.candidate.telegram_id].name
        lines += ["", t._("<b>%(n)d. %(name)s</b> · %(score)d pts", n=number, name=name, score=found.score)]
        lines.append(html_escape(reasons_text(services, t, found)))
        who = found.candidate.telegram_id
        rows.append([(t.gettext("✉️ Invite %(n)d. %(name)s", n=number, name=name)[:60], _press("i", request, who))])
    if not shown:
        lines += ["", t._("Nobody else can be invited now.")]
    rows.append([(t.gettext("📋 Invitations and answers (%(count)d)", count=len(invited)), _press("s", request))])
    rows.append(_back(t, request.id))
    await show(update, context, "\n".join(str(x) for x in lines)[:4000], keyboard(rows))


def _press(act: str, request: SupportRequest, who: int | None = None) -> str:
    return MatchButton(act=act, ref=request.id, who=who).pack()


async def invite(update: Update, context: BotContext, press: MatchButton) -> None:
    services = context.services
    request = await _request(update, context, press.ref)
    if request is None:
        return
    if press.who is None or await one_candidate(services, press.who) is None:
        await stale_button(update, context)  # forged, or no longer a team member with an agreement
        return
    coordinator = update.effective_user.id
    try:
        async with services.db.transaction():
            invited = await services.assignments.invite(request.id, [press.who], coordinator, services.clock())
            if invited:
                await audit(context, coordinator, "matching.invited", f"support_request:{request.id}", expert=press.who)
    except Refused:
        await _request(update, context, request.id)  # withdrawn meanwhile: says so
        return
    if invited:
        organisation = await services.organisations.get(request.organisation_id)
        await tell(context.bot, services, press.who, invitation_message(context, request, organisation.name, False))
    await candidates(update, context, press)


async def status(update: Update, context: BotContext, press: MatchButton) -> None:
    t, services = context.t, context.services
    request = await _request(update, context, press.ref)
    if request is None:
        return
    invitations = await services.assignments.invitations_of(request.id)
    assigned = {a.telegram_id for a in await services.assignments.assignments_of(request.id)}
    named = await services.people.named(i.telegram_id for i in invitations)
    lines = [t._("<b>📋 Invitations to request %(title)s</b>", title=request_title(context, request))]
    rows = []
    for invitation in invitations:
        name = named[invitation.telegram_id].name
        state = t.gettext(INVITATION_STATE[invitation.state])
        if invitation.origin == "offered":
            state = t.gettext("🙋 offered themselves")
        if invitation.telegram_id in assigned:
            state = t.gettext("🤝 assigned")
        line = t.gettext("%(name)s: %(state)s", name=name, state=state)
        if invitation.reminded_at is not None and invitation.state == "waiting":
            line += " " + t.gettext("(reminded)")
        lines.append("• " + html_escape(line))
        if invitation.state == "waiting" and invitation.reminded_at is None:
            rows.append(
                [(t.gettext("🔔 Remind %(name)s", name=name)[:60], _press("rm", request, invitation.telegram_id))]
            )
        if invitation.state == "accepted" and invitation.telegram_id not in assigned:
            rows.append(
                [(t.gettext("🤝 Assign %(name)s", name=name)[:60], _press("as", request, invitation.telegram_id))]
            )
    if not invitations:
        lines.append(t._("Nobody has been invited yet."))
    rows.append([(t.gettext("🔎 Experts for this request"), _press("c", request))])
    rows.append(_back(t, request.id))
    await show(update, context, "\n".join(lines)[:4000], keyboard(rows))


async def remind(update: Update, context: BotContext, press: MatchButton) -> None:
    t, services = context.t, context.services
    request = await _request(update, context, press.ref)
    if request is None:
        return
    invitation = await services.assignments.invitation(request.id, press.who) if press.who is not None else None
    if invitation is None:
        await stale_button(update, context)
        return
    try:
        async with services.db.transaction():
            await services.assignments.remind(invitation.id, services.clock())
            await audit(
                context,
                update.effective_user.id,
                "matching.reminded",
                f"support_request:{request.id}",
                expert=invitation.telegram_id,
            )
    except Refused as refused:
        if refused.why == "request":
            await _request(update, context, request.id)
        else:
            await alert(update, t.gettext("This person has answered or has been reminded already."))
        return
    organisation = await services.organisations.get(request.organisation_id)
    await tell(
        context.bot, services, invitation.telegram_id, invitation_message(context, request, organisation.name, True)
    )
    await status(update, context, press)


async def confirm_assign(update: Update, context: BotContext, press: MatchButton) -> None:
    t, services = context.t, context.services
    request = await _request(update, context, press.ref)
    if request is None:
        return
    invitation = await services.assignments.invitation(request.id, press.who) if press.who is not None else None
    if invitation is None or invitation.state != "accepted":
        await stale_button(update, context)
        return
    name = (await services.people.one(invitation.telegram_id)).name
    rows = [
        [(t.gettext("🤝 Yes, assign"), _press("asy", request, invitation.telegram_id))],
        [(t.gettext("Cancel"), _press("s", request))],
    ]
    text = t._(
        "Assign %(name)s to request #%(id)d? They and the organisation's contact person get each other's "
        "contact details (the expert decides whether to share theirs), and can write through the bot.",
        name=name,
        id=request.id,
    )
    await show(update, context, text, keyboard(rows))


async def assign(update: Update, context: BotContext, press: MatchButton) -> None:
    t, services = context.t, context.services
    request = await _request(update, context, press.ref)
    if request is None or press.who is None:
        if request is not None:
            await stale_button(update, context)
        return
    contacts = await services.organisations.contacts(request.organisation_id)
    contact = next((c for c in contacts if c.id == request.contact_id), contacts[0] if contacts else None)
    coordinator = update.effective_user.id
    try:
        async with services.db.transaction():
            assignment = await services.assignments.assign(
                request.id, press.who, coordinator, contact.id if contact else None, services.clock()
            )
            await audit(context, coordinator, "matching.assigned", f"support_request:{request.id}", expert=press.who)
    except Refused as refused:
        if refused.why == "request":
            await _request(update, context, request.id)
        elif refused.why == "own":
            await alert(update, t.gettext(OWN_REQUEST))
        else:
            await alert(update, t.gettext("This person cannot be assigned now (not a yes, or assigned already)."))
        return
    await after_assignment(context, assignment)
    await status(update, context, press)


_ACTIONS = {"c": candidates, "i": invite, "s": status, "rm": remind, "as": confirm_assign, "asy": assign}


async def pressed(update: Update, context: BotContext, press: MatchButton) -> None:
    await _ACTIONS[press.act](update, context, press)


def register(routes: Routes) -> None:
    routes.press(MatchButton, for_coordinators(pressed))
