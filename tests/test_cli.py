"""End-to-end tests of the `volunteer-bot` command, run as a real subprocess.

Telegram is played by a tiny Bot API fake over HTTP on 127.0.0.1; nothing else touches the
network.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

import bot
from tests.process_harness import free_port, listening

# A token in Telegram's shape, but with a short id so that only the explicit redaction of the
# configured token (not the generic token pattern) can hide it.
TOKEN = "123:abcDEF_fake-token-0123456789xyz"
USER_ID = 424242
USER_NAME = "Zofia"
BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Wolontariat",
    "username": "wolontariat_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
DEFAULT_ORG_FILE = Path(bot.__file__).parent / "organisation.toml"
COMMAND_TIMEOUT = 30


# ---- running the command ----------------------------------------------------------------------
def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without the bot's settings, plus what the test sets."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL") and not name.startswith("BOT_")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    # A proxy setting must never send the test's requests to 127.0.0.1 anywhere else.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def volunteer_bot(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=COMMAND_TIMEOUT,
    )


def start_bot(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def stop_bot(process: subprocess.Popen[str], sig: int, timeout: float = 15) -> tuple[str, str]:
    """Send `sig` and wait for the exit; returns (stdout, stderr)."""
    process.send_signal(sig)
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"volunteer-bot did not stop within {timeout}s after {sig!r}:\n{err}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Bots started by a test; any still running at the end are killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def wait_for(
    condition: Callable[[], object],
    what: str,
    timeout: float = 20,
    process: subprocess.Popen[str] | None = None,
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            out, err = process.communicate(timeout=10)
            pytest.fail(f"volunteer-bot exited ({process.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def assert_no_token(output: str) -> None:
    """Neither the token nor its secret half (as in a URL-encoded or shortened token)."""
    assert TOKEN not in output
    assert TOKEN.partition(":")[2] not in output


def assert_clean_failure(result: subprocess.CompletedProcess[str], *names: str) -> str:
    """Exit 2 with exactly one line on stderr that names every one of `names`."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


# ---- a Bot API fake over HTTP -----------------------------------------------------------------
def start_update(update_id: int, user_id: int = USER_ID, first_name: str = USER_NAME) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "pl"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


class FakeBotApi:
    """Answers the Bot API methods the bot calls, like api.telegram.org would.

    `errors` maps a method (or "*" for every method) to the (HTTP status, description) to
    answer instead, e.g. {"*": (401, "Unauthorized")} as Telegram does for a revoked token.
    `updates` are served by getUpdates (honouring `offset`); an empty getUpdates waits a little,
    as long polling does.
    """

    def __init__(
        self,
        *,
        errors: dict[str, tuple[int, str]] | None = None,
        updates: list[dict] | None = None,
    ):
        self.errors = dict(errors or {})
        self.updates = list(updates or [])
        self.calls: list[tuple[str, str, dict]] = []  # (token, method, parameters)
        self.sent: list[dict] = []  # sendMessage parameters
        self._lock = threading.Lock()
        self._message_ids = iter(range(1000, 10**6))
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                api._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/bot"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def methods(self) -> list[str]:
        with self._lock:
            return [method for _, method, _ in self.calls]

    def messages_to(self, chat_id: int) -> list[dict]:
        with self._lock:
            return [m for m in self.sent if str(m.get("chat_id")) == str(chat_id)]

    # -- HTTP --
    @staticmethod
    def _parameters(request: BaseHTTPRequestHandler) -> dict:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        content_type = request.headers.get("Content-Type", "")
        if not body:
            return {}
        if content_type.startswith("application/json"):
            return json.loads(body)
        parameters = {}
        for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
            try:
                parameters[key] = json.loads(values[0])
            except ValueError:
                parameters[key] = values[0]
        return parameters

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        token, _, method = request.path.removeprefix("/bot").partition("/")
        parameters = self._parameters(request)
        with self._lock:
            self.calls.append((token, method, parameters))
        error = self.errors.get(method) or self.errors.get("*")
        if error is not None:
            status, description = error
            self._reply(request, status, {"ok": False, "error_code": status, "description": description})
            return
        self._reply(request, 200, {"ok": True, "result": self._result(method, parameters)})

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _result(self, method: str, parameters: dict) -> object:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            offset = int(parameters.get("offset") or 0)
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            if not pending and float(parameters.get("timeout") or 0) > 0:
                time.sleep(0.2)  # long polling: nothing new yet
            return pending
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method in ("sendMessage", "editMessageText"):
            with self._lock:
                if method == "sendMessage":
                    self.sent.append(parameters)
                message_id = parameters.get("message_id") or next(self._message_ids)
            chat_id = int(parameters.get("chat_id") or 0)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": str(parameters.get("text", "")),
            }
            if "reply_markup" in parameters:
                message["reply_markup"] = parameters["reply_markup"]
            return message
        # setMyCommands, deleteWebhook, setWebhook, answerCallbackQuery, setChatMenuButton, …
        return True


