"""How an event looks in chat (the card, the one-line list entry, field names) and in a calendar
(the .ics file). Shared by the volunteers' catalogue, the coordinators' screens and the notices."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

from bot.i18n import N_, Translator, html_escape
from bot.ics import event_ics
from bot.organisation import Organisation
from storage.events import EDITABLE, NOT_KEPT, Audience, Event, EventStatus, Registration, Seat

if TYPE_CHECKING:
    from bot.services import Services

AUDIENCE_NAMES = {
    Audience.EVERYONE: N_("Everyone"),
    Audience.EXPERTS: N_("Accepted team members only"),
    Audience.COORDINATORS: N_("Coordinators only"),
}

# The one label for giving a place back (the card, the promotion, the reminder).
GIVE_UP = N_("🙅 Give up my place")

# What a change notice calls each field.
FIELD_NAMES = {
    "type": N_("type"),
    "title": N_("title"),
    "description": N_("description"),
    "starts_at": N_("date and time"),
    "ends_at": N_("end time"),
    "place": N_("place"),
    "online_url": N_("online link"),
    "county": N_("county"),
    "capacity": N_("number of places"),
    "audience": N_("who can join"),
    "signup_deadline": N_("sign-up deadline"),
}


def type_label(org: Organisation, event_type: str, t: Translator) -> str:
    for choice in org.event_types:
        if choice.id == event_type:
            return choice.label.get(t.locale)
    return event_type


def county_label(org: Organisation, county: str | None, t: Translator) -> str:
    if county is None:
        return t.gettext("whole region")
    return org.county_names.get(county, county)


def map_url(place: str) -> str:
    """An OpenStreetMap search for the address (no key, no tracking of the reader)."""
    return "https://www.openstreetmap.org/search?query=" + quote(place, safe="")


def when(event: Event, t: Translator) -> str:
    """`czwartek, 12 marca 2027, 18:00–20:00`; an event over several days shows both ends in full."""
    start, end = t.local(event.starts_at), t.local(event.ends_at)
    if start.date() == end.date():
        return f"{t.date(start, 'EEEE, d MMMM y')}, {t.time(start)}–{t.time(end)}"
    return f"{t.datetime(start, 'd MMMM y, HH:mm')} – {t.datetime(end, 'd MMMM y, HH:mm')}"


def short_when(event: Event, t: Translator) -> str:
    return t.datetime(event.starts_at, "EEE d.MM, HH:mm")


def is_full(event: Event) -> bool:
    return event.capacity is not None and event.free_seats == 0


def sign_up_label(event: Event, t: Translator) -> str:
    """ "Sign me up", or "Join the waitlist" when a sign-up would go there."""
    return t.gettext("⏳ Join the waitlist") if is_full(event) else t.gettext("✅ Sign me up")


def list_label(event: Event, t: Translator, seat: Seat | None = None) -> str:
    """A button label: `czw. 12.03, 18:00 · Title` (kept short: Telegram cuts long labels).
    "(waitlist)" says where a new sign-up would go, or where the reader stands (`seat`): a person
    holding a place is never told the waitlist."""
    title = event.title if len(event.title) <= 40 else event.title[:39] + "…"
    label = f"{short_when(event, t)} · {title}"
    if seat == Seat.WAITLISTED or (seat != Seat.REGISTERED and is_full(event)):
        label += " " + t.gettext("(waitlist)")
    return label


def seats_line(event: Event, t: Translator) -> Markup:
    if event.capacity is None:
        return t._("👥 No limit on places; %(count)d signed up.", count=event.registered)
    if event.free_seats:
        return t.ngettext(
            "👥 %(count)d place free of %(capacity)d.",
            "👥 %(count)d places free of %(capacity)d.",
            event.free_seats,
            capacity=event.capacity,
        )
    if not event.waitlisted:
        # Facts only: the same card is shown to the person holding the last place.
        return t._(
            "👥 All places are taken (%(taken)d of %(capacity)d).", taken=event.registered, capacity=event.capacity
        )
    return t.ngettext(
        "👥 No places left (%(capacity)d); %(count)d person on the waitlist.",
        "👥 No places left (%(capacity)d); %(count)d people on the waitlist.",
        event.waitlisted,
        capacity=event.capacity,
    )


def card(event: Event, org: Organisation, t: Translator, now: datetime, mine: Registration | None = None) -> Markup:
    """Everything a volunteer needs to decide, in the reader's language; user-given texts escaped."""
    lines = [
        t._("<b>%(title)s</b>", title=event.title),
        t._("%(type)s · %(county)s", type=type_label(org, event.type, t), county=county_label(org, event.county, t)),
        "",
        t._("🗓 %(when)s", when=when(event, t)),
    ]
    if event.place:
        lines.append(t._('📍 %(place)s (<a href="%(url)s">map</a>)', place=event.place, url=map_url(event.place)))
    if event.online_url:
        lines.append(t._('💻 Online: <a href="%(url)s">link to the meeting</a>', url=event.online_url))
    lines.append(seats_line(event, t))
    if event.audience != Audience.EVERYONE:
        lines.append(t._("🔒 %(audience)s", audience=t.gettext(AUDIENCE_NAMES[event.audience])))
    if event.status == EventStatus.PUBLISHED and event.closed_reason(now) is None:
        lines.append(t._("⏳ Sign-up until %(deadline)s.", deadline=t.datetime(event.closes_at)))
    if event.description:
        lines += ["", html_escape(event.description)]
    status = status_line(event, t, now, mine)
    if status:
        lines += ["", status]
    # Every line is escaped already; Markup keeps it so when a note is put in front.
    return Markup("\n".join(str(line) for line in lines))


