"""Registering an organisation ("org": t.me/<bot>?start=org, or the menu), and becoming another
contact person of one through a one-time link (the same flow with an invitation: the contact's
part only). The contact's consent comes first (versioned, in `consents` as 'org_contact'), then
the organisation's fields and the contact's, then a summary to send. Coordinators are told."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from bot.buttons.organisations import MY_ORGANISATION, OrgReview
from bot.context import BotContext
from bot.flow import BUTTONS_ONLY, Choice, End, Flow, FlowRun, Goto, Prompt, Step
from bot.forms import YES
from bot.i18n import html_escape
from bot.sending import tell, tell_coordinators
from handlers.common import audit, keyboard
from handlers.menu import deep_link, menu_after
from handlers.partner_common import ORG_CONTACT_CONSENT as CONSENT
from handlers.partner_common import partners
from handlers.partner_fields import answer_lines, field_step
from storage.organisations import InviteRefused

log = logging.getLogger(__name__)

NAME = "org"
CONTACT_PREFIX = "c_"


async def start_registration(update: Update, context: BotContext) -> None:
    if partners(context) is None:  # an organisation file without stage two
        await menu_after(
            update, context, context.t._("I didn't understand that 🙂 Choose something from the menu below.")
        )
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.flows.start(update, context, NAME, {})


@deep_link("org")
async def org_link(update: Update, context: BotContext, argument: str) -> None:
    await start_registration(update, context)


@deep_link("orgjoin")
async def join_link(update: Update, context: BotContext, token: str) -> None:
    """A one-time link from a contact or a coordinator: the person becomes another contact."""
    t, services = context.t, context.services
    if partners(context) is None:
        await menu_after(update, context, t._("I didn't understand that 🙂 Choose something from the menu below."))
        return
    try:
        organisation = await services.organisations.invitation(token, services.clock())
    except InviteRefused as refused:
        texts = {
            "used": t._("This invitation has already been used. Ask for a new one."),
            "expired": t._("This invitation has expired. Ask for a new one."),
        }
        await menu_after(update, context, texts.get(refused.reason, t._("This invitation is not valid.")))
        return
    if await services.organisations.contact(organisation.id, update.effective_user.id) is not None:
        await menu_after(update, context, t._("You are already a contact person of %(name)s.", name=organisation.name))
        return
    await context.flows.start(update, context, NAME, {"invite": token, "org_name": organisation.name})


# ---- the steps ------------------------------------------------------------------------------------
def _steps(run: FlowRun) -> list[Step]:
    settings = run.services.org.partners
    if settings is None:
        return []
    steps = [Step("consent", _ask_consent, BUTTONS_ONLY, next=_consent_next, numbered=False)]
    if not run.data.get("invite"):
        steps += [field_step(f) for f in settings.form]
    steps += [field_step(f, prefix=CONTACT_PREFIX) for f in settings.contact_form]
    return steps


async def _ask_consent(run: FlowRun) -> Prompt:
    t = run.t
    if run.data.get("invite"):
        intro = t._(
            "<b>%(name)s</b> invites you to be one of its contact people in %(programme)s.",
            name=run.data.get("org_name", ""),
            programme=run.services.org.programme.name.get(t.locale),
        )
    else:
        intro = t._(
            "<b>Registering an organisation</b>\nAn NGO, a school, a public institution, a sołectwo, a rural "
            "women's circle or an informal group can ask %(programme)s for the support of our experts. Register "
            "it here: a coordinator will verify it, and then you can send requests for support.",
            programme=run.services.org.programme.name.get(t.locale),
        )
    consent = html_escape(run.services.org.partners.consent.get(t.locale))
    return Prompt(
        f"{intro}\n\n{consent}",
        choices=[Choice(t.gettext("✅ I consent"), YES), Choice(t.gettext("I do not consent"), "no")],
    )


async def _consent_next(run: FlowRun, value: str):
    if value == YES:
        return None
    return End(
        run.t._(
            "Without this consent we cannot keep your contact details, so the organisation cannot be registered. "
            "You can come back to it at any time."
        )
    )


async def _save(run: FlowRun, step: Step, value: Any) -> None:
    if step.id == "consent":  # a decision, recorded whichever it is
        version = run.services.org.partners.consent_version
        await run.services.consents.record(run.user_id, CONSENT, version, value == YES, run.services.clock())


async def _summary(run: FlowRun) -> Prompt:
    t, org = run.t, run.services.org
    settings = org.partners
    lines = [t._("<b>Please check the details</b>"), ""]
    if not run.data.get("invite"):
        lines += [*answer_lines(org, settings.form, run.answers, t), ""]
    lines += [t._("<b>Contact person</b>"), *answer_lines(org, settings.contact_form, run.answers, t, prefix="c_")]
    lines += ["", t._("You can correct any answer, then send.")]
    label = t.gettext("📨 Join the organisation") if run.data.get("invite") else t.gettext("📨 Register")
    return Prompt("\n".join(lines), actions=[Choice(label, "send")])


def _contact_answers(run: FlowRun) -> dict[str, Any]:
    return {k.removeprefix(CONTACT_PREFIX): v for k, v in run.answers.items() if k.startswith(CONTACT_PREFIX)}


async def _act(run: FlowRun, action: str):
    services, t = run.services, run.t
    settings = services.org.partners
    if settings is None:
        return End(None)
    for step in run.steps():  # a field the organisation added since, or the consent not given
        if step.id == "consent":
            if not await services.consents.has_current(run.user_id, CONSENT, settings.consent_version):
                return Goto("consent")
        elif not step.optional and run.answers.get(step.id) is None:
            return Goto(step.id)
    token = run.data.get("invite")
    if token:
        return await _join(run, token)
    answers = {f.id: run.answers.get(f.id) for f in settings.form}
    organisation = await services.organisations.register(run.user_id, answers, _contact_answers(run), services.clock())
    await audit(run.context, run.user_id, "organisation.registered", f"organisation:{organisation.id}")
    context = run.context

    def compose(ct):
        text = ct._(
            "🏢 A new organisation to verify: <b>%(name)s</b> (#%(id)d).", name=organisation.name, id=organisation.id
        )
        return text, keyboard([[(ct.gettext("Open"), OrgReview(act="o", org=organisation.id).pack())]])

    async def notify() -> None:
        await tell_coordinators(context.bot, services, compose, wants=services.coordinator_alerts.wants_organisations)

    return End(
        t._(
            "📨 <b>Thank you!</b> %(name)s has been registered. A coordinator will verify it and you will get "
            "the answer in this chat. You can see it under 🏢 My organisation.",
            name=organisation.name,
        ),
        after=notify,
    )


async def _join(run: FlowRun, token: str) -> End:
    services, t = run.services, run.t
    now = services.clock()
    try:
        organisation = await services.organisations.invitation(token, now)
        if await services.organisations.contact(organisation.id, run.user_id) is not None:
            return End(t._("You are already a contact person of %(name)s.", name=organisation.name))
        contact = await services.organisations.redeem(token, run.user_id, _contact_answers(run), now)
    except InviteRefused:
        return End(t._("This invitation is not valid any more. Ask for a new one."))
    await audit(
        run.context,
        contact.added_by,
        "organisation.contact_added",
        f"organisation:{organisation.id}",
        contact=contact.id,
    )
    context = run.context

    def compose(ct):
        return ct._(
            "👥 %(person)s is now a contact person of %(name)s.", person=contact.name, name=organisation.name
        ), None

    async def notify() -> None:
        if contact.added_by is not None and contact.added_by != run.user_id:
            await tell(context.bot, services, contact.added_by, compose)

    return End(
        t._("✅ You are now a contact person of <b>%(name)s</b>.", name=organisation.name)
        + "\n"
        + t._("See it under 🏢 My organisation."),
        after=notify,
    )


async def _stale(update: Update, context: BotContext) -> None:
    from handlers.org_mine import my_organisation  # that module's menu links here

    await my_organisation(update, context)


def _cancelled(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been sent.")


FLOW = Flow(NAME, _steps, save=_save, summary=_summary, act=_act, cancelled=_cancelled, stale=_stale)
__all__ = ["CONSENT", "FLOW", "MY_ORGANISATION", "start_registration"]
