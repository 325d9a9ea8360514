"""The expert's side of matching: answering an invitation ("Biorę to" / "Nie tym razem", once),
browsing the open requests that fit them (best first, by the same rule as the coordinator's list)
and offering themselves. Only team members with an active agreement may; a request withdrawn or
closed meanwhile gets a clear answer and nothing changes. Never the organisation's contacts here."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.matching import BROWSE, BrowseRequests, ExpertPress, MatchButton
from bot.buttons.menu import MAIN_MENU
from bot.context import BotContext
from bot.routing import Routes
from bot.sending import tell_coordinators
from handlers.assignment_relay import expert_lines
from handlers.common import alert, audit, keyboard, show, stale_button
from handlers.matching_common import OWN_REQUEST, fit_one, one_candidate, reasons_text
from handlers.partner_common import REQUEST_STATUS, partners, request_lines, request_title
from storage.assignments import MATCHABLE, Refused
from storage.support_requests import SupportRequest

log = logging.getLogger(__name__)

PAGE_SIZE = 6


async def menu_entry(context: BotContext, user_id: int) -> tuple[str, str] | None:
    """The main menu's "🔎 Requests for support" for team members with an active agreement."""
    if partners(context) is None or not await context.services.assignments.matchable(user_id):
        return None
    return context.t.gettext("🔎 Requests for support"), BROWSE


def _not_open(t, request: SupportRequest) -> str:
    return t.gettext(
        "Request #%(id)d is no longer open (now: %(status)s). Nothing has been changed.",
        id=request.id,
        status=t.gettext(REQUEST_STATUS.get(request.status, request.status)),
    )


async def answer(update: Update, context: BotContext, press: ExpertPress) -> None:
    t, services = context.t, context.services
    user = update.effective_user.id
    invitation = await services.assignments.invitation(press.ref, user)
    request = await services.support_requests.get(press.ref)
    if invitation is None or request is None:
        await stale_button(update, context)  # forged, or not invited
        return
    if request.status not in MATCHABLE:
        await alert(update, _not_open(t, request))
        return
    yes = press.act == "y"
    try:
        async with services.db.transaction():
            await services.assignments.answer(request.id, user, yes, services.clock())
            await audit(context, user, "matching.answered", f"support_request:{request.id}", yes=yes)
    except Refused as refused:
        if refused.why == "request":
            await alert(update, _not_open(t, await services.support_requests.get(request.id)))
        else:
            await alert(update, t.gettext("You have answered this invitation already."))
        return
    done = (
        t._("✅ Thank you! The coordinators will let you know whether you are assigned.")
        if yes
        else t._("🙅 Understood, thank you for answering.")
    )
    await show(update, context, done, keyboard([[(t.gettext("« Main menu"), MAIN_MENU)]]), new_message=True)
    name = (await services.people.one(user)).name
    recipients = [invitation.invited_by] if invitation.invited_by else None

    def compose(ct):
        text = ct._(
            "%(mark)s %(name)s answered the invitation to request #%(id)d: %(answer)s",
            mark="✅" if yes else "🙅",
            name=name,
            id=request.id,
            answer=ct.gettext("I'll take it") if yes else ct.gettext("not this time"),
        )
        return text, keyboard(
            [[(ct.gettext("📋 Invitations and answers"), MatchButton(act="s", ref=request.id).pack())]]
        )

    await tell_coordinators(context.bot, services, compose, recipients=recipients)


async def browse(update: Update, context: BotContext, press: BrowseRequests) -> None:
    t, services = context.t, context.services
    me = await one_candidate(services, update.effective_user.id) if partners(context) is not None else None
    if me is None:
        await alert(update, t.gettext("This is for team members with an active agreement."))
        return
    own = await services.assignments.own_requests(me.telegram_id)  # one's own organisation's: not to take
    requests = [
        r
        for r in [await services.support_requests.get(i) for i in await services.assignments.open_requests()]
        if r is not None and r.id not in own
    ]
    fits = sorted(((fit_one(services, r, me), r) for r in requests), key=lambda p: (-p[0].score, -p[1].id))
    page = fits[press.page * PAGE_SIZE : (press.page + 1) * PAGE_SIZE]
    lines = [t._("<b>🔎 Open requests for support</b>"), t._("The ones that fit you best first. Choose one:")]
    if not page:
        lines = [t._("<b>🔎 Open requests for support</b>"), t._("There are no open requests now.")]
    rows = [[(request_title(context, r)[:60], ExpertPress(act="v", ref=r.id).pack())] for _f, r in page]
    if press.page == 0:  # one's own assignments first: their card has the contact and "Write"
        for assignment in [a for a in await services.assignments.of_person(me.telegram_id) if a.state == "active"][:5]:
            assigned = await services.support_requests.get(assignment.request_id)
            title = "🤝 " + request_title(context, assigned)
            rows.insert(0, [(title[:60], ExpertPress(act="v", ref=assigned.id).pack())])
    paging = []
    if press.page > 0:
        paging.append((t.gettext("« Previous"), BrowseRequests(page=press.page - 1).pack()))
    if len(fits) > (press.page + 1) * PAGE_SIZE:
        paging.append((t.gettext("Next »"), BrowseRequests(page=press.page + 1).pack()))
    rows += [paging] if paging else []
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(str(x) for x in lines), keyboard(rows))