def status_line(event: Event, t: Translator, now: datetime, mine: Registration | None) -> Markup | None:
    if event.status == EventStatus.CANCELLED:
        reason = event.cancel_reason or ""
        return t._("❌ <b>Cancelled.</b> %(reason)s", reason=reason)
    if event.status == EventStatus.DRAFT:
        return t._("📝 <b>Draft</b>: volunteers do not see it yet.")
    if mine is not None and mine.status == Seat.REGISTERED:
        return t._("✅ <b>You have a place.</b>")
    if mine is not None and mine.status == Seat.WAITLISTED:
        return t._("⏳ <b>You are on the waitlist: number %(position)d.</b>", position=mine.position or 0)
    if now >= event.ends_at:
        return t._("This event has ended.")
    if now >= event.starts_at:
        return t._("This event is under way; sign-up is closed.")
    if now >= event.closes_at:
        return t._("Sign-up for this event has closed.")
    return None


def changed_fields(was: dict[str, Any], t: Translator) -> str:
    return ", ".join(t.gettext(FIELD_NAMES[f]) for f in EDITABLE if f in was)


def field_value(event: Event, field: str, value: Any, org: Organisation, t: Translator) -> str | None:
    """How a change notice shows one value of a field; None when it is too long to repeat."""
    if field == "description":
        return None
    if field in ("starts_at", "ends_at"):
        return t.datetime(value, "EEEE, d MMMM y, HH:mm") if value else "—"
    if field == "signup_deadline":
        return t.datetime(value) if value else t.gettext("until it starts")
    if field == "type":
        return type_label(org, value, t)
    if field == "county":
        return county_label(org, value, t)
    if field == "capacity":
        return str(value) if value is not None else t.gettext("No limit")
    if field == "audience":
        return t.gettext(AUDIENCE_NAMES[Audience(value)])
    return value or "—"


def change_lines(event: Event, was: dict[str, Any], org: Organisation, t: Translator) -> list[Markup]:
    """ "• date and time: Saturday, 28 November 2026, 17:30 → Sunday, …" for each changed field;
    only the field's name where the value is long (the description) or was not kept."""
    lines = []
    for field in EDITABLE:
        if field not in was:
            continue
        name = t.gettext(FIELD_NAMES[field])
        before = None if was[field] == NOT_KEPT else field_value(event, field, was[field], org, t)
        after = field_value(event, field, getattr(event, field), org, t)
        if before is None or after is None:
            lines.append(t._("• %(field)s: changed", field=name))
        else:
            lines.append(t._("• %(field)s: %(was)s → <b>%(now)s</b>", field=name, was=before, now=after))
    return lines


def calendar_bytes(services: Services, event: Event) -> bytes:
    org = services.org.organisation
    domain = org.email.split("@", 1)[1] if "@" in org.email else "volunteer-bot"
    return event_ics(
        event,
        tz=services.settings.tz,
        domain=domain,
        organiser_name=org.name,
        organiser_email=org.email,
        map_url=map_url(event.place) if event.place else None,
        alarms_minutes=services.org.events.reminder_minutes,
        now=services.clock(),
    )
