"""The `volunteer-bot` command.

volunteer-bot                  run on Telegram if TELEGRAM_BOT_TOKEN is set, else the offline chat
volunteer-bot run              long polling (or --webhook URL)
volunteer-bot chat             a terminal chat with the real bot, no token, no network
volunteer-bot coordinators     add | remove | list
volunteer-bot check            validate the settings and the organisation file
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from bot import __version__
from bot.config import SUPPORTED_LOCALES, ConfigError, Settings, database_path_from_url
from bot.logs import configure_logging

EXIT_FAILURE = 1
EXIT_CONFIG = 2
DEFAULT_CHAT_DATABASE = "volunteer-bot-chat.db"

log = logging.getLogger("volunteer_bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="volunteer-bot",
        description="A Polish-first Telegram bot for volunteer programmes. Without a command it "
        "runs on Telegram when TELEGRAM_BOT_TOKEN is set, and starts the offline chat otherwise.",
        epilog="Settings come from environment variables (or a .env file); see the README.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the bot on Telegram",
        description="Run the bot on Telegram with long polling, or with a webhook when --webhook "
        "is given. Needs TELEGRAM_BOT_TOKEN; a webhook also needs BOT_WEBHOOK_SECRET.",
    )
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="public HTTPS address Telegram should post updates to (enables webhook mode)",
    )
    run.add_argument("--listen", default="127.0.0.1", help="address to listen on (webhook mode)")
    run.add_argument("--port", type=int, default=8443, help="port to listen on (webhook mode)")
    run.add_argument(
        "--url-path",
        default=None,
        help="local path of the webhook endpoint (default: the path of --webhook URL)",
    )
    run.add_argument(
        "--panel-port",
        type=int,
        default=None,
        help="with long polling: serve the coordinators' panel on this port (on --listen); "
        "with --webhook the panel is served beside the webhook",
    )

    chat = commands.add_parser(
        "chat",
        help="chat with the bot in this terminal, offline",
        description="Chat with the real bot in this terminal: no token and no network; "
        "the same handlers answer through an in-process Telegram double. "
        "Type a number to press a button, /quit to leave.",
    )
    chat.add_argument("--user-id", type=int, default=1001, help="your pretend Telegram user id")
    chat.add_argument("--name", default="Anna", help="your pretend first name")
    chat.add_argument(
        "--lang",
        default="pl",
        choices=SUPPORTED_LOCALES,
        help="your pretend Telegram app language",
    )
    chat.add_argument("--as-admin", action="store_true", help="be an admin (and so a coordinator)")
    chat.add_argument(
        "--panel",
        action="store_true",
        help="also serve the coordinators' panel on 127.0.0.1 and print a sign-in link (with --as-admin)",
    )
    chat.add_argument("--panel-port", type=int, default=8080, help="the panel's port with --panel (default 8080)")
    chat.add_argument(
        "--database",
        default=DEFAULT_CHAT_DATABASE,
        help=f"SQLite file for the try-out (default {DEFAULT_CHAT_DATABASE}; never DATABASE_URL)",
    )

    coordinators = commands.add_parser(
        "coordinators",
        help="manage coordinator roles",
        description="Add, remove or list coordinators in the database (DATABASE_URL). "
        "Admins are set with BOT_ADMIN_IDS.",
    )
    actions = coordinators.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="make a Telegram user a coordinator")
    add.add_argument("user_id", type=int, help="the Telegram user id")
    remove = actions.add_parser("remove", help="take the coordinator role away")
    remove.add_argument("user_id", type=int, help="the Telegram user id")
    actions.add_parser("list", help="list coordinators and admins")

    saving = commands.add_parser(
        "backup",
        help="copy the database to FILE (safe while the bot runs)",
        description="Make a consistent copy of the database (DATABASE_URL) while the bot may be running.",
    )
    saving.add_argument("file", type=Path, help="the new backup file (must not exist)")
    putting_back = commands.add_parser(
        "restore",
        help="put a backup back (stop the bot first)",
        description="Check FILE, keep the current database beside it, and put FILE in its place.",
    )
    putting_back.add_argument("file", type=Path, help="a backup made with `volunteer-bot backup`")
    moving = commands.add_parser(
        "migrate-to",
        help="copy the SQLite database into an empty PostgreSQL database (stop the bot first)",
        description="Copy the SQLite database (DATABASE_URL) into the empty PostgreSQL database at URL, "
        "table by table, and compare the row counts. Then set DATABASE_URL to URL.",
    )
    moving.add_argument("url", help="postgresql://user:password@host:5432/name of an empty database")

    commands.add_parser(
        "check",
        help="validate the settings and the organisation file",
        description="Read the settings and the organisation file and report any problem.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _config_error(exc)
    command = args.command
    verbose = args.verbose
    if command is None:
        if settings.token:
            command = "run"
            args = _parser().parse_args(["run"])
        else:
            print(
                "TELEGRAM_BOT_TOKEN is not set, so this is the offline chat (see the README to run on Telegram).",
                flush=True,
            )
            command = "chat"
            args = _parser().parse_args(["chat"])
    level = logging.DEBUG if verbose else logging.INFO
    try:
        if command == "run":
            configure_logging(level, secrets=(settings.token or "",), words=(settings.webhook_secret or "",))
            return run(settings, args)
        if command == "chat":
            # Only warnings: the conversation is the output.
            configure_logging(logging.WARNING if level == logging.INFO else level)
            return asyncio.run(chat(settings, args))
        if command == "coordinators":
            return asyncio.run(manage_coordinators(settings, args))
        if command == "check":
            return check(settings)
        if command in ("backup", "restore"):
            return backups(settings, args)
        if command == "migrate-to":
            configure_logging(logging.WARNING if level == logging.INFO else level)
            from bot.migrate_to import command

            return command(settings, args.url)
    except ConfigError as exc:
        return _config_error(exc)
    except _database_errors() as exc:  # not a database, unreadable, locked, server unreachable, ...
        where, setting = (args.database, "--database") if command == "chat" else (_shown(settings), "DATABASE_URL")
        print(
            f"volunteer-bot: cannot use the database {where}: {exc} (check {setting})",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    raise AssertionError(command)


def _database_errors() -> tuple[type[Exception], ...]:
    """SQLite's errors, and psycopg's once the PostgreSQL engine was used (imported only then)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.DatabaseError, psycopg.Error) if psycopg is not None else (sqlite3.DatabaseError,)


