"""A request for support as a flow ("sr_new"): a contact person of a VERIFIED organisation answers
the request form of the organisation file (kind of support, competences, county, on site or
online, a time window, expected hours, a description), checks a summary and sends it. The
coordinators are told. The contact and the organisation's status are checked again on sending."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from telegram import Update

from bot.agreement_facts import today
from bot.buttons.organisations import RequestReview
from bot.context import BotContext
from bot.flow import Choice, End, Flow, FlowRun, Goto, Prompt, Step
from bot.forms import Problem
from bot.i18n import N_, NN_
from bot.sending import tell_coordinators
from handlers.common import alert, audit, keyboard
from handlers.partner_fields import answer_lines, field_step
from storage.organisations import Organisation, OrgStatus

NAME = "sr_new"


async def start_request(update: Update, context: BotContext, organisation: Organisation) -> None:
    """From "🙋 Ask for support" (the caller has checked the person is the organisation's contact)."""
    if organisation.status != OrgStatus.VERIFIED:
        await alert(update, context.t.gettext("Requests for support can be sent once the organisation is verified."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, NAME, {"org": organisation.id, "org_name": organisation.name})


async def _check_dates(run: FlowRun, step_id: str, value: str) -> Problem | None:
    """A window that has not passed, ends after it starts, and is not too far ahead."""
    chosen = date.fromisoformat(value)
    first = today(run.services)
    days = run.services.org.partners.request_horizon_days
    if chosen < first:
        return Problem(N_("This date has already passed. Please type a date from today on."))
    if chosen > first + timedelta(days=days):
        return Problem(
            *NN_(
                "That is too far ahead: at most %(count)d day from today.",
                "That is too far ahead: at most %(count)d days from today.",
            ),
            days,
        )
    start = run.answers.get("date_from")
    if step_id == "date_to" and start and chosen < date.fromisoformat(start):
        return Problem(
            N_("The end cannot be before the start (%(start)s)."),
            params={"start": run.t.date(date.fromisoformat(start), "d.MM.y")},
        )
    return None


def request_steps(settings, *, typed_only: bool = False) -> list[Step]:
    steps = []
    for form_field in settings.request_form:
        check = None
        if form_field.id in ("date_from", "date_to"):

            async def check(run: FlowRun, value: Any, step_id=form_field.id) -> Problem | None:
                return await _check_dates(run, step_id, value)

        steps.append(field_step(form_field, check=check, typed_only=typed_only))
    return steps


def _steps(run: FlowRun) -> list[Step]:
    settings = run.services.org.partners
    return request_steps(settings) if settings is not None else []


async def _summary(run: FlowRun) -> Prompt:
    t, org = run.t, run.services.org
    lines = [
        t._("<b>Please check your request for support</b>"),
        t._("Organisation: %(name)s", name=run.data.get("org_name", "")),
        "",
        *answer_lines(org, org.partners.request_form, run.answers, t),
        "",
        t._("You can correct any answer, then send."),
    ]
    return Prompt("\n".join(lines), actions=[Choice(t.gettext("📨 Send the request"), "send")])


async def _act(run: FlowRun, action: str):
    services, t, context = run.services, run.t, run.context
    settings = services.org.partners
    organisation_id = run.data.get("org")
    contact = await services.organisations.contact(organisation_id, run.user_id) if settings else None
    organisation = await services.organisations.get(organisation_id) if contact else None
    if organisation is None or organisation.status != OrgStatus.VERIFIED:
        return End(t._("Only a contact person of a verified organisation can ask for support."))
    for step in run.steps():
        if run.answers.get(step.id) is None and not step.optional:
            return Goto(step.id)
    if run.answers["date_to"] < run.answers["date_from"]:
        return Goto("date_to")
    answers = {f.id: run.answers.get(f.id) for f in settings.request_form}
    request = await services.support_requests.send(organisation.id, contact.id, run.user_id, answers, services.clock())
    await audit(
        context, run.user_id, "support_request.sent", f"support_request:{request.id}", organisation=organisation.id
    )

    def compose(ct):
        text = ct._("🙋 A new request for support #%(id)d from %(name)s.", id=request.id, name=organisation.name)
        return text, keyboard([[(ct.gettext("Open"), RequestReview(act="o", ref=request.id).pack())]])

    async def notify() -> None:
        await tell_coordinators(context.bot, services, compose, wants=services.coordinator_alerts.wants_requests)

    return End(
        t._(
            "📨 <b>Request #%(id)d sent.</b> A coordinator will look at it and you will get the answer in this chat. "
            "You can follow it under 🏢 My organisation.",
            id=request.id,
        ),
        after=notify,
    )


async def _stale(update: Update, context: BotContext) -> None:
    from handlers.org_mine import my_organisation  # it opens this flow

    await my_organisation(update, context)


def _cancelled(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been sent.")


FLOW = Flow(NAME, _steps, summary=_summary, act=_act, cancelled=_cancelled, stale=_stale)
