"""Who gets an announcement: groups, registrants of events, counties and competence areas.

Every tick carries the state it sets ("on"/"off"), so a press delivered twice changes nothing
the second time; each value is checked against what exists now."""

from __future__ import annotations

from telegram import Update

from bot.broadcast_text import GROUP_LABELS, event_label
from bot.buttons.broadcasts import AudienceTick, BroadcastButton, button
from bot.context import BotContext
from handlers.broadcast_drafts import coordinators_only, describe_audience, headcount_of, own_draft, recipient_lines
from handlers.common import keyboard, show, stale_button
from storage.broadcasts import Audience, Broadcast, Group

PICKERS = {"pc": "c", "pk": "k", "pe": "e"}


def _check(selected: bool) -> str:
    return "✅ " if selected else "▫️ "


def _tick(draft: Broadcast, kind: str, value: object, selected: bool) -> str:
    return AudienceTick(draft=draft.id, kind=kind, state="off" if selected else "on", value=str(value)).pack()


async def audience_screen(update: Update, context: BotContext, draft: Broadcast) -> None:
    t = context.t
    audience = draft.audience
    plan = await headcount_of(context, draft)
    lines = [
        str(t._("👥 <b>Who should get announcement #%(id)d?</b>", id=draft.id)),
        str(
            t._(
                "People in any of the groups you tick get it. Counties and competence areas narrow "
                "that down (from the volunteer's application)."
            )
        ),
        "",
        *await describe_audience(context, draft),
        "",
        *recipient_lines(t, plan),
    ]
    everyone = t.gettext(GROUP_LABELS[Group.EVERYONE])
    rows = [[(_check(audience.everyone) + everyone, _tick(draft, "g", Group.EVERYONE.value, audience.everyone))]]
    for group in (Group.EXPERTS, Group.AWAITING, Group.AGREEMENT):
        selected = group in audience.groups
        rows.append([(_check(selected) + t.gettext(GROUP_LABELS[group]), _tick(draft, "g", group.value, selected))])
    rows.append(
        [(t.gettext("📅 Registered for an event (%(count)d)", count=len(audience.events)), button("pe", draft.id))]
    )
    rows.append(
        [
            (t.gettext("📍 Counties (%(count)d)", count=len(audience.counties)), button("pc", draft.id)),
            (t.gettext("🧩 Competences (%(count)d)", count=len(audience.competences)), button("pk", draft.id)),
        ]
    )
    rows.append([(t.gettext("« Back to the draft"), button("d", draft.id))])
    await show(update, context, "\n".join(lines), keyboard(rows))


@coordinators_only
async def open_audience(update: Update, context: BotContext, press: BroadcastButton) -> None:
    draft = await own_draft(update, context, press.id)
    if draft is not None:
        await audience_screen(update, context, draft)


async def _picker(update: Update, context: BotContext, draft: Broadcast, kind: str) -> None:
    t = context.t
    services = context.services
    audience = draft.audience
    plan = await headcount_of(context, draft)
    if kind == "c":
        options = [(c.id, c.name, c.id in audience.counties) for c in services.org.counties]
        question = t._("📍 <b>Only in these counties</b> (none ticked: every county)")
        columns = 3
    elif kind == "k":
        options = [(a.id, a.label.get(t.locale), a.id in audience.competences) for a in services.org.competence_areas]
        question = t._("🧩 <b>Only with these competence areas</b> (none ticked: any)")
        columns = 1
    else:
        events = await services.broadcasts.events_to_choose(services.clock())
        chosen = set(audience.events)
        known = {e.id for e in events}
        for event_id in sorted(chosen - known):  # chosen earlier, no longer in the list: still shown
            event = await services.broadcasts.event(event_id)
            if event is not None:
                events.append(event)
        options = [
            (str(e.id), t.gettext("%(event)s (%(count)d)", event=event_label(t, e), count=e.registered), e.id in chosen)
            for e in events
        ]
        question = t._("📅 <b>People registered for these events</b>")
        if not options:
            question += "\n" + t._("There are no published events yet.")
        columns = 1
    buttons = [(_check(on) + label, _tick(draft, kind, value, on)) for value, label, on in options]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    rows.append([(t.gettext("« Back to the recipients"), button("aud", draft.id))])
    await show(update, context, "\n".join([str(question), "", *recipient_lines(t, plan)]), keyboard(rows))


@coordinators_only
async def open_picker(update: Update, context: BotContext, press: BroadcastButton) -> None:
    draft = await own_draft(update, context, press.id)
    if draft is not None:
        await _picker(update, context, draft, PICKERS[press.act])


async def _set(context: BotContext, audience: Audience, press: AudienceTick) -> Audience | None:
    """The audience with the choice set as the press says; None when the value does not exist."""
    services = context.services
    on = press.state == "on"
    value = press.value
    if press.kind == "g":
        if value not in {g.value for g in Group}:
            return None
        group = Group(value)
        if group == Group.EVERYONE:
            if on:
                return audience.toggle_group(group)  # "everyone" replaces the groups
            return Audience(audience.groups - {group}, audience.events, audience.counties, audience.competences)
        return audience.toggle_group(group) if (group in audience.groups) != on else audience
    if press.kind == "c":
        if value not in services.org.county_names:
            return None
        return audience.toggle_county(value) if (value in audience.counties) != on else audience
    if press.kind == "k":
        if value not in {a.id for a in services.org.competence_areas}:
            return None
        return audience.toggle_competence(value) if (value in audience.competences) != on else audience
    if not value.isdecimal() or await services.broadcasts.event(int(value)) is None:
        return None
    event_id = int(value)
    return audience.toggle_event(event_id) if (event_id in audience.events) != on else audience


@coordinators_only
async def tick(update: Update, context: BotContext, press: AudienceTick) -> None:
    draft = await own_draft(update, context, press.draft)
    if draft is None:
        return
    audience = await _set(context, draft.audience, press)
    if audience is None:
        await stale_button(update, context)
        return
    if audience != draft.audience:
        services = context.services
        draft = await services.broadcasts.update_draft(draft.id, services.clock(), audience=audience)
    if press.kind == "g":
        await audience_screen(update, context, draft)
    else:
        await _picker(update, context, draft, press.kind)
