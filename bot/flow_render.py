"""How every flow's step looks: "Step N of M", the question, its buttons and the navigation row."""

from __future__ import annotations

import logging

from markupsafe import Markup
from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.flow import SUMMARY, Choice, FlowRun, Prompt, button
from bot.flow_steps import numbered
from bot.forms import Problem
from bot.replies import keyboard

log = logging.getLogger(__name__)


async def render(run: FlowRun, target: str, problem: Problem | None = None):
    """(HTML text, reply markup, reply-keyboard labels -> action) of `target` in `run`."""
    t = run.t
    if target == SUMMARY:
        prompt = await run.flow.summary(run)
        edits = [Choice(t.gettext("✏️ %(label)s", label=s.label(run)), s.id) for s in run.steps() if s.label is not None]
        rows = [[(a.label, button(run, SUMMARY, "do", a.value))] for a in prompt.actions]
        rows += _grid([(e.label, button(run, SUMMARY, "edit", e.value)) for e in edits], 2)
        rows += [[(label, url)] for label, url in prompt.links]
        return _with_problem(t, problem, [prompt.text]), keyboard(rows), {}
    step = run.step(target)
    prompt: Prompt = await step.ask(run)
    parts = []
    ids = [s.id for s in numbered(run)]
    if prompt.numbered and len(ids) > 1 and step.id in ids:
        parts.append(t._("Step %(step)d of %(total)d", step=ids.index(step.id) + 1, total=len(ids)))
    parts.append(prompt.text)
    if step.optional:
        parts.append(t._("<i>This question is optional.</i>"))
    text = _with_problem(t, problem, parts)
    answered = step.id in run.answers and run.answers[step.id] is not None
    nav = _nav(run, step, answered and prompt.keep_answer and not prompt.multi)
    if prompt.contact_button is not None:
        rows = [[KeyboardButton(prompt.contact_button, request_contact=True)]]
        if nav:
            rows.append([KeyboardButton(label) for label, _ in nav])
        markup = ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
        return text, markup, {label: act for label, act in nav}
    rows = [[(label, url)] for label, url in prompt.links]
    if prompt.multi:
        selected = run.data.get("_ticks", {}).get(step.id, run.answers.get(step.id) or [])
        options = [
            (
                ("✅ " if c.value in selected else "▫️ ") + c.label,
                button(run, step.id, "off" if c.value in selected else "on", c.value),
            )
            for c in prompt.choices
        ]
        rows += _grid(options, prompt.columns)
        rows.append([(t.gettext("Done ✔"), button(run, step.id, "ok"))])
    else:
        rows += _grid([(c.label, button(run, step.id, "c", c.value)) for c in prompt.choices], prompt.columns)
    if prompt.other:
        rows.append([(t.gettext("Other…"), button(run, step.id, "oth"))])
    rows += [[(a.label, button(run, step.id, "do", a.value))] for a in prompt.actions]
    if nav:
        rows.append([(label, button(run, step.id, act)) for label, act in nav])
    return text, (keyboard(rows) if rows else None), {}


def _nav(run: FlowRun, step, offer_keep: bool) -> list[tuple[str, str]]:
    t = run.t
    ids = [s.id for s in numbered(run)]
    row = []
    if run.editing or (step.id in ids and ids.index(step.id) > 0):
        row.append((t.gettext("« Back"), "back"))
    if offer_keep:
        row.append((t.gettext("Keep this answer »"), "keep"))
    elif step.optional:
        row.append((t.gettext("Skip »"), "skip"))
    return row


def _with_problem(t, problem: Problem | None, parts: list) -> str:
    if problem is not None:
        parts = ["⚠️ " + problem.text(t), "", *parts]
    return "\n".join(str(p) for p in parts)


def _grid(options: list[tuple[str, str]], columns: int) -> list[list[tuple[str, str]]]:
    columns = max(columns, 1)
    return [options[i : i + columns] for i in range(0, len(options), columns)]


async def close_pressed(update: Update, chosen: str | None) -> None:
    """After a press: take the buttons off the pressed question, noting the choice under it."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    message = query.message
    if message is None or not getattr(message, "text_html", None):
        return
    text = Markup(message.text_html)  # already HTML: PTB rebuilds it from the entities
    if chosen:
        text += Markup("\n\n➡️ <b>%s</b>") % chosen
    try:
        await query.edit_message_text(text, reply_markup=None)
    except TelegramError:
        log.debug("could not close the buttons of message %s", message.message_id)
