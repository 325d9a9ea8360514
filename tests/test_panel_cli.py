"""The panel served by the real command: beside long polling on --panel-port, and with the offline
chat (`chat --as-admin --panel`), whose printed link signs in once."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

from tests.process_harness import free_port, listening
from tests.test_cli import TOKEN, FakeBotApi, assert_no_token, clean_env, start_bot, wait_for

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, data: bytes | None = None) -> tuple[int, str, dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_long_polling_with_the_panel_on_its_own_port(tmp_path):
    port = free_port()
    with FakeBotApi() as api:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url, DATABASE_URL=str(tmp_path / "bot.db"))
        process = start_bot(tmp_path, "run", "--panel-port", str(port), env=env)
        try:
            _check_the_panel_while_polling(api, process, port)
        finally:
            if process.poll() is None:
                process.kill()
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Stopped cleanly" in err and "Traceback" not in err
    assert_no_token(out + err)


def _check_the_panel_while_polling(api, process, port: int) -> None:
    wait_for(lambda: listening(port), "the panel", process=process)
    wait_for(lambda: "getUpdates" in api.methods(), "polling", process=process)
    status, page, headers = fetch(f"http://127.0.0.1:{port}/panel/")
    assert status == 401 and "Logowanie do panelu" in page
    assert "frame-ancestors" in headers["content-security-policy"]
    status, _, _ = fetch(f"http://127.0.0.1:{port}/panel/static/panel.css")
    assert status == 200
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)


def test_the_offline_chat_serves_the_panel_and_prints_a_link_that_signs_in_once(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--as-admin", "--panel", "--panel-port", str(port), "--database", "t.db"],
        cwd=tmp_path,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        link = wait_for(
            lambda: next(
                (m[0] for line in lines if (m := re.search(r"http://127\.0\.0\.1:\d+/panel/login/\S+", line))), None
            ),
            "the panel's link",
            process=process,
        )
        assert fetch(link)[0] == 200
        status, _, headers = fetch(link, data=b"")
        assert status == 303 and "vb_panel=" in headers.get("set-cookie", "")
        assert fetch(link, data=b"")[0] == 400  # used
        process.stdin.write("/quit\n")
        process.stdin.flush()
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_the_webhook_and_the_panel_on_one_port(tmp_path):
    from tests.test_cli import webhook_args

    port = free_port()
    with FakeBotApi() as api:
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            DATABASE_URL=str(tmp_path / "bot.db"),
            BOT_WEBHOOK_SECRET="s3cret",
        )
        process = start_bot(tmp_path, *webhook_args(port), env=env)
        try:
            wait_for(lambda: listening(port), "the web server", process=process)
            wait_for(lambda: "setWebhook" in api.methods(), "setWebhook", process=process)
            status, page, _ = fetch(f"http://127.0.0.1:{port}/panel/")
            assert status == 401 and "Logowanie do panelu" in page
            assert fetch(f"http://127.0.0.1:{port}/hook", data=b"{}")[0] == 403  # no secret: refused
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert_no_token(out + err)
