""" "Moje dane": what the bot stores about the person, correcting it (a one-step flow per answer,
"md_fix", read with the form's own validation), exporting all of it as JSON, giving or withdrawing
optional consents, and deleting the account (RODO art. 15–17 and 20).

What deletion keeps is decided in storage.privacy (agreements accepted or signed, for the period
in the organisation file); what was accepted ends with the deletion and the coordinators are told.
The deletion is logged without any personal data.
"""

from __future__ import annotations

import json
import logging

from telegram import InputFile, Update

from bot.agreement_facts import number, today
from bot.buttons.menu import MAIN_MENU
from bot.buttons.mydata import MY_DATA, ConsentChoice, CorrectField, DeleteAccount, MyDataButton
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem, display, parse_text
from bot.i18n import N_, html_escape
from bot.organisation import FieldType, FormField
from bot.replies import confirm
from bot.routing import Routes
from bot.sending import tell_coordinators
from bot.staff_group import delete_topics
from handlers.agreement_text import notify_staff, state_name
from handlers.application_text import answer_lines, status_name
from handlers.assignment_relay import mydata_lines as matching_lines
from handlers.common import alert, keyboard, show, stale_button
from handlers.counselling import mydata_lines as conversation_lines
from handlers.events import send_notices_now
from handlers.hours import mydata_lines as hours_lines
from handlers.mydata_partners import deletion_lines, work_lines
from handlers.partner_common import ORG_CONTACT_CONSENT
from handlers.partner_common import mydata_lines as organisation_lines
from storage import privacy
from storage.agreements import ACCOUNT_DELETED, PENDING, VOLUNTEER_MAY_END, Agreement, State
from storage.applications import Status

log = logging.getLogger(__name__)

CORRECTION_FLOW = "md_fix"
_EDITABLE = (FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.DATE, FieldType.NUMBER)


async def _sent_application(context: BotContext, user_id: int):
    application = await context.services.applications.latest(user_id)
    return application if application is not None and application.status != Status.DRAFT else None


