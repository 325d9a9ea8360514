"""Sending the signed written copy back: a flow ("agu") of one step that takes a file, and a file
sent outside it (taken when a signed copy is awaited, else answered politely)."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import MessageHandler, filters

from bot.agreements import file_problem, file_type
from bot.buttons.agreements import AgreementButton
from bot.context import BotContext
from bot.flow import FILE, Accepted, End, Flow, FlowRun, Problem, Prompt, Step
from bot.i18n import N_
from bot.routing import Routes
from handlers.agreement_read import my_agreement, own
from handlers.agreement_text import notify_staff
from handlers.common import stale_button
from handlers.menu import menu_after
from storage.agreements import Agreement, State, TransitionRefused

log = logging.getLogger(__name__)

NAME = "agu"
FILE_NAME_LIMIT = 120


async def start_upload(update: Update, context: BotContext, press: AgreementButton) -> None:
    agreement = await own(update, context, press, (State.ACCEPTED,))
    if agreement is None:
        return
    if not agreement.written_required:
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, NAME, {"id": agreement.id})


async def awaiting_copy(context: BotContext, user_id: int) -> Agreement | None:
    for agreement in await context.services.agreements.for_volunteer(user_id):
        if agreement.state == State.ACCEPTED and agreement.written_required:
            return agreement
    return None


async def _download(context: BotContext, message: Message) -> Accepted | Problem:
    """The file's name and content, or why it cannot be taken (a photo, too large, not a PDF/JPEG/PNG)."""
    document = message.document
    if document is None:
        return Problem(
            N_(
                "Photos are compressed and may become unreadable. Please send the scan as a file "
                "(📎 → File), as PDF, JPEG or PNG. /anuluj to stop."
            )
        )
    max_mb = context.services.org.agreement.max_upload_mb
    problem = file_problem(None, document.file_size, max_mb)
    if problem is not None:
        return problem
    try:
        telegram_file = await document.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as exc:
        if "too big" in exc.message.lower():  # over the 20 MB Telegram lets a bot download
            return file_problem(None, max_mb * 1024 * 1024 + 1, max_mb)
        return _not_downloaded(context, exc)
    except (TelegramError, OSError) as exc:  # the network, the file server, or a local file gone
        return _not_downloaded(context, exc)
    problem = file_problem(content, len(content), max_mb)
    if problem is not None:
        return problem
    return Accepted(((document.file_name or "podpisane-porozumienie")[:FILE_NAME_LIMIT], content))


def _not_downloaded(context: BotContext, exc: Exception) -> Problem:
    """Not the person's fault: they are asked to send the file again, the log says where to look."""
    settings = context.services.settings
    if settings.local_mode:
        log.warning(
            "could not read a signed copy (TELEGRAM_LOCAL_MODE=1: the Bot API server's files must be readable "
            "by the bot at the path the server gives): %s",
            exc,
        )
    else:
        log.warning("could not download a signed copy from %s: %s", settings.base_file_url, exc)
    return Problem(
        N_(
            "The file could not be downloaded from Telegram: a temporary problem on our side, not with your file. "
            "Please send it again in a moment. /anuluj to stop."
        )
    )


async def _store(context: BotContext, update: Update, agreement_id: int, name: str, content: bytes) -> End:
    """Keep the file (in the caller's transaction); the coordinators are told after the commit."""
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    try:
        stored = await services.agreements.add_file(
            agreement_id, user_id, name, file_type(content) or "", content, services.clock()
        )
    except TransitionRefused:
        return End(t._("This agreement is no longer waiting for a signed copy."))
    agreement = await services.agreements.get(agreement_id)

    async def tell_coordinators() -> None:
        await notify_staff(context, agreement, N_("📎 %(name)s sent a signed copy of agreement no. %(number)s."))

    return End(
        t._(
            "📎 Received: %(name)s. The coordinator will check the signed copy and confirm it; you will get a "
            "message here.",
            name=stored.file_name,
        ),
        after=tell_coordinators,
    )


# ---- the flow ------------------------------------------------------------------------------------
async def _ask(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Send the signed agreement as a file: a PDF, or a scan as JPEG or PNG, at most %(mb)d MB. /anuluj to stop.",
            mb=run.services.org.agreement.max_upload_mb,
        )
    )


async def _read(run: FlowRun, message: Message) -> Accepted | Problem:
    return await _download(run.context, message)


async def _done(run: FlowRun, value) -> End:
    name, content = value
    return await _store(run.context, run.update, run.data["id"], name, content)


async def _stale(update: Update, context: BotContext) -> None:
    await my_agreement(update, context)


FLOW = Flow(
    NAME,
    lambda run: [Step("file", _ask, frozenset({FILE}), read=_read, done=_done)],
    stale=_stale,
    cancelled=lambda run: run.t._("Stopped: no file was sent."),
)


# ---- a file sent outside the flow ------------------------------------------------------------------
async def stray_document(update: Update, context: BotContext) -> None:
    """A file sent outside the upload step: a signed copy if one is awaited, else the usual answer."""
    t = context.t
    agreement = await awaiting_copy(context, update.effective_user.id)
    if agreement is None:
        await menu_after(
            update, context, t._("I can't handle this kind of message. Choose something from the menu below.")
        )
        return
    result = await _download(context, update.effective_message)
    if isinstance(result, Problem):  # said, then the upload step waits for a better file
        await context.bot.send_message(update.effective_chat.id, result.text(t))
        await context.flows.start(update, context, NAME, {"id": agreement.id})
        return
    name, content = result.value
    async with context.services.db.transaction():
        end = await _store(context, update, agreement.id, name, content)
    await menu_after(update, context, end.text)
    if end.after is not None:
        await end.after()


def register(routes: Routes) -> None:
    routes.flow(FLOW)
    routes.handler(MessageHandler(filters.Document.ALL, stray_document))