def users_in(database: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT telegram_id, first_name FROM users").fetchall()


# ---- 1. help -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        [],
        ["run"],
        ["chat"],
        ["coordinators"],
        ["coordinators", "add"],
        ["coordinators", "remove"],
        ["coordinators", "list"],
        ["check"],
    ],
    ids=lambda args: " ".join(args) or "volunteer-bot",
)
def test_help(tmp_path, args):
    result = volunteer_bot(tmp_path, *args, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: volunteer-bot")
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []  # --help creates no database


def test_version(tmp_path):
    result = volunteer_bot(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"volunteer-bot {bot.__version__}"


def test_unknown_command_is_a_usage_error(tmp_path):
    result = volunteer_bot(tmp_path, "fly")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


# ---- 2. and 3. configuration errors ------------------------------------------------------------
def test_run_without_token(tmp_path):
    result = volunteer_bot(tmp_path, "run")
    assert_clean_failure(result, "TELEGRAM_BOT_TOKEN")
    assert result.stdout == ""
    assert not (tmp_path / "volunteer-bot.db").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_ADMIN_IDS", "abc"),
        ("BOT_ADMIN_IDS", "12,-5"),
        ("BOT_TIMEZONE", "Mars/Base"),
        ("BOT_DEFAULT_LOCALE", "de"),
        ("DATABASE_URL", "mysql://x"),
        ("TELEGRAM_API_URL", "api.telegram.org/bot"),
        ("BOT_WEBHOOK_SECRET", "with spaces"),
        ("BOT_FLOOD_MESSAGES", "0"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["check"]])
def test_bad_setting_is_named(tmp_path, name, value, command):
    env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, **{name: value})
    result = volunteer_bot(tmp_path, *command, env=env, stdin="/quit\n")
    line = assert_clean_failure(result, name)
    assert line.startswith("volunteer-bot: configuration error:")
    assert_no_token(result.stdout + result.stderr)


@pytest.mark.parametrize("command", [[], ["chat"], ["coordinators", "add", "42"]])
def test_every_command_reads_the_settings(tmp_path, command):
    env = clean_env(BOT_DEFAULT_LOCALE="de")
    assert_clean_failure(volunteer_bot(tmp_path, *command, env=env), "BOT_DEFAULT_LOCALE")
    assert list(tmp_path.iterdir()) == []


def test_bad_setting_from_dotenv_is_named(tmp_path):
    (tmp_path / ".env").write_text("BOT_TIMEZONE=Mars/Base\n", encoding="utf-8")
    assert_clean_failure(volunteer_bot(tmp_path, "check"), "BOT_TIMEZONE", "Mars/Base")


def org_file_without(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = DEFAULT_ORG_FILE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["check"], ["run"], ["chat"]])
def test_org_file_without_email(tmp_path, command):
    org = org_file_without(tmp_path, "org.toml", 'email = "wolontariat@example.org"\n', "")
    env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, BOT_ORG_FILE=str(org))
    result = volunteer_bot(tmp_path, *command, env=env, stdin="/quit\n")
    assert_clean_failure(result, "org.toml", "organisation.email")


def test_org_file_with_a_nameless_county(tmp_path):
    org = org_file_without(tmp_path, "org.toml", 'id = "lublin", name = "Lublin", ', 'id = "lublin", ')
    result = volunteer_bot(tmp_path, "check", env=clean_env(BOT_ORG_FILE=str(org)))
    assert_clean_failure(result, "org.toml", "counties", "name")


