"""Texts of broadcasts: the message recipients get, the audience, progress and reports (shared by
the announcement handlers and the paced sender, bot/broadcast_sender.py)."""

from __future__ import annotations

import html
import re
from datetime import datetime

from markupsafe import Markup

from bot.buttons.broadcasts import button
from bot.config import SUPPORTED_LOCALES
from bot.i18n import N_, Translator, html_escape, translator
from bot.replies import keyboard
from storage.broadcasts import Audience, Broadcast, BroadcastStatus, EventChoice, Group, Progress
from storage.preferences import Category

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

CATEGORY_LABELS = {
    Category.TRAININGS: N_("🎓 Trainings"),
    Category.EVENTS: N_("📅 Events"),
    Category.COALITION: N_("🤝 Coalition meetings"),
    Category.GENERAL: N_("📢 General announcements"),
}
GROUP_LABELS = {
    Group.EVERYONE: N_("Everyone who wrote to the bot"),
    Group.EXPERTS: N_("Accepted experts"),
    Group.AWAITING: N_("Applicants awaiting review"),
    Group.AGREEMENT: N_("Volunteers with an active agreement"),
}
STATUS_ICONS = {
    BroadcastStatus.DRAFT: "📝",
    BroadcastStatus.SCHEDULED: "🕒",
    BroadcastStatus.SENDING: "📤",
    BroadcastStatus.DONE: "✅",
    BroadcastStatus.CANCELLED: "✖️",
}


def status_name(t: Translator, status: BroadcastStatus) -> str:
    return {
        BroadcastStatus.DRAFT: t.gettext("draft"),
        BroadcastStatus.SCHEDULED: t.gettext("scheduled"),
        BroadcastStatus.SENDING: t.gettext("sending"),
        BroadcastStatus.DONE: t.gettext("sent"),
        BroadcastStatus.CANCELLED: t.gettext("cancelled"),
    }[status]


# ---- what recipients see -----------------------------------------------------------------
def render_broadcast(broadcast: Broadcast, t: Translator) -> str:
    """The message exactly as a recipient in `t`'s language gets it (also the preview)."""
    parts = []
    if broadcast.urgent:
        parts.append(t._("❗ <b>Urgent</b>"))
    if broadcast.body_html:
        parts.append(Markup(broadcast.body_html))  # Telegram's own entities, converted and escaped by PTB
    parts.append(footer(t))
    return "\n\n".join(str(p) for p in parts)


def footer(t: Translator) -> Markup:
    return t._("🔔 <i>Choose which announcements you get: /notifications</i>")


def _plain_length(markup: str) -> int:
    plain = html.unescape(re.sub(r"<[^>]+>", "", markup))
    return len(plain.encode("utf-16-le")) // 2


def overhead() -> int:
    """Characters the header and footer may take, in the longest language."""
    longest = 0
    for locale in SUPPORTED_LOCALES:
        t = translator(locale)
        longest = max(longest, _plain_length(str(t._("❗ <b>Urgent</b>")) + str(footer(t))) + 4)
    return longest


def body_limit(with_media: bool) -> int:
    return (CAPTION_LIMIT if with_media else TEXT_LIMIT) - overhead()


# ---- the audience ---------------------------------------------------------------------------
def audience_lines(
    t: Translator, audience: Audience, county_names: dict[str, str], competences: dict[str, str], events: dict[int, str]
) -> list[str]:
    if audience.everyone:
        lines = [t._("Who: %(who)s", who=t.gettext(GROUP_LABELS[Group.EVERYONE]))]
    else:
        who = [t.gettext(GROUP_LABELS[g]) for g in Group if g in audience.groups]
        who += [t.gettext("registered for “%(event)s”", event=events.get(e, f"#{e}")) for e in sorted(audience.events)]
        lines = [t._("Who (any of): %(who)s", who="; ".join(who))]
    if audience.counties:
        names = sorted(county_names.get(c, c) for c in audience.counties)
        lines.append(t._("Only in the counties: %(counties)s", counties=", ".join(names)))
    if audience.competences:
        names = sorted(competences.get(c, c) for c in audience.competences)
        lines.append(t._("Only with the competence areas: %(areas)s", areas=", ".join(names)))
    return [str(line) for line in lines]


