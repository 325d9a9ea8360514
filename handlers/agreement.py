"""The volunteer's side of the agreement: "Moje porozumienie" and everything under it.

- handlers/agreement_read.py — the summary, the PDF, how to sign in writing
- handlers/agreement_sign.py — accepting it in chat (the full name typed, then confirmed)
- handlers/agreement_upload.py — the signed written copy sent back (also a file sent unasked)
- handlers/agreement_end.py — ending it with a reason
- handlers/agreement_attestation.py — the attestation (and the coordinator's opinion on it)

Every button carries the agreement id and is checked against the database: it must be the
volunteer's own agreement, in a state that allows the action.
"""

from __future__ import annotations

from telegram import Update

from bot.buttons.agreements import AgreementButton
from bot.context import BotContext
from bot.routing import Routes
from handlers import agreement_attestation, agreement_end, agreement_sign, agreement_upload
from handlers.agreement_read import current, how_to_sign, my_agreement, send_pdf

__all__ = ["current", "my_agreement", "register"]


async def _my(update: Update, context: BotContext, press: AgreementButton) -> None:
    await my_agreement(update, context)


_ACTIONS = {
    "my": _my,
    "pdf": send_pdf,
    "acc": agreement_sign.start_accepting,
    "sign": agreement_sign.legacy_sign,
    "form": how_to_sign,
    "up": agreement_upload.start_upload,
    "end": agreement_end.start_ending,
    "att": agreement_attestation.request_attestation,
}


async def pressed(update: Update, context: BotContext, press: AgreementButton) -> None:
    await _ACTIONS[press.act](update, context, press)


async def agreement_command(update: Update, context: BotContext) -> None:
    """/porozumienie, /agreement."""
    await my_agreement(update, context)


def register(routes: Routes) -> None:
    agreement_sign.register(routes)
    agreement_upload.register(routes)
    agreement_end.register(routes)
    agreement_attestation.register(routes)
    routes.press(AgreementButton, pressed)
    routes.command(["porozumienie", "agreement"], agreement_command)