def test_org_file_with_an_unknown_key(tmp_path):
    org = org_file_without(tmp_path, "org.toml", 'short_name = "FRdR"\n', 'short_name = "FRdR"\nfax = "none"\n')
    result = volunteer_bot(tmp_path, "check", env=clean_env(BOT_ORG_FILE=str(org)))
    assert_clean_failure(result, "org.toml", "organisation.fax")


def test_org_file_that_is_not_toml(tmp_path):
    org = tmp_path / "org.toml"
    org.write_text("[organisation\nname = 1\n", encoding="utf-8")
    result = volunteer_bot(tmp_path, "check", env=clean_env(BOT_ORG_FILE=str(org)))
    assert_clean_failure(result, "org.toml", "TOML")


def test_org_file_that_does_not_exist(tmp_path):
    result = volunteer_bot(tmp_path, "check", env=clean_env(BOT_ORG_FILE="missing.toml"))
    assert_clean_failure(result, "BOT_ORG_FILE", "missing.toml")


@pytest.mark.parametrize("command", [["run"], ["coordinators", "list"], ["chat"]])
def test_a_file_that_is_not_a_database(tmp_path, command):
    (tmp_path / "notes.db").write_text("not a database, just notes\n" * 100, encoding="utf-8")
    with FakeBotApi() as api:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url, DATABASE_URL="sqlite:///notes.db")
        args = [*command, "--database", "notes.db"] if command == ["chat"] else command
        result = volunteer_bot(tmp_path, *args, env=env, stdin="/quit\n")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("volunteer-bot:")]
    assert len(errors) == 1, result.stderr
    assert "notes.db" in errors[0]
    assert "not a database" in errors[0]
    assert ("--database" if command == ["chat"] else "DATABASE_URL") in errors[0]
    assert "sendMessage" not in api.methods()


# ---- 9. check ----------------------------------------------------------------------------------
def test_check_with_the_default_org_file(tmp_path):
    result = volunteer_bot(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "organisation file (built-in default): OK" in result.stdout
    assert re.search(r"\(Fundacja .+, \d+ counties\)", result.stdout), result.stdout
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stdout
    assert not (tmp_path / "volunteer-bot.db").exists()  # check only reads


def test_check_with_an_explicit_org_file_and_token(tmp_path):
    org = tmp_path / "org.toml"
    org.write_text(DEFAULT_ORG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        BOT_ORG_FILE=str(org),
        DATABASE_URL="sqlite:///data.db",
        BOT_TIMEZONE="Europe/Kyiv",
    )
    result = volunteer_bot(tmp_path, "check", env=env)
    assert result.returncode == 0, result.stderr
    assert f"organisation file {org}: OK" in result.stdout
    assert "data.db" in result.stdout
    assert "Europe/Kyiv" in result.stdout
    assert "TELEGRAM_BOT_TOKEN is not set" not in result.stdout
    assert_no_token(result.stdout + result.stderr)


# ---- 4. a rejected token -----------------------------------------------------------------------
def test_rejected_token(tmp_path):
    with FakeBotApi(errors={"*": (401, "Unauthorized")}) as api:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(tmp_path / "bot.db"),
        )
        result = volunteer_bot(tmp_path, "run", env=env)
    assert api.calls, "the bot never asked the Bot API"
    assert api.calls[0][:2] == (TOKEN, "getMe")
    assert result.returncode == 2, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert_no_token(output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("volunteer-bot:")]
    assert len(errors) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in errors[0]
    assert "rejected" in errors[0]
    # Besides that line, only log records (no tracebacks, no error records) are on stderr.
    others = [line for line in result.stderr.splitlines() if line not in errors]
    assert all(" INFO " in line for line in others), others


