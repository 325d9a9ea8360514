"""Logging that never shows the bot token nor the webhook secret, whatever prints them
(tracebacks, URLs and PTB's debug lines with the parameters of setWebhook included)."""

from __future__ import annotations

import logging
import re

_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")
# setWebhook's parameters ({'secret_token': '...'}) and the header a webhook request carries.
_SECRET_FIELD = re.compile(r"""(secret_token['"]?\s*[:=]\s*['"]?|Secret-Token['"]?\s*[:=]\s*['"]?)[A-Za-z0-9_-]+""")


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: tuple[str, ...] = (), words: tuple[str, ...] = ()):
        super().__init__(fmt)
        self._secrets = tuple(s for s in secrets if s)  # anywhere: the token sits inside URLs
        # Secrets that may be short (the webhook secret) are redacted where they stand alone.
        self._words = tuple(re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(w)}(?![A-Za-z0-9_-])") for w in words if w)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        for word in self._words:
            text = word.sub("[REDACTED]", text)
        text = _SECRET_FIELD.sub(r"\1[REDACTED]", text)
        return _TOKEN_SHAPE.sub("[REDACTED]", text)


def configure_logging(level: int = logging.INFO, secrets: tuple[str, ...] = (), words: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets, words))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
