"""A long answer Telegram splits into several messages is one input.

Telegram takes at most 4 096 characters (UTF-16 units) in a message, so a client sends a longer
text as parts: the first ones near the limit (cut at a paragraph or word boundary, or mid-word),
within a second or two of each other. A text part that long is therefore held, not answered: it
is kept in the flow's payload (`_part`, written in the step's transaction, so a restart or
another process sees it) and decided when the next message arrives (a continuation within the
window joins it) or when the window passes (a PTB job, `run_once`, keyed by the person: the held
update again, with a negative update id, through the person's ordered queue). The whole text is
then read by the step like any message: accepted whole or refused whole, never a fragment.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update

from bot.context import SERVICES_KEY
from storage.sessions import FlowState, StaleFlow

TELEGRAM_LIMIT = 4096  # UTF-16 units in one message
NEAR_LIMIT = 3500  # a part this long may have been cut by the client: more may follow
WINDOW = 2.0  # seconds within which the parts of one text arrive
PART = "_part"  # the payload key of a held text


def units(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


MAX_HELD = 8 * TELEGRAM_LIMIT  # beyond any step's limit: decided then, however much more follows


def may_continue(message: Message) -> bool:
    return message.text is not None and units(message.text) >= NEAR_LIMIT


def more_may_follow(message: Message, part: dict[str, Any]) -> bool:
    """Wait for more: the latest part is near the limit, and what is held is not too long already
    (a payload that grows for ever would be a way to fill the database)."""
    return may_continue(message) and units(part["text"]) < MAX_HELD


def hold(update: Update, step_id: str, earlier: dict[str, Any] | None) -> dict[str, Any]:
    """The payload entry that holds this message's text (after `earlier` parts, if any)."""
    message = update.effective_message
    text = message.text if earlier is None else join(earlier["text"], message.text)
    first = earlier or {
        "update": update.update_id,
        "message": message.message_id,
        "user": update.effective_user.to_dict(),
        "chat": update.effective_chat.to_dict(),
    }
    return {**first, "step": step_id, "text": text, "date": _seconds(message), "last": update.update_id}


def continues(part: dict[str, Any], message: Message, step_id: str, window: float) -> bool:
    """The message is the next part of the held text: typed, for the same question, in time
    (message dates are whole seconds, hence the extra second)."""
    if message.text is None or part.get("step") != step_id:
        return False
    return 0 <= _seconds(message) - part["date"] <= window + 1


def join(first: str, second: str) -> str:
    """Parts cut at the limit are cut mid-word: glued as they are; a cut at a boundary lost its
    space, which comes back."""
    if units(first) >= TELEGRAM_LIMIT or first[-1:].isspace() or second[:1].isspace():
        return first + second
    return first + " " + second


def with_text(message: Message, text: str) -> Message:
    """The message as the step reads it: the whole text instead of its last part."""
    whole = Message(message.message_id, message.date, message.chat, from_user=message.from_user, text=text)
    whole.set_bot(message.get_bot())
    return whole


def flush_update(part: dict[str, Any], bot) -> Update:
    """The held update again, marked by a negative id (Telegram's are positive): "the window has
    passed: the held text was the whole message"."""
    data = {
        "update_id": -part["last"],
        "message": {
            "message_id": part["message"],
            "date": part["date"],
            "chat": part["chat"],
            "from": part["user"],
            "text": "",
        },
    }
    return Update.de_json(data, bot)


def is_flush(update: Update) -> bool:
    return update.update_id < 0


async def keep(run, part: dict[str, Any], window: float) -> None:
    """Keep a part of a long text in the flow's payload, unanswered, and (re)start its timer."""
    run.data[PART] = part
    state, services = run.state, run.services
    held = FlowState(state.flow, state.step, run.data, message_id=state.message_id, last_update_id=part["last"])
    try:
        await services.sessions.save_flow(run.user_id, held, expected_version=state.version, now=services.clock())
    except StaleFlow:
        return  # another process moved the flow on: its answer stands
    arm(run.context.application, run.user_id, part, window)


async def resume_held(application, window: float) -> None:
    """At start: a timer for every text held when the process stopped. The full window first, so
    parts Telegram still has for us arrive (and join) before it fires."""
    for user_id, part in await application.bot_data[SERVICES_KEY].sessions.held(PART):
        arm(application, user_id, part, window)


def arm(application, user_id: int, part: dict[str, Any], delay: float) -> None:
    """(Re)start the person's timer: when it fires, the held text is decided alone."""
    queue = application.job_queue
    name = f"flow-part:{user_id}"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_once(_flush, delay, data=part, name=name, user_id=user_id)


async def _flush(context) -> None:
    application = context.application
    if not application.running:  # stopping: the next start re-arms it from the database
        return
    part = context.job.data
    session = await application.bot_data[SERVICES_KEY].sessions.load(context.job.user_id)
    flow = session.flow if session is not None else None
    if flow is None or (flow.data.get(PART) or {}).get("last") != part["last"]:
        return  # answered, left or erased since: no update for it (it would count as the person's)
    update = flush_update(part, application.bot)
    await application.update_processor.process_update(update, application.process_update(update))


def _seconds(message: Message) -> int:
    return int(message.date.timestamp())