async def my_data(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    profile = await services.users.get(user_id)
    lines = [t._("<b>🔒 My data</b>"), "", t._("<b>Profile</b> (from Telegram)")]
    if profile is not None:
        lines.append(t._("Name: %(name)s", name=profile.full_name or "—"))
        if profile.username:
            lines.append(t._("Username: @%(username)s", username=profile.username))
        lines.append(t._("Language: %(language)s", language=t.language_name(t.locale)))
        lines.append(t._("With us since: %(date)s", date=t.date(profile.created_at)))
    application = await services.applications.latest(user_id)
    if application is not None:
        lines += ["", t._("<b>Application</b> (%(status)s)", status=status_name(t, application.status))]
        lines += answer_lines(services.org, await services.applications.answers(application.id), t, limit=80)
    consents = await services.consents.all_for(user_id)
    if consents:
        lines += ["", t._("<b>Consents</b>")]
        latest = {}
        for consent in consents:
            latest[consent.kind] = consent
        for consent in latest.values():
            lines.append(
                t._(
                    "%(kind)s: %(state)s (version %(version)s, %(date)s)",
                    kind=_consent_name(context, consent.kind),
                    state=_consent_state(t, consent.kind, consent.granted),
                    version=consent.version,
                    date=t.date(consent.at),
                )
            )
    signups = await services.events.mine(user_id, services.clock())
    hours = await services.events.hours_of(user_id)
    lines += [
        "",
        t._("<b>Events</b>"),
        t.ngettext("%(count)d upcoming sign-up.", "%(count)d upcoming sign-ups.", len(signups)),
    ]
    if hours:
        lines.append(t._("Hours of volunteering recorded: %(hours)s.", hours=t.number(hours)))
    lines += await hours_lines(context, user_id)  # the hours ledger and a disability declared for the quota
    lines += await organisation_lines(context, user_id)  # stage two: the organisations they speak for
    lines += await matching_lines(context, user_id)  # stage two: invitations and assignments of an expert
    lines += await work_lines(context, user_id)  # stage two: the work they logged on requests
    lines += await conversation_lines(context, user_id)  # issue 15: their conversations with the team
    lines += ["", t._("The agreement and the development plan are under 📄 My agreement.")]
    rows = []
    if await _sent_application(context, user_id) is not None:
        rows.append([(t.gettext("✏️ Correct my data"), MyDataButton(act="e").pack())])
    rows.append([(t.gettext("📦 Download all my data (JSON)"), MyDataButton(act="x").pack())])
    if services.org.consents:
        rows.append([(t.gettext("🚫 Optional consents"), MyDataButton(act="c").pack())])
    rows.append([(t.gettext("🗑 Delete my account"), MyDataButton(act="del").pack())])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    text = "\n".join(str(line) for line in lines)
    await show(update, context, text[:4000], keyboard(rows))


def _consent_name(context: BotContext, kind: str) -> str:
    t = context.t
    if kind == "rules":
        return t.gettext("recruitment rules")
    if kind == "privacy":
        return t.gettext("processing of personal data")
    if kind == ORG_CONTACT_CONSENT:
        return t.gettext("an organisation's contact person's details")
    for consent in context.services.org.consents:
        if kind == f"optional:{consent.id}":
            return consent.name(t.locale)
    return kind


def _consent_state(t, kind: str, granted: bool) -> str:
    if kind == "rules":  # the rules are accepted, not consented to
        return t.gettext("accepted (rules)") if granted else t.gettext("not accepted (rules)")
    return t.gettext("consent given") if granted else t.gettext("no consent, or withdrawn")


# ---- export -----------------------------------------------------------------------------------
async def export(update: Update, context: BotContext) -> None:
    services = context.services
    user_id = update.effective_user.id
    data = await privacy.personal_data(services.db, user_id, services.clock())
    data["controller"] = services.org.data_protection.controller
    data["contact"] = services.org.data_protection.contact_email
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    await update.callback_query.answer()
    stamp = context.t.datetime(services.clock(), "y-MM-dd")
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(body, filename=f"moje-dane-{stamp}.json"),
        caption=context.t._("Everything the bot stores about you, as a JSON file."),
    )
    log.info("user %s exported their data (%d bytes)", user_id, len(body))


