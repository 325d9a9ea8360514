"""The command menus and /pomoc offer what README.md says each role can do, in Polish command
names for Polish and the English aliases for the other languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.app import build_application
from bot.double import running
from storage import open_database
from storage.coordinators import CoordinatorRepository
from tests.conftest import ADMIN_ID, COORDINATOR_ID

README = Path(__file__).resolve().parent.parent / "README.md"
# `/pomoc` · `/help`, or one name for both languages (`/plan`).
_COMMAND = re.compile(r"`/(\w+)`(?: · `/(\w+)`)?")
ROLES = ("Everyone", "Volunteers", "Coordinators", "Admins")


def readme_commands() -> dict[str, tuple[set[str], set[str]]]:
    """Per role of README's "What they can do today" table: (Polish names, English names)."""
    found = {role: (set(), set()) for role in ROLES}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 4 or cells[1] not in found:
            continue
        polish, english = found[cells[1]]
        for pl, en in _COMMAND.findall(cells[2]):
            polish.add(pl)
            english.add(en or pl)
    return found


def expected(role_count: int) -> tuple[set[str], set[str]]:
    """What a person of the first `role_count` roles (everyone and volunteers at least) has."""
    table = readme_commands()
    polish = set().union(*(table[r][0] for r in ROLES[:role_count]))
    english = set().union(*(table[r][1] for r in ROLES[:role_count]))
    return polish, english


def test_the_readme_table_names_commands_for_every_role():
    table = readme_commands()
    assert all(table[role][0] for role in ROLES), table
    assert {"zgloszenie", "zgloszenia", "eksport"} <= set().union(*(p for p, _ in table.values()))


@pytest.fixture
async def app(settings, double):
    db = await open_database(settings.database_path)
    try:
        await CoordinatorRepository(db).add(COORDINATOR_ID)
    finally:
        await db.close()
    for staff in (COORDINATOR_ID, ADMIN_ID):  # chats the double knows, so their menus can be set
        double.user(user_id=staff, first_name="Kasia", language_code="pl")
    async with running(build_application(settings, double), double) as application:
        yield application


async def _menu(app, **where) -> set[str]:
    return {c.command for c in await app.bot.get_my_commands(**where)}


async def test_command_menus_match_the_readme(app):
    private = BotCommandScopeAllPrivateChats()
    volunteers_pl, volunteers_en = expected(2)
    assert await _menu(app, scope=private, language_code="pl") == volunteers_pl
    assert await _menu(app, scope=private, language_code="en") == volunteers_en
    assert await _menu(app, scope=private, language_code="uk") == volunteers_en
    coordinators_pl, _ = expected(3)
    assert await _menu(app, scope=BotCommandScopeChat(COORDINATOR_ID)) == coordinators_pl
    admins_pl, _ = expected(4)
    assert await _menu(app, scope=BotCommandScopeChat(ADMIN_ID)) == admins_pl


async def test_help_lists_the_commands_of_ones_role(app, double):
    volunteer = double.user(user_id=5001, first_name="Ola", language_code="pl")
    await volunteer.send("/pomoc")
    assert "/zgloszenie – Zgłoszenie do zespołu" in volunteer.last.text
    assert "/zgloszenia" not in volunteer.last.text
    coordinator = double.user(user_id=COORDINATOR_ID)
    await coordinator.send("/pomoc")
    for command in ("/zgloszenie –", "/zgloszenia – Przeglądanie zgłoszeń", "/eksport – Eksport zgłoszeń (CSV)"):
        assert command in coordinator.last.text
    english = double.user(user_id=5002, first_name="Tom", language_code="en")
    await english.send("/help")
    assert "/apply – Apply to the team, my application" in english.last.text
