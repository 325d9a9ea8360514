"""Settings and the organisation file: defaults, and errors that name what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import DEFAULT_API_URL, DEFAULT_FILE_URL, ConfigError, Settings
from bot.double import BotApiDouble
from bot.organisation import default_org_text, load_organisation


def test_defaults():
    settings = Settings.from_env({})
    assert settings.token is None
    assert settings.api_url == DEFAULT_API_URL
    assert settings.database_path == Path("volunteer-bot.db")
    assert settings.timezone == "Europe/Warsaw"
    assert settings.default_locale == "pl"
    assert settings.admin_ids == frozenset()


def test_values_are_read():
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
            "DATABASE_URL": "sqlite:////var/lib/volunteer-bot/bot.db",
            "BOT_ADMIN_IDS": "12345, 67890",
            "BOT_TIMEZONE": "Europe/Kyiv",
            "BOT_DEFAULT_LOCALE": "uk",
            "BOT_WEBHOOK_SECRET": "abc_DEF-123",
        }
    )
    assert settings.database_path == Path("/var/lib/volunteer-bot/bot.db")
    assert settings.admin_ids == {12345, 67890}
    assert settings.default_locale == "uk"
    assert settings.api_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(
    ("env", "file_url"),
    [
        ({}, DEFAULT_FILE_URL),
        ({"TELEGRAM_API_URL": "http://127.0.0.1:8081/bot"}, "http://127.0.0.1:8081/file/bot"),
        ({"TELEGRAM_API_URL": "https://tg.example.org/api/bot{token}"}, "https://tg.example.org/api/file/bot{token}"),
        ({"TELEGRAM_API_URL": "https://tg.example.org/proxy"}, "https://tg.example.org/proxy/file/bot"),
        (
            {"TELEGRAM_API_URL": "http://127.0.0.1:8081/bot", "TELEGRAM_FILE_URL": "https://files.example.org/bot"},
            "https://files.example.org/bot",
        ),
    ],
)
def test_the_file_url_goes_with_the_api_url_unless_set(env, file_url):
    settings = Settings.from_env(env)
    assert settings.base_file_url == file_url
    assert settings.local_mode is False


def test_a_self_hosted_local_server_is_what_the_bot_talks_to(tmp_path):
    env = {"TELEGRAM_API_URL": "http://127.0.0.1:8081/bot", "TELEGRAM_LOCAL_MODE": "1"}
    settings = Settings.from_env(env).with_changes(database_path=tmp_path / "bot.db")
    double = BotApiDouble()
    bot = build_application(settings, double).bot
    assert bot.base_url == f"http://127.0.0.1:8081/bot{double.token}"
    assert bot.base_file_url == f"http://127.0.0.1:8081/file/bot{double.token}"
    assert bot.local_mode is True
    assert Settings.from_env({"TELEGRAM_LOCAL_MODE": "0"}).local_mode is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_ADMIN_IDS", "12,abc"),
        ("BOT_TIMEZONE", "Mars/Olympus"),
        ("BOT_DEFAULT_LOCALE", "de"),
        ("DATABASE_URL", "mysql://db/bot"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
        ("TELEGRAM_FILE_URL", "127.0.0.1:8081/file/bot"),
        ("TELEGRAM_LOCAL_MODE", "sure"),
        ("BOT_WEBHOOK_SECRET", "has spaces"),
        ("BOT_FLOOD_MESSAGES", "0"),
        ("BOT_REORDER_WINDOW_MS", "2s"),
    ],
)
def test_errors_name_the_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: value})


def test_the_reorder_window_is_in_milliseconds_and_may_be_off():
    assert Settings.from_env({}).reorder_window_ms == 2000
    assert Settings.from_env({"BOT_REORDER_WINDOW_MS": "0"}).reorder_window_ms == 0
    assert Settings.from_env({"BOT_REORDER_WINDOW_MS": "500"}).reorder_window_ms == 500


def test_the_default_organisation_is_an_expert_volunteer_team():
    org = load_organisation()
    assert org.programme.name.get("pl") == "Ekspercki Zespół Wolontariuszy"
    assert "Lublin" in org.county_names.values()
    assert {t.id for t in org.event_types} >= {"training", "coalition_meeting"}


def _write(tmp_path, text):
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_key_is_named(tmp_path):
    text = default_org_text().replace('email = "wolontariat@example.org"\n', "", 1)
    with pytest.raises(ConfigError, match=r"organisation\.email"):
        load_organisation(_write(tmp_path, text))


def test_an_unknown_key_is_named(tmp_path):
    text = default_org_text().replace("[organisation]\n", "[organisation]\nemial = 'x'\n", 1)
    with pytest.raises(ConfigError, match=r"organisation\.emial"):
        load_organisation(_write(tmp_path, text))


def test_a_text_without_polish_is_refused(tmp_path):
    text = default_org_text().replace(
        'label = { pl = "Szkolenie", en = "Training", uk = "Навчання" }',
        'label = { en = "Training" }',
    )
    with pytest.raises(ConfigError, match=r"event_types\.0\.label"):
        load_organisation(_write(tmp_path, text))


def test_duplicate_ids_are_refused(tmp_path):
    text = default_org_text().replace('id = "rycki"', 'id = "lublin"')
    with pytest.raises(ConfigError, match="duplicate id lublin"):
        load_organisation(_write(tmp_path, text))


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_organisation(_write(tmp_path, "[organisation\n"))
    with pytest.raises(ConfigError, match="BOT_ORG_FILE"):
        load_organisation(tmp_path / "nowhere.toml")
