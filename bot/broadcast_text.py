"""Texts of broadcasts: the message recipients get, the audience, progress and reports (shared by
the announcement handlers and the paced sender, bot/broadcast_sender.py)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup
from telegram import MessageEntity

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


_TAGS = {
    MessageEntity.BOLD: "b",
    MessageEntity.ITALIC: "i",
    MessageEntity.UNDERLINE: "u",
    MessageEntity.STRIKETHROUGH: "s",
    MessageEntity.CODE: "code",
    MessageEntity.BLOCKQUOTE: "blockquote",
}


def _wrap(entity: MessageEntity, inner: str) -> str:
    kind = entity.type
    if kind in _TAGS:
        return f"<{_TAGS[kind]}>{inner}</{_TAGS[kind]}>"
    if kind == MessageEntity.TEXT_LINK:
        return f'<a href="{html.escape(entity.url or "")}">{inner}</a>'
    if kind == MessageEntity.TEXT_MENTION and entity.user:
        return f'<a href="tg://user?id={entity.user.id}">{inner}</a>'
    if kind == MessageEntity.PRE:
        if entity.language:
            return f'<pre><code class="{html.escape(entity.language)}">{inner}</code></pre>'
        return f"<pre>{inner}</pre>"
    if kind == MessageEntity.SPOILER:
        return f'<span class="tg-spoiler">{inner}</span>'
    if kind == MessageEntity.EXPANDABLE_BLOCKQUOTE:
        return f"<blockquote expandable>{inner}</blockquote>"
    if kind == MessageEntity.CUSTOM_EMOJI and entity.custom_emoji_id:
        return f'<tg-emoji emoji-id="{html.escape(entity.custom_emoji_id)}">{inner}</tg-emoji>'
    return inner  # links, mentions, hashtags…: Telegram recognises them again in the text


def entities_html(text: str | None, entities: Sequence[MessageEntity] = ()) -> str:
    """The HTML of a message as its author formatted it, from Telegram's entities (offsets in
    UTF-16 units). Unlike PTB's `text_html`, attribute values are escaped too: a link whose URL has
    `"`, `<` or `>` would otherwise break the HTML of every message that carries it."""
    units = (text or "").encode("utf-16-le")

    def plain(start: int, end: int) -> str:
        return html.escape(units[start * 2 : end * 2].decode("utf-16-le"))

    def render(start: int, end: int, items: list[MessageEntity]) -> str:
        out, position, i = [], start, 0
        while i < len(items):
            entity = items[i]
            stop = min(entity.offset + entity.length, end)
            j = i + 1
            while j < len(items) and items[j].offset < stop:
                j += 1
            if entity.offset >= position:  # one that overlaps the previous one is left out
                out.append(plain(position, entity.offset))
                out.append(_wrap(entity, render(entity.offset, stop, items[i + 1 : j])))
                position = stop
            i = j
        out.append(plain(position, end))
        return "".join(out)

    ordered = sorted(entities, key=lambda e: (e.offset, -e.length))
    return render(0, len(units) // 2, ordered)


def footer(t: Translator) -> Markup:
    return t._("🔔 <i>Choose which announcements you get: /notifications</i>")


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _plain_length(markup: str) -> int:
    return len(_plain(markup).encode("utf-16-le")) // 2


def text_start(broadcast: Broadcast, limit: int) -> str:
    """The start of an announcement's text, plain (not escaped), on one line."""
    plain = " ".join(_plain(broadcast.body_html or "").split())
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"


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
    elif not audience.chosen:
        lines = [t._("Who: no one chosen yet (👥 Recipients)")]
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
    if progress.deleted:
        lines.append(
            str(
                t._(
                    "Not delivered: %(failed)d (blocked the bot: %(blocked)d; deleted their account: %(deleted)d).",
                    failed=progress.undelivered,
                    blocked=progress.blocked,
                    deleted=progress.deleted,
                )
            )
        )
    elif progress.undelivered:
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
