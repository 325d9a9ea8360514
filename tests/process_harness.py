"""Real `volunteer-bot run` processes for tests and benchmarks: started with a given environment
against the Bot API double served over HTTP (bot/double/http.py), waited for, stopped, killed with
SIGKILL and started again; their logs kept in files (a full pipe never stalls a bot) and searched
for failures.

    with BotApiServer() as telegram:
        bot = BotProcess("bot", tmp_path, bot_env(telegram, database=tmp_path / "bot.db"))
        bot.start(); bot.wait_ready()
        ...
        bot.kill(); bot.start(); bot.wait_ready()
        bot.stop()                               # SIGTERM, and it must exit 0
        assert not bot.failures()
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.double.http import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_SECRET = "replica-Secret_4b1d"
READY_LINE = "Application started"  # python-telegram-bot logs it once the bot takes updates
# Log lines that are a failure whatever the test: a traceback, an error, the bot giving up.
FAILURE_MARKS = ("Traceback", " ERROR ", " CRITICAL ")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def database_location(postgres_databases, path: Path) -> str:
    """What a bot process is given as DATABASE_URL for the database a test opens at `path`: that
    file, or (TEST_DATABASE_URL set, tests/pg_databases.py) the same PostgreSQL database as a URL."""
    if postgres_databases is None:
        return str(path)
    return postgres_url(postgres_databases.url_for(path, migrated=True))


def postgres_url(conninfo: str) -> str:
    """postgresql://user:password@host:port/name?... from a psycopg connection string (either form)."""
    from urllib.parse import quote, urlencode

    import psycopg

    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    user = quote(str(info.pop("user", "")), safe="")
    password = info.pop("password", None)
    credentials = f"{user}:{quote(str(password), safe='')}@" if password else (f"{user}@" if user else "")
    host = str(info.pop("host", ""))
    name = quote(str(info.pop("dbname", "")), safe="")
    query: dict[str, str] = {str(k): str(v) for k, v in info.items()}
    if host.startswith("/"):  # a Unix socket directory goes in the query
        query["host"], host = host, ""
    elif "port" in query:
        host = f"{host}:{query.pop('port')}"
    return f"postgresql://{credentials}{host}/{name}" + (f"?{urlencode(query)}" if query else "")


def bot_env(
    telegram: BotApiServer,
    *,
    database: str | Path,
    org_file: Path | None = None,
    admins: tuple[int, ...] = (),
    secret: str | None = WEBHOOK_SECRET,
    **extra: str,
) -> dict[str, str]:
    """os.environ without the bot's own settings, plus those for this bot: the double's token and
    address, the database (a file, or a postgresql:// URL), the organisation file, the admins."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "DATABASE_PATH")
        and not name.startswith("BOT_")
        and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        TELEGRAM_BOT_TOKEN=telegram.double.token,
        TELEGRAM_API_URL=telegram.url,
        DATABASE_URL=str(database),
        BOT_FLOOD_MESSAGES="10000",  # simulated people type faster than any person
    )
    if org_file is not None:
        env["BOT_ORG_FILE"] = str(org_file)
    if admins:
        env["BOT_ADMIN_IDS"] = ",".join(str(a) for a in admins)
    if secret:
        env["BOT_WEBHOOK_SECRET"] = secret
    env.update(extra)
    return env


class BotProcess:
    """One `volunteer-bot run` (long polling, or a webhook replica when `port` is given)."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str], *, port: int | None = None, webhook: str = ""):
        self.name = name
        self.workdir = Path(workdir)
        self.env = env
        self.port = port
        self.webhook = webhook or (f"http://127.0.0.1:{port}/hook" if port else "")
        self.log_path = self.workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0
        self._log_offset = 0  # where the current run's log begins

    @property
    def args(self) -> list[str]:
        if self.port is None:
            return ["run"]
        return ["run", "--webhook", self.webhook, "--listen", "127.0.0.1", "--port", str(self.port)]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"==== {self.name}: start {self.starts} ====\n")
            self._log_offset = log.tell()
        output = self.log_path.open("a", encoding="utf-8")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", *self.args],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        finally:
            output.close()

    def wait_ready(self, timeout: float = 30) -> None:
        """Until the bot takes updates (and, as a replica, listens on its port)."""
        wait_until(
            lambda: READY_LINE in self.current_log() and (self.port is None or listening(self.port)),
            f"{self.name} to start",
            timeout,
            check=self._check_alive,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut or the OOM killer."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"==== {self.name}: killed ====\n")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise AssertionError(f"{self.name} did not stop within {timeout} s:\n{self.tail()}") from None
        return self.process.returncode

    def restart(self, timeout: float = 30) -> None:
        if self.running:
            self.stop()
        self.start()
        self.wait_ready(timeout)

    def ensure_dead(self) -> None:
        if self.running:
            assert self.process is not None
            self.process.kill()
            self.process.wait(10)

    # ---- the log ------------------------------------------------------------------------
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def current_log(self) -> str:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode("utf-8", errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def failures(self, *allowed: str) -> list[str]:
        """Log lines that say something failed (a traceback, an error), except those containing
        one of `allowed`; with the line after each for context."""
        lines = self.log().splitlines()
        found = []
        for i, line in enumerate(lines):
            if any(mark in line for mark in FAILURE_MARKS) and not any(a in line for a in allowed):
                found.append("\n".join(lines[i : i + 2]))
        return found

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")


def wait_until(
    condition: Callable[[], object],
    what: str,
    timeout: float = 20,
    *,
    check: Callable[[], None] | None = None,
    interval: float = 0.05,
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def replicas(
    telegram: BotApiServer, workdir: Path, env: dict[str, str], count: int, *, public: str | None = None
) -> list[BotProcess]:
    """`count` webhook replicas, each on its own port, all behind one public URL: the double
    posts each update to one of them at random, as a reverse proxy would."""
    ports = [free_port() for _ in range(count)]
    public = public or "https://bot.example.org/hook"
    bots = [BotProcess(f"replica{i + 1}", workdir, env, port=port, webhook=public) for i, port in enumerate(ports)]
    telegram.set_webhook_targets([f"http://127.0.0.1:{port}" for port in ports])
    return bots
