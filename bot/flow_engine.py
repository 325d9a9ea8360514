"""The one engine that runs every flow (see bot/flow.py for how a flow is declared).

One active flow per person, its state a row in the database (storage/sessions.py), read with the
person's session at the start of the update. A typed answer costs that one read and one write
transaction: the next question is sent first, then the answer and the new state (with the new
question's message id) are committed together, so nothing is written twice. A crash between the
two leaves the state where it was; Telegram delivers the update again and it is answered again.
An update at or below the state's `last_update_id` was handled already and is ignored. A text
long enough to be the first part of a message Telegram split is held until its rest arrives or
its window passes (bot/flow_parts.py): a step reads the whole text, never a fragment.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.buttons.menu import MAIN_MENU
from bot.flow import SUMMARY, TEXT, End, Flow, FlowButton, FlowRun, Goto, Next, Refuse, Step, button
from bot.flow_parts import (
    PART,
    WINDOW,
    continues,
    hold,
    is_flush,
    keep,
    may_continue,
    more_may_follow,
    resume_held,
    with_text,
)
from bot.flow_render import close_pressed, render
from bot.flow_steps import USE_BUTTONS, accepted_kinds, following, hint_for, kind_of, labels_of, previous, resume_point
from bot.flow_ticks import tick
from bot.forms import Accepted, Problem, parse_other
from bot.organisation import OTHER as OTHER_KEY
from bot.replies import alert, keyboard
from storage.sessions import FlowState, StaleFlow

log = logging.getLogger(__name__)

MenuAfter = Callable[[Update, Any, str], Awaitable[None]]


class FlowEngine:
    def __init__(self) -> None:
        self.flows: dict[str, Flow] = {}
        self.menu_after: MenuAfter | None = None  # set by the application (handlers/menu.py)
        self.window = WINDOW  # seconds within which the parts of a split message arrive

    def add(self, flow: Flow) -> Flow:
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name!r} registered twice")
        FlowButton(flow=flow.name, step="x", act="x").pack()  # the name fits the button data
        self.flows[flow.name] = flow
        return flow

    # ---- entering and leaving ------------------------------------------------------------------
    async def start(
        self, update: Update, context, name: str, data: dict[str, Any] | None = None, step: str | None = None
    ) -> None:
        """Start `name` (ending any other flow), at `step` or where it was left."""
        run = FlowRun(update, context, self.flows[name], None, dict(data or {}))
        target = step or resume_point(run)
        await self._move(run, target, expected=None)

    async def cancel(self, update: Update, context) -> bool:
        """/cancel: end the flow the person is in; False when there is none."""
        state = _state(context)
        if state is None:
            return False
        flow = self.flows.get(state.flow)
        await context.services.sessions.end_flow(update.effective_user.id)
        await self._retire(update, context, state.message_id)
        run = FlowRun(update, context, flow, state, state.data) if flow else None
        text = (
            flow.cancelled(run) if flow and flow.cancelled else context.t._("Stopped. Your answers so far are saved.")
        )
        await self.menu_after(update, context, text)
        return True

    async def abandon(self, update: Update, context) -> None:
        """Another command, menu or flow took over: the flow ends; what it saved stays saved."""
        state = _state(context)
        if state is not None:
            await context.services.sessions.end_flow(update.effective_user.id)
            context.session = replace(context.session, flow=None)
            await self._retire(update, context, state.message_id)  # its buttons go with it

    # ---- input ---------------------------------------------------------------------------------
    async def handle_message(self, update: Update, context, *, fresh: bool = False) -> bool:
        """A message for the person's flow; False when they are in none."""
        state = _state(context)
        flow = self.flows.get(state.flow) if state is not None else None
        if flow is None and is_flush(update):
            return True  # the flow of a held text has ended since: nothing to answer
        if state is None:
            return False
        if flow is None:  # a flow of an older release
            await context.services.sessions.end_flow(update.effective_user.id)
            return False
        part = state.data.get(PART)
        run = FlowRun(update, context, flow, state, state.data)  # parsed for this update: the run owns it
        if is_flush(update):  # the window passed: the held text was the whole message
            if part is not None and part["last"] == -update.update_id:
                with contextlib.suppress(Forbidden):  # blocked the bot meanwhile: kept for their return
                    await self._settle(run, part)
            return True
        if not fresh and state.last_update_id is not None and update.update_id <= state.last_update_id:
            # Handled already (its effects committed, then a crash before it was done): the reply
            # may have been lost, so the step the person is on is shown again, nothing stored.
            log.info("update %s was handled already; the current step is shown again", update.update_id)
            if part is None or part["last"] != update.update_id:
                await self._reshow(run)
            return True
        message = update.effective_message
        step = run.step(state.step)
        if part is not None and not (step is not None and continues(part, message, step.id, self.window)):
            await self._settle(run, part)  # the held text alone first, then this message
            context.session = await context.services.sessions.load(update.effective_user.id)
            return await self.handle_message(update, context, fresh=True)
        if step is None:  # the summary, or a step the organisation file no longer has
            await self._reask(run, state.step if state.step == SUMMARY else resume_point(run), USE_BUTTONS)
            return True
        typed = TEXT in accepted_kinds(step) or run.data.get("_other") == step.id
        if part is not None or (may_continue(message) and typed):
            part = hold(update, step.id, part)
            if more_may_follow(message, part):  # Telegram may have cut it: wait for the rest
                await keep(run, part, self.window)
                return True
            run.data.pop(PART, None)
            message = with_text(message, part["text"])
        await self._input(run, step, message)
        return True

    async def _input(self, run: FlowRun, step: Step, message: Message) -> None:
        """One whole input for the step: read, then accepted or asked again."""
        nav = run.data.get("_nav") or {}
        if message.text in nav:  # a reply-keyboard button of the step (e.g. « Back under "share phone")
            await self._navigate(run, step, nav[message.text])
            return
        if run.data.get("_other") == step.id and message.text is not None:
            result = parse_other(message.text)
            if isinstance(result, Accepted):
                result = Accepted({OTHER_KEY: result.value})
        elif kind_of(message) not in accepted_kinds(step):
            await self._reask(run, step.id, hint_for(step))
            return
        elif step.read is None:
            result = USE_BUTTONS
        else:
            result = await step.read(run, message)
        if isinstance(result, Problem):
            await self._reask(run, step.id, result)
        else:
            await self._accept(run, step, result.value)

    async def _settle(self, run: FlowRun, part: dict[str, Any]) -> None:
        """Decide the held text as the whole message."""
        run.data.pop(PART, None)
        step = run.step(part["step"])
        if step is None or step.id != run.state.step:
            await self._reask(run, resume_point(run), USE_BUTTONS)
            return
        await self._input(run, step, with_text(run.update.effective_message, part["text"]))

    async def resume(self, application) -> None:
        """At start: the timers of texts held when the process stopped (their rest may still come)."""
        await resume_held(application, self.window)

    async def handle_press(self, update: Update, context, press: FlowButton) -> None:
        t = context.t
        state = _state(context)
        if state is not None and state.data.pop(PART, None) is not None:
            log.info("a press while a long text was held: the press wins")  # the person moved on
        replayed = state is not None and state.last_update_id is not None and update.update_id <= state.last_update_id
        if replayed and state.flow in self.flows:  # handled already (see handle_message): where they are now
            log.info("press %s was handled already; the current step is shown again", update.update_id)
            await self._reshow(FlowRun(update, context, self.flows[state.flow], state, state.data))
            return
        if state is None or state.flow != press.flow or press.flow not in self.flows:
            flow = self.flows.get(press.flow)
            if flow is not None and flow.stale is not None:
                await flow.stale(update, context)
            else:
                await alert(update, t.gettext("This button belongs to a conversation that has ended."))
            return
        if press.step != state.step:
            await alert(update, t.gettext("This button belongs to an earlier question."))
            return
        run = FlowRun(update, context, self.flows[press.flow], state, state.data)
        if press.step == SUMMARY:
            await self._summary_press(run, press)
            return
        step = run.step(press.step)
        if step is None:
            await alert(update, t.gettext("This button belongs to an earlier question."))
            return
        if press.act == "c":
            prompt = await step.ask(run)
            if press.value not in {c.value for c in prompt.choices}:
                await alert(update, t.gettext("This button is no longer valid. Type /start for the menu."))
                return
            result = await step.pick(run, press.value) if step.pick else Accepted(press.value)
            label = next(c.label for c in prompt.choices if c.value == press.value)
            if isinstance(result, Problem):
                await alert(update, Markup(result.text(t)).striptags())
                return
            await self._accept(run, step, result.value, chosen=label)
        elif press.act in ("on", "off"):
            await tick(run, step, press.value, press.act == "on")
        elif press.act == "ok":
            ticks = list(run.data.get("_ticks", {}).get(step.id, run.answers.get(step.id) or []))
            result = await step.pick(run, ticks) if step.pick else Accepted(ticks)
            if isinstance(result, Problem):
                await alert(update, Markup(result.text(t)).striptags())
                return
            await self._accept(run, step, result.value, chosen=", ".join(await labels_of(run, step, ticks)))
        elif press.act == "oth":
            run.data["_other"] = step.id
            await close_pressed(update, None)
            await self._send_and_save(run, step.id, t._("Please type the name:"), None)
        else:
            await self._navigate(run, step, press.act)

    # ---- moving between steps ------------------------------------------------------------------
    async def _navigate(self, run: FlowRun, step: Step, act: str) -> None:
        t = run.t
        if act == "back":
            target = SUMMARY if run.editing else previous(run, step)
            if target is None:
                await alert(run.update, t.gettext("This is the first question."))
                return
            await close_pressed(run.update, None)
            await self._move(run, target)
        elif act == "skip" and step.optional:
            await self._accept(run, step, None, chosen=t.gettext("— (skipped)"))
        elif act == "again":  # "Change the answer" under a refusal
            await close_pressed(run.update, None)
            await self._move(run, step.id)
        elif act == "keep" and step.id in run.answers:
            await self._accept(run, step, run.answers[step.id], kept=True)
        else:
            await alert(run.update, t.gettext("This button is no longer valid. Type /start for the menu."))

    async def _summary_press(self, run: FlowRun, press: FlowButton) -> None:
        if press.act == "edit" and run.step(press.value or "") is not None:
            run.data["_edit"] = True
            await close_pressed(run.update, None)
            await self._move(run, press.value)
            return
        if press.act != "do" or run.flow.act is None:
            await alert(run.update, run.t.gettext("This button is no longer valid. Type /start for the menu."))
            return
        services = run.services
        async with services.db.transaction():
            outcome = await run.flow.act(run, press.value or "")
            if isinstance(outcome, End):
                await services.sessions.end_flow(run.user_id)
        await self._follow(run, outcome)

    async def _accept(self, run: FlowRun, step: Step, value: Any, *, chosen: str | None = None, kept=False) -> None:
        """Keep the answer and go on: to the next step, the summary, or the end of the flow."""
        run.answers[step.id] = value
        run._steps = None  # a flow's steps may depend on its answers (an online event asks for a link)
        run.data.pop("_other", None)
        run.data.get("_ticks", {}).pop(step.id, None)
        if step.confirm is not None and run.data.pop("_nav", None) is not None:
            with contextlib.suppress(TelegramError):  # the reply keyboard goes with the confirmation
                await run.context.bot.send_message(
                    run.update.effective_chat.id, step.confirm(run, value), reply_markup=ReplyKeyboardRemove()
                )
        save = (step, value) if run.flow.save is not None and not kept else None
        if step.done is not None:  # the flow's work is done: in one transaction with its end
            await close_pressed(run.update, chosen)
            await self._end(run, step.done, value, save)
            return
        outcome: Next = await step.next(run, value) if step.next else None
        if isinstance(outcome, End):  # e.g. an answer that ends the application
            await close_pressed(run.update, chosen)
            await self._end(run, None, outcome, save)
            return
        await close_pressed(run.update, chosen)
        if isinstance(outcome, Refuse):  # not a dead end: the answer can be changed, or the menu
            run.answers.pop(step.id, None)
            change = (run.t.gettext("✏️ Change the answer"), button(run, step.id, "again"))
            markup = keyboard([[change], [(run.t.gettext("« Main menu"), MAIN_MENU)]])
            await self._send_and_save(run, step.id, outcome.text, markup, save=save)
            return
        target = outcome.step if outcome is not None else (SUMMARY if run.editing else following(run, step))
        await self._move(run, target, save=save)

    async def _end(self, run: FlowRun, done, value, save) -> None:
        services = run.services
        async with services.db.transaction():
            if save is not None:
                await run.flow.save(run, *save)
            end = await done(run, value) if done is not None else value
            await services.sessions.end_flow(run.user_id)
        await self._retire(run.update, run.context, run.state.message_id if run.state else None)
        await self._show_end(run, end)

    async def _move(self, run: FlowRun, target: str, *, expected: int | object | None = ..., save=None) -> None:
        if target == SUMMARY:
            run.data.pop("_edit", None)
        text, markup, nav = await render(run, target)
        if nav:
            run.data["_nav"] = nav
        else:
            run.data.pop("_nav", None)
        await self._send_and_save(run, target, text, markup, expected=expected, save=save)

    async def _reask(self, run: FlowRun, target: str, problem: Problem) -> None:
        text, markup, _ = await render(run, target, problem)
        await self._send_and_save(run, target, text, markup)

    async def _reshow(self, run: FlowRun) -> None:
        """The current step again, without writing anything (a replay may not). The step's message
        was sent before the update was applied, so it is redrawn in place (usually: nothing to
        change) rather than sent twice; a new message only where it cannot be edited."""
        if run.update.callback_query is not None:
            await run.update.callback_query.answer()
        current = run.state.step
        target = current if current == SUMMARY or run.step(current) is not None else resume_point(run)
        text, markup, _ = await render(run, target)
        chat_id, message_id = run.update.effective_chat.id, run.state.message_id
        if message_id is not None and (markup is None or isinstance(markup, InlineKeyboardMarkup)):
            try:
                await run.context.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
                return
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return  # the person has it as it is
            except TelegramError:
                pass  # deleted or too old to edit: sent anew below
        await run.context.bot.send_message(chat_id, text, reply_markup=markup)

    async def _send_and_save(self, run: FlowRun, target: str, text, markup, *, expected=..., save=None) -> None:
        update, context = run.update, run.context
        state = run.state
        if state is not None:
            await self._retire(update, context, state.message_id)
        sent: Message = await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
        new = FlowState(
            flow=run.flow.name,
            step=target,
            data=run.data,
            message_id=sent.message_id if markup is not None else None,
            last_update_id=max(update.update_id, state.last_update_id or 0) if state else update.update_id,
        )
        version = (state.version if state else None) if expected is ... else expected
        services = run.services
        try:
            async with services.db.transaction():
                if save is not None:
                    await run.flow.save(run, *save)
                await services.sessions.save_flow(run.user_id, new, expected_version=version, now=services.clock())
        except StaleFlow:
            log.warning("flow of %s changed under this update; the later write is dropped", run.user_id)

    async def _follow(self, run: FlowRun, outcome: Next) -> None:
        if isinstance(outcome, End):
            await close_pressed(run.update, None)
            await self._show_end(run, outcome)
        elif isinstance(outcome, Goto):
            await close_pressed(run.update, None)
            await self._move(run, outcome.step)
        else:
            await run.update.callback_query.answer()

    async def _show_end(self, run: FlowRun, end: End) -> None:
        if end.text is not None:
            if end.menu:
                await self.menu_after(run.update, run.context, end.text)
            else:
                await run.context.bot.send_message(run.update.effective_chat.id, end.text)
        if end.after is not None:
            await end.after()

    async def _retire(self, update: Update, context, message_id: int | None) -> None:
        """Take the buttons off an earlier question, so only the current one can be pressed."""
        query = update.callback_query
        if message_id is None or (query is not None and query.message and query.message.message_id == message_id):
            return
        with contextlib.suppress(TelegramError):  # already without buttons, or deleted by the person
            await context.bot.edit_message_reply_markup(update.effective_chat.id, message_id, reply_markup=None)


def _state(context) -> FlowState | None:
    session = context.session
    return session.flow if session is not None else None
