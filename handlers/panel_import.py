"""Importing the volunteers an organisation already has, in the panel: a CSV is read and every row
checked as the form checks it (bot/volunteer_import.py), duplicates found in the file and in the
bot; the preview writes nothing. Confirmed, the valid rows are stored (storage/panel_import.py) and
the coordinator downloads a CSV of personal links (t.me/<bot>?start=imp_…) to send: a link
connects its person's Telegram account to the record (handlers/panel.py, the deep link)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import io
import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import mailer
from bot.i18n import translator
from bot.organisation import FieldType
from bot.volunteer_import import NotASpreadsheet, mark_known, read
from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import MAX_BODY, message_page, not_found, panel_url, render, too_large
from handlers.common import audit
from handlers.panel_applications import search_ready
from handlers.panel_decisions import context_for
from storage.panel_import import VolunteerImports

PREVIEW_ROWS = 200  # shown; the counts cover them all
log = logging.getLogger(__name__)


def _fields(services) -> tuple[str | None, str | None]:
    form = services.org.form
    email = next((f.id for f in form if f.type == FieldType.EMAIL), None)
    phone = next((f.id for f in form if f.type == FieldType.PHONE), None)
    return email, phone


async def _checked(request: Request, viewer: Viewer, data: bytes):
    services = services_of(request)
    await search_ready(request, services)
    fields, rows = read(data, services.org, viewer.t)
    email, phone = _fields(services)
    emails = [r.answers[email].lower() for r in rows if email and isinstance(r.answers.get(email), str)]
    phones = [r.answers[phone] for r in rows if phone and isinstance(r.answers.get(phone), str)]
    known_emails, known_phones = await VolunteerImports(services.db).known(emails, phones)
    mark_known(rows, viewer.t, email, phone, known_emails, known_phones)
    return fields, rows


@coordinators_only
async def start_page(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    batches = await VolunteerImports(services.db).batches()
    labels = sorted({f.label.get(t.locale) for f in services.org.form if not f.must_be_yes})
    return render(
        request,
        "import.html",
        t,
        viewer,
        title=t.gettext("Import volunteers"),
        columns=", ".join(labels),
        action=panel_url(request, "/import"),
        batches=[
            {
                "when": t.datetime(b.created_at, "d.MM.y, HH:mm"),
                "file": b.file_name,
                "people": b.people,
                "linked": b.linked,
                "links": panel_url(request, f"/import/{b.id}/links"),
                "email": panel_url(request, f"/import/{b.id}/email"),
            }
            for b in batches
        ],
        done=t.gettext("Imported. Download the links and send each person theirs.")
        if request.query_params.get("done")
        else t.ungettext(
            "%(count)d e-mail with a personal link is being sent.",
            "%(count)d e-mails with personal links are being sent.",
            int(emailed),
        )
        if (emailed := request.query_params.get("emailed", "")).isdecimal()
        else None,
        smtp=bool(services.settings.smtp_url),
        ui_import=_texts(t),
    )


def _texts(t) -> dict[str, str]:
    return {
        "intro": t.gettext(
            "A CSV file (from Excel or LibreOffice: “Save as CSV”), the first row naming the columns. "
            "Each row is checked as the application form checks it; nothing is saved before you confirm."
        ),
        "columns": t.gettext("Columns the bot knows (the full name and an e-mail or phone are needed):"),
        "file": t.gettext("The CSV file"),
        "check": t.gettext("Check the file"),
        "earlier": t.gettext("Earlier imports"),
        "when": t.gettext("When"),
        "name": t.gettext("File"),
        "people": t.gettext("People"),
        "linked": t.gettext("Connected"),
        "links": t.gettext("Links for those not connected yet (CSV)"),
        "links_hint": t.gettext("New links replace the earlier ones, which stop working."),
        "email": t.gettext("Send the links by e-mail"),
        "row": t.gettext("Row"),
        "problems": t.gettext("Problems"),
        "confirm": t.gettext("Import the correct rows"),
        "cancel": t.gettext("Cancel"),
        "ok": t.gettext("correct"),
    }


@coordinators_only
async def preview(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    form = await request.form()
    upload = form.get("file")
    back = panel_url(request, "/import")
    if upload is None or isinstance(upload, str):
        return message_page(
            request, t, viewer, t.gettext("Nothing was imported"), [t.gettext("Choose a file.")], 400, back
        )
    data = await upload.read(MAX_BODY + 1)
    name = (upload.filename or "import.csv")[:100]
    if len(data) > MAX_BODY:
        return too_large(request)
    try:
        fields, rows = await _checked(request, viewer, data)
    except NotASpreadsheet as problem:
        return message_page(request, t, viewer, t.gettext("Nothing was imported"), [t.gettext(str(problem))], 400, back)
    good = [r for r in rows if r.ok]
    form_fields = {f.id: f for f in services_of(request).org.form}
    return render(
        request,
        "import_preview.html",
        t,
        viewer,
        title=t.gettext("Import volunteers"),
        summary=t.ungettext(
            "%(count)d correct row will be imported", "%(count)d correct rows will be imported", len(good)
        ),
        bad=t.ungettext(
            "%(count)d row with problems is left out",
            "%(count)d rows with problems are left out",
            len(rows) - len(good),
        ),
        headers=[form_fields[f].label.get(t.locale) for f in fields],
        rows=[
            {"number": r.number, "cells": [r.cells.get(f, "") for f in fields], "problems": r.problems}
            for r in rows[:PREVIEW_ROWS]
        ],
        more=max(0, len(rows) - PREVIEW_ROWS),
        good=len(good),
        data=base64.b64encode(data).decode(),
        file_name=name,
        confirm=panel_url(request, "/import/confirm"),
        back=back,
        ui_import=_texts(t),
    )


@coordinators_only
async def confirm(request: Request, viewer: Viewer) -> Response:
    """The same file again, checked again (nothing from the preview is trusted), then written."""
    t = viewer.t
    services = services_of(request)
    form = await request.form()
    back = panel_url(request, "/import")
    try:
        data = base64.b64decode(str(form.get("data", "")), validate=True)
        if len(data) > MAX_BODY:  # the file itself is held to 1 MB, as in the preview
            return too_large(request)
        _, rows = await _checked(request, viewer, data)
    except (binascii.Error, NotASpreadsheet):
        return message_page(
            request, t, viewer, t.gettext("Nothing was imported"), [t.gettext("Choose a file.")], 400, back
        )
    good = [r.answers for r in rows if r.ok]
    if not good:
        return RedirectResponse(back, status_code=303)
    email, phone = _fields(services)
    batch_id, _ = await VolunteerImports(services.db).create(
        viewer.telegram_id,
        str(form.get("file_name", "import.csv"))[:100],
        good,
        email or "",
        phone or "",
        services.clock(),
    )
    await audit(
        context_for(request, viewer), viewer.telegram_id, "volunteers.imported", f"import:{batch_id}", count=len(good)
    )
    return RedirectResponse(back + "?done=1", status_code=303)


@coordinators_only
async def links(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    raw = request.path_params["batch_id"]
    batch_id = int(raw) if raw.isdecimal() and len(raw) < 12 else None
    if batch_id is None:
        return not_found(request, viewer)
    made = await VolunteerImports(services.db).new_links(batch_id)
    username = request.app.state.application.bot.username
    email, phone = _fields(services)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)  # whole cells in any locale
    writer.writerow([t.gettext("Name"), t.gettext("E-mail"), t.gettext("Phone"), t.gettext("Personal link")])
    for answers, token in made:
        writer.writerow(
            [
                _cell(str(answers.get("full_name", ""))),
                _cell(str(answers.get(email, "") or "")),
                _cell(str(answers.get(phone, "") or "")),
                f"https://t.me/{username}?start=imp_{token}",
            ]
        )
    await audit(
        context_for(request, viewer),
        viewer.telegram_id,
        "volunteers.import_links",
        f"import:{batch_id}",
        count=len(made),
    )
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="linki-import-{batch_id}.csv"'},
    )


@coordinators_only
async def email_links(request: Request, viewer: Viewer) -> Response:
    """New links for those not connected yet who have an e-mail address, sent to each of them in the
    organisation's language from BOT_SMTP_URL, in the background (the page does not wait)."""
    services = services_of(request)
    settings = services.settings
    raw = request.path_params["batch_id"]
    batch_id = int(raw) if raw.isdecimal() and len(raw) < 12 else None
    if batch_id is None or not settings.smtp_url:
        return not_found(request, viewer)
    made = await VolunteerImports(services.db).new_links(batch_id, with_email=True)
    t = translator(settings.default_locale, settings.timezone)
    username = request.app.state.application.bot.username
    programme = services.org.programme.name.get(t.locale)
    email, _ = _fields(services)
    messages = [
        mailer.message(
            answers[email],
            t.gettext("%(programme)s: connect your Telegram account", programme=programme),
            t.gettext(
                "Hello %(name)s,\n\n%(organisation)s invites you to its Telegram bot for %(programme)s. "
                "Open this link in Telegram to connect your account to the data the organisation has about you "
                "(it works once):\n\n%(link)s\n\nIf you did not expect this message, ignore it.",
                name=answers.get("full_name", ""),
                organisation=services.org.organisation.name,
                programme=programme,
                link=f"https://t.me/{username}?start=imp_{token}",
            ),
        )
        for answers, token in made
        if email and answers.get(email)
    ]
    task = asyncio.create_task(_deliver(settings, messages, batch_id))
    request.app.state.mailing = task  # kept until done
    await audit(
        context_for(request, viewer),
        viewer.telegram_id,
        "volunteers.import_emailed",
        f"import:{batch_id}",
        count=len(messages),
    )
    return RedirectResponse(panel_url(request, f"/import?emailed={len(messages)}"), status_code=303)


async def _deliver(settings, messages, batch_id: int) -> None:
    try:
        sent = await mailer.send(settings.smtp_url, settings.smtp_from, messages)
        log.info("import %s: %d e-mails with personal links sent", batch_id, sent)
    except mailer.MailFailed as exc:
        log.warning("import %s: the e-mails with personal links could not be sent: %s", batch_id, exc)


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in Excel
