"""What the volunteer and the coordinator both see of a development plan: its status, its lines,
the volunteer's name and the PDF; and how a plan begins (from what the application said)."""

from __future__ import annotations

from markupsafe import Markup
from telegram import InputFile

from bot.agreement_facts import today, volunteer_of
from bot.context import BotContext
from bot.i18n import N_, Translator, html_escape
from bot.pdf import file_slug, render_pdf
from handlers.agreement_text import polish
from storage.applications import Status
from storage.plans import COMMUNITIES_LIMIT, MAX_GOALS, Plan, PlanContent, PlanStatus

STATUS_NAMES = {
    PlanStatus.DRAFT: N_("draft, not sent to the coordinator yet"),
    PlanStatus.SUBMITTED: N_("sent, waiting for the coordinator"),
    PlanStatus.APPROVED: N_("approved by the coordinator"),
    PlanStatus.CHANGES_REQUESTED: N_("the coordinator asks for changes"),
}


async def eligible(context: BotContext, user_id: int) -> bool:
    """The plan is agreed after acceptance to the team."""
    application = await context.services.applications.latest(user_id)
    if application is not None and application.status == Status.ACCEPTED:
        return True
    return bool(await context.services.agreements.for_volunteer(user_id))


async def plan_for(context: BotContext, user_id: int) -> Plan:
    """The volunteer's plan, begun from what the application said."""
    services = context.services
    existing = await services.plans.of(user_id)
    if existing is not None:
        return existing
    application = await services.applications.latest(user_id)
    answers = await services.applications.answers(application.id) if application else {}
    topics = [t for t in answers.get("development") or [] if isinstance(t, str)]
    areas = [a for a in answers.get("competences") or [] if isinstance(a, str)]
    communities = answers.get("communities") if isinstance(answers.get("communities"), str) else ""
    start = PlanContent([f"topic:{t}" for t in topics], areas, communities[:COMMUNITIES_LIMIT], [])
    return await services.plans.ensure(user_id, start, services.clock())


async def training_labels(context: BotContext, items: list[str], locale: str) -> dict[str, str]:
    org = context.services.org
    topics = {c.id: c.label.get(locale) for c in org.development_topics}
    event_ids = [int(i.split(":", 1)[1]) for i in items if i.startswith("event:") and i.split(":", 1)[1].isdecimal()]
    events = await context.services.plans.trainings_by_id(event_ids)
    labels = {}
    for item in items:
        kind, _, ref = item.partition(":")
        if kind == "topic":
            labels[item] = topics.get(ref, ref)
        elif kind == "event" and ref.isdecimal() and int(ref) in events:
            training = events[int(ref)]
            labels[item] = f"{training.title} ({training.starts_at.date().strftime('%d.%m.%Y')})"
        else:
            labels[item] = item
    return labels


async def plan_lines(context: BotContext, plan: Plan, t: Translator, *, document: bool = False) -> list[str]:
    org = context.services.org
    content = plan.content
    done = await context.services.plans.completed(plan.id, plan.telegram_id)
    labels = await training_labels(context, content.trainings, t.locale)
    areas = {c.id: c.label.get(t.locale) for c in org.competence_areas}

    def training(item: str) -> str:
        if not document:
            return ("✅ " if item in done else "▫️ ") + html_escape(labels[item])
        # The PDF's font has no ✅ or ▫️: the state in words, which any font and any reader has.
        if item in done:
            return t._("• %(training)s — completed", training=labels[item])
        return t._("• %(training)s — planned", training=labels[item])

    lines = [t._("<b>Trainings</b>")]
    lines += [training(item) for item in content.trainings] or [t._("— none chosen yet")]
    lines += ["", t._("<b>Areas of activity</b>")]
    lines.append(
        html_escape(", ".join(areas.get(a, a) for a in content.areas)) if content.areas else t._("— none chosen yet")
    )
    lines += ["", t._("<b>Organisations and communities I will support</b>")]
    lines.append(html_escape(content.communities) if content.communities else t._("— not given yet"))
    lines += ["", t._("<b>Goals</b>")]
    lines += [html_escape(f"{i}. {goal}") for i, goal in enumerate(content.goals, 1)] or [t._("— no goals yet")]
    return [str(line) for line in lines]


def missing_parts(content: PlanContent) -> list[str]:
    missing = []
    if not content.trainings:
        missing.append(N_("at least one training"))
    if not content.areas:
        missing.append(N_("at least one area of activity"))
    if not content.communities:
        missing.append(N_("the organisations or communities you will support"))
    if not 1 <= len(content.goals) <= MAX_GOALS:
        missing.append(N_("one to three goals"))
    return missing


async def volunteer_name(context: BotContext, telegram_id: int) -> str:
    application = await context.services.applications.latest(telegram_id)
    return (await volunteer_of(context.services, telegram_id, application.id if application else None)).name


async def plan_pdf_file(context: BotContext, plan: Plan) -> InputFile:
    services = context.services
    pl = polish(services)
    name = await volunteer_name(context, plan.telegram_id)
    lines = [
        pl.gettext("INDIVIDUAL DEVELOPMENT PLAN FOR EXPERT VOLUNTEERING"),
        "",
        pl.gettext("Volunteer: %(name)s", name=name),
        pl.gettext("Programme: %(programme)s", programme=services.org.programme.name.get("pl")),
        pl.gettext("Status: %(status)s", status=pl.gettext(STATUS_NAMES[plan.status])),
        "",
    ]
    # The same sections as in chat, as plain text.
    for line in await plan_lines(context, plan, pl, document=True):
        plain = Markup(line).striptags()
        lines.append(("§ " + plain) if line.startswith("<b>") else plain)
    text = "\n".join(lines) + "\n"
    footer = pl.gettext("Development plan · version %(version)d", version=plan.version)
    return InputFile(
        render_pdf(text, title=pl.gettext("Development plan"), footer=footer, created=services.clock()),
        filename="-".join(filter(None, ["plan-rozwoju", file_slug(name), today(services).isoformat()])) + ".pdf",
    )