async def view(update: Update, context: BotContext, press: ExpertPress) -> None:
    t, services = context.t, context.services
    user = update.effective_user.id
    me = await one_candidate(services, user) if partners(context) is not None else None
    request = await services.support_requests.get(press.ref)
    invitation = await services.assignments.invitation(press.ref, user) if request else None
    assignment = await services.assignments.assignment_of(press.ref, user) if invitation else None
    if me is None or request is None or (request.status not in MATCHABLE and invitation is None):
        await stale_button(update, context)
        return
    organisation = await services.organisations.get(request.organisation_id)
    lines = [*request_lines(context, request, None), "", t._("Organisation: %(name)s", name=organisation.name)]
    lines += [
        "",
        t._("Why it may fit you: %(reasons)s", reasons=reasons_text(services, t, fit_one(services, request, me))),
    ]
    rows = []
    if request.status in MATCHABLE and invitation is None:
        rows.append([(t.gettext("🙋 I'd like to help"), ExpertPress(act="of", ref=request.id).pack())])
    elif invitation is not None and invitation.state == "waiting" and request.status in MATCHABLE:
        rows.append(
            [
                (t.gettext("✅ I'll take it"), ExpertPress(act="y", ref=request.id).pack()),
                (t.gettext("🙅 Not this time"), ExpertPress(act="n", ref=request.id).pack()),
            ]
        )
    elif assignment is not None and assignment.state == "active":
        contact_lines, write = await expert_lines(context, assignment)
        lines += contact_lines
        rows += write
    elif invitation is not None:
        lines += ["", t._("You have answered already; the coordinators will let you know.")]
    rows.append([(t.gettext("« Open requests"), BROWSE)])
    await show(update, context, "\n".join(str(x) for x in lines)[:4000], keyboard(rows))


async def offer(update: Update, context: BotContext, press: ExpertPress) -> None:
    t, services = context.t, context.services
    user = update.effective_user.id
    request = await services.support_requests.get(press.ref)
    if request is None or await one_candidate(services, user) is None:
        await stale_button(update, context)
        return
    try:
        async with services.db.transaction():
            await services.assignments.offer(request.id, user, services.clock())
            await audit(context, user, "matching.offered", f"support_request:{request.id}")
    except Refused as refused:
        if refused.why == "request":
            await alert(update, _not_open(t, request))
        elif refused.why == "own":
            await alert(update, t.gettext(OWN_REQUEST))
        else:
            await alert(update, t.gettext("You have answered this invitation already."))
        return
    await show(
        update,
        context,
        t._(
            "🙋 Thank you! The coordinators have been told that you would like to help with request #%(id)d.",
            id=request.id,
        ),
        keyboard([[(t.gettext("« Open requests"), BROWSE)]]),
    )
    name = (await services.people.one(user)).name

    def compose(ct):
        text = ct._("🙋 %(name)s offers to help with request #%(id)d.", name=name, id=request.id)
        return text, keyboard(
            [[(ct.gettext("📋 Invitations and answers"), MatchButton(act="s", ref=request.id).pack())]]
        )

    await tell_coordinators(context.bot, services, compose)


async def pressed(update: Update, context: BotContext, press: ExpertPress) -> None:
    if press.act in ("y", "n"):
        await answer(update, context, press)
    elif press.act == "v":
        await view(update, context, press)
    else:
        await offer(update, context, press)


def register(routes: Routes) -> None:
    routes.press(ExpertPress, pressed)
    routes.press(BrowseRequests, browse)
