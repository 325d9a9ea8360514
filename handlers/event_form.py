"""Creating and editing an event: one flow, with the preview as its summary.

A new event goes through the questions (handlers/event_questions.py), then the preview (how
volunteers will see it) with "save as a draft" and a "✏️" button per answer; editing an event
opens the same preview with its current values, and saving tells everyone signed up what changed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.event_text import card
from bot.flow import SUMMARY, Choice, End, Flow, FlowRun, Goto, Prompt
from bot.services import Role
from handlers.common import alert
from handlers.event_manage import published_note, show_admin_card
from handlers.event_questions import PROMPTS, deadline_of, is_online, starts_at, steps, time_problem
from handlers.events import send_notices_now
from storage.events import Audience, Event, EventStatus

log = logging.getLogger(__name__)

FORM_FLOW = "ev"
SAVE, PUBLISH, DEADLINE = "save", "publish", "deadline"


# ---- entering ---------------------------------------------------------------------------------------
async def start_new(update: Update, context: BotContext) -> None:
    """/nowe_wydarzenie and "➕ New event" (the caller has checked the role)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.flows.start(update, context, FORM_FLOW, {"mode": "new", "answers": {}}, step="type")


async def start_edit(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    """ "✏️ Edit" on the event's card: the preview with the current values."""
    if event.status == EventStatus.CANCELLED:
        await alert(update, context.t.gettext("This event has been cancelled."))
        return
    await update.callback_query.answer()
    data = {"mode": "edit", "event": event.id, "answers": _answers_of(context, event)}
    await context.flows.start(update, context, FORM_FLOW, data, step=SUMMARY)


def _answers_of(context: BotContext, event: Event) -> dict[str, Any]:
    tz = context.services.settings.tz
    answers: dict[str, Any] = {
        "type": event.type,
        "title": event.title,
        "description": event.description or None,
        "start": event.starts_at.astimezone(tz).isoformat(),
        "duration": int(event.duration.total_seconds() // 60),
        "place": {"address": event.place} if event.place else {"online": True},
        "county": event.county,
        "capacity": event.capacity,
        "audience": event.audience.value,
        "deadline": None,
    }
    if event.online_url:
        answers["online_url"] = event.online_url
    if event.signup_deadline is not None:
        answers["deadline"] = {"before": int((event.starts_at - event.signup_deadline).total_seconds() // 60)}
    return answers


# ---- the preview and saving ----------------------------------------------------------------------------
def _values(run: FlowRun, original: Event | None) -> dict[str, Any]:
    answers = run.answers
    start = starts_at(run)
    online = is_online(run)
    deadline = deadline_of(run, start)
    if deadline is not None and (original is None or deadline != original.signup_deadline):
        deadline = max(deadline, run.services.clock())
    return {
        "type": answers["type"],
        "title": answers["title"],
        "description": answers.get("description") or "",
        "starts_at": start,
        "ends_at": start + timedelta(minutes=answers["duration"]),
        "place": None if online else answers["place"]["address"],
        "online_url": answers.get("online_url") if online else None,
        "county": answers.get("county"),
        "capacity": answers.get("capacity"),
        "audience": Audience(answers["audience"]),
        "signup_deadline": deadline,
    }


def _missing(run: FlowRun) -> str | None:
    required = [s.id for s in run.steps() if not s.optional]
    missing = next((s for s in required if s not in run.answers), None)
    if missing is None and starts_at(run) is None:
        return "start"
    return missing


async def _original(run: FlowRun) -> Event | None:
    return await run.services.events.get(run.data["event"]) if run.data.get("mode") == "edit" else None


async def _summary(run: FlowRun) -> Prompt:
    t = run.t
    services = run.services
    now = services.clock()
    original = await _original(run)
    editing = original is not None
    lines = [t._("<b>Changing the event</b>") if editing else t._("<b>New event</b>: check it before saving.")]
    if _missing(run) is None:
        values = _values(run, original)
        preview = Event(
            id=original.id if editing else 0,
            status=EventStatus.DRAFT if not editing else original.status,
            cancel_reason=None,
            default_hours=original.default_hours if editing else None,
            sequence=0,
            created_by=run.user_id,
            created_at=now,
            updated_at=now,
            registered=original.registered if editing else 0,
            waitlisted=original.waitlisted if editing else 0,
            **values,
        )
        lines += ["", card(preview, services.org, t, now)]
        closes_at_once = _closes_at_once(values, original, now)
    else:
        closes_at_once = False
    if closes_at_once:  # e.g. the start moved closer and the deadline kept its distance from it
        lines += [
            "",
            t._(
                "⚠️ <b>Sign-up would close at once</b>: with this start, the sign-up deadline has already passed. "
                "Move the deadline if people should still sign up."
            ),
        ]
    if (
        editing
        and original.status == EventStatus.PUBLISHED
        and original.registered + original.waitlisted
        and (_missing(run) is not None or _news(original, _values(run, original)))
    ):
        lines += ["", t._("Everyone signed up will be told what changed.")]
    lines += ["", t._("Correct anything with the buttons below, then save.")]
    if editing:
        actions = [Choice(t.gettext("💾 Save the changes"), SAVE)]
    else:
        actions = [Choice(t.gettext("📣 Publish now"), PUBLISH), Choice(t.gettext("💾 Save as a draft"), SAVE)]
    if closes_at_once:
        actions.insert(0, Choice(t.gettext("⏳ Move the sign-up deadline"), DEADLINE))
    return Prompt("\n".join(str(line) for line in lines), actions=actions)


def _news(original: Event, values: dict[str, Any]) -> list[str]:
    """The changed fields people signed up are told about: the number of places alone is told
    only to those it gives a place (bot/jobs/events.py)."""
    return sorted(k for k, v in values.items() if getattr(original, k) != v and k != "capacity")


def _closes_at_once(values: dict[str, Any], original: Event | None, now: datetime) -> bool:
    """Saving would leave sign-up closed before the event starts, where it is (or would be) open."""
    deadline, start = values["signup_deadline"], values["starts_at"]
    if deadline is None or not deadline <= now < start:
        return False
    return original is None or original.closed_reason(now) is None or original.status == EventStatus.DRAFT


async def _act(run: FlowRun, action: str):
    t = run.t
    services = run.services
    if action == DEADLINE:
        return Goto("deadline")
    if action not in (SAVE, PUBLISH) or (action == PUBLISH and run.data.get("mode") == "edit"):
        return None  # a forged or older button: nothing happens
    if run.context.role < Role.COORDINATOR:
        return End(t._("This is only available to coordinators."))
    missing = _missing(run)
    if missing is not None:
        return Goto(missing)
    start = starts_at(run)
    original = await _original(run)
    gone = original is None if run.data.get("mode") == "edit" else False
    if gone or (original is not None and original.status == EventStatus.CANCELLED):
        return End(t._("This event has been cancelled."))
    if (original is None or start != original.starts_at) and time_problem(run, start) is not None:
        return Goto("start")
    deadline = deadline_of(run, start)
    if deadline is not None and deadline > start:
        return Goto("deadline")
    values = _values(run, original)
    now = services.clock()
    if original is None:
        return await _create(run, values, now, publish=action == PUBLISH)
    result = await services.events.update(original.id, values, now)
    if result is None:
        return End(t._("This event has been cancelled."))
    updated, promoted = result
    changed = sorted(k for k, v in values.items() if getattr(original, k) != v)
    log.info("coordinator %s changed event %s: %s", run.user_id, original.id, ", ".join(changed))
    await services.audit.record(run.user_id, "event.changed", f"event:{original.id}", now, fields=changed)
    note = t._("✏️ <b>Saved.</b>")
    if updated.status == EventStatus.PUBLISHED and updated.registered + updated.waitlisted and _news(original, values):
        note += " " + t._("Everyone signed up will be told what changed.")
    if promoted:
        note += " " + t.ngettext(
            "%(count)d person from the waitlist got a place and is being told.",
            "%(count)d people from the waitlist got places and are being told.",
            len(promoted),
        )
    if updated.capacity is not None and updated.registered > updated.capacity:
        note += " " + t._(
            "More people are signed up than there are places now; nobody loses their place automatically."
        )

    async def tell() -> None:
        await show_admin_card(run.update, run.context, updated, note, new_message=True)
        await send_notices_now(run.context)

    return End(after=tell)


async def _create(run: FlowRun, values: dict[str, Any], now: datetime, *, publish: bool) -> End:
    services = run.services
    event = await services.events.create(values, run.user_id, now)
    log.info("coordinator %s created event %s (draft)", run.user_id, event.id)
    if publish:
        event = await services.events.publish(event.id, now, county_fields=services.answer_fields().counties)
        log.info("coordinator %s published event %s", run.user_id, event.id)
        await services.audit.record(run.user_id, "event.published", f"event:{event.id}", now)

    async def tell() -> None:
        t = run.t
        if publish:
            note = await published_note(run.context, event)
        else:
            note = t._("👀 <b>Preview</b>: this is how volunteers will see it. Publish it when ready.")
        await show_admin_card(run.update, run.context, event, note, new_message=True)
        if publish:
            await send_notices_now(run.context)

    return End(after=tell)


FORM = Flow(FORM_FLOW, steps, summary=_summary, act=_act)


__all__ = ["FORM", "PROMPTS", "start_edit", "start_new"]
