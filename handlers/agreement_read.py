"""Reading one's own agreement: "Moje porozumienie" (a summary in the volunteer's language, the
Polish PDF), how to sign it in writing, and the check every volunteer button goes through."""

from __future__ import annotations

from markupsafe import Markup
from telegram import Update

from bot.agreement_facts import number
from bot.buttons.agreements import MY_AGREEMENT, AgreementButton
from bot.buttons.application import ApplicationButton
from bot.buttons.menu import MAIN_MENU
from bot.buttons.plan import MY_PLAN
from bot.context import BotContext
from bot.i18n import html_escape
from handlers.agreement_text import agreement_pdf, ended_line, period, scope_of, state_name
from handlers.common import alert, keyboard, show, stale_button
from storage.agreements import VOLUNTEER_MAY_END, Agreement, State
from storage.applications import Status

HASH_PREFIX = 16  # hex characters of the text's SHA-256 carried in the accept button


def current(agreements: list[Agreement]) -> Agreement | None:
    """What "Moje porozumienie" shows: one being concluded, else the one in force, else the last.
    A draft is the coordinator's work in progress and is not shown."""
    visible = [a for a in agreements if a.state != State.DRAFT]
    for states in ((State.OFFERED, State.ACCEPTED, State.SIGNED), (State.ACTIVE,)):
        found = [a for a in visible if a.state in states]
        if found:
            return found[0]
    return visible[0] if visible else None


def _button(act: str, agreement: Agreement, sha: str | None = None) -> str:
    return AgreementButton(act=act, agreement_id=agreement.id, sha=sha).pack()


# ---- "Moje porozumienie" ---------------------------------------------------------------------
async def my_agreement(update: Update, context: BotContext, *, new_message: bool = False) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    agreement = current(await services.agreements.for_volunteer(user_id))
    if agreement is None:
        application = await services.applications.latest(user_id)
        if application is not None and application.status == Status.ACCEPTED:
            text = t._(
                "<b>Your volunteer agreement</b>\n\nYour application has been accepted 🎉 The coordinator is "
                "preparing your agreement; you will get it in this chat. Meanwhile you can start your "
                "development plan."
            )
            rows = [[(t.gettext("🧭 My development plan"), MY_PLAN)], [(t.gettext("« Main menu"), MAIN_MENU)]]
        else:
            text = t._(
                "<b>Your volunteer agreement</b>\n\nThe agreement is signed after your application to the "
                "team has been accepted."
            )
            rows = [
                [(t.gettext("📝 My application"), ApplicationButton(act="open").pack())],
                [(t.gettext("« Main menu"), MAIN_MENU)],
            ]
        await show(update, context, text, keyboard(rows), new_message=new_message)
        return
    text = await _summary(context, agreement)
    await show(update, context, text, _buttons(context, agreement), new_message=new_message)


async def _summary(context: BotContext, agreement: Agreement) -> str:
    t = context.t
    services = context.services
    org = services.org
    lines = [
        t._("<b>Your volunteer agreement</b> no. %(number)s", number=number(services, agreement)),
        t._("Status: %(state)s", state=state_name(t, agreement.state)),
        t._("Period: %(period)s", period=period(t, agreement)),
        t._("Scope of your work (in Polish):"),
        Markup("<i>%s</i>") % (await scope_of(services, agreement)),
    ]
    if agreement.written_required:
        lines.append(t._("Form: written (the agreement is for more than 30 days)."))
    else:
        lines.append(t._("Form: documentary (accepting it in this chat is enough)."))
    if agreement.state in (State.OFFERED, State.ACCEPTED, State.SIGNED, State.ACTIVE):
        lines += ["", t._("<b>In short</b>"), html_escape(org.agreement.summary.get(t.locale))]
    if agreement.state == State.OFFERED:
        lines += [
            "",
            t._(
                "The full legal text is in Polish: read it in the PDF file. To accept it, press "
                "“Accept and sign” and type your full name."
            ),
        ]
    elif agreement.state == State.ACCEPTED and agreement.written_required:
        lines += ["", t._("⏳ Waiting for the signed written copy.")]
    elif agreement.state == State.ACCEPTED or agreement.state == State.SIGNED:
        lines += ["", t._("It comes into force on %(date)s.", date=t.date(agreement.start_date))]
    elif agreement.state == State.ENDED and agreement.ended_on:
        lines.append(ended_line(t, agreement))
    return "\n".join(str(line) for line in lines)


