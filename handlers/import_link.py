"""A personal link from an import of volunteers (the panel: t.me/<bot>?start=imp_<token>).

Opened in Telegram it connects this account to the imported record, once, and makes the accepted
application from it — but only after the person has accepted the programme's rules and consented
to the processing of their data, as everyone who applies does: the organisation's spreadsheet
carried what it knew, not the person's consent. The consents still needed are asked as a flow
(the token's hash held in its payload, so a restart loses nothing and the database holds no usable
link); refusing ends it and connects nothing.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.flow import BUTTONS_ONLY, End, Flow, FlowRun, Step
from bot.forms import YES
from bot.routing import Routes
from handlers.application_form import ask_privacy, ask_rules
from handlers.common import audit
from handlers.menu import deep_link, menu_after
from storage.consents import PRIVACY, RULES
from storage.panel_import import LinkRefused, VolunteerImports
from storage.panel_sessions import digest

NAME = "imp"
TOKEN_LENGTH = 100  # longer than any token the import makes; the rest of a payload is ignored


@deep_link("imp")
async def open_link(update: Update, context: BotContext, token: str) -> None:
    t = context.t
    services = context.services
    token = token[:TOKEN_LENGTH]
    if not await VolunteerImports(services.db).usable(token):
        await menu_after(update, context, t._("This link does not work any more. Ask a coordinator for a new one."))
        return
    user_id = update.effective_user.id
    need = []
    if not await services.consents.has_current(user_id, RULES, services.org.rules.version):
        need.append("rules")
    if not await services.consents.has_current(user_id, PRIVACY, services.org.data_protection.version):
        need.append("privacy")
    if not need:
        await menu_after(update, context, await _connect(context, user_id, digest(token)))
        return
    await context.flows.start(update, context, NAME, {"token_hash": digest(token), "need": need, "intro": True})


async def _connect(context: BotContext, user_id: int, token_hash: str) -> str:
    """Connects the account; what to tell the person."""
    t = context.t
    services = context.services
    try:
        application_id = await VolunteerImports(services.db).link_by_hash(token_hash, user_id, services.clock())
    except LinkRefused as refused:
        if refused.reason == "in_progress":
            return t._("You have an application in progress: finish or withdraw it first, then open the link again.")
        return t._("This link does not work any more. Ask a coordinator for a new one.")
    await audit(context, user_id, "volunteers.connected", f"application:{application_id}")
    programme = services.org.programme.name.get(t.locale)
    return t._(
        "✅ Your Telegram account is now connected to your data in %(programme)s. Welcome to the team!",
        programme=programme,
    )


def _steps(run: FlowRun) -> list[Step]:
    steps = []
    need = run.data.get("need", [])
    for step_id in need:
        last = step_id == need[-1]
        if step_id == "rules":
            steps.append(Step("rules", ask_rules, BUTTONS_ONLY, numbered=False, done=_connected if last else None))
        else:
            steps.append(Step("privacy", ask_privacy, BUTTONS_ONLY, numbered=False, done=_connected))
    return steps


async def _save(run: FlowRun, step: Step, value: str) -> None:
    services = run.services
    org, now = services.org, services.clock()
    if step.id == "rules":
        await services.consents.record(run.user_id, RULES, org.rules.version, True, now)
    else:
        await services.consents.record(run.user_id, PRIVACY, org.data_protection.version, value == YES, now)


async def _connected(run: FlowRun, value: str) -> End:
    """The last consent given (in its step's transaction, with the consent kept): connect."""
    if value != YES:  # the refusal is kept (it is a decision); nothing is connected
        return End(
            run.t._(
                "Without this consent we cannot connect your account to your data. Open the link again "
                "whenever you decide to."
            )
        )
    # A flow started before the hash was kept holds the token itself.
    token_hash = run.data.get("token_hash") or digest(run.data["token"])
    return End(await _connect(run.context, run.user_id, token_hash))


FLOW = Flow(NAME, _steps, save=_save)


def register(routes: Routes) -> None:
    routes.flow(FLOW)
