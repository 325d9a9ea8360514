"""The attestation (zaświadczenie): the volunteer asks for it; a coordinator may add an opinion of
the volunteer's work (a typed flow, "gao"), and the volunteer gets the attestation again with it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import InputFile, Update
from telegram.error import TelegramError

from bot.agreement_facts import number, today, volunteer_of
from bot.agreements import render_attestation
from bot.buttons.agreements import AgreementAdmin, AgreementButton
from bot.context import BotContext
from bot.document_issue import footer_code, issue_for_attestation, link_of
from bot.documents import document_facts
from bot.flow import End, Flow, FlowRun, question, typed_step
from bot.hours_text import work_names
from bot.i18n import N_
from bot.pdf import file_slug, printable, render_pdf
from bot.routing import Routes
from bot.services import Role
from handlers.agreement_read import own
from handlers.agreement_text import notify_staff, polish, scope_of
from handlers.common import alert, stale_button, translator_for
from storage.agreements import Agreement, State, sha256_text

log = logging.getLogger(__name__)

OPINION = "gao"
OPINION_LIMIT = 1500


# ---- the volunteer asks ----------------------------------------------------------------------------
async def request_attestation(update: Update, context: BotContext, press: AgreementButton) -> None:
    services = context.services
    agreement = await own(update, context, press, (State.ACTIVE, State.ENDED, State.EXPIRED))
    if agreement is None:
        return
    await update.callback_query.answer()
    terms = await attestation_terms(context, agreement)
    text = await attestation_text(context, agreement, None, terms)
    async with services.db.transaction():  # the attestation and its verification code together
        attestation = await services.agreements.add_attestation(
            update.effective_user.id, agreement.id, text, services.clock()
        )
        await issue_for_attestation(services, attestation, terms.facts(services.org))
    await context.bot.send_document(
        update.effective_chat.id,
        await attestation_file(context, attestation.id, text, agreement),
        caption=context.t.gettext(
            "Your attestation (in Polish). The coordinator has been told and may add an opinion of your work; "
            "a copy signed by hand is available from the coordinator."
        ),
    )
    await notify_staff(
        context,
        agreement,
        N_("📜 %(name)s asked for an attestation (agreement no. %(number)s)."),
        button=(N_("📝 Add an opinion"), AgreementAdmin(act="op", ref=attestation.id).pack()),
    )


@dataclass(frozen=True)
class AttestationTerms:
    """What an attestation states beyond its wording; also kept with its verification code."""

    name: str
    start: date
    end: date
    hours: float | None
    work: tuple[str, ...] = ()  # the kinds of work it names (Polish labels), shown when checked

    def facts(self, org) -> dict[str, Any]:
        more = {"work": list(self.work)} if self.work else {}
        return document_facts(org, name=self.name, start=self.start, end=self.end, hours=self.hours, **more)


async def attestation_terms(context, agreement: Agreement) -> AttestationTerms:
    services = context.services
    volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
    last_day = min(agreement.end_date, agreement.ended_on or agreement.end_date, today(services))
    last_day = max(last_day, agreement.start_date)
    # The confirmed hours of the ledger: events attended and support work confirmed, by kind.
    tally = await services.hours.for_attestation(agreement.telegram_id, agreement.start_date, last_day)
    return AttestationTerms(
        volunteer.name, agreement.start_date, last_day, tally.total or None, work=work_names(services.org, tally)
    )


async def attestation_text(
    context, agreement: Agreement, opinion: str | None, terms: AttestationTerms | None = None
) -> str:
    services = context.services
    terms = terms or await attestation_terms(context, agreement)
    text = render_attestation(
        services.org,
        number=number(services, agreement),
        volunteer_name=terms.name,
        scope=await scope_of(services, agreement),
        start=terms.start,
        end=terms.end,
        issued=today(services),
        hours=terms.hours,
        opinion=opinion,
        work=terms.work,
    )
    return printable(text)  # what is kept and hashed is exactly what the PDF shows


async def attestation_file(context, attestation_id: int, text: str, agreement: Agreement) -> InputFile:
    services = context.services
    volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
    pl = polish(services)
    footer = pl.gettext(
        "Attestation no. %(id)d · SHA-256 of the text: %(sha)s", id=attestation_id, sha=sha256_text(text)
    )
    document = await services.documents.for_attestation(attestation_id)  # none: issued before codes
    content = render_pdf(
        text,
        title=pl.gettext("Attestation"),
        footer=footer + footer_code(services, pl, context.bot.username, document),
        created=services.clock(),
        qr=link_of(services, context.bot.username, document) if document else None,
    )
    name = "-".join(filter(None, ["zaswiadczenie", file_slug(volunteer.name), today(services).isoformat()]))
    return InputFile(content, filename=f"{name}.pdf")


# ---- the coordinator's opinion ---------------------------------------------------------------------
async def start_opinion(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    """ "Add an opinion" (the role is checked by the caller)."""
    attestation = await context.services.agreements.attestation(press.ref) if press.ref else None
    if attestation is None:
        await stale_button(update, context)
        return
    if attestation.opinion:
        await alert(update, context.t.gettext("An opinion has already been added to this attestation."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, OPINION, {"id": attestation.id})


_ask = question(
    N_(
        "Type your opinion of the volunteer's work (in Polish). It will be added to the attestation and "
        "sent to the volunteer. (/anuluj to stop)"
    )
)


async def _add(run: FlowRun, opinion: str) -> End:
    t = run.t
    services = run.services
    context = run.context
    if context.role < Role.COORDINATOR:  # no longer a coordinator since the flow began
        return End(t._("This is only available to coordinators."))
    attestation = await services.agreements.attestation(run.data["id"])
    agreement = await services.agreements.get(attestation.agreement_id) if attestation else None
    if attestation is None or agreement is None:
        return End(t._("An opinion has already been added to this attestation."), menu=False)
    text = await attestation_text(context, agreement, opinion)
    updated = await services.agreements.add_opinion(attestation.id, opinion, text, run.user_id, services.clock())
    if updated is None:
        return End(t._("An opinion has already been added to this attestation."), menu=False)

    async def send_to_volunteer() -> None:
        vt = await translator_for(services, agreement.telegram_id)
        try:
            await context.bot.send_document(
                agreement.telegram_id,
                await attestation_file(context, updated.id, updated.rendered_text, agreement),
                caption=vt.gettext("Your attestation, now with the coordinator's opinion (in Polish)."),
            )
        except TelegramError:
            log.warning("could not send the attestation %s to %s", updated.id, agreement.telegram_id)

    return End(t._("📝 The opinion has been added and sent to the volunteer."), menu=False, after=send_to_volunteer)


FLOW = Flow(OPINION, lambda run: [typed_step("opinion", _ask, OPINION_LIMIT, _add, one_line=True, numbered=False)])


def register(routes: Routes) -> None:
    routes.flow(FLOW)
