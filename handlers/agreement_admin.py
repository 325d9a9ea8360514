"""Coordinators manage agreements: /porozumienia by state, the volunteers accepted without an
agreement, the plans waiting for approval; every press of the coordinators' agreement buttons is
routed from here, behind the role check.

- handlers/agreement_admin_card.py — one agreement: the card, offering, confirming, renewing
- handlers/agreement_terms.py — the period, the scope and the reason for ending, typed as flows
- handlers/agreement_attestation.py — the opinion added to an attestation
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.agreement_facts import today
from bot.agreements import default_period
from bot.buttons.agreements import AGREEMENTS, AgreementAdmin, AgreementList
from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.plan import PlanReview
from bot.context import BotContext
from bot.routing import Routes
from bot.services import Role
from handlers import agreement_admin_card as card
from handlers import agreement_attestation, agreement_terms
from handlers.agreement_text import ACCOUNT_DELETED_LABEL, STATE_GROUPS
from handlers.common import key_row, keyboard, requires_role, show, stale_button
from handlers.plan_text import volunteer_name
from handlers.presses import ignoring_press
from storage.agreements import STATE_ORDER, Agreement, Listed, TransitionRefused
from storage.applications import Application, Status
from storage.paging import page_of

log = logging.getLogger(__name__)

PAGE_SIZE = 8


def _button(act: str, ref: int | None = None) -> str:
    return AgreementAdmin(act=act, ref=ref).pack()


# ---- lists -----------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def overview(update: Update, context: BotContext) -> None:
    """/porozumienia, /agreements and "« Agreements"."""
    t = context.t
    services = context.services
    counts = await services.agreements.counts()
    waiting = await services.agreements.accepted_without_agreement()
    plans = await services.plans.waiting()
    rows = [[(t.gettext("🆕 Accepted, no agreement yet (%(count)d)", count=len(waiting)), _button("new"))]]
    for state in STATE_ORDER:
        label = t.gettext("%(group)s (%(count)d)", group=t.gettext(STATE_GROUPS[state]), count=counts[state])
        rows.append([(label, AgreementList(state=state).pack())])
    rows.append([(t.gettext("🧭 Plans waiting for approval (%(count)d)", count=len(plans)), _button("plans"))])
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, t._("<b>Volunteer agreements</b>\nChoose a list:"), keyboard(rows))


async def without_agreement(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    t = context.t
    waiting = await context.services.agreements.accepted_without_agreement()
    rows = [[(f"{name or telegram_id}"[:50], _button("mk", app_id))] for app_id, telegram_id, name in waiting]
    rows.append([(t.gettext("« Agreements"), AGREEMENTS)])
    text = t._("Choose a volunteer to prepare an agreement for:") if waiting else t._("Nothing here yet.")
    await show(update, context, t._("<b>Accepted, no agreement yet</b>") + "\n" + text, keyboard(rows))


async def plans_waiting(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    t = context.t
    rows = []
    for waiting in await context.services.plans.waiting():
        name = await volunteer_name(context, waiting.telegram_id)
        rows.append([(f"{name} · v{waiting.version}"[:60], PlanReview(act="o", ref=waiting.id).pack())])
    rows.append([(t.gettext("« Agreements"), AGREEMENTS)])
    text = t._("Choose a plan:") if len(rows) > 1 else t._("Nothing here yet.")
    await show(update, context, t._("<b>Plans waiting for approval</b>") + "\n" + text, keyboard(rows))


async def state_list(update: Update, context: BotContext, press: AgreementList) -> None:
    t = context.t
    state = press.state

    async def read(limit: int, **at):
        return await context.services.agreements.list_by_state(state, limit, **at)

    # By key (a button of an earlier release, with a page number, opens the first page).
    page = await page_of(read, PAGE_SIZE, after=press.after, before=press.before)
    items = page.items
    rows = [
        [(f"#{item.id} {_listed_name(t, item)[:36]} · {t.date(item.end_date, 'd.MM.y')}", _button("o", item.id))]
        for item in items
    ]
    rows += key_row(t, page, lambda **key: AgreementList(state=state, **key).pack())
    rows.append([(t.gettext("« Agreements"), AGREEMENTS)])
    body = t._("Choose an agreement:") if items else t._("Nothing here yet.")
    title = t._("<b>%(group)s</b>", group=t.gettext(STATE_GROUPS[state]))
    await show(update, context, title + "\n" + body, keyboard(rows))


def _listed_name(t, item: Listed) -> str:
    return t.gettext(ACCOUNT_DELETED_LABEL) if item.owner_deleted else (item.name or "—")


# ---- preparing -------------------------------------------------------------------------------
async def prepare_for(context: BotContext, application: Application, actor_id: int | None) -> Agreement | None:
    """A draft for an accepted volunteer (None if one is already being prepared or concluded)."""
    services = context.services
    start, end = default_period(today(services), services.org.agreement.default_months)
    try:
        return await services.agreements.create_draft(
            application.telegram_id, application.id, start, end, actor_id, services.clock()
        )
    except TransitionRefused:
        return None


async def on_application_accepted(context: BotContext, application: Application, coordinator_id: int):
    """After an acceptance (review): the draft agreement is ready; a button for the coordinator."""
    draft = await prepare_for(context, application, coordinator_id)
    if draft is None:
        draft = await context.services.agreements.pending_for(application.telegram_id)
    if draft is None:
        return None
    return (context.t.gettext("✍️ Prepare the agreement"), _button("o", draft.id))


async def make_draft(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    application = await context.services.applications.get(press.ref) if press.ref else None
    if application is None or application.status != Status.ACCEPTED:
        await stale_button(update, context)
        return
    draft = await prepare_for(context, application, update.effective_user.id)
    if draft is None:
        draft = await context.services.agreements.pending_for(application.telegram_id)
    if draft is None:
        await stale_button(update, context)
        return
    await card.show_card(update, context, draft)


# ---- routing -----------------------------------------------------------------------------------
_ACTIONS = {
    "list": ignoring_press(overview),
    "new": without_agreement,
    "plans": plans_waiting,
    "mk": make_draft,
    "o": card.open_one,
    "pdf": card.send_pdf,
    "f": card.send_file,
    "per": agreement_terms.start_period,
    "sc": agreement_terms.start_scope,
    "scd": card.scope_default,
    "off": card.confirm_offer,
    "offy": card.offer,
    "wd": card.withdraw,
    "sg": card.confirm_signed,
    # "Yes, end it" of earlier releases: the reason is now kept in the ending flow, so it is asked again.
    "endy": ignoring_press(stale_button),
    "rn": card.renew,
    "end": agreement_terms.start_ending,
    "op": agreement_attestation.start_opinion,
}


@requires_role(Role.COORDINATOR)
async def _pressed(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    """Every press of the kind, behind the role check (the role read from the database with the session)."""
    await _ACTIONS[press.act](update, context, press)


def register(routes: Routes) -> None:
    agreement_terms.register(routes)
    routes.press(AgreementAdmin, _pressed)
    routes.press(AgreementList, requires_role(Role.COORDINATOR)(state_list))
    routes.command(["porozumienia", "agreements"], overview)
