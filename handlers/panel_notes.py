"""In the panel only: coordinators' internal notes on an application, and the templates of reasons
for not accepting one (Polish required, English and Ukrainian falling back to it), chosen when
deciding: the volunteer gets the template in their language. Every change is audit-logged."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import not_found, panel_url, render
from handlers.common import audit
from handlers.panel_decisions import context_for, text_field
from handlers.review_decisions import REASON_LIMIT
from storage.application_model import Status
from storage.application_notes import NOTE_LIMIT, TITLE_LIMIT, ApplicationNotes, ReasonTemplates


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdecimal() and len(raw) < 12 else None


@coordinators_only
async def add_note(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    application_id = _id(request.path_params["application_id"])
    application = await services.applications.get(application_id) if application_id else None
    if application is None or application.status == Status.DRAFT:
        return not_found(request, viewer)
    form = await request.form()
    here = panel_url(request, f"/applications/{application.id}?{request.url.query}")
    here += "&" if request.url.query else ""
    text = text_field(form.get("note"), NOTE_LIMIT)
    if text is None:
        return RedirectResponse(here + "problem=note", status_code=303)
    await ApplicationNotes(services.db).add(application.id, viewer.telegram_id, text, services.clock())
    await audit(
        context_for(request, viewer), viewer.telegram_id, "application.note_added", f"application:{application.id}"
    )
    return RedirectResponse(here + "done=note#notes", status_code=303)


@coordinators_only
async def templates(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    problem = request.query_params.get("problem")
    return render(
        request,
        "reason_templates.html",
        t,
        viewer,
        title=t.gettext("Reasons for not accepting"),
        templates=await ReasonTemplates(services.db).all(),
        done=t.gettext("Saved.") if request.query_params.get("done") else None,
        problem=t.gettext("A template needs a title and its Polish text.") if problem else None,
        action=panel_url(request, "/templates"),
        ui_tpl={
            "intro": t.gettext(
                "Write a reason once and choose it when not accepting an application. The volunteer gets it in "
                "their language; without an English or Ukrainian text, in Polish."
            ),
            "title": t.gettext("Title (for coordinators)"),
            "pl": t.gettext("Text in Polish (required)"),
            "en": t.gettext("Text in English"),
            "uk": t.gettext("Text in Ukrainian"),
            "save": t.gettext("Save"),
            "delete": t.gettext("Delete the template"),
            "new": t.gettext("A new template"),
            "none": t.gettext("No template yet."),
        },
    )


@coordinators_only
async def save_template(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    form = await request.form()
    back = panel_url(request, "/templates")
    template_id = _id(str(form.get("id", "")))
    store = ReasonTemplates(services.db)
    context = context_for(request, viewer)
    if form.get("delete") == "1" and template_id is not None:
        if await store.delete(template_id, viewer.telegram_id, services.clock()):
            await audit(context, viewer.telegram_id, "rejection_template.deleted", f"template:{template_id}")
        return RedirectResponse(back + "?done=1", status_code=303)
    title = text_field(form.get("title"), TITLE_LIMIT)
    texts = {locale: text_field(form.get(locale), REASON_LIMIT) or "" for locale in ("pl", "en", "uk")}
    if title is None or not texts["pl"]:
        return RedirectResponse(back + "?problem=1", status_code=303)
    saved = await store.save(template_id, title, texts, viewer.telegram_id, services.clock())
    if saved is not None:
        await audit(context, viewer.telegram_id, "rejection_template.saved", f"template:{saved}")
    return RedirectResponse(back + "?done=1", status_code=303)
