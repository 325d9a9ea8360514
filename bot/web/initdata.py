"""A Telegram Mini App's initData, checked as Telegram specifies
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
the data-check string is every field but `hash`, sorted by key, as `key=value` lines of the values
decoded from the raw query string; the key is HMAC-SHA256("WebAppData", bot token); the hash is
HMAC-SHA256(key, data-check string) in hex. Checked against the raw string the client sent (never
a re-encoded copy), with `auth_date` no older than allowed. A replay is recognised by the signed
hash (`data_hash`), not by the raw string: the same fields re-encoded or reordered are the same data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

MAX_LENGTH = 10_000  # Telegram's are ~1 KB; anything far larger is not one


class InvalidInitData(ValueError):
    """Why the initData was refused (for the log; the person sees one polite line)."""


@dataclass(frozen=True)
class MiniAppUser:
    telegram_id: int
    first_name: str
    language_code: str | None
    auth_date: datetime
    data_hash: str  # the signed data's identity: what a replay repeats, however it is encoded


def sign(fields: dict[str, str], token: str) -> str:
    """The hash Telegram puts in initData for these fields (the tests sign with it too)."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def validate(raw: str, token: str, now: datetime, max_age: timedelta) -> MiniAppUser:
    if not raw or len(raw) > MAX_LENGTH:
        raise InvalidInitData("empty or too long")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInitData(f"not a query string ({type(exc).__name__})") from None  # its text quotes the data
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("a field given twice")
    given = fields.get("hash", "")
    expected = sign(fields, token)
    # Bytes: compare_digest refuses a str with a letter outside ASCII (a TypeError, an error page).
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise InvalidInitData("the hash does not match")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInitData(f"signed but incomplete ({type(exc).__name__})") from None
    if auth_date < now - max_age:
        raise InvalidInitData(f"too old (signed {auth_date.isoformat()})")
    if auth_date > now + timedelta(minutes=5):  # clocks differ a little, not by more
        raise InvalidInitData("signed in the future")
    return MiniAppUser(telegram_id, str(user.get("first_name", "")), user.get("language_code"), auth_date, expected)
