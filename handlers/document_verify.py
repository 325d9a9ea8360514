"""Checking a document's code: t.me/<bot>?start=verify_<code> (the QR code on every agreement and
attestation issued with a code, when BOT_PUBLIC_URL is not set).

Anyone may check a document, also someone who has nothing to do with the programme: such a person
is answered here without being recorded (handlers/session.py hands the update over before any
users row is written), in the language their Telegram uses. Each check adds one to the document's
counter; who checked is stored nowhere. What the answer says of a document is
bot.documents.verification_facts, which the panel's page at <BOT_PUBLIC_URL>/verify/<code> can use too.
"""

from __future__ import annotations

from markupsafe import Markup
from telegram import Update

from bot.context import BotContext
from bot.documents import DEEP_LINK, verification_facts
from bot.i18n import resolve_locale, translator
from handlers.menu import deep_link
from storage.documents import grouped, normalise_code


async def answer(update: Update, context: BotContext, argument: str) -> None:
    t = context.t
    code = normalise_code(argument)
    found = await context.services.documents.verify(code) if code else None
    if code is None:
        text = t._(
            "❓ This is not a document code. A code has 12 letters and digits, like ABCD-EFGH-2345: "
            "please check the link or the code printed on the document."
        )
    elif found is None:
        text = t._(
            "❓ No document has the code %(code)s. Please check it is exactly as printed; if it is, "
            "this document was not issued by this programme.",
            code=grouped(code),
        )
    else:
        lines = [*verification_facts(t, found), "", t._("<i>Nothing about who checked is stored.</i>")]
        text = Markup("\n").join(lines)
    await context.bot.send_message(update.effective_chat.id, text)


@deep_link(DEEP_LINK)
async def verify_link(update: Update, context: BotContext, argument: str) -> None:
    await answer(update, context, argument)


def verify_argument(update: Update) -> str | None:
    """The code part of "/start verify_<code>" (None: some other message)."""
    message = update.message
    parts = (message.text or "").split() if message is not None else []
    if len(parts) != 2 or parts[0].split("@", 1)[0] != "/start":
        return None
    prefix, _, argument = parts[1].partition("_")
    return argument if prefix == DEEP_LINK else None


async def for_a_stranger(update: Update, context: BotContext) -> bool:
    """A verify link from someone the bot does not know: answered here, nothing about them written.
    False for anything else (and for people the bot knows, who go the usual way)."""
    argument = verify_argument(update)
    if argument is None:
        return False
    services = context.services
    user = update.effective_user
    if await services.sessions.load(user.id) is not None:
        return False
    settings = services.settings
    context.t = translator(resolve_locale(None, user.language_code, settings.default_locale), settings.timezone)
    await answer(update, context, argument)
    return True