def event_label(t: Translator, event: EventChoice) -> str:
    return f"{event.title[:40]} · {t.datetime(event.starts_at, 'd.MM HH:mm')}"


# ---- progress and reports -------------------------------------------------------------------
def progress_bar(done: int, total: int, width: int = 10) -> str:
    share = 1.0 if total <= 0 else done / total
    filled = min(width, int(share * width + 0.5))
    return "▓" * filled + "░" * (width - filled) + f" {int(share * 100)}%"


def duration(t: Translator, seconds: float) -> str:
    seconds = max(1, int(seconds + 0.999))
    if seconds < 120:
        return t.ungettext("%(count)d second", "%(count)d seconds", seconds)
    minutes = (seconds + 59) // 60
    if minutes < 120:
        return t.ungettext("%(count)d minute", "%(count)d minutes", minutes)
    return t.ungettext("%(count)d hour", "%(count)d hours", (minutes + 59) // 60)


def title(t: Translator, broadcast: Broadcast) -> str:
    icon = "⚡ " if broadcast.urgent else ""
    return str(t._("%(icon)s📣 <b>Announcement #%(id)d</b>", icon=icon, id=broadcast.id))


def progress_text(t: Translator, broadcast: Broadcast, progress: Progress, rate: float) -> str:
    settled = progress.sent + progress.undelivered
    total = progress.total - progress.cancelled
    lines = [
        title(t, broadcast) + " · " + str(html_escape(status_name(t, broadcast.status))),
        progress_bar(settled, total),
        str(
            t._(
                "Sent: %(sent)d · failed: %(failed)d · left: %(left)d",
                sent=progress.sent,
                failed=progress.undelivered,
                left=progress.remaining,
            )
        ),
    ]
    if progress.due:
        lines.append(str(t._("Time left: about %(eta)s", eta=duration(t, progress.due / rate))))
    if progress.later and progress.next_at is not None:
        lines.append(
            str(
                t.ngettext(
                    "%(count)d person gets it after their quiet hours (from %(time)s).",
                    "%(count)d people get it after their quiet hours (from %(time)s).",
                    progress.later,
                    time=t.datetime(progress.next_at, "d.MM HH:mm"),
                )
            )
        )
    return "\n".join(lines)


def report_markup(t: Translator, broadcast: Broadcast):
    if broadcast.status not in (BroadcastStatus.SENDING, BroadcastStatus.SCHEDULED):
        return None
    return keyboard([[(t.gettext("✖️ Cancel the announcement"), button("x", broadcast.id))]])


def final_report(t: Translator, broadcast: Broadcast, progress: Progress) -> str:
    if broadcast.status == BroadcastStatus.CANCELLED:
        head = t._("%(title)s cancelled.", title=Markup(title(t, broadcast)))
    else:
        head = t._("%(title)s sent.", title=Markup(title(t, broadcast)))
    lines = [
        str(head),
        str(
            t.ngettext(
                "Delivered to %(count)d person of %(total)d.",
                "Delivered to %(count)d people of %(total)d.",
                progress.sent,
                total=progress.total,
            )
        ),
    ]
    if progress.undelivered:
        lines.append(
            str(
                t._(
                    "Not delivered: %(failed)d (of them, %(blocked)d blocked the bot).",
                    failed=progress.undelivered,
                    blocked=progress.blocked,
                )
            )
        )
    if progress.cancelled:
        lines.append(str(t._("Not sent because of the cancellation: %(count)d.", count=progress.cancelled)))
    if broadcast.muted:
        lines.append(str(t._("Turned this category off: %(count)d.", count=broadcast.muted)))
    return "\n".join(lines)


def when_text(t: Translator, moment: datetime | None) -> str:
    return t.datetime(moment) if moment else "—"


async def send_rendered(bot, chat_id: int, broadcast: Broadcast, t: Translator, **extra):
    """Send the broadcast as recipients get it: text, or the photo or document with a caption."""
    text = render_broadcast(broadcast, t)
    if broadcast.media_kind == "photo":
        return await bot.send_photo(chat_id, broadcast.media_file_id, caption=text, parse_mode="HTML", **extra)
    if broadcast.media_kind == "document":
        return await bot.send_document(chat_id, broadcast.media_file_id, caption=text, parse_mode="HTML", **extra)
    return await bot.send_message(chat_id, text, parse_mode="HTML", **extra)
