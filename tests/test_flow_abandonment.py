"""Text never reaches a flow the person has left.

Generated from the registry of flows: for every step of every flow that waits for typed text, a
person is brought there (tests/flow_paths.py), leaves by each kind of entry point (a command, a
menu button, a deep link, another flow's button), then types text. Nothing the abandoned flow
would have stored may change, and the text gets the short hint instead. A flow added later is
covered by adding its path; a flow without one fails here.
"""

from __future__ import annotations

from types import SimpleNamespace

from bot.app import build_application
from bot.buttons.application import ApplicationButton
from bot.buttons.menu import MAIN_MENU
from bot.context import ROUTES_KEY
from bot.double import running
from bot.flow import TEXT, FlowRun
from bot.i18n import translator
from handlers.menu import LANGUAGE_MENU
from storage import schema_info
from tests.conftest import ADMIN_ID, COORDINATOR_ID
from tests.flow_paths import PATHS, World

# Rows that change by merely talking to the bot, whatever the flow.
# thread_offers: a text typed outside any flow is held to be offered to the coordinators (issue 15).
# update_inbox and leases: the record of every update delivered and who handles it, not its effects.
SNAPSHOT_EXCLUDE = {
    "flow_state",
    "users",
    "schema_migrations",
    "sqlite_sequence",
    "audit_log",
    "thread_offers",
    "update_inbox",
    "leases",
}
TYPED = "Hello, what's new?"


async def _snapshot(db) -> dict[str, list[tuple]]:
    async with db.transaction() as conn:
        tables = await schema_info.table_names(conn)
    snapshot = {}
    for table in tables:
        if table in SNAPSHOT_EXCLUDE:
            continue
        rows = await db.fetch_all(f"SELECT * FROM {table}")
        snapshot[table] = sorted(tuple(str(v) for v in row) for row in rows)
    return snapshot


async def _by_command(chat, flow):
    await chat.send("/pomoc")


async def _by_menu_button(chat, flow):
    await chat.press(chat.last.message_id, MAIN_MENU)


async def _by_deep_link(chat, flow):
    await chat.send("/start help")


async def _by_another_flow(chat, flow):
    # The language choice starts a flow of its own; for it, opening the application does.
    other = ApplicationButton(act="open").pack() if flow == "language" else LANGUAGE_MENU
    await chat.press(chat.last.message_id, other)


ENTRY_POINTS = {
    "a command": _by_command,
    "a menu button": _by_menu_button,
    "a deep link": _by_deep_link,
    "another flow's button": _by_another_flow,
}


def typed_steps(app) -> list[tuple[str, str]]:
    services = app.services
    context = SimpleNamespace(services=services, t=translator("pl", services.settings.timezone))
    found = []
    for name, flow in app.bot_data[ROUTES_KEY].engine.flows.items():
        run = FlowRun(update=None, context=context, flow=flow, state=None, data={})
        found += [(name, step.id) for step in flow.steps(run) if TEXT in step.takes]
    return found


async def test_every_typed_step_is_covered_by_a_path(app):
    missing = sorted({name for name, _ in typed_steps(app)} - set(PATHS))
    assert missing == [], f"flows with typed steps but no path in tests/flow_paths.py: {missing}"


async def test_text_after_leaving_a_flow_changes_nothing_of_it(app, double):
    await app.services.coordinators.add(COORDINATOR_ID)
    world = World(
        app=app,
        double=double,
        coordinator=double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl"),
        admin=double.user(user_id=ADMIN_ID, first_name="Marek", language_code="pl"),
    )
    # Scheduled jobs (alerts, notices) would change rows between the two snapshots on a slower
    # engine: only what the typed text does is looked at.
    if app.job_queue is not None:
        app.job_queue.scheduler.pause()
    problems = []
    checked = 0
    for flow, step in typed_steps(app):
        for kind, leave in ENTRY_POINTS.items():
            chat = await PATHS[flow](world, step)
            state = await app.services.sessions.load(chat.id)
            assert state.flow is not None and (state.flow.flow, state.flow.step) == (flow, step), (flow, step)
            await leave(chat, flow)
            before = await _snapshot(app.services.db)
            await chat.send(TYPED)
            after = await _snapshot(app.services.db)
            changed = sorted(t for t in after if after[t] != before.get(t))
            session = await app.services.sessions.load(chat.id)
            if changed:
                problems.append(f"{flow}/{step} left by {kind}: typed text changed {changed}")
            if session.flow is not None and session.flow.flow == flow and session.flow.step == step:
                problems.append(f"{flow}/{step} left by {kind}: still in the flow")
            if TYPED in "".join(m.text for m in chat.messages[-3:]):
                problems.append(f"{flow}/{step} left by {kind}: the text was taken as an answer")
            checked += 1
    assert problems == []
    assert checked >= 4 * len(typed_steps(app)) > 0


async def test_a_restart_in_the_middle_of_every_flow_continues_where_the_person_was(settings, double):
    """Every typed step of every flow: a new Application on the same database (as after a restart
    or on another process) has the person at the same step, and their next text answers it."""
    first = build_application(settings, double)
    async with running(first, double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        world = World(
            app=app,
            double=double,
            coordinator=double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl"),
            admin=double.user(user_id=ADMIN_ID, first_name="Marek", language_code="pl"),
        )
        reached = []
        for flow, step in typed_steps(app):
            chat = await PATHS[flow](world, step)
            reached.append((flow, step, chat, (await app.services.sessions.load(chat.id)).flow))
    async with running(build_application(settings, double), double) as app:
        problems = []
        for flow, step, chat, state in reached:
            if (await app.services.sessions.load(chat.id)).flow != state:
                problems.append(f"{flow}/{step}: the state changed across the restart")
            await chat.send("🙂")  # an answer no step takes: the step asks again
            if chat.last.text.startswith("Tej wiadomości nie rozumiem"):
                problems.append(f"{flow}/{step}: after the restart the text did not reach the flow")
        assert problems == []
        assert len(reached) == len(typed_steps(app)) > 0