def _shown(settings: Settings) -> str:
    """The database as a person may see it: a PostgreSQL URL without its password."""
    if settings.database_url:
        from storage.postgres import safe_url

        return safe_url(settings.database_url)
    return str(settings.database_path)


def _config_error(exc: ConfigError) -> int:
    print(f"volunteer-bot: configuration error: {exc}", file=sys.stderr)
    return EXIT_CONFIG


def _drop_startup_tracebacks(record: logging.LogRecord) -> bool:
    """Drop PTB's "Network Retry Loop (Bootstrap ...): ... Aborting" traceback when starting
    fails: `run` reports that failure in one line instead."""
    return not (record.exc_info and record.getMessage().startswith("Network Retry Loop (Bootstrap"))


def run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    from bot.app import build_application
    from bot.inbox_polling import PollerBusy, run_polling
    from bot.leases import TTL as LEASE_TTL
    from bot.web import serve as web_server

    if not settings.token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: not set (get a token from @BotFather, or try `volunteer-bot chat` without one)"
        )
    if args.webhook and not settings.webhook_secret:
        raise ConfigError("BOT_WEBHOOK_SECRET: required with --webhook, so only Telegram can post updates")
    app = build_application(settings, rate_limit=True)
    # PTB logs a traceback when starting fails; the failure is reported below in one line.
    logging.getLogger("telegram.ext").addFilter(_drop_startup_tracebacks)
    try:
        if args.webhook or args.panel_port:
            port = args.port if args.webhook else args.panel_port
            try:
                listening = web_server.bind(args.listen, port)
            except OSError as exc:  # the address is taken or not ours
                what = "the webhook" if args.webhook else "the panel"
                print(
                    f"volunteer-bot: cannot listen on {args.listen}:{port} for {what}: "
                    f"{exc.strerror or exc} (see --listen and {'--port' if args.webhook else '--panel-port'})",
                    file=sys.stderr,
                )
                return EXIT_FAILURE
            if args.webhook:
                url_path = args.url_path if args.url_path is not None else urlparse(args.webhook).path
                log.info("Starting with a webhook at %s (listening on %s:%s)", args.webhook, args.listen, port)
            else:
                url_path = None
                log.info("Starting with long polling at %s, the panel on %s:%s", settings.api_url, args.listen, port)
            asyncio.run(web_server.serve(app, settings, listening, args.webhook, url_path, args.listen))
        else:
            log.info("Starting with long polling at %s", settings.api_url)
            if settings.public_url:
                log.warning(
                    "BOT_PUBLIC_URL is set but no web server runs (use --panel-port or --webhook): the QR codes "
                    "on new documents point to %s/verify/..., which nothing serves now",
                    settings.public_url,
                )
            # Our own poller: each batch stored before it is confirmed (bot/inbox_polling.py).
            if not asyncio.run(run_polling(app)):
                return EXIT_FAILURE  # another process took the poller lease over
    except PollerBusy as exc:
        print(
            f"volunteer-bot: {exc}; stop it first (the lease of a process that died runs out within "
            f"{int(LEASE_TTL.total_seconds())} s)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except InvalidToken:
        print(
            "volunteer-bot: TELEGRAM_BOT_TOKEN was rejected by the Bot API "
            f"at {settings.api_url} (check the token with @BotFather)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except TelegramError as exc:
        # Starting failed: the Bot API is unreachable, or it refused a call (e.g. setWebhook).
        reason = str(exc).replace(settings.token, "[REDACTED]")
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            problem, hint = "cannot reach the Bot API", " (check the network and TELEGRAM_API_URL)"
        else:
            problem, hint = "the Bot API refused to start the bot", ""
        print(f"volunteer-bot: {problem} at {settings.api_url}: {reason}{hint}", file=sys.stderr)
        return EXIT_FAILURE
    log.info("Stopped cleanly")
    return 0


async def chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_application
    from bot.double import BotApiDouble, running
    from bot.terminal import run_terminal_chat

    admins = set(settings.admin_ids)
    if args.as_admin:
        admins.add(args.user_id)
    # The try-out never uses the real token nor the production database.
    chat_settings = settings.with_changes(
        token=None,
        database_path=database_path_from_url(args.database),
        database_url=None,
        admin_ids=frozenset(admins),
    )
    double = BotApiDouble()
    app = build_application(chat_settings, double)
    async with running(app, double):
        user = double.user(user_id=args.user_id, first_name=args.name, language_code=args.lang)
        if args.panel:
            from bot.web import serve as web_server

            async with web_server.local_panel(app, args.panel_port, args.user_id) as link:
                print(f"The coordinators' panel: {link}", flush=True)
                if not args.as_admin:
                    print("(the panel is for coordinators: start the chat with --as-admin to sign in)", flush=True)
                await run_terminal_chat(user, double)
        else:
            await run_terminal_chat(user, double)
    return 0


async def manage_coordinators(settings: Settings, args: argparse.Namespace) -> int:
    from storage import open_database
    from storage.audit import AuditLog
    from storage.coordinators import CoordinatorRepository

    db = await open_database(settings.database)
    try:
        repository = CoordinatorRepository(db)
        if args.action == "add":
            added = await repository.add(args.user_id)
            if added:  # from the server: no Telegram user to name as the actor
                await AuditLog(db).record(None, "coordinator.added", f"user:{args.user_id}", via="command line")
            print(f"{args.user_id} is {'now' if added else 'already'} a coordinator")
        elif args.action == "remove":
            removed = await repository.remove(args.user_id)
            if removed:
                await AuditLog(db).record(None, "coordinator.removed", f"user:{args.user_id}", via="command line")
            print(f"{args.user_id} {'is no longer' if removed else 'was not'} a coordinator")
            if args.user_id in settings.admin_ids:
                print(f"note: {args.user_id} is still an admin through BOT_ADMIN_IDS")
        else:
            for admin in sorted(settings.admin_ids):
                print(f"{admin}\tadmin (BOT_ADMIN_IDS)")
            for coordinator in await repository.list():
                added = coordinator.added_at.strftime("%Y-%m-%d")
                print(f"{coordinator.telegram_id}\tcoordinator\t{coordinator.display_name}\tsince {added}")
            if not settings.admin_ids and not await repository.list():
                print("no coordinators yet: add one with `volunteer-bot coordinators add USER_ID`")
    finally:
        await db.close()
    return 0


def backups(settings: Settings, args: argparse.Namespace) -> int:
    from storage.backup import BackupError, backup, restore

    if settings.database_url:
        # pg_dump is PostgreSQL's own tool (consistent while the bot runs, any server version it
        # supports); wrapping it here would only hide its options.
        print(
            f"volunteer-bot: {args.command}: the database is PostgreSQL; use pg_dump / pg_restore, e.g. "
            f"pg_dump --format=custom --file=bot.dump '{_shown(settings)}' (see README)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    try:
        if args.command == "backup":
            info = backup(Path(settings.database_path), args.file)
            print(
                f"backup written to {info.path}: {info.size / 1_048_576:.1f} MiB, {info.people} people, "
                f"schema {info.schema_version}"
            )
        else:
            info, kept = restore(args.file, Path(settings.database_path))
            print(
                f"restored {info.path} ({info.people} people, schema {info.schema_version}) as {settings.database_path}"
            )
            if kept is not None:
                print(f"the database it replaced is kept as {kept}")
    except BackupError as exc:
        print(f"volunteer-bot: {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def check(settings: Settings) -> int:
    from bot.organisation import load_organisation

    org = load_organisation(settings.org_file)
    source = settings.org_file or Path("(built-in default)")
    print(f"settings: OK (database {_shown(settings)}, time zone {settings.timezone})")
    print(f"organisation file {source}: OK ({org.organisation.name}, {len(org.counties)} counties)")
    if not settings.token:
        print("note: TELEGRAM_BOT_TOKEN is not set; only `volunteer-bot chat` will work")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
