""" "Moje dane" and stage two: the summary line of one's work logs (every log is in the JSON file),
and what deleting the account does to the organisations one speaks for, the requests for support
one sent, the confirmed hours and the documents' verification codes (handlers/mydata.py shows both).

What happens is decided elsewhere; this only says it: an organisation loses the person's contact
row (an unverified one left without contacts is erased by the trigger of migration 0017, a verified
one stays), a request keeps its place with the contact set to NULL, the hours ledger and the work
logs are erased with the person (not in storage.privacy.KEPT_BY_LAW), attestations too, and the
documents of the agreements kept by law keep answering their codes."""

from __future__ import annotations

from bot import hours_text
from bot.context import BotContext
from storage import partner_privacy
from storage.organisations import OrgStatus


async def work_lines(context: BotContext, user_id: int) -> list[str]:
    t = context.t
    work = await partner_privacy.work_summary(context.services.db, user_id)
    if not work.logs:
        return []
    return [
        t.ngettext(
            "Work logged on requests for support: %(count)d entry, %(confirmed)d of them confirmed (%(hours)s); "
            "the details are in the JSON file.",
            "Work logged on requests for support: %(count)d entries, %(confirmed)d of them confirmed (%(hours)s); "
            "the details are in the JSON file.",
            work.logs,
            confirmed=work.confirmed,
            hours=hours_text.hours(t, work.confirmed_hours),
        )
    ]


async def deletion_lines(context: BotContext, user_id: int, kept: dict[str, int]) -> list[str]:
    """For the deletion's confirmation; `kept`: storage.privacy.kept_by_law for the person."""
    t, services = context.t, context.services
    lines: list[str] = []
    for organisation, _contact in await services.organisations.of_person(user_id):
        others = [c for c in await services.organisations.contacts(organisation.id) if c.telegram_id != user_id]
        if others:
            text = t._(
                "The organisation %(name)s stays with its other contact people; your details as its contact "
                "person are erased.",
                name=organisation.name,
            )
        elif organisation.status == OrgStatus.VERIFIED:
            text = t._(
                "The organisation %(name)s is verified, so it stays in the programme, without a contact person "
                "until the coordinators add one. Your details as its contact person are erased.",
                name=organisation.name,
            )
        else:
            text = t._(
                "The organisation %(name)s has not been verified and you are its only contact person: it is "
                "erased with your account.",
                name=organisation.name,
            )
        lines.append(str(text))
    sent = await partner_privacy.requests_sent(services.db, user_id)
    if sent:
        lines.append(
            t.ngettext(
                "%(count)d request for support you sent stays with the organisation, without your name and "
                "contact details.",
                "%(count)d requests for support you sent stay with the organisation, without your name and "
                "contact details.",
                sent,
            )
        )
    hours = await services.hours.total(user_id)
    if hours:
        lines.append(
            t._(
                "Your confirmed hours (%(hours)s) are erased too, with your work logs; download your data first "
                "if you need a record of them.",
                hours=hours_text.hours(t, hours),
            )
        )
    if await partner_privacy.attestation_codes(services.db, user_id):
        lines.append(t._("The attestations issued to you are erased, and their verification codes stop answering."))
    if kept.get("documents"):
        lines.append(
            t._(
                "The verification codes of the kept agreements keep answering: whoever holds such a document "
                "can still check it."
            )
        )
    return ["", *lines] if lines else []
