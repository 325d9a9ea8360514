"""The programme at a glance in the panel: applications by status over time, team members by
county, events with sign-ups and attendance, confirmed hours per month — each as a chart (SVG drawn
on the server: no script, no outside library), as a table and as a CSV, and the whole as a PDF
report in Polish for a chosen period of months (storage/dashboard.py reads the figures)."""

from __future__ import annotations

import csv
import io
from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import Translator, translator
from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import not_found, panel_url, render
from handlers import panel_charts
from handlers.application_text import STATUS_GROUPS
from handlers.panel_applications import YEARS
from storage.application_model import Status
from storage.dashboard import STATUSES, Dashboard, Figures

LONGEST = 36  # months in one view or report


def _month(value: str) -> date | None:
    try:
        year, month = value.split("-")
        found = date(int(year), int(month), 1)
    except ValueError:
        return None
    return found if found.year in YEARS else None  # the period's arithmetic stays within dates


def period(request: Request, t: Translator) -> tuple[date, date]:
    """The months asked for (from=YYYY-MM, until=YYYY-MM), else the last twelve, this one included."""
    today = t.local(services_of(request).clock()).date()
    until = _month(request.query_params.get("until", "")) or today.replace(day=1)
    default_from = (
        date(until.year - 1, until.month, 1) if until.month == 12 else date(until.year - 1, until.month + 1, 1)
    )
    first = _month(request.query_params.get("from", "")) or default_from
    if first > until:
        first, until = until, first
    if (until.year - first.year) * 12 + until.month - first.month >= LONGEST:
        first = date(until.year - (LONGEST - 1) // 12, until.month, 1)
    return first, until


async def figures_for(request: Request, first: date, until: date) -> Figures:
    services = services_of(request)
    dashboard = Dashboard(services.db, services.settings.tz, services.answer_fields().counties)
    return await dashboard.figures(first, until)


def tables(figures: Figures, t: Translator, org) -> dict[str, tuple[list[str], list[list]]]:
    """Each chart's figures as a table: (header, rows); the page, the CSV and the PDF show these."""
    month_name = {key: t.date(date.fromisoformat(key + "-01"), "LLLL y") for key in figures.months}
    status_names = [t.gettext(STATUS_GROUPS[Status(s)]) for s in STATUSES]
    counties = org.county_names
    types = {e.id: e.label.get(t.locale) for e in org.event_types}
    return {
        "applications": (
            [t.gettext("Month"), *status_names, t.gettext("Together")],
            [
                [month_name[k], *(figures.applications[k][s] for s in STATUSES), sum(figures.applications[k].values())]
                for k in figures.months
            ],
        ),
        "counties": (
            [t.gettext("County"), t.gettext("Team members")],
            [[counties.get(c, c), n] for c, n in figures.team_by_county],
        ),
        "events": (
            [t.gettext("Kind of event"), t.gettext("Events"), t.gettext("Places taken"), t.gettext("Attended")],
            [[types.get(k, k), n, taken, came] for k, n, taken, came in figures.events],
        ),
        "hours": (
            [t.gettext("Month"), t.gettext("Hours confirmed"), t.gettext("People")],
            [[month_name[k], t.number(round(figures.hours[k][0], 1)), figures.hours[k][1]] for k in figures.months],
        ),
    }


def titles(t: Translator) -> dict[str, str]:
    return {
        "applications": t.gettext("Applications by the month they were sent, by status now"),
        "counties": t.gettext("Team members by county"),
        "events": t.gettext("Events, places taken and attendance"),
        "hours": t.gettext("Hours confirmed per month"),
    }


@coordinators_only
async def page(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    services = services_of(request)
    first, until = period(request, t)
    figures = await figures_for(request, first, until)
    shown = tables(figures, t, services.org)
    query = f"from={first:%Y-%m}&until={until:%Y-%m}"
    charts = panel_charts.charts(figures, shown, t)
    return render(
        request,
        "dashboard.html",
        t,
        viewer,
        title=t.gettext("The programme at a glance"),
        first=f"{first:%Y-%m}",
        until=f"{until:%Y-%m}",
        period=f"{t.date(first, 'LLLL y')} – {t.date(until, 'LLLL y')}",
        team_total=t.ungettext("%(count)d team member now", "%(count)d team members now", figures.team_total),
        sections=[
            {
                "id": name,
                "title": titles(t)[name],
                "chart": charts[name],
                "header": shown[name][0],
                "rows": shown[name][1],
                "csv": panel_url(request, f"/dashboard/{name}.csv?{query}"),
            }
            for name in ("applications", "counties", "events", "hours")
        ],
        report=panel_url(request, f"/dashboard/report.pdf?{query}"),
        ui_dash={
            "period": t.gettext("Period"),
            "from": t.gettext("From the month"),
            "until": t.gettext("To the month"),
            "show": t.gettext("Show"),
            "table": t.gettext("The figures as a table"),
            "csv": t.gettext("CSV file"),
            "report": t.gettext("The report as a PDF (in Polish)"),
            "empty": t.gettext("Nothing in this period."),
        },
    )


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in Excel


@coordinators_only
async def table_csv(request: Request, viewer: Viewer) -> Response:
    name = request.path_params["name"]
    t = viewer.t
    first, until = period(request, t)
    figures = await figures_for(request, first, until)
    shown = tables(figures, t, services_of(request).org)
    if name not in shown:
        return not_found(request, viewer)
    header, rows = shown[name]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)  # whole cells in any locale
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    filename = f"{name}-{first:%Y-%m}-{until:%Y-%m}.csv"
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM: Excel opens Polish letters right
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@coordinators_only
async def report(request: Request, viewer: Viewer) -> Response:
    """The whole dashboard as a PDF in Polish, with the programme's name, made on demand."""
    from bot.pdf import render_pdf

    services = services_of(request)
    t = translator("pl", services.settings.timezone)
    first, until = period(request, t)
    figures = await figures_for(request, first, until)
    shown = tables(figures, t, services.org)
    programme = services.org.programme.name.get("pl")
    lines = [programme.upper(), f"RAPORT: {t.date(first, 'LLLL y')} – {t.date(until, 'LLLL y')}".upper(), ""]
    lines.append(t.ungettext("%(count)d team member now", "%(count)d team members now", figures.team_total))
    for name, title in titles(t).items():
        header, rows = shown[name]
        lines += ["", f"§ {title}", " · ".join(header)]
        lines += [" · ".join(str(v) for v in row) for row in rows] or [t.gettext("Nothing in this period.")]
    now = services.clock()
    pdf = render_pdf(
        "\n".join(lines),
        title=f"{programme}: {t.gettext('The programme at a glance')}",
        footer=f"{services.org.organisation.name} · {t.datetime(now, 'd.MM.y, HH:mm')}",
        created=now,
    )
    await services.audit.record(
        viewer.telegram_id, "dashboard.report", None, now, period=f"{first:%Y-%m}/{until:%Y-%m}"
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="raport-{first:%Y-%m}-{until:%Y-%m}.pdf"'},
    )
