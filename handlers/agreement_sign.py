"""Accepting the agreement in chat: "Accept and sign", the full name typed (checked against the
application), then "I accept and sign" records who, when, which template version and text hash.

A flow ("agn") of two steps: the typed name, then the confirmation. The accept button carries the
beginning of the offered text's SHA-256; the confirmation re-checks the agreement (still offered,
still the person's own, still that text) when pressed, so a text changed since is refused.
"""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.agreement_facts import display_name, number, today
from bot.agreements import names_match
from bot.buttons.agreements import AgreementButton
from bot.context import BotContext
from bot.flow import BUTTONS_ONLY, Accepted, Choice, End, Flow, FlowRun, Problem, Prompt, Step
from bot.i18n import N_
from bot.routing import Routes
from handlers.agreement_read import HASH_PREFIX, my_agreement, own, written_buttons, written_form_text
from handlers.agreement_text import notify_staff
from handlers.common import alert
from storage.agreements import Agreement, State, TransitionRefused

log = logging.getLogger(__name__)

NAME = "agn"
NAME_LIMIT = 200
_HINT_AFTER = 3  # wrong names before the coordinator's address is shown
_STALE = N_("This button is no longer valid. Type /start for the menu.")
_CHANGED = N_("The agreement has been changed since. Please open it again.")


async def start_accepting(update: Update, context: BotContext, press: AgreementButton) -> None:
    """ "Accept and sign": the agreement must still be offered with the text the button was made for."""
    agreement = await own(update, context, press, (State.OFFERED,))
    if agreement is None:
        return
    if not agreement.text_sha256 or not press.sha or not agreement.text_sha256.startswith(press.sha):
        await alert(update, context.t.gettext(_CHANGED))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, NAME, {"id": agreement.id, "sha": press.sha})


async def legacy_sign(update: Update, context: BotContext, press: AgreementButton) -> None:
    """The confirmation button of earlier releases (or a forged one): the name comes first."""
    if await own(update, context, press, (State.OFFERED,)) is not None:
        await alert(update, context.t.gettext("Please press “Accept and sign” and type your full name first."))


async def _offered(run: FlowRun) -> Agreement | None:
    agreement = await run.services.agreements.get(run.data.get("id", 0))
    if agreement is None or agreement.telegram_id != run.user_id or agreement.state != State.OFFERED:
        return None
    return agreement


# ---- the name --------------------------------------------------------------------------------------
async def _ask_name(run: FlowRun) -> Prompt:
    t = run.t
    text = t._(
        "To confirm it is you, type your <b>full name</b> as given in your application "
        "(capital letters and Polish characters do not matter). /anuluj to stop."
    )
    if run.data.get("wrong", 0) >= _HINT_AFTER:
        email = run.services.org.organisation.email
        text += "\n\n" + t._("If your name has changed, write to the coordinator: %(email)s", email=email)
    return Prompt(text)


async def _read_name(run: FlowRun, message: Message) -> Accepted | Problem:
    typed = " ".join((message.text or "").split())[:NAME_LIMIT]
    agreement = await _offered(run)
    if agreement is None:
        return Accepted("")  # no longer waiting: the flow ends (see _after_name)
    if not names_match(typed, await display_name(run.services, agreement)):
        run.data["wrong"] = run.data.get("wrong", 0) + 1
        return Problem(
            N_(
                "This is not the name given in your application. Please type your first name and surname "
                "exactly as in the application, or /anuluj to stop."
            )
        )
    return Accepted(typed)


async def _after_name(run: FlowRun, typed: str):
    if not typed:
        return End(run.t._("This agreement is no longer waiting for acceptance."))
    return None


# ---- the confirmation --------------------------------------------------------------------------------
async def _ask_sign(run: FlowRun) -> Prompt:
    t = run.t
    agreement = await run.services.agreements.get(run.data.get("id", 0))
    text = t._(
        "Thank you, %(name)s. By pressing the button below you accept agreement no. %(number)s "
        "(template %(version)s) with the text in the PDF file. Its fingerprint (SHA-256) begins "
        "with <code>%(sha)s</code>.",
        name=(await display_name(run.services, agreement)) if agreement else "",  # as stored, not as typed
        number=number(run.services, agreement) if agreement else "—",
        version=(agreement.template_version if agreement else None) or "",
        sha=run.data.get("sha", "")[:HASH_PREFIX],
    )
    return Prompt(
        text, choices=[Choice(t.gettext("✅ I accept and sign"), "yes"), Choice(t.gettext("Not now"), "later")]
    )


async def _check_sign(run: FlowRun, value: str) -> Accepted | Problem:
    """Pressed: the agreement is still offered to this person, with the text they were shown."""
    if value != "yes":
        return Accepted(value)
    agreement = await _offered(run)
    if agreement is None:
        return Problem(_STALE)
    if not agreement.text_sha256 or not agreement.text_sha256.startswith(run.data.get("sha") or "-"):
        return Problem(_CHANGED)
    return Accepted(value)


async def _sign(run: FlowRun, value: str) -> End:
    """In the transaction that ends the flow: the acceptance, and the agreement in force if due."""
    t = run.t
    services = run.services
    update, context = run.update, run.context
    if value != "yes":

        async def show_again() -> None:
            await my_agreement(update, context, new_message=True)

        return End(None, after=show_again)
    try:
        accepted = await services.agreements.accept(
            run.data["id"], run.user_id, run.answers["name"], run.data["sha"], services.clock()
        )
    except TransitionRefused as refused:
        if refused.reason == "text":
            return End(t._("The agreement has been changed since. Please open it again."))
        return End(t._("This agreement is no longer waiting for acceptance."))
    log.info("agreement %s accepted in chat by %s", accepted.id, run.user_id)
    activated = await services.agreements.activate_due(today(services), services.clock(), accepted.id)

    async def tell_coordinators() -> None:
        await notify_staff(context, accepted, N_("✍️ %(name)s accepted agreement no. %(number)s in chat."))

    if accepted.written_required:

        async def written() -> None:
            await context.bot.send_message(
                update.effective_chat.id,
                t._("✅ <b>Accepted.</b> Your acceptance has been recorded in this chat.")
                + "\n\n"
                + written_form_text(context),
                reply_markup=written_buttons(context, accepted),
            )
            await tell_coordinators()

        return End(None, after=written)
    when = (
        t._("It is in force from today.")
        if activated
        else t._("It comes into force on %(date)s.", date=t.date(accepted.start_date))
    )
    return End(t._("✅ <b>Agreement accepted.</b>") + " " + when, after=tell_coordinators)


async def _stale(update: Update, context: BotContext) -> None:
    """A button of an acceptance left earlier: the agreement as it stands now."""
    await my_agreement(update, context)


FLOW = Flow(
    NAME,
    lambda run: [
        Step("name", _ask_name, read=_read_name, next=_after_name, numbered=False),
        Step("sign", _ask_sign, BUTTONS_ONLY, pick=_check_sign, done=_sign, numbered=False),
    ],
    stale=_stale,
)


def register(routes: Routes) -> None:
    routes.flow(FLOW)