# ---- optional consents ------------------------------------------------------------------------------
async def consents(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    lines = [str(t._("<b>Optional consents</b>")), "", str(t._("You can give or withdraw each of them at any time."))]
    rows = []
    for index, consent in enumerate(services.org.consents):
        current = await services.consents.current(user_id, f"optional:{consent.id}")
        given = current is not None and current.granted
        lines += ["", ("✅ " if given else "▫️ ") + str(html_escape(consent.text.get(t.locale)))]
        # The button says what it sets: "Wycofaj zgodę na informacje o innych programach".
        what = consent.consent_to.get(t.locale) if consent.consent_to is not None else None
        if given and what:
            label = t.gettext("Withdraw consent to %(what)s", what=what)
        elif what:
            label = t.gettext("Give consent to %(what)s", what=what)
        elif given:
            label = t.gettext("Withdraw consent %(number)d", number=index + 1)
        else:
            label = t.gettext("Give consent %(number)d", number=index + 1)
        rows.append([(label, ConsentChoice(granted=not given, consent=consent.id).pack())])
    rows.append([(t.gettext("« My data"), MY_DATA)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def set_consent(update: Update, context: BotContext, press: ConsentChoice) -> None:
    """Give or withdraw one optional consent: the state the button carries, recorded once."""
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    consent = next((c for c in services.org.consents if c.id == press.consent), None)
    if consent is None:
        await stale_button(update, context)
        return
    kind = f"optional:{consent.id}"
    current = await services.consents.current(user_id, kind)
    if current is None or current.granted != press.granted or current.version != consent.version:
        await services.consents.record(user_id, kind, consent.version, press.granted, services.clock())
    await alert(update, t.gettext("Consent given.") if press.granted else t.gettext("Consent withdrawn."))
    await consents(update, context)


# ---- correcting answers ---------------------------------------------------------------------------
async def choose_field(update: Update, context: BotContext) -> None:
    t = context.t
    if await _sent_application(context, update.effective_user.id) is None:
        await stale_button(update, context)
        return
    fields = [f for f in context.services.org.form if f.type in _EDITABLE]
    rows = [[(f.label.get(t.locale), CorrectField(field=f.id).pack())] for f in fields]
    rows.append([(t.gettext("« My data"), MY_DATA)])
    text = t._(
        "Which answer would you like to correct? Choices (like the county) are changed by a coordinator: write to them."
    )
    await show(update, context, text, keyboard(rows))


def _editable(context: BotContext, field_id: str | None) -> FormField | None:
    form_field = next((f for f in context.services.org.form if f.id == field_id), None)
    return form_field if form_field is not None and form_field.type in _EDITABLE else None


async def start_correction(update: Update, context: BotContext, press: CorrectField) -> None:
    if _editable(context, press.field) is None or await _sent_application(context, update.effective_user.id) is None:
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, CORRECTION_FLOW, {"field": press.field})


async def _ask_value(run: FlowRun) -> Prompt:
    form_field = _editable(run.context, run.data.get("field"))
    prompt = form_field.prompt.get(run.t.locale) if form_field is not None else ""
    text = run.t._("Type the new answer: %(prompt)s (/anuluj to stop)", prompt=prompt)
    application = await _sent_application(run.context, run.user_id) if form_field is not None else None
    current = (await run.services.applications.answers(application.id)).get(form_field.id) if application else None
    if current is not None:  # the person sees what they are replacing
        now = display(run.services.org, form_field, current, run.t)
        text += "\n" + run.t._("Your answer so far: %(answer)s", answer=now)
    return Prompt(text)


async def _read_value(run: FlowRun, message) -> Accepted | Problem:
    form_field = _editable(run.context, run.data.get("field"))
    if form_field is None:  # the organisation file changed meanwhile: the step ends the flow
        return Accepted(None)
    return parse_text(form_field, message.text or "")


async def _corrected(run: FlowRun, value) -> End:
    """In the step's transaction: the corrected answer, its history entry and the flow's end."""
    t = run.t
    services = run.services
    form_field = _editable(run.context, run.data.get("field"))
    application = await _sent_application(run.context, run.user_id)
    if (
        form_field is None
        or application is None
        or not await services.applications.correct_answer(
            application.id, run.user_id, form_field.id, value, services.clock()
        )
    ):
        return End(t._("Your application is not available any more."))
    update, context = run.update, run.context

    async def overview() -> None:
        await my_data(update, context)

    return End(t._("✔ Saved. The coordinators will see the change."), menu=False, after=overview)


def _stopped(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been changed.")


CORRECTION = Flow(
    CORRECTION_FLOW,
    lambda run: [Step("value", _ask_value, read=_read_value, done=_corrected)],
    cancelled=_stopped,
)


# ---- deleting the account ---------------------------------------------------------------------------
_ENDED_BY_DELETION = N_(
    "⏹ Agreement no. %(number)s has ended: the volunteer deleted their account in the bot. "
    "The agreement is kept as the law requires."
)
_REMOVED_WITH_ACCOUNT = N_(
    "🗑 Agreement #%(id)d (no. %(number)s, %(state)s) has been removed: the volunteer deleted their account "
    "in the bot before accepting it."
)


async def _tell_coordinators(context: BotContext, running: list[Agreement]) -> None:
    """What the deletion did to the agreements that were running: ended (kept by law), or, a draft
    or an offer not accepted, erased with the account."""
    services = context.services
    for before in running:
        after = await services.agreements.get(before.id)
        if after is not None and after.state == State.ENDED and after.end_reason == ACCOUNT_DELETED:
            await notify_staff(context, after, _ENDED_BY_DELETION)
        elif after is None:

            def compose(t, before=before):
                state = state_name(t, before.state, staff=True)
                text = t._(_REMOVED_WITH_ACCOUNT, id=before.id, number=number(services, before), state=state)
                return text, None

            await tell_coordinators(context.bot, services, compose)


def _since(context: BotContext) -> int:
    return int(context.profile.created_at.timestamp()) if context.profile is not None else 0


async def confirm_delete(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    kept = await privacy.kept_by_law(services.db, update.effective_user.id)
    lines = [
        t._("<b>Delete your account?</b>"),
        "",
        t._(
            "We will erase your profile, your applications and their answers, your consents, your event "
            "sign-ups and hours, your development plan, your preferences and this conversation's saved state."
        ),
    ]
    if kept.get("agreements"):
        lines += [
            "",
            t.ngettext(
                "By law we must keep your volunteer agreements (with their acceptance records and signed copies) "
                "for %(count)d year after they end; the rest of your data is erased.",
                "By law we must keep your volunteer agreements (with their acceptance records and signed copies) "
                "for %(count)d years after they end; the rest of your data is erased.",
                services.org.data_protection.agreements_kept_years,
            ),
        ]
    agreements = await services.agreements.for_volunteer(update.effective_user.id)
    if any(a.state in VOLUNTEER_MAY_END for a in agreements):
        lines += ["", t._("Your volunteer agreement ends today, and the coordinators are told.")]
    lines += await deletion_lines(context, update.effective_user.id, kept)  # stage two's data
    lines += ["", t._("This cannot be undone. You can start again any time with /start.")]
    await confirm(
        update,
        context,
        "\n".join(str(line) for line in lines),
        yes=(t.gettext("🗑 Yes, delete my account"), DeleteAccount(since=_since(context)).pack()),
        no=(t.gettext("« My data"), MY_DATA),
    )


async def delete(update: Update, context: BotContext, press: DeleteAccount) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    if user_id in services.settings.admin_ids:
        await alert(update, t.gettext("Admins are set in the server settings; ask the server's administrator."))
        return
    if press.since != _since(context):  # delivered again, or from before the account was made anew
        await stale_button(update, context)
        return
    # Places in upcoming events go to the waitlist first, as if given back one by one.
    promoted = False
    for event, _registration in await services.events.mine(user_id, services.clock()):
        promoted |= bool((await services.events.leave(event.id, user_id, services.clock())).promoted)
    await services.sessions.end_flow(user_id)  # erase() drops the row too; no flow outlives the account
    kept = await privacy.kept_by_law(services.db, user_id)
    running = [a for a in await services.agreements.for_volunteer(user_id) if a.state in (*PENDING, State.ACTIVE)]
    topic = await services.threads.topic_record(user_id)  # erase() forgets it with the rest
    erased = await privacy.erase(services.db, user_id, services.clock(), today(services))
    if topic is not None:  # their topic in the coordinators' group is their data too
        await delete_topics(context.bot, services, [topic])
    await services.audit.forget_actor(user_id)
    # The log says that an account was deleted and what was kept, never whose.
    await services.audit.record(None, "account.deleted", None, services.clock(), kept=kept, erased=sum(erased.values()))
    if promoted:
        await send_notices_now(context)
    await _tell_coordinators(context, running)
    await update.callback_query.answer()
    await show(
        update,
        context,
        t._(
            "Your account has been deleted. Thank you for the time you gave to others. 💙\n\n"
            "Type /start to begin again."
        ),
    )


# ---- registration -------------------------------------------------------------------------------
_ACTIONS = {"show": my_data, "x": export, "c": consents, "e": choose_field, "del": confirm_delete}


async def pressed(update: Update, context: BotContext, press: MyDataButton) -> None:
    await _ACTIONS[press.act](update, context)


def register(routes: Routes) -> None:
    routes.flow(CORRECTION)
    routes.press(MyDataButton, pressed)
    routes.press(ConsentChoice, set_consent)
    routes.press(CorrectField, start_correction)
    routes.press(DeleteAccount, delete)
    routes.command(["moje_dane", "mydata"], my_data)
