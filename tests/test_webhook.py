"""The webhook server of `volunteer-bot run --webhook`, as a real subprocess: the secret never
reaches the log, and a body that is not JSON is refused with 400 and one log line."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import urllib.error
import urllib.request

from bot.logs import RedactingFormatter
from tests.process_harness import free_port, listening
from tests.test_cli import (
    TOKEN,
    USER_ID,
    FakeBotApi,
    assert_no_token,
    clean_env,
    start_update,
    wait_for,
    webhook_args,
)

SECRET = "hook-Secret_7f3a9c"


def post(port: int, body: bytes, secret: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook",
        data=body,
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_verbose_webhook_run_keeps_the_secret_out_of_the_log_and_refuses_bodies_that_are_not_json(tmp_path):
    port = free_port()
    log_file = tmp_path / "bot.log"
    with FakeBotApi() as api, log_file.open("w") as output:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(tmp_path / "bot.db"),
            BOT_WEBHOOK_SECRET=SECRET,
        )
        # -v logs a lot: into a file, so that a full pipe never stalls the bot.
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "-v", *webhook_args(port)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: listening(port), "the webhook server", process=process)
            wait_for(lambda: "setWebhook" in api.methods(), "setWebhook", process=process)

            assert post(port, b"{not json", SECRET) == 400
            assert post(port, b"\xff\xfe", SECRET) == 400
            assert post(port, json.dumps(start_update(1)).encode(), SECRET) == 200
            wait_for(lambda: api.messages_to(USER_ID), "the answer to /start", process=process)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    log = log_file.read_text(encoding="utf-8")
    assert "setWebhook" in log  # the debug line is there, without the secret
    assert SECRET not in log
    assert_no_token(log)
    assert "Traceback" not in log
    refused = [line for line in log.splitlines() if "not JSON" in line]
    assert len(refused) == 2, log


def test_the_secret_is_redacted_where_it_stands_alone():
    formatter = RedactingFormatter("%(message)s", (), ("abc",))

    def shown(message: str) -> str:
        return formatter.format(logging.LogRecord("x", logging.DEBUG, __file__, 1, message, None, None))

    assert shown("{'secret_token': 'abc', 'url': 'https://x'}") == "{'secret_token': '[REDACTED]', 'url': 'https://x'}"
    assert (
        shown("header X-Telegram-Bot-Api-Secret-Token: other") == "header X-Telegram-Bot-Api-Secret-Token: [REDACTED]"
    )
    assert shown("abcdef and xabc stay") == "abcdef and xabc stay"
