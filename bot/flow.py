"""Flows declared as data: a flow is a list of steps, and one engine (bot/flow_engine.py) runs them.

A step says what it asks (a `Prompt`), what input it takes (buttons only, typed text, a contact,
a file, a message with content), how to read that input (`read`, returning `Accepted` or a
`Problem`), where the flow goes next (`next`), and how the value is kept (`save`, run in the same
transaction as the flow's state). Every flow then behaves the same: "Step N of M", « Back,
Skip » for optional steps, /cancel, an edit from the summary returns to the summary, and
"continue" resumes at the first unanswered step.

No Telegram calls here: only the shapes the engine and the flows share.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.callback_data import CallbackData
from bot.forms import Accepted, Problem, typed_text

if TYPE_CHECKING:
    from telegram import Message, Update

    from bot.context import BotContext
    from storage.sessions import FlowState

# What a step takes besides its buttons.
TEXT = "text"
CONTACT = "contact"
FILE = "file"  # a document or a photo
CONTENT = "content"  # text, or a photo or document with a caption (announcements)
BUTTONS_ONLY: frozenset[str] = frozenset()
TYPED: frozenset[str] = frozenset({TEXT})

SUMMARY = "summary"  # the step id of a flow's summary


class FlowButton(CallbackData, prefix="f"):
    """Every button of a flow's step: which flow and step it belongs to, and what it sets."""

    flow: str
    step: str
    act: str  # c choose · on/off tick · ok done · back · skip · keep · oth other · edit · do action
    value: str | None = None


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class Prompt:
    text: str  # HTML, escaped
    choices: Sequence[Choice] = ()
    columns: int = 1
    multi: bool = False  # ticks set on/off, then "Done"
    other: bool = False  # an "Other…" button: the person types their own answer
    actions: Sequence[Choice] = ()  # the flow's own buttons (e.g. "Send"), read by `Flow.act`
    links: Sequence[tuple[str, str]] = ()  # (label, url) rows
    contact_button: str | None = None  # a reply-keyboard button that shares the phone number
    numbered: bool = True
    keep_answer: bool = True  # offer "Keep this answer" when the step was answered before


@dataclass(frozen=True)
class End:
    """The flow is over: `text` (HTML) is shown with the main menu, unless `menu` is False."""

    text: str | None = None
    menu: bool = True
    after: Callable[[], Awaitable[Any]] | None = None  # after the commit: notify other people


@dataclass(frozen=True)
class Goto:
    step: str


@dataclass(frozen=True)
class Refuse:
    """An answer the flow cannot go on from ("No" to "Are you 18?"): `text` (HTML) is shown with
    "Change the answer" (the same question again) and the main menu; the flow stays at the step,
    so a typed reply is read as a new answer to it, never met with "I don't understand"."""

    text: str


Next = Goto | End | Refuse | None  # None: the following step (or the summary during an edit)
Hook = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Step:
    id: str
    ask: Callable[[FlowRun], Awaitable[Prompt]]
    takes: frozenset[str] = TYPED
    read: Callable[[FlowRun, Message], Awaitable[Accepted | Problem]] | None = None
    pick: Callable[[FlowRun, str], Awaitable[Accepted | Problem]] | None = None  # a pressed choice
    next: Callable[[FlowRun, Any], Awaitable[Next]] | None = None  # decides only: writes nothing
    # The last step of a flow: does the flow's work in the transaction that ends it, and says
    # what the person is told (End.after runs once that is committed: notify other people).
    done: Callable[[FlowRun, Any], Awaitable[End]] | None = None
    optional: bool = False
    numbered: bool = True
    label: Callable[[FlowRun], str] | None = None  # the summary's "✏️ …" button
    confirm: Callable[[FlowRun, Any], str] | None = None  # said when leaving a reply-keyboard step


@dataclass(frozen=True)
class Flow:
    """`steps(run)` lists the steps (they may depend on the organisation file or the payload).
    `save(run, step, value)` keeps a value (in the step's transaction). `summary(run)` shows the
    answers with `actions`; `act(run, value)` runs such an action (in a transaction that also
    ends the flow when it returns End). `cancelled` is the text after /cancel."""

    name: str
    steps: Callable[[FlowRun], Sequence[Step]]
    save: Hook | None = None
    summary: Callable[[FlowRun], Awaitable[Prompt]] | None = None
    act: Callable[[FlowRun, str], Awaitable[Next]] | None = None
    cancelled: Callable[[FlowRun], str] | None = None
    # A button of this flow pressed after the flow ended (e.g. show where things stand now).
    stale: Hook | None = None
    # Entry points that leave this flow waiting for typed text, for the abandonment test:
    # (step id, how a test reaches it) — see tests/test_flow_abandonment.py.
    reach: Sequence[str] = field(default_factory=tuple)


@dataclass
class FlowRun:
    """One update's view of the person's flow: the state as read and a working copy of its data."""

    update: Update
    context: BotContext
    flow: Flow
    state: FlowState | None
    data: dict[str, Any]
    _steps: list[Step] | None = field(default=None, repr=False)

    @property
    def t(self):
        return self.context.t

    @property
    def services(self):
        return self.context.services

    @property
    def user_id(self) -> int:
        return self.update.effective_user.id

    @property
    def answers(self) -> dict[str, Any]:
        return self.data.setdefault("answers", {})

    @property
    def editing(self) -> bool:
        """The step was opened from the summary: answering it returns there."""
        return bool(self.data.get("_edit"))

    def steps(self) -> list[Step]:
        """The flow's steps for this update (built once: they depend on the payload's keys, which
        steps do not change while an update is handled)."""
        if self._steps is None:
            self._steps = list(self.flow.steps(self))
        return self._steps

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps() if s.id == step_id), None)


def question(msgid: str) -> Callable[[FlowRun], Awaitable[Prompt]]:
    """A step's question that is always the same catalog text (marked with N_ where written)."""

    async def ask(run: FlowRun) -> Prompt:
        return Prompt(run.t._(msgid))

    return ask


def typed_step(
    step_id: str,
    ask: Callable[[FlowRun], Awaitable[Prompt]],
    limit: int,
    done: Callable[[FlowRun, Any], Awaitable[End]] | None = None,
    *,
    minimum: int = 1,
    one_line: bool = False,
    numbered: bool = True,
) -> Step:
    """A step that takes `minimum` (1) to `limit` characters of typed text (a reason, a question, an
    answer). With `one_line`, line breaks and runs of spaces become one space first (a goal)."""

    async def read(run: FlowRun, message: Message) -> Accepted | Problem:
        text = " ".join((message.text or "").split()) if one_line else message.text
        return typed_text(text, limit, minimum)

    return Step(step_id, ask, TYPED, read=read, done=done, numbered=numbered)


def button(run_or_name: FlowRun | str, step: str, act: str, value: str | None = None) -> str:
    name = run_or_name if isinstance(run_or_name, str) else run_or_name.flow.name
    return _packed(name, step, act, value)


@lru_cache(maxsize=4096)
def _packed(flow: str, step: str, act: str, value: str | None) -> str:
    """The same button is built on every update that shows its question: built (and checked) once."""
    return FlowButton(flow=flow, step=step, act=act, value=value).pack()


__all__ = [
    "BUTTONS_ONLY",
    "CONTACT",
    "CONTENT",
    "FILE",
    "SUMMARY",
    "TEXT",
    "TYPED",
    "Accepted",
    "Choice",
    "End",
    "Flow",
    "FlowButton",
    "FlowRun",
    "Goto",
    "Next",
    "Problem",
    "Prompt",
    "Refuse",
    "Step",
    "button",
    "question",
    "typed_step",
]