def test_unreachable_bot_api(tmp_path):
    port = free_port()  # nothing listens there any more
    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{port}/bot",
        DATABASE_URL=str(tmp_path / "bot.db"),
    )
    result = volunteer_bot(tmp_path, "run", env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert_no_token(result.stdout + result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("volunteer-bot:")]
    assert len(errors) == 1, result.stderr
    assert "cannot reach the Bot API" in errors[0]
    assert "TELEGRAM_API_URL" in errors[0]


# ---- 5. long polling and a clean shutdown ------------------------------------------------------
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_long_polling_and_clean_shutdown(tmp_path, processes, sig):
    database = tmp_path / "data" / "bot.db"
    database.parent.mkdir()
    with FakeBotApi(updates=[start_update(1)]) as api:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=f"sqlite:///{database}",
        )
        process = start_bot(tmp_path, "run", env=env)
        processes.append(process)
        wait_for(lambda: api.messages_to(USER_ID), "the answer to /start", process=process)
        out, err = stop_bot(process, sig)
    assert process.returncode == 0, err
    reply = api.messages_to(USER_ID)
    assert len(reply) == 1, reply
    assert USER_NAME in reply[0]["text"]
    assert reply[0].get("parse_mode") == "HTML"
    assert "inline_keyboard" in reply[0].get("reply_markup", {})
    # Every request went to the fake with the configured token; the token is never logged.
    assert {token for token, _, _ in api.calls} == {TOKEN}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(api.methods())
    assert_no_token(out + err)
    assert "Traceback" not in err
    assert " ERROR " not in err
    assert "Stopped cleanly" in err
    # The database was closed properly (SQLite removes the write-ahead log on the last close),
    # and what the update wrote is in it.
    assert not Path(f"{database}-wal").exists()
    assert users_in(database) == [(USER_ID, USER_NAME)]
    # The update was confirmed to Telegram before exiting, so a restart will not repeat it.
    assert any(m == "getUpdates" and int(p.get("offset") or 0) >= 2 for _, m, p in api.calls)
    assert not (tmp_path / "volunteer-bot.db").exists()


def test_a_public_address_without_a_web_server_is_warned_about(tmp_path, processes):
    """BOT_PUBLIC_URL puts <url>/verify/<code> in new documents' QR codes: plain polling serves no page."""
    with FakeBotApi() as api:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(tmp_path / "bot.db"),
            BOT_PUBLIC_URL="https://wolontariat.example.org",
        )
        process = start_bot(tmp_path, "run", env=env)
        processes.append(process)
        wait_for(lambda: "getUpdates" in api.methods(), "polling", process=process)
        _out, err = stop_bot(process, signal.SIGTERM)
    assert "BOT_PUBLIC_URL is set but no web server runs" in err and "--panel-port" in err


def test_bare_command_with_a_token_runs_the_bot(tmp_path, processes):
    with FakeBotApi(updates=[start_update(7, user_id=5150, first_name="Jan")]) as api:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url)
        process = start_bot(tmp_path, env=env)
        processes.append(process)
        wait_for(lambda: api.messages_to(5150), "the answer to /start", process=process)
        out, err = stop_bot(process, signal.SIGTERM)
    assert process.returncode == 0, err
    assert "Jan" in api.messages_to(5150)[0]["text"]
    assert_no_token(out + err)
    # Without DATABASE_URL the database is a file in the working directory.
    assert users_in(tmp_path / "volunteer-bot.db") == [(5150, "Jan")]


# ---- 6. webhook mode ---------------------------------------------------------------------------
def webhook_args(port: int) -> list[str]:
    return [
        "run",
        "--webhook",
        f"http://127.0.0.1:{port}/hook",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def test_webhook_needs_a_secret(tmp_path):
    port = free_port()
    env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=str(tmp_path / "bot.db"))
    result = volunteer_bot(tmp_path, *webhook_args(port), env=env)
    assert_clean_failure(result, "BOT_WEBHOOK_SECRET")
    assert_no_token(result.stdout + result.stderr)


def test_webhook_port_in_use(tmp_path):
    with FakeBotApi() as api, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(tmp_path / "bot.db"),
            BOT_WEBHOOK_SECRET="s3cret",
        )
        result = volunteer_bot(tmp_path, *webhook_args(port), env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("volunteer-bot:")]
    assert len(errors) == 1, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in errors[0]


def test_webhook_refused_by_the_bot_api(tmp_path):
    refusal = (400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
    with FakeBotApi(errors={"setWebhook": refusal}) as api:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(tmp_path / "bot.db"),
            BOT_WEBHOOK_SECRET="s3cret",
        )
        result = volunteer_bot(tmp_path, *webhook_args(free_port()), env=env)
    assert "setWebhook" in api.methods()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert_no_token(result.stdout + result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("volunteer-bot:")]
    assert len(errors) == 1, result.stderr
    assert "refused" in errors[0]
    assert "https url must be provided" in errors[0].lower()


