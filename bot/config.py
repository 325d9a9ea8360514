"""Settings read from the environment (a `.env` file in the working directory may set them)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_DATABASE_URL = "sqlite:///volunteer-bot.db"
SUPPORTED_LOCALES = ("pl", "en", "uk")
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - in X-Telegram-Bot-Api-Secret-Token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    # Where files people send are downloaded from; None: the one that goes with api_url.
    file_url: str | None = None
    # A Bot API server started with --local: it gives files as paths on its disk, read from there.
    local_mode: bool = False
    database_path: Path = Path("volunteer-bot.db")
    # DATABASE_URL=postgresql://...: the bot's database is PostgreSQL (database_path then unused).
    database_url: str | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    timezone: str = "Europe/Warsaw"
    default_locale: str = "pl"
    org_file: Path | None = None
    webhook_secret: str | None = None
    # A user sending more than this many messages within the window is asked to slow down.
    flood_messages: int = 20
    flood_window_seconds: float = 10.0
    # A coordinator invite link works once, for this long.
    invite_valid_hours: int = 48
    # Broadcasts: messages per second overall (Telegram allows about 30, or 1000 as paid broadcasts).
    broadcast_rate: float = 25.0
    broadcast_paid: bool = False
    # Default quiet hours ("21:00-08:00", or "off"): non-urgent announcements wait until the end.
    quiet_hours: str = "21:00-08:00"
    # The bot's public HTTPS address (the web panel's): document QR codes open <url>/verify/<code>;
    # unset, they open the bot (t.me/<bot>?start=verify_<code>).
    public_url: str | None = None
    # The coordinators' panel (bot/web): its path, how long a session and a one-time link last, and
    # how old a Mini App's initData may be when it is exchanged for a session.
    panel_path: str = "/panel"
    panel_session_hours: int = 12
    panel_link_minutes: int = 10
    panel_init_data_minutes: int = 15
    # Outgoing e-mail (the import's personal links): smtp://user:password@host:587 (STARTTLS) or
    # smtps://user:password@host:465; unset, nothing is sent by e-mail.
    smtp_url: str | None = None
    smtp_from: str | None = None
    # With a webhook: at most how long (ms) an update waits for a lower-numbered one still on its
    # way over Telegram's parallel connections (bot/inbox.py); 0 turns it off.
    reorder_window_ms: int = 2000

    @property
    def database(self) -> Path | str:
        """Where the database is, as storage.Database takes it: a PostgreSQL URL or an SQLite file."""
        return self.database_url or self.database_path

    @property
    def base_file_url(self) -> str:
        return self.file_url or file_url_for(self.api_url)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def default_quiet(self):
        from storage.preferences import parse_quiet_hours

        return parse_quiet_hours(self.quiet_hours)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, load_dotenv: bool = True) -> Settings:
        if env is None:
            if load_dotenv:
                _load_dotenv()
            env = os.environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            api_url=_url("TELEGRAM_API_URL", get("TELEGRAM_API_URL"), DEFAULT_API_URL) or DEFAULT_API_URL,
            file_url=_url("TELEGRAM_FILE_URL", get("TELEGRAM_FILE_URL"), DEFAULT_FILE_URL),
            local_mode=_flag("TELEGRAM_LOCAL_MODE", get("TELEGRAM_LOCAL_MODE")),
            **_database(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            admin_ids=_admin_ids(get("BOT_ADMIN_IDS")),
            timezone=_timezone(get("BOT_TIMEZONE") or "Europe/Warsaw"),
            default_locale=_locale(get("BOT_DEFAULT_LOCALE") or "pl"),
            org_file=Path(get("BOT_ORG_FILE")) if get("BOT_ORG_FILE") else None,
            webhook_secret=_webhook_secret(get("BOT_WEBHOOK_SECRET")),
            flood_messages=_positive_int("BOT_FLOOD_MESSAGES", get("BOT_FLOOD_MESSAGES"), 20),
            flood_window_seconds=float(_positive_int("BOT_FLOOD_WINDOW_SECONDS", get("BOT_FLOOD_WINDOW_SECONDS"), 10)),
            invite_valid_hours=_positive_int("BOT_INVITE_HOURS", get("BOT_INVITE_HOURS"), 48),
            public_url=_public_url(get("BOT_PUBLIC_URL")),
            panel_path=_panel_path(get("BOT_PANEL_PATH")),
            panel_session_hours=_positive_int("BOT_PANEL_SESSION_HOURS", get("BOT_PANEL_SESSION_HOURS"), 12),
            panel_link_minutes=_positive_int("BOT_PANEL_LINK_MINUTES", get("BOT_PANEL_LINK_MINUTES"), 10),
            panel_init_data_minutes=_positive_int(
                "BOT_PANEL_INIT_DATA_MINUTES", get("BOT_PANEL_INIT_DATA_MINUTES"), 15
            ),
            **_smtp(get("BOT_SMTP_URL"), get("BOT_SMTP_FROM")),
            reorder_window_ms=_whole_number("BOT_REORDER_WINDOW_MS", get("BOT_REORDER_WINDOW_MS"), 2000),
            **_broadcast_settings(get("BOT_BROADCAST_RATE"), get("BOT_BROADCAST_PAID"), get("BOT_QUIET_HOURS")),
        )


def _load_dotenv() -> None:
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env", override=False)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _database(url: str) -> dict[str, object]:
    """DATABASE_URL: PostgreSQL (postgresql://user:password@host:5432/name) or an SQLite file."""
    if is_postgres_url(url):
        if not url.split("://", 1)[1].strip("/"):
            raise ConfigError(
                "DATABASE_URL: name the PostgreSQL server and database, e.g. postgresql://bot@localhost/bot"
            )
        return {"database_url": url}
    return {"database_path": database_path_from_url(url)}


def database_path_from_url(url: str) -> Path:
    """Accept `sqlite:///relative.db`, `sqlite:////absolute.db` or a plain file path."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif "://" in url:
        raise ConfigError(
            "DATABASE_URL: a PostgreSQL URL (postgresql://...) or an SQLite file (sqlite:///file.db or a path), "
            f"got {url.split('://', 1)[0]}://..."
        )
    else:
        path = url
    if not path:
        raise ConfigError("DATABASE_URL: the database file name is empty")
    return Path(path)


def _url(name: str, value: str | None, example: str) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}: must start with http:// or https:// (for example {example}), got {value!r}")
    return value


def file_url_for(api_url: str) -> str:
    """The file URL a Bot API server serves beside its API URL: a self-hosted server answers
    http://host:8081/bot<token>/getFile and serves the file at http://host:8081/file/bot<token>/<path>."""
    if api_url == DEFAULT_API_URL:
        return DEFAULT_FILE_URL
    at = api_url.rfind("/bot")
    if at < 0:  # a proxy with a path of its own: /file/bot after it
        return api_url.rstrip("/") + "/file/bot"
    return api_url[:at] + "/file" + api_url[at:]


def _flag(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"{name}: expected 1 or 0, got {value!r}")
    return value.lower() in ("1", "true", "yes")


def _admin_ids(value: str | None) -> frozenset[int]:
    if value is None:
        return frozenset()
    ids = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdecimal():
            raise ConfigError(
                f"BOT_ADMIN_IDS: {part!r} is not a Telegram user id "
                "(expected comma-separated numbers, e.g. 12345678,87654321)"
            )
        ids.add(int(part))
    return frozenset(ids)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"BOT_TIMEZONE: {value!r} is not a known time zone (for example Europe/Warsaw)") from None
    return value


