"""The panel's events: the list, one event with its sign-ups and waiting list (full names and
contacts from the applications), attendance taken with hours per person and walk-ins, and a
printable attendance list (PDF with a signature column, as grant reports require).

Attendance is recorded as in the chat (storage: record_attendance; the hours ledger follows by its
triggers), once the event has started, each change audit-logged as "event.attendance"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import not_found, panel_url, render
from handlers.common import audit
from handlers.panel_applications import search_ready
from handlers.panel_decisions import context_for
from storage.events import Seat
from storage.panel_events import PanelEvents

PAGE_SIZE = 25
MAX_HOURS = 24 * 14  # as the chat's hours flow


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdecimal() and len(raw) < 12 else None


def _hours(value) -> float | None:
    text = str(value or "").strip().replace(",", ".")
    try:
        hours = float(text)
    except ValueError:
        return None
    return hours if 0 < hours <= MAX_HOURS else None


@coordinators_only
async def events(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    query = request.query_params
    rows, earlier, later = await PanelEvents(services.db).page(
        PAGE_SIZE, after=_id(query.get("after", "")), before=_id(query.get("before", ""))
    )
    types = {e.id: e.label.get(t.locale) for e in services.org.event_types}
    base = panel_url(request, "/events?")
    return render(
        request,
        "events.html",
        t,
        viewer,
        title=t.gettext("Events"),
        rows=[
            {
                "href": panel_url(request, f"/events/{e.id}"),
                "title": e.title,
                "when": t.datetime(e.starts_at, "d.MM.y, HH:mm"),
                "kind": types.get(e.type, e.type),
                "county": services.org.county_names.get(e.county or "", "—"),
                "seats": f"{e.registered}/{e.capacity}" if e.capacity else str(e.registered),
                "waiting": e.waitlisted,
                "attended": e.attended,
                "cancelled": e.status == "cancelled",
            }
            for e in rows
        ],
        paging={
            "previous": f"{base}before={rows[0].id}" if earlier and rows else None,
            "next": f"{base}after={rows[-1].id}" if later and rows else None,
        },
        ui_events={
            "caption": t.gettext("Events, the latest to start first"),
            "when": t.gettext("When"),
            "event": t.gettext("Event"),
            "kind": t.gettext("Kind of event"),
            "county": t.gettext("County"),
            "seats": t.gettext("Places taken"),
            "waiting": t.gettext("waiting list"),
            "attended": t.gettext("Attended"),
            "cancelled": t.gettext("cancelled"),
            "empty": t.gettext("Nothing here."),
            "pages": t.gettext("Pages"),
            "previous": t.gettext("‹ Previous"),
            "next": t.gettext("Next ›"),
        },
    )


async def _event(request: Request):
    services = services_of(request)
    event_id = _id(request.path_params["event_id"])
    event = await services.events.get(event_id) if event_id is not None else None
    return event if event is not None and event.status != "draft" else None


@coordinators_only
async def event_page(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    event = await _event(request)
    if event is None:
        return not_found(request, viewer)
    people = await services.events.registrants(event.id)
    names = await services.people.named(p.telegram_id for p in people)
    started = services.clock() >= event.starts_at
    problem = {
        "walk_in": t.gettext("Nobody, or more than one person, matches: type the e-mail or the phone number."),
        "hours": t.gettext("Hours are a number above 0 and at most 336."),
    }.get(request.query_params.get("problem", ""))
    return render(
        request,
        "event.html",
        t,
        viewer,
        title=event.title,
        when=f"{t.datetime(event.starts_at, 'd.MM.y, HH:mm')} – {t.time(event.ends_at)}",
        place=event.place or event.online_url or "—",
        started=started,
        hours=t.number(event.hours),
        problem=problem,
        done=t.gettext("Saved.") if request.query_params.get("done") else None,
        people=[
            {
                "id": p.telegram_id,
                "href": panel_url(request, f"/people/{p.telegram_id}"),
                "name": names[p.telegram_id].name if p.telegram_id in names else p.name,
                "email": (names[p.telegram_id].email if p.telegram_id in names else None) or "—",
                "phone": (names[p.telegram_id].phone if p.telegram_id in names else None) or "—",
                "seat": p.status == Seat.REGISTERED,
                "position": p.position,
                "said": p.self_attended,
                "present": p.attendance == "attended",
                "hours": "" if p.hours is None else str(p.hours).rstrip("0").rstrip("."),
            }
            for p in people
        ],
        attendance_action=panel_url(request, f"/events/{event.id}/attendance"),
        walk_in_action=panel_url(request, f"/events/{event.id}/walk-in"),
        pdf=panel_url(request, f"/events/{event.id}/attendance.pdf"),
        ui_event={
            "when": t.gettext("When"),
            "where": t.gettext("Where"),
            "signups": t.gettext("People signed up"),
            "waiting": t.gettext("waiting list"),
            "name": t.gettext("Name"),
            "email": t.gettext("E-mail"),
            "phone": t.gettext("Phone"),
            "seat": t.gettext("Sign-up"),
            "said": t.gettext("Said they came"),
            "present": t.gettext("Present"),
            "hours": t.gettext("Hours"),
            "signed_up": t.gettext("signed up"),
            "save": t.gettext("Save attendance"),
            "not_yet": t.gettext("Attendance can be recorded once the event has started."),
            "walk_in": t.gettext("Someone came without signing up"),
            "walk_in_who": t.gettext("Their e-mail, phone or name"),
            "walk_in_add": t.gettext("Add as present"),
            "pdf": t.gettext("Printable attendance list (PDF)"),
            "default_hours": t.gettext("Hours for each attendee unless given: %(hours)s"),
            "empty": t.gettext("Nobody here."),
            "yes": t.gettext("Yes"),
        },
    )


@coordinators_only
async def save_attendance(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    event = await _event(request)
    if event is None:
        return not_found(request, viewer)
    here = panel_url(request, f"/events/{event.id}")
    if services.clock() < event.starts_at:
        return RedirectResponse(here, status_code=303)
    form = await request.form()
    context = context_for(request, viewer)
    for person in await services.events.registrants(event.id):
        if person.status != Seat.REGISTERED:
            continue
        present = form.get(f"present-{person.telegram_id}") == "1"
        typed = str(form.get(f"hours-{person.telegram_id}", "")).strip()
        hours = _hours(typed) if typed else event.hours
        if present and hours is None:
            return RedirectResponse(here + "?problem=hours", status_code=303)
        # The form is the whole sheet: ticked is present (with these hours), not ticked is absent.
        unchanged = (
            person.attendance == "attended" and person.hours == hours if present else person.attendance == "absent"
        )
        if unchanged:
            continue
        await services.events.record_attendance(
            event.id, person.telegram_id, present, hours, viewer.telegram_id, services.clock()
        )
        await audit(
            context,
            viewer.telegram_id,
            "event.attendance",
            f"event:{event.id}",
            person=person.telegram_id,
            attended=present,
            via="panel",
        )
    return RedirectResponse(here + "?done=1", status_code=303)


@coordinators_only
async def walk_in(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    event = await _event(request)
    if event is None:
        return not_found(request, viewer)
    here = panel_url(request, f"/events/{event.id}")
    form = await request.form()
    await search_ready(request, services)
    found = await PanelEvents(services.db).find_people(str(form.get("who", ""))[:100], limit=2)
    if services.clock() < event.starts_at or len(found) != 1:
        return RedirectResponse(here + "?problem=walk_in", status_code=303)
    typed = str(form.get("hours", "")).strip()
    hours = _hours(typed) if typed else event.hours
    if hours is None:
        return RedirectResponse(here + "?problem=hours", status_code=303)
    if await PanelEvents(services.db).walk_in(event.id, found[0], hours, viewer.telegram_id, services.clock()):
        await audit(
            context_for(request, viewer),
            viewer.telegram_id,
            "event.attendance",
            f"event:{event.id}",
            person=found[0],
            attended=True,
            walk_in=True,
            via="panel",
        )
    return RedirectResponse(here + "?done=1", status_code=303)


@coordinators_only
async def attendance_pdf(request: Request, viewer: Viewer) -> Response:
    """The list to sign on the day: everyone with a seat, numbered, with a line to sign on."""
    from bot.i18n import translator
    from bot.pdf import render_pdf

    services = services_of(request)
    event = await _event(request)
    if event is None:
        return not_found(request, viewer)
    t = translator("pl", services.settings.timezone)  # the grant's paperwork is in Polish
    seated = [p for p in await services.events.registrants(event.id) if p.status == Seat.REGISTERED]
    names = await services.people.named(p.telegram_id for p in seated)
    programme = services.org.programme.name.get("pl")
    lines = [
        "LISTA OBECNOŚCI",
        f"§ {event.title}",
        f"{programme} · {t.datetime(event.starts_at, 'd.MM.y, HH:mm')}–{t.time(event.ends_at)} · {event.place or ''}",
    ]
    ordered = sorted(seated, key=lambda p: names[p.telegram_id].name.lower())
    rows = [["Lp.", "Imię i nazwisko", "Podpis"]]
    rows += [[f"{n}.", names[p.telegram_id].name, ""] for n, p in enumerate(ordered, start=1)]
    rows += [[f"{n}.", "", ""] for n in range(len(seated) + 1, len(seated) + 6)]  # walk-ins write in
    now = services.clock()
    pdf = render_pdf(
        "\n".join(lines),
        title=f"Lista obecności: {event.title}",
        footer=f"{services.org.organisation.name} · {t.datetime(now, 'd.MM.y, HH:mm')}",
        created=now,
        table=rows,
        widths=(12, 80, 78),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="lista-obecnosci-{event.id}.pdf"'},
    )