def post_update(port: int, update: dict, secret: str | None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    # No proxy, whatever the environment says: the webhook is on 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_mode(tmp_path, processes):
    port = free_port()
    database = tmp_path / "bot.db"
    with FakeBotApi() as api:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(database),
            BOT_WEBHOOK_SECRET="s3cret",
        )
        webhook_url = f"http://127.0.0.1:{port}/hook"
        process = start_bot(tmp_path, *webhook_args(port), env=env)
        processes.append(process)
        wait_for(lambda: listening(port), "the webhook server", process=process)
        wait_for(lambda: "setWebhook" in api.methods(), "setWebhook", process=process)
        set_webhook = next(p for _, m, p in api.calls if m == "setWebhook")
        assert set_webhook["url"] == webhook_url
        assert set_webhook["secret_token"] == "s3cret"

        assert post_update(port, start_update(1), secret=None) == 403
        assert post_update(port, start_update(2), secret="wrong") == 403
        assert post_update(port, start_update(3), secret="s3cret") == 200
        wait_for(lambda: api.messages_to(USER_ID), "the answer to /start", process=process)
        out, err = stop_bot(process, signal.SIGTERM)
    assert process.returncode == 0, err
    replies = api.messages_to(USER_ID)
    assert len(replies) == 1, replies  # the rejected posts were not processed
    assert USER_NAME in replies[0]["text"]
    assert "getUpdates" not in api.methods()
    assert_no_token(out + err)
    assert "Traceback" not in err
    assert users_in(database) == [(USER_ID, USER_NAME)]


# ---- 7. coordinators ---------------------------------------------------------------------------
def test_coordinators(tmp_path):
    env = clean_env(DATABASE_URL="sqlite:///roles.db", BOT_ADMIN_IDS="7, 8")

    def coordinators(*args: str) -> str:
        result = volunteer_bot(tmp_path, "coordinators", *args, env=env)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    def listed() -> dict[str, str]:
        rows = [line.split("\t") for line in coordinators("list").splitlines()]
        return {row[0]: row[1].split()[0] for row in rows}

    assert listed() == {"7": "admin", "8": "admin"}
    assert (tmp_path / "roles.db").exists()
    assert "42 is now a coordinator" in coordinators("add", "42")
    assert "42 is already a coordinator" in coordinators("add", "42")
    assert listed() == {"7": "admin", "8": "admin", "42": "coordinator"}
    assert "42 is no longer a coordinator" in coordinators("remove", "42")
    assert "42 was not a coordinator" in coordinators("remove", "42")
    assert listed() == {"7": "admin", "8": "admin"}
    note = coordinators("remove", "7")
    assert "7 was not a coordinator" in note
    assert "still an admin through BOT_ADMIN_IDS" in note
    assert not (tmp_path / "volunteer-bot.db").exists()


def test_coordinators_list_when_empty(tmp_path):
    result = volunteer_bot(tmp_path, "coordinators", "list")
    assert result.returncode == 0, result.stderr
    assert "no coordinators yet" in result.stdout


def test_coordinators_rejects_a_bad_user_id(tmp_path):
    result = volunteer_bot(tmp_path, "coordinators", "add", "anna")
    assert result.returncode == 2
    assert "invalid int value" in result.stderr
    assert "Traceback" not in result.stderr


# ---- 8. the offline chat -----------------------------------------------------------------------
def button_number(tmp_path: Path, label: str, *args: str) -> str:
    """The number the chat shows for a button of the main menu (the menu grows with features)."""
    probe = volunteer_bot(tmp_path, "chat", *args, "--database", "probe.db", stdin="/quit\n")
    found = re.search(rf"\[(\d+)\]  {re.escape(label)}\n", probe.stdout)
    assert found, probe.stdout
    return found[1]


