"""What the matching handlers share: a request read as the rule's `Need`, the candidates' facts,
the reasons of a fit in words, and the request as an invited expert sees it (never the
organisation's contact details: those come with the assignment)."""

from __future__ import annotations

from datetime import datetime

from bot.buttons.matching import ExpertPress
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.matching_settings import availability_field
from bot.replies import keyboard
from handlers.partner_common import request_lines
from storage import matching
from storage.hours_rules import Month
from storage.matching import Candidate, ChoiceFields, Fit, Need, Reason
from storage.support_requests import SupportRequest

# A contact person of the organisation that asked confirms its work: never its expert.
OWN_REQUEST = N_("This request is from an organisation you are a contact person of: another expert will take it.")
INVITATION_STATE = {
    "waiting": N_("⏳ no answer yet"),
    "accepted": N_("✅ I'll take it"),
    "declined": N_("🙅 not this time"),
    "withdrawn": N_("↩️ withdrawn"),
    "closed": N_("closed"),
}


def choice_fields(services) -> ChoiceFields:
    form = services.org.form
    return ChoiceFields(
        county=tuple(f.id for f in form if f.choices_from == "counties"),
        competences=tuple(f.id for f in form if f.choices_from == "competence_areas"),
        availability=availability_field(services.org),
    )


def month_bounds(services) -> tuple[datetime, datetime]:
    tz = services.settings.tz
    return Month.of(services.clock().astimezone(tz).date()).bounds(tz)


def need_of(services, request: SupportRequest) -> Need:
    answers = request.answers
    county = answers.get("county") if isinstance(answers.get("county"), str) else None
    return Need(
        competences=frozenset(answers.get("competences") or []),
        county=county,
        online=answers.get("mode") == "online",
        neighbours=services.org.neighbours_of(county) if county else frozenset(),
        hours=float(answers.get("hours") or 0),
    )


async def all_candidates(services) -> list[Candidate]:
    return await matching.candidates(services.db, choice_fields(services), *month_bounds(services))


async def one_candidate(services, telegram_id: int) -> Candidate | None:
    """The person's facts while they may be matched (team member, active agreement), else None."""
    return await matching.candidate(services.db, choice_fields(services), telegram_id, *month_bounds(services))


def rank(services, request: SupportRequest, candidates: list[Candidate]) -> list[Fit]:
    return matching.rank(need_of(services, request), candidates, services.org.matching.availability_hours)


def fit_one(services, request: SupportRequest, candidate: Candidate) -> Fit:
    return matching.fit(need_of(services, request), candidate, services.org.matching.availability_hours)


def reasons_text(services, t: Translator, found: Fit) -> str:
    areas = {c.id: c.label.get(t.locale) for c in services.org.competence_areas}
    county = found.candidate.county
    county_name = services.org.county_names.get(county or "", county or "—")
    parts = []
    for reason, detail in found.reasons:
        named = ", ".join(areas.get(a, a) for a in detail.split(",") if a)
        if reason == Reason.COMPETENCE:
            parts.append(t.gettext("✅ areas: %(areas)s", areas=named))
        elif reason == Reason.PLAN:
            parts.append(t.gettext("📘 in the development plan: %(areas)s", areas=named))
        elif reason == Reason.SAME_COUNTY:
            parts.append(t.gettext("📍 the same county"))
        elif reason == Reason.NEIGHBOUR:
            parts.append(t.gettext("📍 a neighbouring county (%(county)s)", county=county_name))
        elif reason == Reason.ONLINE:
            parts.append(t.gettext("💻 online"))
        elif reason == Reason.FAR:
            parts.append(t.gettext("📍 another county (%(county)s)", county=county_name))
        elif reason == Reason.HAS_TIME:
            parts.append(t.gettext("⏳ %(hours)s h free this month", hours=detail))
        elif reason == Reason.SOME_TIME:
            parts.append(t.gettext("⏳ only %(hours)s h free this month", hours=detail))
        elif reason == Reason.NO_TIME:
            parts.append(t.gettext("⛔ declared availability used up this month"))
        elif reason == Reason.NO_AVAILABILITY:
            parts.append(t.gettext("⏳ availability not declared"))
        elif reason == Reason.LOAD:
            count = int(detail)
            parts.append(t.ngettext("%(count)d open assignment", "%(count)d open assignments", count))
    confirmed = format(found.candidate.month_hours, "g")
    parts.append(t.gettext("%(hours)s h confirmed this month", hours=confirmed))
    return " · ".join(parts)


def invitation_message(context: BotContext, request: SupportRequest, organisation_name: str, reminder: bool):
    """compose(t) of the invitation an expert gets: the request, no contact details, two buttons."""

    def compose(ct: Translator):
        head = (
            ct._("🔔 <b>A reminder: the coordinators are waiting for your answer</b>")
            if reminder
            else ct._("📨 <b>You are invited to a request for support</b>")
        )
        lines = [
            head,
            ct._(
                "The coordinators think you would fit it. The organisation's contact details come once you "
                "are assigned."
            ),
            "",
            *request_lines(context, request, None, ct),
            "",
            ct._("Organisation: %(name)s", name=organisation_name),
        ]
        markup = keyboard(
            [
                [
                    (ct.gettext("✅ I'll take it"), ExpertPress(act="y", ref=request.id).pack()),
                    (ct.gettext("🙅 Not this time"), ExpertPress(act="n", ref=request.id).pack()),
                ]
            ]
        )
        return "\n".join(str(x) for x in lines)[:4000], markup

    return compose
