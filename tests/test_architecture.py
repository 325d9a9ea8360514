"""The house rules that keep the code easy to change, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.callback_data import CALLBACK_DATA_LIMIT, CallbackData
from bot.context import ROUTES_KEY

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
MAY_IMPORT_HANDLERS = {"bot.app", "bot.cli"}  # the registration and the command line


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, modules: dict[str, Path], *, top_level_only: bool) -> set[str]:
    """Project modules imported by `path` (at module level only, when asked: imports inside
    functions run later and cannot form a cycle at import time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports never run
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name for name in names if name in modules)
    return found


def test_nothing_below_handlers_imports_handlers():
    modules = _modules()
    offenders = {
        name: sorted(i for i in _imports(path, modules, top_level_only=False) if i.startswith("handlers"))
        for name, path in modules.items()
        if not name.startswith("handlers") and name not in MAY_IMPORT_HANDLERS
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_storage_knows_nothing_of_telegram_or_the_bot():
    for name, path in _modules().items():
        if name.startswith("storage"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith(("telegram", "bot", "handlers")), (name, node.module)


def test_there_are_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(path, modules, top_level_only=True) - {name} for name, path in modules.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # A package importing its own modules (bot.buttons -> bot.buttons.menu) is not a cycle.
    real = [c for c in cycles if not all(m.startswith(c[0] + ".") or c[0].startswith(m + ".") for m in c[1:])]
    assert real == []


def test_every_declared_button_has_exactly_one_handler_and_every_handler_a_declared_button(app):
    import bot.buttons  # noqa: F401  (declares every kind)

    routes = app.bot_data[ROUTES_KEY]
    declared = set(CallbackData.kinds.values())
    handled = set(routes.presses)
    assert sorted(k.__name__ for k in declared - handled) == [], "kinds without a handler"
    assert sorted(k.__name__ for k in handled - declared) == [], "handlers for undeclared kinds"


def test_no_module_parses_button_data_by_hand():
    offenders = []
    for name, path in _modules().items():
        if name.startswith("handlers"):
            source = path.read_text(encoding="utf-8")
            if 'data.split(":")' in source or ".data.split(" in source:
                offenders.append(name)
    assert offenders == []


def test_a_button_that_would_outgrow_telegrams_limit_fails_when_built():
    import pytest

    from bot.callback_data import CallbackDataError
    from bot.flow import FlowButton

    with pytest.raises(CallbackDataError):
        FlowButton(flow="ap", step="x" * CALLBACK_DATA_LIMIT, act="c").pack()
    with pytest.raises(CallbackDataError):
        FlowButton(flow="ap", step="a:b", act="c").pack()  # the separator inside a field
    assert CallbackData.parse(FlowButton(flow="ap", step="s", act="c", value="v:w").pack()) == FlowButton(
        flow="ap", step="s", act="c", value="v:w"
    )
    assert CallbackData.parse("f:ap") is None  # a field missing
    assert CallbackData.parse("zz:1") is None  # an unknown kind
