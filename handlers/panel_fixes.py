"""Correcting an answer of a sent application in the panel, as "✏️ Popraw odpowiedź" in the chat
(handlers/review_fixes.py): the form's own validation (bot/forms.py), the answer and its history
entry together, the audit entry, and the volunteer told what changed, in their language."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.forms import Accepted, check_choices, display, parse_text
from bot.organisation import FieldType, FormField
from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import message_page, not_found, panel_url, render
from handlers.common import audit, send_safely, translator_for
from handlers.panel_decisions import context_for
from handlers.review_fixes import shown
from storage.application_model import Status

CHOICES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)


def correctable(org) -> dict[str, FormField]:
    """Every field but a gate that must be "yes" (as in the chat)."""
    return {f.id: f for f in org.form if not f.must_be_yes}


def _typed_value(org, form_field: FormField, value: Any, t) -> str:
    """The current answer as it would be typed again (choices are ticked instead)."""
    if value is None:
        return ""
    if form_field.type == FieldType.DATE:
        return display(org, form_field, value, t)
    return str(value)


async def _target(request: Request, viewer: Viewer):
    services = services_of(request)
    raw = request.path_params["application_id"]
    application = await services.applications.get(int(raw)) if raw.isdecimal() and len(raw) < 12 else None
    form_field = correctable(services.org).get(request.path_params["field_id"])
    if application is None or application.status == Status.DRAFT or form_field is None:
        return None, None
    return application, form_field


def _page(request: Request, viewer: Viewer, application, form_field: FormField, value: Any, problem: str | None):
    t = viewer.t
    org = services_of(request).org
    chosen = value if isinstance(value, list) else [value]
    options = []
    if form_field.type in CHOICES:
        options = [(c.id, c.label.get(t.locale), c.id in chosen) for c in org.choices_of(form_field)]
    elif form_field.type == FieldType.YES_NO:
        options = [(v, t.gettext("Yes") if v == "yes" else t.gettext("No"), v == value) for v in ("yes", "no")]
    query = request.url.query
    return render(
        request,
        "fix.html",
        t,
        viewer,
        400 if problem else 200,
        title=t.gettext("Correct an answer"),
        heading=t.gettext("Application #%(id)d", id=application.id),
        label=form_field.label.get(t.locale),
        prompt=form_field.prompt.get(t.locale),
        kind="checkbox" if form_field.type == FieldType.MULTI_CHOICE else "radio" if options else "text",
        options=options,
        typed=_typed_value(org, form_field, value, t) if not options else "",
        now=shown(org, form_field, value, t),
        problem=problem,
        action=panel_url(request, f"/applications/{application.id}/fix/{form_field.id}?{query}"),
        back=panel_url(request, f"/applications/{application.id}?{query}"),
        ui_fix={
            "now": t.gettext("Now"),
            "new": t.gettext("The corrected answer"),
            "save": t.gettext("Save the correction"),
            "cancel": t.gettext("Cancel"),
            "told": t.gettext("The volunteer will be told what changed."),
        },
    )


@coordinators_only
async def fix_form(request: Request, viewer: Viewer) -> Response:
    application, form_field = await _target(request, viewer)
    if application is None:
        return not_found(request, viewer)
    answers = await services_of(request).applications.answers(application.id)
    return _page(request, viewer, application, form_field, answers.get(form_field.id), None)


def _parse(form, form_field: FormField, org) -> Accepted | Any:
    if form_field.type in CHOICES:
        known = {c.id for c in org.choices_of(form_field)}
        selected = [str(v) for v in form.getlist("value") if str(v) in known]
        if form_field.type == FieldType.MULTI_CHOICE:
            return check_choices(form_field, selected)
        return parse_text(form_field, "") if len(selected) != 1 else Accepted(selected[0])
    return parse_text(form_field, str(form.get("value", ""))[:4000])


@coordinators_only
async def fix(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    t = viewer.t
    application, form_field = await _target(request, viewer)
    if application is None:
        return not_found(request, viewer)
    form = await request.form()
    org = services.org
    was = (await services.applications.answers(application.id)).get(form_field.id)
    parsed = _parse(form, form_field, org)
    if not isinstance(parsed, Accepted):
        return _page(request, viewer, application, form_field, was, parsed.text(t))
    value = parsed.value
    back = panel_url(request, f"/applications/{application.id}?{request.url.query}")
    back += "&" if request.url.query else ""
    if value == was:
        return message_page(
            request, t, viewer, t.gettext("Nothing was changed"), [t.gettext("The answer is the same.")], 200, back
        )
    await services.applications.fix_answer(
        application.id, viewer.telegram_id, form_field.id, value, was, services.clock()
    )
    context = context_for(request, viewer)
    await audit(
        context,
        viewer.telegram_id,
        "application.corrected",
        f"application:{application.id}",
        field=form_field.id,
        via="panel",
    )
    vt = await translator_for(services, application.telegram_id)
    told = vt._(
        "✏️ A coordinator corrected an answer in your application:\n<b>%(label)s</b>: %(was)s → %(now)s",
        label=form_field.label.get(vt.locale),
        was=shown(org, form_field, was, vt),
        now=shown(org, form_field, value, vt),
    )
    await send_safely(context.bot, services, application.telegram_id, told)
    return RedirectResponse(back + "done=fixed", status_code=303)