def _buttons(context: BotContext, agreement: Agreement):
    t = context.t
    rows = []
    if agreement.state == State.OFFERED and agreement.text_sha256:
        sha = agreement.text_sha256[:HASH_PREFIX]
        rows.append([(t.gettext("✍️ Accept and sign"), _button("acc", agreement, sha))])
    if agreement.state == State.ACCEPTED and agreement.written_required:
        rows.append([(t.gettext("🖊 How to sign it in writing"), _button("form", agreement))])
        rows.append([(t.gettext("📤 Send the signed file"), _button("up", agreement))])
    rows.append([(t.gettext("📄 Download the PDF"), _button("pdf", agreement))])
    if agreement.state in (State.ACTIVE, State.ENDED, State.EXPIRED):
        rows.append([(t.gettext("📜 Ask for an attestation"), _button("att", agreement))])
    rows.append([(t.gettext("🧭 My development plan"), MY_PLAN)])
    if agreement.state in VOLUNTEER_MAY_END:
        rows.append([(t.gettext("⏹ End the agreement"), _button("end", agreement))])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    return keyboard(rows)


async def own(
    update: Update, context: BotContext, press: AgreementButton, states: tuple[State, ...] | None = None
) -> Agreement | None:
    """The agreement a button names, if it is the person's own (and in one of `states`)."""
    agreement = await context.services.agreements.get(press.agreement_id) if press.agreement_id else None
    if (
        agreement is None
        or agreement.telegram_id != update.effective_user.id
        or agreement.owner_deleted_at is not None  # kept from an account deleted earlier: not this person's
        or agreement.state == State.DRAFT
    ):
        await stale_button(update, context)
        return None
    if states is not None and agreement.state not in states:
        await alert(
            update,
            context.t.gettext(
                "This agreement is now: %(state)s. This button no longer applies.",
                state=state_name(context.t, agreement.state),
            ),
        )
        return None
    return agreement


async def send_pdf(update: Update, context: BotContext, press: AgreementButton) -> None:
    agreement = await own(update, context, press)
    if agreement is None:
        return
    await update.callback_query.answer()
    await context.bot.send_document(
        update.effective_chat.id,
        await agreement_pdf(context.services, agreement, context.bot.username),
        caption=context.t.gettext("The full text of your agreement (in Polish)."),
    )


# ---- written form ------------------------------------------------------------------------------
def written_form_text(context: BotContext) -> Markup:
    t = context.t
    org = context.services.org
    return Markup("\n").join(
        [
            t._(
                "The agreement is for more than 30 days, so Polish law requires <b>written form</b>: a "
                "handwritten signature, or a qualified electronic signature. Acceptance in chat is "
                "documentary form: good evidence, but not written form. Choose one way:"
            ),
            t._(
                "1️⃣ Print the PDF, sign it by hand and give it to the coordinator (or post it to %(address)s).",
                address=f"{org.organisation.name}, {org.organisation.address}",
            ),
            t._(
                "2️⃣ Sign the PDF with %(methods)s and send the signed file back in this chat.",
                methods=org.agreement.signature_methods.get(t.locale),
            ),
            t._("The coordinator confirms the signed copy; then the agreement comes into force."),
        ]
    )


def written_buttons(context: BotContext, agreement: Agreement):
    t = context.t
    return keyboard(
        [
            [(t.gettext("📄 Download the PDF"), _button("pdf", agreement))],
            [(t.gettext("📤 Send the signed file"), _button("up", agreement))],
            [(t.gettext("« My agreement"), MY_AGREEMENT)],
        ]
    )


async def how_to_sign(update: Update, context: BotContext, press: AgreementButton) -> None:
    agreement = await own(update, context, press, (State.ACCEPTED,))
    if agreement is not None:
        await show(update, context, written_form_text(context), written_buttons(context, agreement))