def test_chat(tmp_path):
    help_button = button_number(tmp_path, "❓ Pomoc", "--lang", "pl")
    result = volunteer_bot(
        tmp_path,
        "chat",
        "--name",
        "Zofia",
        "--lang",
        "pl",
        "--database",
        "try.db",
        env=clean_env(DATABASE_URL=str(tmp_path / "production.db")),
        stdin=f"{help_button}\n1\n/jezyk\n2\n/quit\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert "Cześć, Zofia!" in out
    assert "[1]" in out and "[6]" in out
    assert "❓ Pomoc" in out
    # Output is not a terminal: clean text, no tags, no entities, no escape sequences.
    for raw in ("<b>", "</b>", "&lt;", "&amp;", "\033["):
        assert raw not in out
    # The help button pressed: the menu message became the help text.
    assert "🤖 (edited)\n  Pomoc\n" in out
    assert "Polecenia:" in out
    # /jezyk, then [2] chose English.
    assert "Wybierz język" in out
    assert "from now on I will write in English" in out
    assert "What would you like to do?" in out
    # The coordinator panel is for coordinators only.
    assert "Panel koordynatora" not in out
    # The chat has its own database; neither DATABASE_URL nor the default one was touched.
    assert users_in(tmp_path / "try.db") == [(1001, "Zofia")]
    assert not (tmp_path / "production.db").exists()
    assert not (tmp_path / "volunteer-bot.db").exists()


def test_chat_as_admin(tmp_path):
    panel = button_number(tmp_path, "🧭 Panel koordynatora", "--as-admin")
    result = volunteer_bot(tmp_path, "chat", "--as-admin", "--name", "Ewa", stdin=f"{panel}\n/quit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Cześć, Ewa!" in out
    assert f"[{panel}]  🧭 Panel koordynatora" in out
    # The panel opened, with the admin's own section.
    assert "🤖 (edited)\n  Panel koordynatora\n" in out
    assert "Czym chcesz się zająć?" in out
    assert "👥 Osoby koordynujące" in out
    assert (tmp_path / "volunteer-bot-chat.db").exists()
    assert not (tmp_path / "volunteer-bot.db").exists()


def test_chat_in_english(tmp_path):
    result = volunteer_bot(tmp_path, "chat", "--lang", "en", "--database", "en.db", stdin="hello\n99\n")
    assert result.returncode == 0, result.stderr
    assert "Hello, Anna!" in result.stdout
    # Both "hello" and 99 (no such button: typed as text) went to the bot; stdin's end leaves.
    assert result.stdout.count("I didn't understand that") == 2, result.stdout


def test_chat_shows_what_the_user_typed_literally(tmp_path):
    """The bot escapes the echoed command; the terminal shows it exactly as typed."""
    result = volunteer_bot(tmp_path, "chat", "--lang", "en", stdin="/zzz&lt;b&gt;\n/yy<i>&amp;\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "I don't know the command /zzz&lt;b&gt;." in result.stdout
    assert "I don't know the command /yy<i>&amp;." in result.stdout


def test_bare_command_without_token_starts_the_chat(tmp_path):
    result = volunteer_bot(tmp_path, stdin="/quit\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stdout.splitlines()[0]
    assert "TELEGRAM_BOT_TOKEN is not set" in first
    assert "offline chat" in first
    assert "Cześć, Anna!" in result.stdout
    assert (tmp_path / "volunteer-bot-chat.db").exists()
    assert not (tmp_path / "volunteer-bot.db").exists()


@pytest.mark.parametrize("args", [["-v"], ["-v", "chat"]], ids=["bare", "chat"])
def test_verbose_chat_logs_debug_messages(tmp_path, args):
    result = volunteer_bot(tmp_path, *args, stdin="/quit\n")
    assert result.returncode == 0, result.stderr
    assert " DEBUG " in result.stderr
    assert "Cześć, Anna!" in result.stdout


def test_chat_logs_only_warnings(tmp_path):
    result = volunteer_bot(tmp_path, "chat", stdin="/quit\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_chat_ignores_the_token_and_the_network(tmp_path):
    """With a token set, `chat` still talks only to the in-process double."""
    with FakeBotApi() as api:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url)
        result = volunteer_bot(tmp_path, "chat", stdin="/quit\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "Cześć, Anna!" in result.stdout
    assert api.calls == []
    assert_no_token(result.stdout + result.stderr)


def test_backup_on_postgresql_points_to_pg_dump_in_one_line(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:secret@db.example/bot")
    assert main(["backup", "copy.db"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pg_dump" in err[0] and "secret" not in err[0]
