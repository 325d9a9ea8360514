""" "✉️ Write to a coordinator" (issue 15), the person's side: a message to the team as a flow
step (text, a photo or a document), from the main menu, /pytanie (/ask) or "↩️ Reply" under an
answer; and the offer, for a text written outside any flow, to send it to the coordinators with
one tap (held in thread_offers, so a restart loses nothing; nothing is sent without the tap).

The coordinators' side: handlers/counselling_staff.py; the relay: bot/counselling.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram import Message, Update

from bot.buttons.menu import MAIN_MENU
from bot.buttons.threads import AskButton, OfferButton
from bot.context import BotContext
from bot.counselling import to_staff, utf16_len
from bot.flow import FILE, TEXT, End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import N_
from bot.routing import Routes
from handlers.common import keyboard, show, stale_button
from storage.threads import Content

log = logging.getLogger(__name__)

ASK_FLOW = "ask"
OTHER_KIND = "other"  # stickers, voice messages...: read, to be answered clearly
NOT_PASSED = N_(
    "Stickers and voice messages can't be passed on to the coordinators. Please write your message as "
    "text, or send a photo or a document."
)
SPLIT_AT = 4000  # a text this long may be the first part of one Telegram split
SPLIT_WINDOW = timedelta(seconds=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def content_of(message: Message) -> Content | None:
    """What a message carries that can be passed on; None for stickers, voice messages and the like."""
    if message.text is not None:
        return Content("text", message.text)
    if message.photo:
        return Content("photo", message.caption, message.photo[-1].file_id)
    if message.document is not None:
        return Content("document", message.caption, message.document.file_id, message.document.file_name)
    return None


async def read_content(run: FlowRun, message: Message) -> Accepted | Problem:
    content = content_of(message)
    if content is None:
        return Problem(NOT_PASSED)
    return Accepted(content.to_dict())


CONTENT_KINDS = frozenset({TEXT, FILE, OTHER_KIND})


# ---- the person writes ----------------------------------------------------------------------------
async def _ask(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "✉️ Write your message to the coordinators: a question, a photo or a document. It goes to "
            "the team, and the answer comes here, in this chat. /anuluj to stop."
        ),
        numbered=False,
    )


async def _sent(run: FlowRun, value: dict) -> End:
    services = run.services
    thread, message = await services.threads.from_person(run.user_id, Content.from_dict(value), services.clock())
    app = run.context.application

    async def relay() -> None:
        await to_staff(app, services, thread, message)

    return End(reached_the_team(run.context), after=relay)


def reached_the_team(context: BotContext) -> str:
    return context.t._("✅ Your message reached the team. The answer will come here, in this chat.")


ASK = Flow(
    ASK_FLOW,
    lambda run: [Step("msg", _ask, CONTENT_KINDS, read=read_content, done=_sent, numbered=False)],
    cancelled=lambda run: run.t._("Stopped. Nothing was sent."),
)


async def ask(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.flows.start(update, context, ASK_FLOW)


async def ask_pressed(update: Update, context: BotContext, press: AskButton) -> None:
    await ask(update, context)


# ---- the offer, for what was written outside any flow ---------------------------------------------
def _stamp(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


async def hold_offer(update: Update, context: BotContext) -> tuple[str, tuple[str, str]] | None:
    """Hold the message to be sent with one tap: (what to say, the button), or None (staff, or
    nothing that can be passed on)."""
    message = update.effective_message
    content = content_of(message) if message is not None else None
    if content is None or context.is_coordinator:
        return None
    services = context.services
    user_id = update.effective_user.id
    now = services.clock()
    held = await services.threads.offered(user_id)
    continues = (
        held is not None
        and content.kind == "text"
        and held[0][-1].kind == "text"
        and utf16_len(held[0][-1].body or "") >= SPLIT_AT
        and now - held[1] <= SPLIT_WINDOW
    )
    await services.threads.offer(user_id, content, now, continues=continues)
    t = context.t
    text = t._(
        "I didn't understand that 🙂 If it is a message for the team, I can pass it on to the coordinators: "
        "they answer here, in this chat. Or choose something from the menu below."
    )
    return text, (t.gettext("✉️ Send it to the coordinators"), OfferButton(at=_stamp(now)).pack())


async def send_offer(update: Update, context: BotContext, press: OfferButton) -> None:
    services = context.services
    user_id = update.effective_user.id
    held = await services.threads.offered(user_id)
    content = await services.threads.take_offer(user_id, held[1]) if held and _stamp(held[1]) == press.at else None
    if content is None:  # sent already, or a newer text replaced it
        await stale_button(update, context)
        return
    thread, message = await services.threads.from_person(user_id, content, services.clock())
    t = context.t
    await show(update, context, reached_the_team(context), keyboard([[(t.gettext("« Main menu"), MAIN_MENU)]]))
    await to_staff(context.application, services, thread, message)


async def mydata_lines(context: BotContext, user_id: int) -> list[str]:
    """ "Moje dane": how much of their conversations with the coordinators is stored."""
    threads, messages = await context.services.threads.count_of_person(user_id)
    if not threads:
        return []
    t = context.t
    return [
        "",
        t._("<b>Conversations with the coordinators</b>"),
        t.ngettext(
            "%(count)d message, kept %(days)d days after the last one (all of them are in the JSON file).",
            "%(count)d messages, kept %(days)d days after the last one (all of them are in the JSON file).",
            messages,
            days=context.services.org.counselling.retention_days,
        ),
    ]


def register(routes: Routes) -> None:
    routes.flow(ASK)
    routes.press(AskButton, ask_pressed)
    routes.press(OfferButton, send_offer)
    routes.command(["pytanie", "ask"], ask)
