"""Deciding on several applications at once in the panel: the rows ticked in the table, accept or
reject (with one reason for all), a confirmation page naming each of them, then each decided as
one decision would be (handlers/panel_decisions.py): the same rules, audit entries and messages;
one decided meanwhile by someone else is left as it is and counted apart."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import message_page, render
from handlers.panel_applications import NAME_FIELD, table_url
from handlers.panel_decisions import accept, context_for, reason_for, reject, text_field
from handlers.review_decisions import REASON_LIMIT
from storage.application_model import OPEN, Status, TransitionRefused
from storage.application_notes import ReasonTemplates

LIMIT = 100  # a page of the table is 25; more at once is not a decision anyone reads


@coordinators_only
async def bulk(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    t = viewer.t
    form = await request.form()
    back = table_url(request)
    ids = sorted({int(v) for v in form.getlist("id") if str(v).isdecimal() and len(str(v)) < 12})[:LIMIT]
    action = str(form.get("action", ""))
    reason = text_field(form.get("reason"), REASON_LIMIT)
    raw_template = str(form.get("template", ""))
    template = (
        await ReasonTemplates(services.db).get(int(raw_template))
        if raw_template.isdecimal() and len(raw_template) < 12
        else None
    )
    if not ids or action not in ("accept", "reject"):
        return RedirectResponse(back + "&problem=bulk", status_code=303)
    if action == "reject" and reason is None and template is None:
        return RedirectResponse(back + "&problem=bulk_reason", status_code=303)
    # A draft is the volunteer's own (as in the chat): not named, not decided.
    found = [await services.applications.get(i) for i in ids]
    applications = [a for a in found if a is not None and a.status != Status.DRAFT]
    if not applications:
        return RedirectResponse(back + "&problem=bulk", status_code=303)
    if form.get("confirm") != "1":
        people = await services.people.named(a.telegram_id for a in applications)
        answers = {a.id: await services.applications.answers(a.id) for a in applications}
        return render(
            request,
            "bulk_confirm.html",
            t,
            viewer,
            title=t.gettext("Confirm the decision"),
            question=t.ungettext(
                "Accept %(count)d application? Each volunteer will be told at once.",
                "Accept %(count)d applications? Each volunteer will be told at once.",
                len(applications),
            )
            if action == "accept"
            else t.ungettext(
                "Not accept %(count)d application? Each volunteer will get this explanation:",
                "Not accept %(count)d applications? Each volunteer will get this explanation:",
                len(applications),
            ),
            items=[
                (a.id, answers[a.id].get(NAME_FIELD) or people[a.telegram_id].name, a.status in OPEN)
                for a in applications
            ],
            action=action,
            reason=reason or "",
            template=template,
            post=str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
            back=back,
            ui_bulk={
                "yes": t.gettext("✅ Yes, accept") if action == "accept" else t.gettext("❌ Yes, do not accept"),
                "cancel": t.gettext("Cancel"),
                "decided": t.gettext("already dealt with: left as it is"),
            },
        )
    context = context_for(request, viewer)
    done, skipped = 0, 0
    for application in applications:
        try:
            if action == "accept":
                await accept(context, application.id, viewer.telegram_id)
            else:
                explanation = await reason_for(services, form, application.telegram_id)
                await reject(context, application.id, viewer.telegram_id, explanation)
            done += 1
        except TransitionRefused:
            skipped += 1
    lines = [
        t.ungettext("%(count)d application accepted.", "%(count)d applications accepted.", done)
        if action == "accept"
        else t.ungettext("%(count)d application not accepted.", "%(count)d applications not accepted.", done)
    ]
    if skipped:
        lines.append(
            t.ungettext(
                "%(count)d had already been dealt with and was left as it is.",
                "%(count)d had already been dealt with and were left as they are.",
                skipped,
            )
        )
    return message_page(request, t, viewer, t.gettext("Done"), lines, 200, back=back)
