"""The panel's applications: the table (filters, search, order, pages by key) and one application
with all its answers and its history. The decisions are in handlers/panel_decisions.py.

Web pages, not chat handlers: each parses the request, reads through the repositories the chat
uses, and renders a template of bot/web/templates with texts translated here."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.forms import display
from bot.i18n import Translator, translator
from bot.organisation import FieldType
from bot.web.auth import Viewer, coordinators_only, services_of
from bot.web.server import not_found, panel_url, render
from handlers import panel_texts
from handlers.application_text import ACTION_NAMES, STATUS_GROUPS, STATUS_NAMES, _note
from storage.application_model import OPEN, REVIEW_ORDER, Status
from storage.application_notes import ApplicationNotes, ReasonTemplates
from storage.application_table import (
    FILL_BATCH,
    SEARCH_MINIMUM,
    ApplicationTable,
    Filters,
    fill_search_index,
    index_search_fields,
    search_expression,
)
from storage.consents import optional

PAGE_SIZE = 25
NAME_FIELD = "full_name"
# Filter parameters carried from the table to an application and back.
FILTER_KEYS = ("status", "county", "competence", "consent", "from", "until", "q", "order")


async def search_ready(request: Request, services) -> None:
    """The search index covers the form's name, e-mail and phone questions. When they are new to it
    (the first use after the upgrade, or a changed form), it is filled in the background, a batch at
    a time: searches meanwhile find what is indexed so far."""
    state = request.app.state
    if getattr(state, "search_ready", False):
        return
    state.search_ready = True
    form = services.org.form
    wanted = {f.id: "name" for f in form if f.id == NAME_FIELD}
    wanted.update({f.id: f.type.value for f in form if f.type in (FieldType.EMAIL, FieldType.PHONE)})
    if await index_search_fields(services.db, wanted):
        row = await services.db.fetch_one("SELECT COALESCE(MAX(id), 0) FROM applications")
        if row[0] < FILL_BATCH:  # one short batch: at once
            await fill_search_index(services.db)
        else:
            state.search_fill = asyncio.create_task(fill_search_index(services.db))


def table_of(services) -> ApplicationTable:
    fields = services.answer_fields()
    return ApplicationTable(services.db, fields.counties, fields.competences)


YEARS = range(1900, 3000)  # a date far outside overflows when converted to UTC (an error page)


def _day(value: str, t: Translator) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time(0), t.tz) if day.year in YEARS else None


def filters_from(request: Request, services, t: Translator) -> tuple[Filters, dict[str, str | list[str]], list[str]]:
    """The table's filters from the query string, what the form shows again, and the problems."""
    query = request.query_params
    problems = []
    status_value = query.get("status", Status.SUBMITTED.value if "status" not in query else "")
    status = Status(status_value) if status_value in {s.value for s in REVIEW_ORDER} else None
    county = query.get("county") or None
    if county not in services.org.county_names:
        county = None
    areas = {c.id for c in services.org.competence_areas}
    competences = tuple(c for c in query.getlist("competence") if c in areas)
    consent = query.get("consent") or None
    if consent not in {c.id for c in services.org.consents}:
        consent = None
    sent_from = _day(query.get("from", ""), t) if query.get("from") else None
    sent_until = _day(query.get("until", ""), t) if query.get("until") else None
    if (query.get("from") and sent_from is None) or (query.get("until") and sent_until is None):
        problems.append(t.gettext("A date was not understood and is not used; choose it in the calendar."))
    search = " ".join(query.get("q", "").split())[:100]
    if search and search_expression(search) is None:
        problems.append(
            t.ungettext(
                "Type at least %(count)d character to search.",
                "Type at least %(count)d characters to search.",
                SEARCH_MINIMUM,
            )
        )
        search = ""
    filters = Filters(
        status=status,
        county=county,
        competences=competences,
        sent_from=sent_from,
        sent_until=sent_until + timedelta(days=1) if sent_until else None,
        search=search,
        newest_first=query.get("order") == "newest",
        consent=optional(consent) if consent else None,
    )
    shown = {
        "status": status.value if status else "",
        "county": county or "",
        "competence": list(competences),
        "consent": consent or "",
        "from": query.get("from", "") if sent_from else "",
        "until": query.get("until", "") if sent_until else "",
        "q": search,
        "order": "newest" if filters.newest_first else "oldest",
    }
    return filters, shown, problems


def query_string(shown: dict, **extra) -> str:
    pairs = []
    for key in FILTER_KEYS:
        value = shown.get(key)
        for item in value if isinstance(value, list) else [value]:
            if item or (key == "status" and item == ""):
                pairs.append((key, item))
    pairs += [(k, v) for k, v in extra.items() if v is not None]
    return urlencode(pairs)


def table_url(request: Request) -> str:
    """The table with the filters this request carries (in its query string)."""
    services = services_of(request)
    _, shown, _ = filters_from(request, services, translator(services.settings.default_locale))
    return panel_url(request, "/applications?" + query_string(shown))


def _choice_label(services, t: Translator, fields: tuple[str, ...], value) -> str:
    form = {f.id: f for f in services.org.form}
    for field_id in fields:
        if field_id in form and value is not None:
            return display(services.org, form[field_id], value, t)
    return ""


