"""Small pieces of flows that several handlers declare alike: a question that is one catalog
text, and an unnumbered step that takes typed text."""

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


def text_step(
    step_id: str,
    ask: Ask,
    limit: int,
    done: Callable[[FlowRun, Any], Awaitable[End]] | None = None,
    *,
    one_line: bool = False,
) -> Step:
    """An unnumbered step taking 1 to `limit` characters typed (a reason, a comment). With
    `one_line`, line breaks and runs of spaces become single spaces first (a goal, an opinion)."""

    async def read(run: FlowRun, message: Message) -> Accepted | Problem:
        text = " ".join((message.text or "").split()) if one_line else message.text
        return typed_text(text, limit)

    return Step(step_id, ask, read=read, done=done, numbered=False)
