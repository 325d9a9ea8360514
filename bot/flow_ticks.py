"""A press on a tick box of a multiple-choice step: the box set or cleared in the flow's state
(a press sets a state, so the same press delivered twice changes nothing) and the question's
buttons redrawn in place."""

from __future__ import annotations

import contextlib

from telegram.error import TelegramError

from bot.flow import FlowRun, Step
from bot.flow_render import render
from bot.replies import alert
from storage.sessions import FlowState, StaleFlow


async def tick(run: FlowRun, step: Step, value: str | None, on: bool) -> None:
    prompt = await step.ask(run)
    if value not in {c.value for c in prompt.choices}:
        await alert(run.update, run.t.gettext("This button is no longer valid. Type /start for the menu."))
        return
    ticks = run.data.setdefault("_ticks", {})
    selected = list(ticks.get(step.id, run.answers.get(step.id) or []))
    if on and value not in selected:
        selected.append(value)
    elif not on and value in selected:
        selected.remove(value)
    ticks[step.id] = selected  # a press sets a state: the same press twice changes nothing
    services = run.services
    try:
        await services.sessions.save_flow(
            run.user_id,
            FlowState(
                run.flow.name,
                step.id,
                run.data,
                message_id=run.state.message_id,
                last_update_id=run.update.update_id,
            ),
            expected_version=run.state.version,
            now=services.clock(),
        )
    except StaleFlow:
        return
    _, markup, _ = await render(run, step.id)
    await run.update.callback_query.answer()
    with contextlib.suppress(TelegramError):
        await run.update.callback_query.edit_message_reply_markup(markup)