@coordinators_only
async def table(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    t = viewer.t
    await search_ready(request, services)
    filters, shown, problems = filters_from(request, services, t)
    query = request.query_params
    bulk_problem = {
        "bulk": t.gettext("Tick at least one application, then choose what to do."),
        "bulk_reason": t.gettext("Write the reason (up to 1000 characters): it is sent to the volunteer."),
    }.get(query.get("problem", ""))
    if bulk_problem:
        problems.append(bulk_problem)

    def anchor(name: str) -> int | None:
        value = query.get(name, "")
        return int(value) if value.isdecimal() and len(value) < 12 else None

    fields = services.answer_fields()
    listed = (NAME_FIELD, *fields.counties[:1], *fields.competences[:1])
    page = await table_of(services).page(
        filters, PAGE_SIZE, listed, after=anchor("after"), before=anchor("before"), last=query.get("last") == "1"
    )
    rows = []
    for row in page.rows:
        rows.append(
            {
                "id": row.id,
                "name": row.answers.get(NAME_FIELD) or str(row.telegram_id),
                "status": t.gettext(STATUS_GROUPS[row.status]),
                "county": _choice_label(services, t, fields.counties[:1], row.answers.get(fields.counties[0]))
                if fields.counties
                else "",
                "competences": _choice_label(
                    services, t, fields.competences[:1], row.answers.get(fields.competences[0])
                )
                if fields.competences
                else "",
                "sent": t.datetime(row.submitted_at, "d.MM.y, HH:mm"),
                "open": row.status in OPEN,
                "href": panel_url(request, f"/applications/{row.id}?{query_string(shown)}"),
            }
        )
    base = panel_url(request, "/applications?")
    paging = {
        "first": base + query_string(shown) if page.earlier else None,
        "previous": base + query_string(shown, before=page.rows[0].id) if page.earlier and page.rows else None,
        "next": base + query_string(shown, after=page.rows[-1].id) if page.later and page.rows else None,
        "last": base + query_string(shown, last="1") if page.later else None,
    }
    return render(
        request,
        "applications.html",
        t,
        viewer,
        title=t.gettext("Applications"),
        rows=rows,
        shown=shown,
        problems=problems,
        paging=paging,
        bulk_action=panel_url(request, "/applications/bulk?" + query_string(shown)),
        templates=await ReasonTemplates(services.db).all(),
        options={
            "status": [("", t.gettext("All"))] + [(s.value, t.gettext(STATUS_GROUPS[s])) for s in REVIEW_ORDER],
            "county": [("", t.gettext("All")), *sorted(services.org.county_names.items(), key=lambda c: c[1])],
            "competence": [(c.id, c.label.get(t.locale)) for c in services.org.competence_areas],
            "order": [("oldest", t.gettext("Oldest first")), ("newest", t.gettext("Newest first"))],
            "consent": [("", t.gettext("All"))]
            + [(c.id, (c.label or c.text).get(t.locale)) for c in services.org.consents],
        },
        ui_table=panel_texts.table_texts(t),
    )


# ---- one application ---------------------------------------------------------------------------
async def next_open(services, application_id: int, filters: Filters) -> int | None:
    """The application after this one in the table the coordinator came from, else the first of
    it (skipping this one): "Next application" after a decision."""
    table_ = table_of(services)
    page = await table_.page(filters, 1, (), after=application_id)
    if page.rows:
        return page.rows[0].id
    first = await table_.page(filters, 2, ())
    return next((r.id for r in first.rows if r.id != application_id), None)


@coordinators_only
async def application(request: Request, viewer: Viewer) -> Response:
    services = services_of(request)
    t = viewer.t
    raw = request.path_params["application_id"]
    found = await services.applications.get(int(raw)) if raw.isdecimal() and len(raw) < 12 else None
    if found is None or found.status == Status.DRAFT:
        return not_found(request, viewer)
    filters, shown, _ = filters_from(request, services, t)
    answers = await services.applications.answers(found.id)
    history = await services.applications.history(found.id)
    people = await services.people.named({found.telegram_id, *(h.actor_id for h in history if h.actor_id)})
    user = await services.users.get(found.telegram_id)
    org = services.org
    following = await next_open(services, found.id, filters)
    notes = await ApplicationNotes(services.db).of(found.id)
    authors = await services.people.named({n.author_id for n in notes})
    qs = query_string(shown)
    done = request.query_params.get("done")
    return render(
        request,
        "application.html",
        t,
        viewer,
        title=t.gettext("Application #%(id)d", id=found.id),
        application=found,
        status_text=t.gettext(STATUS_NAMES[found.status]),
        telegram=(user.full_name if user else str(found.telegram_id))
        + (f" (@{user.username})" if user and user.username else ""),
        answers=[
            (
                f.label.get(t.locale),
                display(org, f, answers[f.id], t) if f.id in answers else t.gettext("— (no answer)"),
                None if f.must_be_yes else panel_url(request, f"/applications/{found.id}/fix/{f.id}?{qs}"),
            )
            for f in org.form
        ],
        history=[
            {
                "when": t.datetime(h.at, "d.MM.y, HH:mm"),
                "action": t.gettext(ACTION_NAMES[h.action]),
                "who": people[h.actor_id].name if h.actor_id in people else "—",
                "note": _note(h, t, org),
            }
            for h in history
        ],
        notes=[
            {
                "when": t.datetime(n.at, "d.MM.y, HH:mm"),
                "who": authors[n.author_id].name if n.author_id in authors else "—",
                "text": n.text,
            }
            for n in notes
        ],
        note_action=panel_url(request, f"/applications/{found.id}/notes?{qs}"),
        templates=await ReasonTemplates(services.db).all() if found.status in OPEN else [],
        can_decide=found.status in OPEN,
        can_ask=found.status == Status.SUBMITTED,
        done=panel_texts.done_text(t, done, found.id),
        problem=panel_texts.problem_text(t, request.query_params.get("problem")),
        back=panel_url(request, "/applications?" + qs),
        next_href=panel_url(request, f"/applications/{following}?{qs}") if following else None,
        action=panel_url(request, f"/applications/{found.id}/decide?{qs}"),
        ui_app=panel_texts.application_texts(t),
    )
