"""Checking a document's code: t.me/<bot>?start=verify_<code> (the QR code on every agreement and
attestation issued with a code, when BOT_PUBLIC_URL is not set).

Anyone may check a document, also someone who has nothing to do with the programme: such a person
is answered here without being recorded (handlers/session.py hands the update over before any
users row is written), in the language their Telegram uses. Each check adds one to the document's
counter; who checked is stored nowhere. `verification_facts` is the one description of a
document, for the web page the panel will serve at <BOT_PUBLIC_URL>/verify/<code> as well; it
shows the keys of a document's facts it knows (a key added to the facts needs its line here).
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from telegram import Update

from bot.context import BotContext
from bot.documents import DEEP_LINK
from bot.i18n import N_, Translator, resolve_locale, translator
from handlers.menu import deep_link
from storage.documents import Kind, Standing, Verification, grouped, normalise_code

KIND_NAMES = {Kind.AGREEMENT: N_("volunteer agreement"), Kind.ATTESTATION: N_("attestation of volunteering")}
SHORT_DATE = "dd.MM.y"


def _day(t: Translator, iso: str | None) -> str:
    return t.date(date.fromisoformat(iso), SHORT_DATE) if iso else "—"


def standing_line(t: Translator, found: Verification) -> Markup:
    doc = found.document
    match found.standing:
        case Standing.REVOKED:
            return t._(
                "⛔ <b>Revoked</b> on %(date)s: this document is not valid.", date=t.date(doc.revoked_at, SHORT_DATE)
            )
        case Standing.REPLACED:
            return t._(
                "↪️ <b>Replaced</b> by document no. %(number)s issued on %(date)s: this one is not valid any more.",
                number=found.replacement_number or "—",
                date=t.date(found.replacement_issued_at, SHORT_DATE) if found.replacement_issued_at else "—",
            )
        case Standing.WITHDRAWN:
            return t._("⛔ <b>Not valid</b>: this text was taken back before it was accepted.")
        case Standing.PENDING:
            return t._("⏳ <b>Not in force</b>: this agreement was offered and has not been accepted yet.")
    return t._("✅ <b>Valid.</b>")


def _agreement_line(t: Translator, found: Verification) -> Markup | None:
    """Where the agreement a valid agreement document states stands today."""
    if found.document.kind != Kind.AGREEMENT or found.standing != Standing.VALID:
        return None
    state = found.agreement_state
    if state == "active":
        return t._("The agreement is in force until %(date)s.", date=t.date(found.agreement_end, SHORT_DATE))
    if state in ("accepted", "signed"):
        return t._("The agreement has been accepted; it is not in force yet.")
    if state == "ended":
        ended = found.agreement_ended_on or found.agreement_end
        return t._("The agreement ended on %(date)s.", date=t.date(ended, SHORT_DATE))
    if state == "expired":
        return t._("The agreement ended on %(date)s.", date=t.date(found.agreement_end, SHORT_DATE))
    return None


def verification_facts(t: Translator, found: Verification) -> list[Markup]:
    """What the document states and whether it stands, one line each (HTML-safe)."""
    doc = found.document
    facts = doc.facts
    lines = [
        t._("🔎 <b>Document verification</b> · code %(code)s", code=grouped(doc.code)),
        standing_line(t, found),
        "",
        t._("Issued by: %(issuer)s", issuer=facts.get("issuer", "—")),
        t._("Programme: %(programme)s", programme=facts.get("programme", "—")),
        t._(
            "Document: %(kind)s no. %(number)s, issued on %(date)s",
            kind=t.gettext(KIND_NAMES[doc.kind]),
            number=doc.number,
            date=t.date(doc.issued_at, SHORT_DATE),
        ),
        t._("Person: %(name)s", name=facts.get("name", "—")),
        t._("Period: %(start)s – %(end)s", start=_day(t, facts.get("start")), end=_day(t, facts.get("end"))),
    ]
    if facts.get("hours"):
        lines.append(t._("Hours stated: %(hours)s", hours=t.number(facts["hours"])))
    if facts.get("work"):
        lines.append(t._("Kinds of work: %(kinds)s", kinds=", ".join(map(str, facts["work"]))))
    agreement = _agreement_line(t, found)
    if agreement is not None:
        lines.append(agreement)
    return lines


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