def _locale(value: str) -> str:
    if value not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"BOT_DEFAULT_LOCALE: {value!r} is not supported; choose one of {', '.join(SUPPORTED_LOCALES)}"
        )
    return value


def _webhook_secret(value: str | None) -> str | None:
    if value is not None and not _WEBHOOK_SECRET.match(value):
        raise ConfigError(
            "BOT_WEBHOOK_SECRET: use 1-256 characters from A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule for the secret token)"
        )
    return value


def _public_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https://[^\s/?#]+(/[^\s?#]*)?$", value):
        raise ConfigError(
            f"BOT_PUBLIC_URL: expected the bot's public HTTPS address, e.g. https://bot.example.org, got {value!r}"
        )
    return value.rstrip("/") if value else None


def _panel_path(value: str | None) -> str:
    if value is None:
        return "/panel"
    if not re.match(r"^/[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*/?$", value):
        raise ConfigError(f"BOT_PANEL_PATH: expected a path such as /panel (letters, digits, - and _), got {value!r}")
    return value.rstrip("/")


def _smtp(url: str | None, sender: str | None) -> dict:
    from urllib.parse import urlsplit

    if url is None:
        return {}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("BOT_SMTP_URL: expected smtp://user:password@host:587 or smtps://user:password@host:465")
    if not sender or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", sender):
        raise ConfigError("BOT_SMTP_FROM: the sender's e-mail address is needed with BOT_SMTP_URL")
    return {"smtp_url": url, "smtp_from": sender}


def _positive_int(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdecimal() or int(value) < 1:
        raise ConfigError(f"{name}: expected a positive whole number, got {value!r}")
    return int(value)


def _whole_number(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdecimal():
        raise ConfigError(f"{name}: expected a whole number (0 or more), got {value!r}")
    return int(value)


FREE_BROADCAST_LIMIT = 30.0
PAID_BROADCAST_LIMIT = 1000.0


def _broadcast_settings(rate: str | None, paid: str | None, quiet: str | None) -> dict:
    from storage.preferences import parse_quiet_hours

    if paid is not None and paid.lower() not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"BOT_BROADCAST_PAID: expected 1 or 0, got {paid!r}")
    is_paid = paid is not None and paid.lower() in ("1", "true", "yes")
    limit = PAID_BROADCAST_LIMIT if is_paid else FREE_BROADCAST_LIMIT
    try:
        value = 25.0 if rate is None else float(rate)
    except ValueError:
        value = -1.0
    if not 0 < value <= limit:
        raise ConfigError(
            f"BOT_BROADCAST_RATE: expected messages per second above 0 and at most {limit:g}"
            f"{'' if is_paid else ' (Telegram allows about 30; more needs BOT_BROADCAST_PAID=1)'}, got {rate!r}"
        )
    try:
        parse_quiet_hours(quiet or "21:00-08:00")
    except ValueError:
        raise ConfigError(f"BOT_QUIET_HOURS: expected a range like 21:00-08:00, or off; got {quiet!r}") from None
    return {"broadcast_rate": value, "broadcast_paid": is_paid, "quiet_hours": quiet or "21:00-08:00"}
