"""Where a flow stands and where it goes next: which kind of input a step takes, the step before
and after, the point to resume at. Pure functions over a FlowRun (no Telegram calls, no I/O)."""

from __future__ import annotations

from telegram import Message

from bot.flow import CONTACT, CONTENT, FILE, SUMMARY, TEXT, FlowRun, Step
from bot.forms import Problem
from bot.i18n import N_

USE_BUTTONS = Problem(N_("Please use the buttons below."))


def kind_of(message: Message) -> str:
    if message.text is not None:
        return TEXT
    if message.contact is not None:
        return CONTACT
    if message.document is not None or message.photo:
        return FILE
    return "other"


def accepted_kinds(step: Step) -> frozenset[str]:
    return step.takes | {TEXT, FILE} if CONTENT in step.takes else step.takes


def hint_for(step: Step) -> Problem:
    """What to say when a message of the wrong kind arrives (a sticker where text is expected)."""
    if not step.takes:
        return USE_BUTTONS
    if FILE in step.takes:
        return Problem(N_("Please send the file here as a document (PDF, JPG or PNG)."))
    if CONTENT in step.takes:
        return Problem(N_("Please send the text of the announcement, or a photo or a document with a caption."))
    return Problem(N_("I can only take a typed answer or a button here."))


def numbered(run: FlowRun) -> list[Step]:
    return [s for s in run.steps() if s.numbered]


def following(run: FlowRun, step: Step) -> str | None:
    steps = run.steps()
    index = next(i for i, s in enumerate(steps) if s.id == step.id)
    if index + 1 < len(steps):
        return steps[index + 1].id
    return SUMMARY if run.flow.summary is not None else None


def previous(run: FlowRun, step: Step) -> str | None:
    steps = numbered(run)
    index = next((i for i, s in enumerate(steps) if s.id == step.id), 0)
    return steps[index - 1].id if index > 0 else None


def resume_point(run: FlowRun) -> str:
    """The first unanswered step; the summary when everything is answered."""
    for step in run.steps():
        if step.id not in run.answers:
            return step.id
    return SUMMARY if run.flow.summary is not None else run.steps()[-1].id


async def labels_of(run: FlowRun, step: Step, values: list[str]) -> list[str]:
    prompt = await step.ask(run)
    labels = {c.value: c.label for c in prompt.choices}
    return [labels.get(v, v) for v in values]
