"""The README's front door stays true: its commands are what CI runs, and packaging is complete."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_the_readme_opens_with_the_install_and_the_test_command():
    install, test = readme_commands()
    assert install.startswith("python3 -m venv .venv") and install.endswith("volunteer-bot")
    assert test.startswith("python3 -m venv .venv") and test.endswith("pytest")


def test_ci_runs_exactly_the_readme_test_command():
    _, test = readme_commands()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert test in commands


def test_every_setting_in_the_code_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'"((?:TELEGRAM|BOT|DATABASE)_[A-Z_]+)"', config))
    assert variables, "no settings found"
    missing = sorted(v for v in variables if f"`{v}`" not in readme)
    assert not missing, f"settings missing from the README: {missing}"


def test_the_package_ships_catalogs_migrations_and_the_organisation_file(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(tmp_path.glob("volunteer_bot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "bot/organisation.toml",
        "locales/messages.pot",
        "locales/pl/LC_MESSAGES/messages.po",
        "locales/en/LC_MESSAGES/messages.po",
        "locales/uk/LC_MESSAGES/messages.po",
        "storage/migrations/0001_users_and_roles.sql",
        "storage/migrations/0005_agreements.sql",
        "handlers/menu.py",
    ):
        assert required in names, f"{required} is not in the wheel"
    assert not any(name.startswith("tests/") for name in names)


# ---- PORADNIK.md, the Polish guide: the same review keeps it true -----------------------------
GUIDE = ROOT / "PORADNIK.md"
# Commands of @BotFather the guide names; everything else in `/…` must be one of the bot's.
_BOTFATHER_COMMANDS = {"newbot", "mybots"}


def test_the_readme_links_the_polish_guide_in_its_first_lines():
    first_lines = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12])
    assert "(PORADNIK.md)" in first_lines


def test_the_guide_names_only_commands_the_bot_has():
    from handlers.command_menu import _ADMIN_COMMANDS, _COORDINATOR_COMMANDS, _VOLUNTEER_COMMANDS

    commands = {
        name
        for menu in (_VOLUNTEER_COMMANDS, _COORDINATOR_COMMANDS, _ADMIN_COMMANDS)
        for entries in menu.values()
        for name, _ in entries
    }
    named = set(re.findall(r"`/(\w+)", GUIDE.read_text(encoding="utf-8")))
    assert named, "no commands found in the guide"
    assert not named - commands - _BOTFATHER_COMMANDS, "commands in PORADNIK.md the bot does not have"


def test_the_guide_names_only_real_settings_and_cli_commands():
    guide = GUIDE.read_text(encoding="utf-8")
    config = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    settings = set(re.findall(r'"((?:TELEGRAM|BOT|DATABASE)_[A-Z_]+)"', config))
    named = set(re.findall(r"`((?:TELEGRAM|BOT|DATABASE)_[A-Z_]+)", guide))
    assert named and not named - settings, f"unknown settings in PORADNIK.md: {sorted(named - settings)}"
    cli = (ROOT / "bot" / "cli.py").read_text(encoding="utf-8")
    subcommands = set(re.findall(r'add_parser\(\s*"(\w+)"', cli))
    used = set(re.findall(r"volunteer-bot (\w+)", guide))
    assert used and not used - subcommands, (
        f"unknown volunteer-bot commands in PORADNIK.md: {sorted(used - subcommands)}"
    )


def test_the_buttons_the_guide_names_are_the_bots_polish_labels():
    """A label in „…” that starts with an emoji or « is a Polish text of the catalog, verbatim."""
    from babel.messages.pofile import read_po

    with open(ROOT / "locales" / "pl" / "LC_MESSAGES" / "messages.po", "rb") as fp:
        texts = {s for m in read_po(fp) if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)}
    labels = [q for q in re.findall(r"„([^”]+)”", GUIDE.read_text(encoding="utf-8")) if not q[0].isalnum()]
    assert labels, "no button labels found in the guide"
    missing = sorted({label for label in labels if label not in texts})
    assert not missing, f"PORADNIK.md names buttons the bot does not show: {missing}"


def test_the_buttons_the_readme_names_are_the_bots_polish_labels():
    """A label in "…" that starts with an emoji is a Polish text of the catalog (or the start of one
    that goes on with a value, like "🆕 Nowe wydarzenia: …")."""
    import unicodedata

    from babel.messages.pofile import read_po

    with open(ROOT / "locales" / "pl" / "LC_MESSAGES" / "messages.po", "rb") as fp:
        texts = {s for m in read_po(fp) if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    labels = [q for q in re.findall(r'"([^"\n]{2,80})"', readme) if unicodedata.category(q[0]) == "So"]
    assert len(labels) > 20, "no button labels found in the README"
    missing = sorted({label for label in labels if not any(t.startswith(label) for t in texts)})
    assert not missing, f"README.md names buttons the bot does not show: {missing}"
