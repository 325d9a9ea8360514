"""The panel's people and hours: the team directory (agreement, plan, hours this month and in all,
last activity; search; pages by key), one person's page with what coordinators may see, and the
confirmed hours of everyone for a period as a table and an Excel-friendly CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import Translator
from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import not_found, panel_url, render
from handlers.agreement_text import state_name
from handlers.panel_applications import YEARS, search_ready
from handlers.plan_text import STATUS_NAMES as PLAN_NAMES
from storage.agreements import State
from storage.application_table import search_expression
from storage.team_directory import Member, TeamDirectory

PAGE_SIZE = 25
REPORT_ROWS = 200  # on the page; the CSV has everyone


def directory(services) -> TeamDirectory:
    counties = services.answer_fields().counties
    return TeamDirectory(services.db, counties[0] if counties else None)


def month_start(t: Translator, now: datetime) -> datetime:
    local = t.local(now)
    return datetime.combine(local.date().replace(day=1), time(0), t.tz)


def _hours(t: Translator, value: float) -> str:
    return t.number(round(value, 1))


def _row(request: Request, t: Translator, services, member: Member) -> dict:
    return {
        "href": panel_url(request, f"/people/{member.telegram_id}"),
        "name": member.name or str(member.telegram_id),
        "county": services.org.county_names.get(member.county or "", member.county or "—"),
        "agreement": state_name(t, State(member.agreement), staff=True) if member.agreement else "—",
        "plan": t.gettext(PLAN_NAMES[member.plan]) if member.plan in PLAN_NAMES else "—",
        "month": _hours(t, member.hours_month),
        "total": _hours(t, member.hours_total),
        "seen": t.datetime(member.last_seen, "d.MM.y") if member.last_seen else "—",
    }


def _texts(t: Translator) -> dict[str, str]:
    return {
        "search": t.gettext("Name, e-mail or phone"),
        "show": t.gettext("Show"),
        "caption": t.gettext("Team members, the latest to join first"),
        "name": t.gettext("Name"),
        "county": t.gettext("County"),
        "agreement": t.gettext("Agreement"),
        "plan": t.gettext("Development plan"),
        "month": t.gettext("Hours this month"),
        "total": t.gettext("Hours in all"),
        "seen": t.gettext("Last activity"),
        "empty": t.gettext("Nobody here."),
        "pages": t.gettext("Pages"),
        "first": t.gettext("« First"),
        "previous": t.gettext("‹ Previous"),
        "next": t.gettext("Next ›"),
        "last": t.gettext("Last »"),
        "hours_link": t.gettext("The hours of everyone for a period"),
    }


def _anchor(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 12 else None


@coordinators_only
async def people(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    t = viewer.t
    await search_ready(request, services)
    search = " ".join(request.query_params.get("q", "").split())[:100]
    if search and search_expression(search) is None:
        search = ""
    start = month_start(t, services.clock())
    page = await directory(services).page(
        PAGE_SIZE,
        start,
        search=search,
        after=_anchor(request, "after"),
        before=_anchor(request, "before"),
        last=request.query_params.get("last") == "1",
    )
    base = panel_url(request, "/people?") + (f"{urlencode({'q': search})}&" if search else "")
    rows = page.rows
    return render(
        request,
        "people.html",
        t,
        viewer,
        title=t.gettext("Team members"),
        rows=[_row(request, t, services, m) for m in rows],
        search=search,
        hours_href=panel_url(request, "/hours"),
        paging={
            "first": base if page.earlier else None,
            "previous": f"{base}before={rows[0].application_id}" if page.earlier and rows else None,
            "next": f"{base}after={rows[-1].application_id}" if page.later and rows else None,
            "last": f"{base}last=1" if page.later else None,
        },
        ui_people=_texts(t),
    )


@coordinators_only
async def person(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    t = viewer.t
    raw = request.path_params["telegram_id"]
    telegram_id = int(raw) if raw.lstrip("-").isdecimal() and len(raw) < 16 else None
    team = directory(services)
    now = services.clock()
    member = await team.member(telegram_id, month_start(t, now)) if telegram_id is not None else None
    if member is None:
        return not_found(request, viewer)
    people_ = await services.people.named([telegram_id])
    found = people_.get(telegram_id)
    user = await services.users.get(telegram_id)
    types = {e.id: e.label.get(t.locale) for e in services.org.event_types}
    events = await team.events_of(telegram_id)
    months = await team.hours_by_month(telegram_id, month_start(t, now - timedelta(days=366)), t.tz)
    row = _row(request, t, services, member)
    telegram = (user.full_name if user else "—") + (f" (@{user.username})" if user and user.username else "")
    return render(
        request,
        "person.html",
        t,
        viewer,
        title=member.name or str(telegram_id),
        facts=[
            (t.gettext("Telegram"), telegram),
            (t.gettext("E-mail"), found.email if found and found.email else "—"),
            (t.gettext("Phone"), found.phone if found and found.phone else "—"),
            (t.gettext("County"), row["county"]),
            (t.gettext("Agreement"), row["agreement"]),
            (t.gettext("Development plan"), row["plan"]),
            (t.gettext("Hours this month"), row["month"]),
            (t.gettext("Hours in all"), row["total"]),
            (t.gettext("Last activity"), row["seen"]),
        ],
        application=panel_url(request, f"/applications/{member.application_id}?status="),
        months=[(t.date(date.fromisoformat(k + "-01"), "LLLL y"), _hours(t, v)) for k, v in months],
        events=[
            {
                "when": t.datetime(starts, "d.MM.y, HH:mm"),
                "kind": types.get(kind, kind),
                "title": title,
                "attended": t.gettext("present")
                if attendance == "attended"
                else t.gettext("absent")
                if attendance == "absent"
                else "—",
                "signup": t.gettext("cancelled")
                if status == "cancelled"
                else t.gettext("waiting list")
                if status == "waitlisted"
                else t.gettext("signed up"),
            }
            for _, kind, title, starts, status, attendance in events
        ],
        ui_person={
            "open_application": t.gettext("The application"),
            "months": t.gettext("Hours confirmed per month"),
            "events": t.gettext("Events"),
            "when": t.gettext("When"),
            "kind": t.gettext("Kind of event"),
            "event": t.gettext("Event"),
            "signup": t.gettext("Sign-up"),
            "attended": t.gettext("Attendance"),
            "month": t.gettext("Month"),
            "hours": t.gettext("Hours"),
            "none": t.gettext("Nothing here."),
        },
    )


def _period(request: Request, t: Translator, now: datetime) -> tuple[date, date]:
    """The days asked for (from, until: YYYY-MM-DD, both included), else this month so far."""

    def day(name: str) -> date | None:
        try:
            found = date.fromisoformat(request.query_params.get(name, ""))
        except ValueError:
            return None
        return found if found.year in YEARS else None

    today = t.local(now).date()
    first = day("from") or today.replace(day=1)
    until = day("until") or today
    return (first, until) if first <= until else (until, first)


async def _report(request: Request, t: Translator):
    services = services_of(request)
    first, until = _period(request, t, services.clock())
    start = datetime.combine(first, time(0), t.tz)
    end = datetime.combine(until + timedelta(days=1), time(0), t.tz)
    rows = await directory(services).hours_report(start, end)
    return first, until, rows


@coordinators_only
async def hours(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    first, until, rows = await _report(request, t)
    shown = rows[:REPORT_ROWS]
    names = await services.people.named(r.telegram_id for r in shown)
    query = f"from={first.isoformat()}&until={until.isoformat()}"
    return render(
        request,
        "hours.html",
        t,
        viewer,
        title=t.gettext("Hours confirmed"),
        first=first.isoformat(),
        until=until.isoformat(),
        rows=[
            {
                "href": panel_url(request, f"/people/{r.telegram_id}"),
                "name": names[r.telegram_id].name if r.telegram_id in names else str(r.telegram_id),
                "events": _hours(t, r.events),
                "support": _hours(t, r.support),
                "total": _hours(t, r.total),
                "count": r.event_count,
            }
            for r in shown
        ],
        more=len(rows) - len(shown),
        together=_hours(t, sum(r.total for r in rows)),
        people_count=len(rows),
        csv=panel_url(request, f"/hours.csv?{query}"),
        ui_hours={
            "from": t.gettext("From"),
            "until": t.gettext("Until"),
            "show": t.gettext("Show"),
            "caption": t.gettext("Confirmed hours in the period, the most first"),
            "name": t.gettext("Name"),
            "events": t.gettext("At events"),
            "support": t.gettext("Support work"),
            "total": t.gettext("Together"),
            "count": t.gettext("Events"),
            "csv": t.gettext("CSV file"),
            "empty": t.gettext("Nothing in this period."),
            "more": t.gettext("More people in the CSV file:"),
            "summary": t.gettext("Together: %(hours)s h, people: %(people)s"),
        },
    )


@coordinators_only
async def hours_csv(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    first, until, rows = await _report(request, t)
    names = await services.people.named(r.telegram_id for r in rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)  # whole cells in any locale
    writer.writerow(
        [
            t.gettext("Name"),
            t.gettext("E-mail"),
            t.gettext("At events"),
            t.gettext("Support work"),
            t.gettext("Together"),
            t.gettext("Events"),
        ]
    )
    for r in rows:
        found = names.get(r.telegram_id)
        name = found.name if found else str(r.telegram_id)
        email = (found.email if found else "") or ""
        writer.writerow(
            [_cell(name), _cell(email), _hours(t, r.events), _hours(t, r.support), _hours(t, r.total), r.event_count]
        )
    await services.audit.record(
        viewer.telegram_id, "hours.exported", None, services.clock(), period=f"{first}/{until}", count=len(rows)
    )
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="godziny-{first}-{until}.csv"'},
    )


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in Excel
