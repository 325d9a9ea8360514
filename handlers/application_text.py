"""How applications look in chat: status names, answers, history. Shared by the volunteer's
and the coordinator's views."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from markupsafe import Markup

from bot.forms import display
from bot.i18n import N_, Translator, html_escape
from bot.organisation import Organisation
from storage.applications import Action, HistoryEntry, Status

TEXT_LIMIT = 4096

STATUS_NAMES = {
    Status.DRAFT: N_("draft"),
    Status.SUBMITTED: N_("submitted, waiting for a coordinator"),
    Status.NEEDS_INFO: N_("a coordinator asks for more information"),
    Status.ACCEPTED: N_("accepted"),
    Status.REJECTED: N_("not accepted"),
    Status.WITHDRAWN: N_("withdrawn"),
}

# Short names for the coordinator's lists.
STATUS_GROUPS = {
    Status.SUBMITTED: N_("New"),
    Status.NEEDS_INFO: N_("Waiting for more information"),
    Status.ACCEPTED: N_("Accepted"),
    Status.REJECTED: N_("Not accepted"),
    Status.WITHDRAWN: N_("Withdrawn"),
}

ACTION_NAMES = {
    Action.SUBMITTED: N_("submitted"),
    Action.INFO_REQUESTED: N_("more information requested"),
    Action.INFO_GIVEN: N_("more information given"),
    Action.ACCEPTED: N_("accepted"),
    Action.REJECTED: N_("not accepted"),
    Action.WITHDRAWN: N_("withdrawn"),
    Action.CORRECTED: N_("an answer corrected by the volunteer"),
    Action.FIXED: N_("an answer corrected by a coordinator"),
    Action.REOPENED: N_("decision undone"),
}


def status_name(t: Translator, status: Status) -> str:
    return t.gettext(STATUS_NAMES[status])


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_lines(org: Organisation, answers: dict[str, Any], t: Translator, limit: int | None = None) -> list[Markup]:
    """One line per field, in the form's order; answers escaped (and shortened if asked)."""
    lines = []
    for form_field in org.form:
        if form_field.id not in answers:
            value = t.gettext("— (no answer)")
        else:
            value = display(org, form_field, answers[form_field.id], t)
        if limit:
            value = shorten(value, limit)
        lines.append(
            t._(
                "<b>%(label)s:</b> %(value)s",
                label=form_field.label.get(t.locale),
                value=value,
            )
        )
    return lines


def _note(entry: HistoryEntry, t: Translator, org: Organisation) -> str | None:
    """A note as a person reads it: the field's label for a volunteer's correction, a coordinator's
    correction as "field: was → now"."""
    if entry.action == Action.CORRECTED and entry.note:
        corrected = next((f for f in org.form if f.id == entry.note), None)
        return corrected.label.get(t.locale) if corrected is not None else entry.note
    if entry.action != Action.FIXED or not entry.note:
        return entry.note
    try:
        change = json.loads(entry.note)
    except ValueError:
        return entry.note
    form_field = next((f for f in org.form if f.id == change.get("field")), None)
    if form_field is None:  # the organisation file no longer has it
        return str(change.get("field"))

    def value(v: Any) -> str:
        return t.gettext("— (no answer)") if v is None else display(org, form_field, v, t)

    return t.gettext(
        "%(label)s: %(was)s → %(now)s",
        label=form_field.label.get(t.locale),
        was=value(change.get("was")),
        now=value(change.get("now")),
    )


def history_lines(history: list[HistoryEntry], t: Translator, names: dict[int, str], org: Organisation) -> list[Markup]:
    lines = []
    for entry in history:
        who = names.get(entry.actor_id or 0, str(entry.actor_id or "—"))
        line = t._(
            "%(when)s · %(action)s · %(who)s",
            when=t.datetime(entry.at, "d.MM.y HH:mm"),
            action=t.gettext(ACTION_NAMES[entry.action]),
            who=who,
        )
        note = _note(entry, t, org)
        if note:
            line += Markup("\n    ") + html_escape(shorten(note, 500))
        lines.append(line)
    return lines


def questions_and_answers(history: list[HistoryEntry], t: Translator, names: dict[int, str]) -> str:
    """Plain text for a spreadsheet cell: each question asked and each answer given, one a line."""
    lines = []
    for entry in history:
        if entry.action not in (Action.INFO_REQUESTED, Action.INFO_GIVEN):
            continue
        lines.append(
            t.gettext(
                "%(when)s %(who)s: %(text)s",
                when=t.datetime(entry.at, "y-MM-dd HH:mm"),
                who=names.get(entry.actor_id or 0, "—"),
                text=entry.note or "",
            )
        )
    return "\n".join(lines)


def _telegram_length(html_text: str) -> int:
    """What Telegram counts against its limit: UTF-16 units of the text without the markup (an
    emoji counts twice)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    return len(plain.encode("utf-16-le")) // 2


def _cut(block: str, limit: int) -> list[str]:
    """A single block longer than a message: its plain text in pieces (the formatting is dropped)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", block))
    pieces, start, units = [], 0, 0
    for index, char in enumerate(plain):
        width = len(char.encode("utf-16-le")) // 2
        if units + width > limit:
            pieces.append(html.escape(plain[start:index], quote=False))
            start, units = index, 0
        units += width
    pieces.append(html.escape(plain[start:], quote=False))
    return pieces


def split_for_telegram(blocks: list[str], limit: int = TEXT_LIMIT - 96) -> list[str]:
    """Join blocks with newlines into as few messages as Telegram allows."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _cut(block, limit) if _telegram_length(block) > limit else [block]:
            candidate = f"{current}\n{piece}" if current else piece
            if _telegram_length(candidate) > limit and current:
                messages.append(current)
                current = piece
            else:
                current = candidate
    if current:
        messages.append(current)
    return messages


async def application_menu_label(context, user_id: int) -> str:
    """The main menu's application button says where the user's application stands."""
    t = context.t
    latest = await context.services.applications.latest(user_id)
    if latest is None or latest.status == Status.WITHDRAWN:
        return t.gettext("📝 Apply to the team")
    if latest.status == Status.DRAFT:
        return t.gettext("📝 Continue my application")
    return t.gettext("📝 My application: %(status)s", status=status_name(t, latest.status))
