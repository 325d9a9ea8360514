"""What volunteers and coordinators both see of an agreement: state names, the filled-in text,
the PDF, and the volunteer's name."""

from __future__ import annotations

from telegram import InputFile

from bot.agreement_facts import display_name, number, volunteer_of
from bot.agreements import (
    days_in,
    default_scope,
    render_agreement,
)
from bot.buttons.agreements import AgreementAdmin
from bot.document_issue import footer_code, link_of
from bot.i18n import N_, Translator, translator
from bot.pdf import file_slug, printable, render_pdf
from bot.replies import keyboard
from bot.sending import tell_coordinators
from bot.services import Services
from storage.agreements import ACCOUNT_DELETED, Agreement, State

STATE_NAMES = {
    State.DRAFT: N_("being prepared"),
    State.OFFERED: N_("waiting for your acceptance"),
    State.ACCEPTED: N_("accepted in chat"),
    State.SIGNED: N_("signed copy confirmed"),
    State.ACTIVE: N_("in force"),
    State.ENDED: N_("ended"),
    State.EXPIRED: N_("expired"),
}
# The coordinator's lists: the same states, named for whoever manages them.
STATE_GROUPS = {
    State.DRAFT: N_("Being prepared"),
    State.OFFERED: N_("Offered, not accepted yet"),
    State.ACCEPTED: N_("Accepted in chat"),
    State.SIGNED: N_("Signed, not in force yet"),
    State.ACTIVE: N_("In force"),
    State.ENDED: N_("Ended"),
    State.EXPIRED: N_("Expired"),
}
# Where the coordinators' wording differs from the volunteer's.
STAFF_STATE_NAMES = {State.OFFERED: N_("offered, waiting for the volunteer's acceptance")}
# In place of the name of a volunteer who deleted their account (never whoever uses the id now).
ACCOUNT_DELETED_LABEL = N_("account deleted")


def state_name(t: Translator, state: State, *, staff: bool = False) -> str:
    names = STAFF_STATE_NAMES if staff and state in STAFF_STATE_NAMES else STATE_NAMES
    return t.gettext(names[state])


def ended_line(t: Translator, agreement: Agreement) -> str:
    """When an ended agreement ended, and why."""
    reason = agreement.end_reason or "—"
    if reason == ACCOUNT_DELETED:
        reason = t.gettext(ACCOUNT_DELETED_LABEL)
    return t._("Ended on %(date)s. Reason: %(reason)s", date=t.date(agreement.ended_on), reason=reason)


async def volunteer_label(services: Services, t: Translator, agreement: Agreement) -> str:
    """The volunteer's name as coordinators see it."""
    if agreement.owner_deleted_at is not None:
        return t.gettext(ACCOUNT_DELETED_LABEL)
    return await display_name(services, agreement)


def period(t: Translator, agreement: Agreement) -> str:
    return t.gettext(
        "%(start)s – %(end)s (%(days)s)",
        start=t.date(agreement.start_date),
        end=t.date(agreement.end_date),
        days=t.ungettext("%(count)d day", "%(count)d days", days_in(agreement.start_date, agreement.end_date)),
    )


async def scope_of(services: Services, agreement: Agreement) -> str:
    """The coordinator's scope, else one made from the plan (if it says more) and the application."""
    if agreement.scope:
        return agreement.scope
    volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
    plan = await services.plans.of(agreement.telegram_id)
    areas = plan.content.areas if plan and plan.content.areas else volunteer.areas
    communities = plan.content.communities if plan and plan.content.communities else volunteer.communities
    return default_scope(services.org, areas, communities)


async def agreement_text(services: Services, agreement: Agreement) -> str:
    """The frozen text once offered; before that, what would be offered now."""
    if agreement.rendered_text is not None:
        return agreement.rendered_text
    volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
    # Printable before it is offered (frozen and hashed): the hash is of exactly what the PDF shows.
    return printable(
        render_agreement(
            services.org,
            agreement_id=agreement.id,
            year=agreement.created_at.year,
            volunteer=volunteer,
            scope=await scope_of(services, agreement),
            start=agreement.start_date,
            end=agreement.end_date,
        )
    )


def polish(services: Services) -> Translator:
    """Documents are Polish whoever asks for them."""
    return translator("pl", services.settings.timezone)


async def agreement_pdf(services: Services, agreement: Agreement, bot_username: str) -> InputFile:
    """With its verification code when it has one (offered from the release that brought them)."""
    from storage.agreements import sha256_text

    pl = polish(services)
    text = await agreement_text(services, agreement)
    document = None
    if agreement.state != State.DRAFT and agreement.text_sha256 is not None:
        document = await services.documents.for_agreement_text(agreement.id, agreement.text_sha256)
    no = number(services, agreement)
    footer = pl.gettext(
        "Agreement no. %(number)s · template %(version)s · SHA-256 of the text: %(sha)s",
        number=no,
        version=agreement.template_version or services.org.agreement.template_version,
        sha=sha256_text(text),
    )
    if agreement.state == State.DRAFT:
        footer = pl.gettext("DRAFT for preview, not offered yet") + " · " + footer
    footer += footer_code(services, pl, bot_username, document)
    acceptance = await services.agreements.acceptance(agreement.id)
    if acceptance is not None:
        footer += "\n" + pl.gettext(
            "Accepted in chat on %(when)s by %(name)s (Telegram user %(user)d).",
            when=pl.datetime(acceptance.accepted_at),
            name=acceptance.typed_name,
            user=acceptance.telegram_id,
        )
    content = render_pdf(
        text,
        title=pl.gettext("Volunteer agreement"),
        footer=footer,
        created=services.clock(),
        qr=link_of(services, bot_username, document) if document else None,
    )
    volunteer = await volunteer_of(services, agreement.telegram_id, agreement.application_id)
    name = "-".join(filter(None, ["porozumienie", file_slug(no), file_slug(volunteer.name)]))
    return InputFile(content, filename=f"{name}.pdf")


async def notify_staff(
    context,
    agreement: Agreement,
    msgid: str,
    *,
    extra_msgid: str | None = None,
    extra: dict | None = None,
    button: tuple[str, str] | None = None,
) -> None:
    """Tell every coordinator about a volunteer's step, with a button opening the agreement."""
    services = context.services
    name = await display_name(services, agreement) if agreement.owner_deleted_at is None else None

    def compose(t):
        text = t._(msgid, name=name or t.gettext(ACCOUNT_DELETED_LABEL), number=number(services, agreement))
        if extra_msgid:
            text += "\n" + t._(extra_msgid, **(extra or {}))
        rows = [[(t.gettext("Open"), AgreementAdmin(act="o", ref=agreement.id).pack())]]
        if button:
            rows.insert(0, [(t.gettext(button[0]), button[1])])
        return text, keyboard(rows)

    await tell_coordinators(context.bot, services, compose)
