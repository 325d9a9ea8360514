"""The public page behind a document's QR code when BOT_PUBLIC_URL is set: <url>/verify/<code>.

Someone checking an agreement or an attestation may have no Telegram: this page tells them what
the document states and whether it stands, with the same facts as the bot's answer to
start=verify_<code> (bot.documents.verification_facts), in the language their browser asks for
(Polish, English or Ukrainian; else the bot's default). No sign-in; nothing about who checked is
stored — each check adds one to the document's counter, as in the chat.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import SUPPORTED_LOCALES
from bot.documents import verification_facts
from bot.i18n import translator
from bot.web.auth import services_of
from bot.web.server import message_page
from storage.documents import grouped, normalise_code


def _browser_locale(request: Request, default: str) -> str:
    """The first language of Accept-Language the bot speaks."""
    for part in request.headers.get("accept-language", "").split(","):
        base = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


async def verify_page(request: Request) -> Response:
    services = services_of(request)
    settings = services.settings
    t = translator(_browser_locale(request, settings.default_locale), settings.timezone)
    title = t.gettext("Document verification")
    code = normalise_code(request.path_params["code"][:64])
    found = await services.documents.verify(code) if code else None
    if code is None:
        lines = [
            t._(
                "❓ This is not a document code. A code has 12 letters and digits, like ABCD-EFGH-2345: "
                "please check the link or the code printed on the document."
            )
        ]
        return message_page(request, t, None, title, lines, 404)
    if found is None:
        lines = [
            t._(
                "❓ No document has the code %(code)s. Please check it is exactly as printed; if it is, "
                "this document was not issued by this programme.",
                code=grouped(code),
            )
        ]
        return message_page(request, t, None, title, lines, 404)
    facts = [line for line in verification_facts(t, found) if str(line).strip()]  # paragraphs, no empty ones
    lines = [*facts, t._("<i>Nothing about who checked is stored.</i>")]
    return message_page(request, t, None, title, lines, 200)


PUBLIC_PAGES = [Route("/verify/{code}", verify_page)]
