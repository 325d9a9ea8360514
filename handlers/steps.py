"""Small pieces of flows that several handlers declare alike: a question that is one catalog
text, and a step that takes one line of typed text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message

from bot.flow import Accepted, End, FlowRun, Problem, Prompt, Step
from bot.forms import typed_text

Ask = Callable[[FlowRun], Awaitable[Prompt]]


def question(msgid: str) -> Ask:
    """A step's question that is always the same text (marked with N_ where it is written)."""

    async def ask(run: FlowRun) -> Prompt:
        return Prompt(run.t._(msgid))

    return ask


def one_line_step(step_id: str, ask: Ask, limit: int, done: Callable[[FlowRun, Any], Awaitable[End]]) -> Step:
    """An unnumbered step taking 1 to `limit` characters typed, kept as one line: line breaks and
    runs of spaces become single spaces (a goal, an opinion)."""

    async def read(run: FlowRun, message: Message) -> Accepted | Problem:
        return typed_text(" ".join((message.text or "").split()), limit)

    return Step(step_id, ask, read=read, done=done, numbered=False)
