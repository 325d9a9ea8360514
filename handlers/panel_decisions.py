"""Deciding on an application in the panel: accept, reject with a reason, ask a question — the
same storage rules, races, audit entries and messages to the volunteer (in their language) as in
the chat (handlers/review_decisions.py). A decision that lost a race says what happened and
changes nothing; after a decision the page offers the next application of the same list."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.buttons.application import ApplicationButton
from bot.context import BotContext
from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import message_page, not_found, panel_url
from handlers import agreement_admin
from handlers.application_text import status_name
from handlers.common import audit, keyboard, send_safely, translator_for
from handlers.review_decisions import REASON_LIMIT, tell_volunteer
from storage.application_model import Application, Status, TransitionRefused
from storage.application_notes import ReasonTemplates

log = logging.getLogger(__name__)


def context_for(request: Request, viewer: Viewer) -> BotContext:
    """The chat's helpers (audit, telling the volunteer, preparing an agreement) take a context:
    one for this request, with the coordinator's role and language as read now."""
    context = BotContext(request.app.state.application)
    context.role = viewer.role
    context.t = viewer.t
    return context


async def accept(context: BotContext, application_id: int, coordinator_id: int) -> Application:
    """As "✅ Tak, przyjmij" in the chat: the decision and its audit entry in one transaction (of two
    at once, one wins: TransitionRefused for the other), the agreement's draft, the volunteer told."""
    services = context.services
    async with services.db.transaction():
        decided = await services.applications.decide(application_id, coordinator_id, True, None, now=services.clock())
        await audit(context, coordinator_id, "application.accepted", f"application:{decided.id}", via="panel")
    await agreement_admin.on_application_accepted(context, decided, coordinator_id)
    await tell_volunteer(context, decided, accepted=True, reason=None)
    return decided


async def reject(context: BotContext, application_id: int, coordinator_id: int, reason: str) -> Application:
    """As a typed reason in the chat: the decision, its audit entry, the volunteer told why."""
    services = context.services
    async with services.db.transaction():
        decided = await services.applications.decide(
            application_id, coordinator_id, False, reason, now=services.clock()
        )
        await audit(context, coordinator_id, "application.rejected", f"application:{decided.id}", via="panel")
    await tell_volunteer(context, decided, accepted=False, reason=reason)
    return decided


async def reason_for(services, form, telegram_id: int) -> str | None:
    """The explanation a volunteer gets: the one typed, else the chosen template in their language."""
    typed = text_field(form.get("reason"), REASON_LIMIT)
    if typed is not None:
        return typed
    raw = str(form.get("template", ""))
    template = await ReasonTemplates(services.db).get(int(raw)) if raw.isdecimal() and len(raw) < 12 else None
    if template is None:
        return None
    return template.text_for((await translator_for(services, telegram_id)).locale)


def text_field(value, limit: int) -> str | None:
    text = str(value or "").strip()
    return text if 0 < len(text) <= limit else None


@coordinators_only
async def decide(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    raw = request.path_params["application_id"]
    application = await services.applications.get(int(raw)) if raw.isdecimal() and len(raw) < 12 else None
    if application is None or application.status == Status.DRAFT:
        return not_found(request, viewer)
    form = await request.form()
    action = str(form.get("action", ""))
    here = panel_url(request, f"/applications/{application.id}?{request.url.query}")
    here += "&" if request.url.query else ""
    context = context_for(request, viewer)
    coordinator_id = viewer.telegram_id
    try:
        if action == "accept":
            await accept(context, application.id, coordinator_id)
            return RedirectResponse(here + "done=accepted", status_code=303)
        if action == "reject":
            reason = await reason_for(services, form, application.telegram_id)
            if reason is None:
                return RedirectResponse(here + "problem=reason", status_code=303)
            await reject(context, application.id, coordinator_id, reason)
            return RedirectResponse(here + "done=rejected", status_code=303)
        if action == "ask":
            question = text_field(form.get("question"), REASON_LIMIT)
            if question is None:
                return RedirectResponse(here + "problem=question", status_code=303)
            async with services.db.transaction():
                asked = await services.applications.request_info(
                    application.id, coordinator_id, question, now=services.clock()
                )
                await audit(
                    context, coordinator_id, "application.info_requested", f"application:{asked.id}", via="panel"
                )
            await _tell_asked(context, asked, question)
            return RedirectResponse(here + "done=asked", status_code=303)
    except TransitionRefused:
        now = await services.applications.get(application.id) or application
        t = viewer.t
        return message_page(
            request,
            t,
            viewer,
            t.gettext("Nothing was changed"),
            [
                t.gettext(
                    "Application #%(id)d has already been dealt with (now: %(status)s).",
                    id=now.id,
                    status=status_name(t, now.status),
                )
            ],
            409,
        )
    return not_found(request, viewer)


async def _tell_asked(context: BotContext, asked, question: str) -> None:
    """The volunteer's message as the chat sends it (handlers/review_decisions.py, _asked)."""
    services = context.services
    vt = await translator_for(services, asked.telegram_id)
    await send_safely(
        context.bot,
        services,
        asked.telegram_id,
        vt._(
            "A coordinator asks for more information about your application:\n\n<i>%(question)s</i>",
            question=question,
        ),
        keyboard([[(vt.gettext("✍️ Answer the coordinator"), ApplicationButton(act="reply").pack())]]),
    )
