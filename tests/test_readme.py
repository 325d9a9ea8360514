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
