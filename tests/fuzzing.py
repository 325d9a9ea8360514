"""A seeded fuzzer that drives the real Application through the Bot API double.

Shared by `tests/test_fuzz.py` (10 000 updates, in CI) and `benchmarks/fuzz.py` (longer runs).

Every random choice comes from one `random.Random(seed)`, and the bot's clock is a fake one that
the fuzzer moves forward, so a seed replays the same session (the report names the seed, the
update's number and what the same person did just before). Updates are delivered one at a time,
so whatever the bot does while handling one can be pinned on it:

- every exception that reaches the error handler (and every ERROR logged anywhere) is recorded;
- every call the bot makes is recorded with Telegram's answer: any 400 is a finding;
- a private message or a button press from someone who has not blocked the bot must be answered
  (a message sent or edited in that chat, and for a press, the callback query answered), unless
  the flood guard muted that person;
- SQLite triggers log every change to what only coordinators may change (events, decisions on
  applications, attendance and hours, coordinators and invites, coordinator settings, and where the
  schema has them: agreements, attestations, development plans); a change made while a
  non-coordinator's update was handled is a finding, and so is a volunteer changing another
  person's application, seat, agreement or plan (a waitlist promotion aside), or the bot's audit
  log naming someone other than the sender;
- the scheduled jobs run between updates, on the fake clock (reminders, notices, attendance
  questions, agreement states, retention), and are checked the same way;
- texts the bot sends must not leak internals (tracebacks, Python error messages, raw %(name)s).

The people: `users` volunteers (a few of them flood the bot in bursts, some block and unblock it),
`coordinators` coordinators (one is demoted for a stretch and then made coordinator again) and
the admin; plus group members, and a channel. Each person mostly presses the buttons really on
their screen (so the walk reaches deep into applications, events, the event form and reviews)
and types answers that fit the question, mixed with random Unicode, forged buttons, unknown
commands, stickers, contacts, locations, documents and edits.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import re
import sqlite3
import time
import traceback
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.config import Settings
from bot.double import BotApiDouble, UserChat, running
from bot.double.html import utf16_len
from bot.flood import FloodGuard, Verdict
from bot.flow_parts import NEAR_LIMIT, PART
from bot.i18n import translator
from handlers import event_admin
from handlers.session import _FLOOD_KEY

ADMIN_ID = 9001
COORDINATOR_IDS = (9101, 9102, 9103, 9104, 9105, 9106, 9107, 9108, 9109)
FIRST_VOLUNTEER_ID = 20_001
GROUPS = ((-100_200_001, "supergroup"), (-100_200_002, "supergroup"), (-200_003, "group"))
CHANNEL_ID = -100_300_001
# A Monday morning in Warsaw a week before the clocks go forward (29 March 2026), so events,
# reminders and attendance cross the DST change. It lies in the past: a few writes in the bot still
# take the real time (users.record_contact, coordinators.add, the persistence), and a fake "now"
# ahead of the real one would make the retention job erase everyone as long inactive.
START = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)
MEAN_SECONDS_BETWEEN_UPDATES = 100.0
JOBS_EVERY = 25  # updates between runs of the scheduled jobs (about 40 minutes of bot time)

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment or type /start."
_ANSWERING_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "copyMessage",
    "sendMediaGroup",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
}
_LEAKS = re.compile(
    r"Traceback|invalid literal for|object has no attribute|NoneType|Exception|KeyError|IndexError"
    r"|ValueError|TypeError|OverflowError|sqlite|aiosqlite|%\([a-z_]+\)[sd]"
)


# ---- the clock and the double ---------------------------------------------------------------------
class FuzzClock:
    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Call:
    """One Bot API call the bot made, with Telegram's (the double's) answer."""

    method: str
    chat_id: int | None
    message_id: int | None
    query_id: str | None
    code: int
    description: str
    text: str


class RecordingDouble(BotApiDouble):
    """The double, recording each call with its outcome (the base class keeps no outcome per call)."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.calls: list[Call] = []

    async def do_request(self, url: str, method: str, request_data=None, **kwargs: Any) -> tuple[int, bytes]:
        code, body = await super().do_request(url, method, request_data, **kwargs)
        self.requests.clear()  # the fuzzer keeps its own record; this one would only grow
        params = dict(request_data.parameters) if request_data else {}
        description = ""
        if code != 200:
            try:
                description = json.loads(body).get("description", "")
            except (ValueError, AttributeError):
                description = body[:200].decode("utf-8", "replace")
        text = params.get("text") or params.get("caption") or ""
        self.calls.append(
            Call(
                method=url.rsplit("/", 1)[-1],
                chat_id=_as_int(params.get("chat_id")),
                message_id=_as_int(params.get("message_id")),
                query_id=params.get("callback_query_id"),
                code=code,
                description=description,
                text=text if isinstance(text, str) else str(text),
            )
        )
        return code, body


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RecordingFloodGuard(FloodGuard):
    """The bot's own flood guard, telling the fuzzer its verdict on the update being handled."""

    def __init__(self, limit: int, window: float):
        super().__init__(limit, window)
        self.last: Verdict | None = None

    def check(self, user_id: int, now: float) -> Verdict:
        self.last = super().check(user_id, now)
        return self.last


# ---- random input ---------------------------------------------------------------------------------
def _split(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


_WORDS = _split(
    "dzień dobry zgłoszenie wydarzenie szkolenie wolontariat powiat lubelski gmina fundusz sołecki budżet "
    "obywatelski konsultacje hello events help please thanks привіт дякую волонтер подія zażółć gęślą jaźń "
    "ŻÓŁW Łódź Kraków"
)
# ZWJ sequences, skin tones, flags (also a subdivision flag with tag characters), keycaps.
_EMOJI = _split("😀 🙂 👍 🎉 📅 ❤️ 👩‍👩‍👧‍👦 🏳️‍🌈 🏴‍☠️ 👨🏽‍💻 🧑🏿‍🤝‍🧑🏻 🇵🇱 🇺🇦 🇪🇺 🏴󠁧󠁢󠁳󠁣󠁴󠁿 1️⃣ #️⃣ 👋🏼 🫠 𝕳𝖊𝖑𝖑𝖔")
_RTL = _split(
    "مرحبا بالعالم|أريد التسجيل في الحدث|שלום עולם|אני רוצה להירשם|"
    "\u202eodnum\u202c|\u200fשלום\u200e abc|١٢٣٤٥|سلام ٢٠٢٤",
    "|",
)
_INVISIBLE = list("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2066\u2069\u034f")
_COMBINING = list("\u0301\u0302\u0303\u0308\u0327\u0336\u20dd\u0489")
_HTML = _split(
    "<b>|</b>|<b>pogrubione</b>|&|&amp;|&lt;|&#0;|&#x110000;|<a href='javascript:alert(1)'>x</a>|"
    "<script>alert(1)</script>|<tg-spoiler>|<<>>|</i>|\"quoted\"|'single'|<pre><code class='x'>|&nbsp;|<br/>",
    "|",
)
_ODD = ["\x00", "\x07", "\t", "\r\n", "\u2028", "\u2029", "\u3000", "\ufffd", "\U0001f9ff", "\U000e0001", "\U0010fffd"]
_NUMBERS = [*_split("0 -1 ² ١٢ ٣ 𝟙𝟚 Ⅻ ½ 1e309 nan inf -0 0x1F 1_000"), "9" * 25]

# Answers to the bot's questions: (ones it should take, ones it should refuse with a hint).
_NAMES = _split("Anna Kowalska|Jan Nowak|Zażółć Gęślą|محمد علي|אבי כהן|Олена Шевченко|<b>Ola</b> & Co", "|")
_NAME_ANSWERS = (_NAMES, ["ab", "x" * 121, " \u200b "])
_EMAILS = (
    ["anna.kowalska@gmail.com", "jan.nowak@example.com", "ola+wolontariat@wp.pl", "x" * 60 + "@example.com"],
    ["zażółć@gęślą.pl", "a@b", "anna@", "@example.org", "a@@b.pl", "anna kowalska@gmail.com", "to nie jest adres"],
)
_PHONES = (
    ["600 100 200", "+48 600 100 200", "0048600100200", "48600100200", "(81) 532 10 00", "+380 44 123 4567"],
    ["+1 202 555 0143", "123", "600-100-200-300-400", "telefon", "٦٠٠١٠٠٢٠٠", "+48 000 000 000"],
)
_DATES = (
    _split(
        "12.04 18:00|jutro 9:30|pojutrze 17|tomorrow 10:00|завтра 12:00|28.03 17:30|2026-04-02 16:00|"
        "١٢.٠٤ ١٨:٠٠|31.12.9999 23:30|25.10.2026 02:30",
        "|",
    ),
    _split(
        "dziś o 18|29.03.2026 02:30|31.02 18:00|29.02|12.04|9999-12-31 23:59|01.01.0001 00:00|24:00|18:00|"
        "18.30|9|o 18|25:61|12.13 10:00|1.1.1 1:1",
        "|",
    ),
)
_TIMES = (["18:00", "9", "o 18", "18.30", "10:15"], ["24:00", "25:61", "18:60", "jutro"])
_DURATIONS = (_split("2|1,5|90 min|2 h|3 godziny|20:00|22:00", "|"), _split("0 999 336 0.01 00:30 1e3 -2"))
_PLACES = (["Lublin, ul. Narutowicza 4", "Chełm, Dom Kultury", "<script>alert(1)</script> 🏢"], ["ab", "x" * 201])
_URLS = (
    ["https://meet.example.org/abc-defg", "https://zoom.us/j/123?pwd=x&y=z"],
    [
        *_split("http://x|ftp://example.org|javascript:alert(1)|https://ex ample.org|https://example.org/<b>", "|"),
        "https://" + "a" * 300 + ".pl",
    ],
)
_CAPACITIES = (_split("1 2 15 10000"), _split("0 10001 ² ٣ 99999999999999999999999 -5 1.5"))
_HOURS = (_split("2,5 3 1 0.1 1e1"), _split("0 nan inf 337 -1 ٣ 1_0 2,5h"))
_LANGUAGES = (_split("English|polski|po polsku|українська|UA|en", "|"), ["Deutsch", "ＥＮＧＬＩＳＨ", "klingoński"])
_TITLES = (["Budżet obywatelski w praktyce", "<b>Granty</b> & dotacje 🎉", "שלום עולם"], ["ab", "x" * 121, "a\nb c"])
_BACKWARDS = re.compile(r"^menu:main$|^menu:help$|^lang:menu$|:back(:|$)|^ap:delete$|^ap:restart$|^ap:withdraw$")
_DESTRUCTIVE = re.compile(r"^md:del|:(del|dely|rm|rmy|endy|offy)(:|$)")
_STAFF_GOALS = ["/nowe_wydarzenie", "/new_event", "/nowe_wydarzenie", "/zgloszenia", "/koordynator", "/start"]
_VOLUNTEER_GOALS = ["/zgloszenie", "/apply", "/wydarzenia", "/events", "/wydarzenia", "/start"]
_FILE_NAMES = ["CV.pdf", "zgłoszenie.docx", "../../etc/passwd", "<b>x</b>.txt", "😀.png", "a" * 200 + ".txt", "plik"]
_LOCALES = ["pl", "pl", "pl", "en", "uk", None, "de", "pt-br", "ru", "xx"]

# The commands and callback data namespaces known when this was written; discover() adds new ones.
COMMANDS = _split(
    "/start /pomoc /help /jezyk /language /anuluj /cancel /zgloszenie /apply /wydarzenia /events /koordynator "
    "/coordinator /zgloszenia /applications /eksport /export /nowe_wydarzenie /new_event"
)
UNKNOWN_COMMANDS = [
    *_split("/foo /dane /STARt /start@other_bot /help@volunteer_test_bot /😀 /zgłoszenie /admin /settings /stop /_"),
    "/" + "x" * 40,
]
NAMESPACES = {
    "ap": "open status withdraw reply cont delete restart rules privacy opt send edit c other t done yn back skip keep",
    "rv": "list n s o a ay r q x xs",
    "ev": "ls ft fc o j l ly ics my al rs at",
    "em": "ls o pub puby link del dely dup ed ef rg att ta tall csv new cx hrs",
    "evf": "type description day time duration place online_url county capacity audience deadline back",
    "lang": "menu set",
    "menu": "main help coord",
    "soon": "agreement mydata broadcasts agreements coordinators",
    "rules": "accept",
}
NAMESPACES = {k: v.split() for k, v in NAMESPACES.items()}
_ARGS = [
    *_split(
        "0 1 2 3 -1 - all none skip yes no y n t c start online everyone experts coordinators draft submitted "
        "needs_info accepted rejected withdrawn full_name email phone adult county organisation competences "
        "experience development communities availability heard_from up_to_5 over_20 grants lublin pl en uk de "
        "20260401 99991231 00000000 20260231 1800 2460 0000 60 90 10 15 1 24 168 zażółć 😀 ² ١٢ 1.0 0x10 1e3"
    ),
    "",
    " ",
    "9" * 19,
    "9" * 30,
    "-" + "9" * 20,
]


def clip_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def random_text(rng: random.Random, max_chars: int = 5000) -> str:
    """Random Unicode a person could send: never empty, no lone surrogates (not valid in JSON)."""
    kind = rng.random()
    if kind < 0.08:
        size = min(max_chars, rng.choice([rng.randint(1000, 5000), 5000, 4096, 4097]))
        alphabet = rng.choice(["aą ", "😀👩‍👩‍👧‍👦 ", "مرحبا ", "<&>", "x", "\u200b"])
        text = (alphabet * (size // len(alphabet) + 1))[:size]
        return text if text.strip() else "x" + text[1:]
    pieces = []
    for _ in range(rng.randint(1, 8)):
        source = rng.random()
        if source < 0.3:
            pieces.append(" ".join(rng.choices(_WORDS, k=rng.randint(1, 6))))
        elif source < 0.45:
            pieces.append("".join(rng.choices(_EMOJI, k=rng.randint(1, 4))))
        elif source < 0.55:
            pieces.append(rng.choice(_RTL))
        elif source < 0.62:
            pieces.append("".join(rng.choices(_INVISIBLE, k=rng.randint(1, 3))))
        elif source < 0.68:
            pieces.append(rng.choice("aeoz") + "".join(rng.choices(_COMBINING, k=rng.randint(1, 12))))
        elif source < 0.8:
            pieces.append(rng.choice(_HTML))
        elif source < 0.86:
            pieces.append(rng.choice(_ODD))
        elif source < 0.93:
            pieces.append(rng.choice(_NUMBERS))
        else:
            pieces.append("".join(chr(rng.randint(0x20, 0xD7FF)) for _ in range(rng.randint(1, 20))))
    text = rng.choice(["", " ", "\n"]).join(pieces)[:max_chars]
    return text if text.strip() else text + "?"


# ---- what happened -----------------------------------------------------------------------------
@dataclass
class Finding:
    kind: str  # exception | bad_request | api_error | unanswered | privilege | leak | crash | log
    signature: str
    detail: str
    index: int
    actor: int | None
    update: dict | None
    history: list[str]
    count: int = 1


@dataclass
class Report:
    seed: int
    updates: int = 0
    elapsed: float = 0.0
    counts: Counter = field(default_factory=Counter)  # what was sent, by kind
    calls: Counter = field(default_factory=Counter)  # what the bot called, by method
    coverage: dict = field(default_factory=dict)
    exceptions: int = 0
    apologies: int = 0
    bad_requests: int = 0
    api_errors: int = 0
    unanswered: int = 0
    privilege: int = 0
    leaks: int = 0
    logged_errors: int = 0
    muted: int = 0
    forbidden: int = 0
    findings: dict[str, Finding] = field(default_factory=dict)
    integrity: str = ""
    not_audited: list = field(default_factory=list)
    audited: Counter = field(default_factory=Counter)  # changes seen by the triggers, by table
    foreign_key_problems: list = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        known = self.findings.get(finding.signature)
        if known is None:
            self.findings[finding.signature] = finding
        else:
            known.count += 1

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        return (
            f"seed {self.seed}: {self.updates} updates in {self.elapsed:.1f} s ({self.rate:.0f}/s); "
            f"exceptions {self.exceptions} (apologies {self.apologies}), 400s {self.bad_requests}, "
            f"other API errors {self.api_errors}, unanswered {self.unanswered}, privilege {self.privilege}, "
            f"leaks {self.leaks}, logged errors {self.logged_errors}; muted by the flood guard {self.muted}, "
            f"403 to blocked users {self.forbidden}"
        )

    def describe(self, limit: int = 25) -> str:
        lines = [
            self.summary(),
            f"coverage: {self.coverage}",
            f"sent: {dict(self.counts)}",
            f"changes audited: {dict(self.audited)}",
        ]
        findings = sorted(self.findings.values(), key=lambda f: f.index)
        for finding in findings[:limit]:
            update = json.dumps(_short(finding.update), ensure_ascii=False) if finding.update else "-"
            lines += [
                "",
                f"[{finding.kind}] x{finding.count} first at update #{finding.index} (seed {self.seed}), "
                f"from {finding.actor}: {finding.detail}",
                f"  update: {update[:700]}",
                "  before (same person, oldest first):",
                *(f"    {h}" for h in finding.history),
            ]
        if len(findings) > limit:
            lines.append(f"... and {len(findings) - limit} more kinds of findings")
        return "\n".join(lines)


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= 120 else value[:100] + f"…(+{len(value) - 100} chars)"
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items() if k not in ("from", "chat") or not isinstance(v, dict)}
    if isinstance(value, list):
        return [_short(v) for v in value[:10]]
    return value


class _LogCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# ---- the privileged changes, logged by triggers ------------------------------------------------------
# Each trigger writes a row when something changes: the table, the row, its owner (the person it
# belongs to, or who made it), what happened, and whether only a coordinator may do that.
# Tables named in the issue are required; the others are audited when the schema has them.
_AUDIT_TABLE = """
CREATE TABLE IF NOT EXISTS fuzz_audit (
    id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, row_id INTEGER, owner INTEGER, what TEXT NOT NULL,
    privileged INTEGER NOT NULL
)"""
_REQUIRED_TABLES = ("events", "applications", "application_history", "event_registrations", "coordinators")


def _trigger(name: str, event: str, table: str, values: str, when: str = "") -> tuple[str, str]:
    when_sql = f" WHEN {when}" if when else ""
    return table, (
        f"CREATE TRIGGER fuzz_{name} AFTER {event} ON {table}{when_sql} BEGIN "
        f"INSERT INTO fuzz_audit (tbl, row_id, owner, what, privileged) VALUES ('{table}', {values}); END"
    )


def _changed(*columns: str) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


_EVENT_COLUMNS = _split(
    "type title description starts_at ends_at place online_url county capacity audience signup_deadline status "
    "cancel_reason default_hours created_by published_at"
)
_TRIGGERS = [
    _trigger("events_insert", "INSERT", "events", "NEW.id, NEW.created_by, 'created (' || NEW.status || ')', 1"),
    _trigger(
        "events_update",
        "UPDATE",
        "events",
        "NEW.id, NEW.created_by, 'changed (' || OLD.status || ' -> ' || NEW.status || ')', 1",
        _changed(*_EVENT_COLUMNS),
    ),
    _trigger("events_delete", "DELETE", "events", "OLD.id, OLD.created_by, 'deleted', 1"),
    _trigger(
        "applications_insert",
        "INSERT",
        "applications",
        "NEW.id, NEW.telegram_id, 'created (' || NEW.status || ')', "
        "NEW.status NOT IN ('draft', 'submitted') OR NEW.decided_by IS NOT NULL",
    ),
    _trigger(
        "applications_update",
        "UPDATE",
        "applications",
        "NEW.id, NEW.telegram_id, OLD.status || ' -> ' || NEW.status, "
        "(OLD.status IS NOT NEW.status AND NEW.status IN ('accepted', 'rejected', 'needs_info')) OR "
        + _changed("decided_by", "decided_at", "decision_note", "telegram_id"),
        _changed("status", "decided_by", "decided_at", "decision_note", "telegram_id", "cursor", "updated_at"),
    ),
    _trigger(
        "applications_delete",
        "DELETE",
        "applications",
        "OLD.id, OLD.telegram_id, 'deleted (' || OLD.status || ')', 0",  # own: erasure; others': see _OWNED
    ),
    _trigger(
        "history_insert",
        "INSERT",
        "application_history",
        "NEW.application_id, NEW.actor_id, NEW.action, NEW.action IN ('accepted', 'rejected', 'info_requested')",
    ),
    _trigger(
        "registrations_insert",
        "INSERT",
        "event_registrations",
        "NEW.event_id, NEW.telegram_id, 'joined (' || NEW.status || ')', "
        "NEW.attendance IS NOT NULL OR NEW.hours IS NOT NULL OR NEW.attendance_by IS NOT NULL",
    ),
    _trigger(
        "registrations_update",
        "UPDATE",
        "event_registrations",
        "NEW.event_id, NEW.telegram_id, CASE WHEN OLD.status = 'waitlisted' AND NEW.status = 'registered' "
        "AND NEW.promoted_at IS NOT OLD.promoted_at THEN 'promoted' ELSE OLD.status || ' -> ' || NEW.status END, "
        + _changed("attendance", "hours", "attendance_by", "attendance_at", "telegram_id", "event_id"),
    ),
    _trigger("registrations_delete", "DELETE", "event_registrations", "OLD.event_id, OLD.telegram_id, 'deleted', 0"),
    _trigger("coordinators_insert", "INSERT", "coordinators", "NEW.telegram_id, NEW.added_by, 'added', 1"),
    _trigger("coordinators_update", "UPDATE", "coordinators", "NEW.telegram_id, NEW.added_by, 'changed', 1"),
    _trigger("coordinators_delete", "DELETE", "coordinators", "OLD.telegram_id, OLD.added_by, 'removed', 1"),
    _trigger("cosettings_insert", "INSERT", "coordinator_settings", "NEW.telegram_id, NEW.telegram_id, 'set', 1"),
    _trigger("cosettings_update", "UPDATE", "coordinator_settings", "NEW.telegram_id, NEW.telegram_id, 'changed', 1"),
    # Added since: audited when present.
    _trigger("invites_insert", "INSERT", "coordinator_invites", "NULL, NEW.created_by, 'invite created', 1"),
    _trigger(
        "invites_update",
        "UPDATE",
        "coordinator_invites",
        "NULL, NEW.used_by, CASE WHEN OLD.used_by IS NULL AND NEW.used_by IS NOT NULL THEN 'invite used' "
        "ELSE 'invite changed' END, OLD.used_by IS NOT NULL OR NEW.used_by IS NULL",
    ),
    _trigger(
        "agreements_insert", "INSERT", "agreements", "NEW.id, NEW.telegram_id, 'created (' || NEW.state || ')', 1"
    ),
    _trigger(
        "agreements_update",
        "UPDATE",
        "agreements",
        "NEW.id, NEW.telegram_id, OLD.state || ' -> ' || NEW.state, "
        "(OLD.state IS NOT NEW.state AND NEW.state IN ('draft', 'offered', 'signed')) OR "
        + _changed(
            "telegram_id",
            "scope",
            "start_date",
            "end_date",
            "rendered_text",
            "text_sha256",
            "template_version",
            "written_required",
            "signed_at",
            "signed_by",
            "signed_how",
            "created_by",
        ),
    ),
    _trigger("agreements_delete", "DELETE", "agreements", "OLD.id, OLD.telegram_id, 'deleted', 0"),
    _trigger(
        "attestations_update",
        "UPDATE",
        "attestations",
        "NEW.id, NEW.telegram_id, 'opinion', 1",
        _changed("opinion", "opinion_by", "opinion_at", "rendered_text", "telegram_id"),
    ),
    _trigger(
        "plans_update",
        "UPDATE",
        "development_plans",
        "NEW.id, NEW.telegram_id, OLD.status || ' -> ' || NEW.status, "
        "(OLD.status IS NOT NEW.status AND NEW.status IN ('approved', 'changes_requested')) OR "
        + _changed("reviewed_by", "reviewed_at", "comment", "telegram_id"),
    ),
    _trigger(
        "plan_versions_update",
        "UPDATE",
        "plan_versions",
        "NEW.plan_id, NULL, 'version approved', 1",
        _changed("approved_at", "approved_by", "content"),
    ),
    # The bot's own audit log must name whoever acted (or nobody: the bot itself).
    _trigger("audit_log_insert", "INSERT", "audit_log", "NULL, NEW.actor_id, 'audit ' || NEW.action, 0"),
]
# Tables where a volunteer may change only their own rows (the owner column is the person).
_OWNED = ("applications", "event_registrations", "agreements", "development_plans")


def install_audit(path: Path | str) -> list[str]:
    """Create the triggers through a connection of our own; returns the tables not audited."""
    if str(path).startswith("postgresql://"):
        return _install_audit_postgres(str(path))
    with contextlib.closing(sqlite3.connect(path)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in _REQUIRED_TABLES if t not in tables]
        if missing:
            raise RuntimeError(f"the schema has no {missing}: the fuzzer's privilege check needs updating")
        conn.execute(_AUDIT_TABLE)
        skipped = []
        for table, sql in _TRIGGERS:
            if table in tables:
                conn.execute(sql)
            else:
                skipped.append(table)
        conn.commit()
    return sorted(set(skipped))


def _install_audit_postgres(url: str) -> list[str]:
    """The same triggers on PostgreSQL: each SQLite trigger's row and condition, translated as the
    bot's statements are (storage/sql_dialect.py), in a plpgsql trigger function."""
    import psycopg

    from storage.sql_dialect import to_postgres

    with psycopg.connect(url, autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables")}
        missing = [t for t in _REQUIRED_TABLES if t not in tables]
        if missing:
            raise RuntimeError(f"the schema has no {missing}: the fuzzer's privilege check needs updating")
        conn.execute(
            to_postgres(_AUDIT_TABLE.replace("id INTEGER PRIMARY KEY", "id INTEGER PRIMARY KEY AUTOINCREMENT"))
        )
        skipped = []
        for table, sql in _TRIGGERS:
            if table not in tables:
                skipped.append(table)
                continue
            found = re.match(
                r"CREATE TRIGGER (\w+) AFTER (\w+) ON \w+(?: WHEN (.*))? BEGIN (INSERT .*); END$", sql, re.S
            )
            assert found, sql
            name, event, when, insert = found.groups()
            conn.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{to_postgres(insert).replace('%%', '%')}; RETURN NULL; END $$"
            )
            condition = (
                to_postgres(f"SELECT 1 WHERE {when}").replace("%%", "%")[len("SELECT 1 WHERE ") :] if when else ""
            )
            conn.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                + (f"WHEN ({condition}) " if condition else "")
                + f"EXECUTE FUNCTION {name}()"
            )
    return sorted(set(skipped))


# ---- the people -------------------------------------------------------------------------------------
@dataclass
class Person:
    chat: UserChat
    staff: bool = False
    flooder: bool = False
    blocked: bool = False
    focused: bool = False
    history: deque = field(default_factory=lambda: deque(maxlen=12))

    @property
    def id(self) -> int:
        return self.chat.id


@dataclass
class FuzzConfig:
    updates: int = 10_000
    users: int = 50
    coordinators: int = 3
    seed: int = 20_260_101
    database: Path = Path("fuzz.db")
    flooders: int = 3
    keep_messages: int | None = None  # prune the double's chats to this many messages (long runs)
    progress: Callable[[int, Report], None] | None = None
    trace: frozenset[int] = frozenset()  # print what these people send and see (debugging)


@dataclass
class _Current:
    index: int
    person: Person | None
    kind: str
    private: bool
    expect_answer: bool = False
    query_id: str | None = None
    calls_from: int = 0
    staff: bool = False  # the sender's role when the update arrived


class Fuzzer:
    def __init__(self, app, double: RecordingDouble, clock: FuzzClock, config: FuzzConfig):
        self.app = app
        self.double = double
        self.clock = clock
        self.config = config
        self.rng = random.Random(config.seed)
        self.report = Report(seed=config.seed)
        self.services = app.services
        self.errors: list[tuple[object, BaseException]] = []
        self.logs = _LogCatcher()
        self.guard = RecordingFloodGuard(
            self.services.settings.flood_messages, self.services.settings.flood_window_seconds
        )
        self.staff_ever: set[int] = set(self.services.settings.admin_ids)
        self.settings_admins = frozenset(self.services.settings.admin_ids)
        self.coordinator_ids: set[int] = set()
        self.audit_seen = 0
        self.max_event_id = 0
        self.max_application_id = 0
        self.current: _Current | None = None
        self._pending_update: dict | None = None
        self._query_ids = itertools.count(1)
        self.invites: list[str] = []
        self.pruned_below: dict[int, int] = {}  # chat id -> the oldest message still in the double
        self.user_files: set[str] = set()  # file ids of what people sent (the bot may send them on)
        self.people: list[Person] = []
        self.volunteers: list[Person] = []
        self.staff: list[Person] = []
        self.group_members: list[UserChat] = []
        self.channel = double.ensure_chat({"id": CHANNEL_ID, "type": "channel", "title": "Kanał <b>&</b>"})
        self.apologies = {translator(locale).gettext(APOLOGY) for locale in ("pl", "en", "uk")}
        self._needles = self._answer_needles()

    # ---- setting up ------------------------------------------------------------------------------
    async def setup(self) -> None:
        rng = self.rng
        self.report.not_audited = install_audit(self.services.db.path)
        self.app.bot_data[_FLOOD_KEY] = self.guard
        self.app.add_error_handler(self._record_error)
        # Ours first: the bot's handler ends with ApplicationHandlerStop, which stops the rest.
        handlers = list(self.app.error_handlers.items())
        self.app.error_handlers.clear()
        for callback, block in [handlers[-1], *handlers[:-1]]:
            self.app.error_handlers[callback] = block
        self.commands, self.namespaces = discover(self.app)
        # The fuzzer runs the scheduled jobs itself, between updates and on the fake clock.
        self.jobs = list(self.app.job_queue.jobs())
        for job in self.jobs:
            job.schedule_removal()
        admin = Person(
            self.double.user(user_id=ADMIN_ID, first_name="Marek", language_code="pl"), staff=True, focused=True
        )
        self.staff.append(admin)
        for n in range(self.config.coordinators):
            user_id = COORDINATOR_IDS[n]
            await self.services.coordinators.add(user_id, ADMIN_ID)
            self.staff_ever.add(user_id)
            chat = self.double.user(
                user_id=user_id, first_name=self._name(), language_code=rng.choice(["pl", "pl", "en", "uk"])
            )
            self.staff.append(Person(chat, staff=True, focused=rng.random() < 0.8))
        for n in range(self.config.users):
            chat = self.double.user(
                user_id=FIRST_VOLUNTEER_ID + n,
                first_name=self._name(),
                last_name=self._name() if rng.random() < 0.5 else None,
                username=rng.choice([None, f"user_{n}", f"u{n}_" + "x" * 20]),
                language_code=rng.choice(_LOCALES),
            )
            self.volunteers.append(Person(chat, flooder=n < self.config.flooders, focused=rng.random() < 0.5))
        self.people = self.staff + self.volunteers
        for group_id, kind in GROUPS:
            for member in rng.sample(self.volunteers, min(4, len(self.volunteers))):
                self.group_members.append(
                    self.double.user(
                        user_id=member.id,
                        first_name=member.chat.user["first_name"],
                        language_code=member.chat.user.get("language_code"),
                        chat_type=kind,
                        chat_id=group_id,
                    )
                )
            stranger = 70_000 + abs(group_id) % 1000
            self.group_members.append(
                self.double.user(user_id=stranger, first_name=self._name(), chat_type=kind, chat_id=group_id)
            )
        await self._drain_audit(None)  # the coordinators added above

    def _name(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice([*_NAMES, "Kasia", "Piotr", "Ola", "Ігор", "Zoë", "José"])
        return clip_utf8(random_text(rng, 60).replace("\n", " "), 64).strip() or "?"

    # ---- the main loop ---------------------------------------------------------------------------
    async def run(self) -> Report:
        rng = self.rng
        logging.getLogger().addHandler(self.logs)
        # Thousands of refused buttons are each logged at WARNING: keep ERROR and above only.
        disabled_before = logging.root.manager.disable
        logging.disable(logging.WARNING)
        loop = asyncio.get_running_loop()
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._loop_exception)
        started = time.perf_counter()
        try:
            index = 0
            demote_at, restore_at = int(self.config.updates * 0.4), int(self.config.updates * 0.7)
            demoted = self.staff[-1] if len(self.staff) > 2 else None
            while index < self.config.updates:
                if index % JOBS_EVERY == 0:
                    await self._run_jobs(index)
                if demoted is not None and index == demote_at:
                    await self.services.coordinators.remove(demoted.id)
                    await self._drain_audit(None)
                if demoted is not None and index == restore_at:
                    await self.services.coordinators.add(demoted.id, ADMIN_ID)
                    await self._drain_audit(None)
                burst = self._pick_burst()
                for action in burst:
                    if index >= self.config.updates:
                        break
                    await self._one(index, action)
                    index += 1
                    if self.config.progress and index % 1000 == 0:
                        self.report.elapsed = time.perf_counter() - started
                        self.report.updates = index
                        self.config.progress(index, self.report)
                if rng.random() < 0.02:
                    self.clock.advance(rng.uniform(3600, 6 * 3600))  # a quiet night
            await self._run_jobs(index)
            await self._decide_held_texts()
            self.report.updates = index
            self.report.elapsed = time.perf_counter() - started
        finally:
            logging.getLogger().removeHandler(self.logs)
            logging.disable(disabled_before)
            loop.set_exception_handler(previous_handler)
        await self._final_checks()
        return self.report

    async def _decide_held_texts(self) -> None:
        """A long text held as the possible first part of a split message is answered when its
        window passes: pass it now for every text still held, and each must get an answer."""
        from bot.flow_parts import flush_update

        app = self.app
        for user_id, part in await self.services.sessions.held(PART):
            person = next((p for p in self.people if p.id == user_id), None)
            before = len(person.chat.messages) if person else 0
            update = flush_update(part, app.bot)
            await app.update_processor.process_update(update, app.process_update(update))
            if person is not None and not person.blocked and len(person.chat.messages) == before:
                self.report.unanswered += 1
                self._finding("unanswered", "a held long text", f"the text held for {user_id} was never answered")

    def _pick_burst(self) -> list[Callable[[], Awaitable[None]]]:
        """The next action(s): usually one; a flooder sends a burst with no time in between."""
        rng = self.rng
        r = rng.random()
        if r < 0.05:
            return [self._group_post]
        if r < 0.07:
            return [self._channel_post]
        if r < 0.08:
            return [self._block]
        person = rng.choice(self.staff) if r < 0.3 else rng.choice(self.volunteers)
        if person.blocked:  # Telegram's "Restart bot" unblocks and sends /start
            return [lambda: self._unblock(person), lambda: self._text(person, "/start", "restart")]
        if person.flooder and rng.random() < 0.3:
            return [lambda: self._private(person, burst=True) for _ in range(rng.randint(15, 30))]
        return [lambda: self._private(person)]

    async def _one(self, index: int, action: Callable[[], Awaitable[None]]) -> None:
        self.current = _Current(index=index, person=None, kind="?", private=False, calls_from=len(self.double.calls))
        await action()
        await self._check()
        self.current = None
        del self.double.calls[:]
        if self.config.keep_messages and index % 500 == 0:
            self._prune()

    async def send(self, user_id: int, text: str) -> None:
        """One message from one of the fuzzer's people, checked like any other (tests of the fuzzer)."""
        person = next(p for p in self.people if p.id == user_id)
        await self._one(self.report.updates, lambda: self._text(person, text, "text"))
        self.report.updates += 1

    # ---- delivering -------------------------------------------------------------------------------
    async def _deliver(self, person: Person | None, kind: str, send: Callable[[], Awaitable[None]], **expect: Any):
        current = self.current
        current.person = person
        current.kind = kind
        current.private = expect.get("private", person is not None)
        current.expect_answer = expect.get("answer", current.private)
        current.query_id = expect.get("query_id")
        if person is not None:
            # The role as the update arrives (kept in step with the coordinators table by its triggers).
            current.staff = person.id in self.settings_admins or person.id in self.coordinator_ids
            if current.staff:
                self.staff_ever.add(person.id)
        self.report.counts[kind] += 1
        self.guard.last = None
        self._pending_update = None
        try:
            await send()
        except Exception as exc:  # the Application itself failed, past the error handler
            self.report.exceptions += 1
            self._finding(
                "crash",
                f"crash:{type(exc).__name__}:{_where(exc)}",
                f"{type(exc).__name__}: {exc}\n{_tb(exc)}",
            )
        if person is not None:
            person.history.append(f"#{current.index} {kind}: {_describe(self._pending_update)}")
            if person.id in self.config.trace:
                newest = self._newest(person.chat)
                seen = (newest.data.get("text") or newest.data.get("caption") or "")[:150] if newest else ""
                print(f"{person.id} {'F' if person.focused else 'c'} {person.history[-1]}\n      -> {seen!r}")

    async def _send_update(self, update: dict) -> None:
        self._pending_update = update
        await self.double.deliver(update)

    # ---- private chats ---------------------------------------------------------------------------
    async def _private(self, person: Person, burst: bool = False) -> None:
        rng = self.rng
        chat = person.chat
        if not burst:
            self.clock.advance(rng.expovariate(1 / MEAN_SECONDS_BETWEEN_UPDATES))
        if rng.random() < (0.015 if person.focused else 0.06):
            person.focused = not person.focused
        r = rng.random()
        newest = self._newest(chat)
        keyboard_message = self._keyboard_message(chat)
        if person.focused:
            # Someone doing one thing: the buttons on screen, or an answer to the question asked.
            on_screen = newest is not None and "reply_markup" in newest.data
            asks_for_text = newest is not None and self._fitting(newest.data.get("text") or "") is not None
            if chat.chat.reply_keyboard and r < (0.4 if asks_for_text else 0.03):
                await self._reply_keyboard(person)
            elif asks_for_text and r < 0.7:
                await self._answer_text(person, fitting=0.95)
            elif on_screen and r < 0.85:
                await self._press_real(person, newest, stale=0.0)
            elif newest is not None and not on_screen and r < 0.8:
                await self._answer_text(person, fitting=0.95)
            elif r < 0.9 and keyboard_message is not None:
                await self._press_real(person, keyboard_message, stale=0.0)
            elif r < 0.95:
                await self._text(person, rng.choice(_STAFF_GOALS if person.staff else _VOLUNTEER_GOALS), "command")
            else:
                await self._answer_text(person)
            return
        if r < 0.42 and keyboard_message is not None:
            await self._press_real(person, keyboard_message)
        elif r < 0.47 and chat.chat.reply_keyboard:
            await self._reply_keyboard(person)
        elif r < 0.65:
            await self._answer_text(person)
        elif r < 0.72:
            await self._command(person)
        elif r < 0.75:
            await self._deep_link(person)
        elif r < 0.82:
            await self._forged_press(person)
        elif r < 0.87:
            await self._edit(person)
        else:
            await self._other_message(person)

    def _newest(self, chat: UserChat):
        """The bot's message changed last: what the person looks at."""
        return self._looked_at([m for m in chat.chat.messages.values() if m.from_bot])

    def _keyboard_message(self, chat: UserChat):
        """The newest message (by last change) with inline buttons, as a person sees their screen."""
        return self._looked_at([m for m in chat.chat.messages.values() if m.from_bot and "reply_markup" in m.data])

    def _looked_at(self, messages: list):
        """The newest of `messages`; a person's message relayed to a coordinator (issue 15) is left
        for later, as a coordinator busy with something else does (a stale press may still pick it)."""
        messages = sorted(messages, key=lambda m: m.changed, reverse=True)
        return next((m for m in messages if not _relayed(m)), messages[0] if messages else None)

    async def _press_real(self, person: Person, newest, stale: float = 0.2) -> None:
        rng = self.rng
        chat = person.chat
        message = newest
        if rng.random() < stale:  # an older message still showing buttons: often stale
            older = [m for m in chat.chat.messages.values() if m.from_bot and "reply_markup" in m.data]
            message = rng.choice(older)
        buttons = [
            (b["text"], b["callback_data"])
            for row in message.data["reply_markup"].get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]
        if not buttons:
            await self._answer_text(person)
            return
        weights = [_weight(label, data) for label, data in buttons]
        await self._press(person, message.message_id, rng.choices(buttons, weights)[0][1], "press")

    async def _press(self, person: Person, message_id: int, data: str, kind: str) -> None:
        chat = person.chat
        stored = chat.chat.messages[message_id]
        query_id = f"Q{next(self._query_ids)}"
        self.double.callback_queries[query_id] = {"user_id": chat.id, "answered": False}
        update = {
            "update_id": self.double.next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": chat.user,
                "message": dict(stored.data),
                "chat_instance": str(chat.id),
                "data": data,
            },
        }
        await self._deliver(person, kind, lambda: self._send_update(update), query_id=query_id)

    async def _forged_press(self, person: Person) -> None:
        rng = self.rng
        chat = person.chat
        bot_messages = [m for m in chat.chat.messages.values() if m.from_bot]
        if not bot_messages:
            await self._command(person)
            return
        keyboards = [m for m in bot_messages if "reply_markup" in m.data]
        target = rng.choice(keyboards) if keyboards and rng.random() < 0.9 else rng.choice(bot_messages)
        await self._press(person, target.message_id, self._forged_data(chat), "forged press")

    def _forged_data(self, chat: UserChat) -> str:
        rng = self.rng
        r = rng.random()
        real = [
            b["callback_data"]
            for m in chat.chat.messages.values()
            if m.from_bot and "reply_markup" in m.data
            for row in m.data["reply_markup"].get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]
        if r < 0.35 and real:
            parts = rng.choice(real).split(":")
            mutation = rng.random()
            if mutation < 0.4 and len(parts) > 1:
                parts[rng.randrange(1, len(parts))] = self._forged_arg()
            elif mutation < 0.6:
                parts.append(self._forged_arg())
            elif mutation < 0.8 and len(parts) > 1:
                parts.pop()
            else:
                parts[0] = rng.choice(list(self.namespaces))
            data = ":".join(parts)
        elif r < 0.9:
            namespace = rng.choice([*self.namespaces, "xx", "AP", ""])
            actions = self.namespaces.get(namespace, ["x"])
            action = rng.choice([*actions, "", "zz", rng.choice(actions) * 3])
            args = [self._forged_arg() for _ in range(rng.randint(0, 5))]
            data = ":".join([namespace, action, *args])
        else:
            data = rng.choice([":", "::::", "a" * 64, "😀" * 16, "\u200b", " ", "ev", "ap:", "em:ta:1:2:3:4:5:6:7"])
        data = clip_utf8(data, 64)
        return data or "x"

    def _forged_arg(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return str(rng.randint(-1, max(self.max_event_id, self.max_application_id) + 2))
        if r < 0.5:
            return str(rng.choice([p.id for p in self.people]))
        if r < 0.6:
            return "9" * rng.randint(10, 40)
        return rng.choice(_ARGS)

    async def _reply_keyboard(self, person: Person) -> None:
        rng = self.rng
        chat = person.chat
        buttons = [b for row in chat.chat.reply_keyboard for b in row]
        button = rng.choice(buttons)
        if button.get("request_contact"):
            await self._contact(person, own=True)
        else:
            await self._text(person, button["text"], "reply button")

    async def _text(self, person: Person, text: str, kind: str) -> None:
        chat = person.chat

        async def send() -> None:
            content: dict[str, Any] = {"text": text}
            if text.startswith("/"):
                command = text.split()[0] if text.split() else text
                content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            elif self.rng.random() < 0.1:
                content["entities"] = _random_entities(self.rng, text)
            if self.rng.random() < 0.05:
                replied = [m for m in chat.chat.messages.values() if m.from_bot]
                if replied:
                    content["reply_to_message"] = self.rng.choice(replied).data
            await self._send_update({"update_id": self.double.next_update_id(), "message": chat._user_message(content)})

        await self._deliver(person, kind, send)

    async def _answer_text(self, person: Person, fitting: float = 0.6) -> None:
        """Text: an answer that fits the question on screen (to go deep), or anything at all."""
        rng = self.rng
        last = self._last_bot_text(person.chat)
        answers = self._fitting(last) if last and rng.random() < fitting else None
        answer = answers(rng) if answers is not None else None
        if isinstance(answer, dict):  # a file asked for
            await self._other(person, "document answer", answer)
        elif answer is not None:
            await self._text(person, answer, "answer")
        else:
            await self._text(person, random_text(rng), "text")

    def _fitting(self, text: str) -> Callable[[random.Random], str | dict] | None:
        for needle, answers in self._needles:
            if needle in text:
                return answers
        return None

    def _last_bot_text(self, chat: UserChat) -> str:
        best = self._newest(chat)
        return (best.data.get("text") or best.data.get("caption") or "") if best else ""

    def _answer_needles(self) -> list[tuple[str, Callable[[random.Random], str | dict]]]:
        """Pieces of the bot's questions (in every language) and answers that could fit them."""
        org = self.services.org

        def pick(answers):
            good, bad = answers

            def answer(rng: random.Random) -> str:
                r = rng.random()
                if r < 0.7 or not bad:
                    return rng.choice(good)
                return rng.choice(bad) if r < 0.92 else random_text(rng, 300)

            return answer

        def text_of(min_chars):
            return lambda rng: (
                " ".join(rng.choices(_WORDS, k=rng.randint(3, 30)))[: rng.randint(min_chars, 400)]
                if rng.random() < 0.8
                else random_text(rng)
            )

        by_field = {
            "full_name": pick(_NAME_ANSWERS),
            "email": pick(_EMAILS),
            "phone": pick(_PHONES),
            "adult": pick((["tak", "Tak!", "yes", "так"], ["nie", "może"])),
            "county": pick(([c.name for c in org.counties], ["Inny powiat", "lubelski"])),
            "experience": text_of(20),
        }
        needles: list[tuple[str, Callable[[random.Random], str | dict]]] = []
        for locale in ("pl", "en", "uk"):
            t = translator(locale)
            for form_field in org.form:
                if form_field.type.value == "multi_choice":
                    continue  # buttons only
                answers = by_field.get(form_field.id, text_of(3))
                needles.append((form_field.prompt.get(locale), answers))
            steps = {
                "title": pick(_TITLES),
                "description": text_of(0),
                "start": pick(_DATES),
                "start_time": pick(_TIMES),
                "duration": pick(_DURATIONS),
                "place": pick(_PLACES),
                "online_url": pick(_URLS),
                "capacity": pick(_CAPACITIES),
                "deadline": pick(_DATES),
            }
            for step, answers in steps.items():
                needles.append((_needle(t.gettext(event_admin.PROMPTS[step])), answers))
            for msgid, answers in (
                ("Please type the name:", pick((["Powiat zamojski", "🙂"], ["x" * 101]))),
                ("Please type your answer for the coordinator:", text_of(1)),
                (
                    "How many hours should each attendee of <b>%(title)s</b> get? Now: %(hours)s. Type a number, "
                    "e.g. <code>2,5</code> (or /anuluj).",
                    pick(_HOURS),
                ),
                ("Please type a number of hours, e.g. <code>2,5</code>.", pick(_HOURS)),
                ("Choose the language, or type its name (for example “English”):", pick(_LANGUAGES)),
                (
                    "Why is application #%(id)d not accepted? Your explanation will be sent to "
                    "the volunteer. (/anuluj to stop)",
                    text_of(1),
                ),
                ("What would you like to ask the author of application #%(id)d? (/anuluj to stop)", text_of(1)),
                (
                    "Nobody has signed up yet. Type the reason, for the record (or /anuluj to keep the event).",
                    text_of(3),
                ),
                ("Please type a reason of 3 to %(limit)d characters, or /anuluj to keep the event.", text_of(3)),
                (
                    "Send the signed agreement as a file: a PDF, or a scan as JPEG or PNG, at most %(mb)d MB. "
                    "/anuluj to stop.",
                    lambda rng: self._document(signed=rng.random() < 0.8),
                ),
                (
                    "To confirm it is you, type your <b>full name</b> as given in your application "
                    "(capital letters and Polish characters do not matter). /anuluj to stop.",
                    pick(_NAME_ANSWERS),
                ),
            ):
                needles.append((_needle(t.gettext(msgid)), answers))
            for count in (1, 2, 5):
                text = t.ungettext(
                    "%(count)d person is signed up and will be told. Type the reason they will read "
                    "(or /anuluj to keep the event).",
                    "%(count)d people are signed up and will be told. Type the reason they will read "
                    "(or /anuluj to keep the event).",
                    count,
                )
                needles.append((_needle(text), text_of(3)))
        return [(n, a) for n, a in needles if len(n) >= 8]

    async def _command(self, person: Person) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.75:
            command = rng.choice(self.commands)
            if rng.random() < 0.1:
                command += "@" + self.double.bot_user["username"]
            if rng.random() < 0.1:
                command += " " + random_text(rng, 50)
        else:
            command = rng.choice(UNKNOWN_COMMANDS)
        await self._text(person, command, "command")

    async def _deep_link(self, person: Person) -> None:
        rng = self.rng
        event_id = rng.randint(0, self.max_event_id + 2)
        payload = rng.choice(
            [
                f"event_{event_id}",
                f"event_{event_id}",
                "apply",
                "help",
                "language",
                "event_",
                "event_-1",
                "event_²",
                "event_١",
                "event_" + "9" * 30,
                "inv_",
                "inv_" + "".join(rng.choices("abcdefXYZ0123456789_-", k=rng.randint(1, 40))),
                *(["inv_" + rng.choice(self.invites)] * 3 if self.invites else []),
                "event_1_2",
                "".join(rng.choices("abcXYZ019_-", k=rng.randint(1, 64))),
                "zgłoszenie",
            ]
        )
        await self._text(person, f"/start {payload}", "deep link")

    async def _edit(self, person: Person) -> None:
        rng = self.rng
        chat = person.chat
        own = [m for m in chat.chat.messages.values() if not m.from_bot and "text" in m.data]
        if not own:
            await self._answer_text(person)
            return
        stored = rng.choice(own[-10:])
        stored.data = {**stored.data, "text": random_text(rng, 300), "edit_date": int(self.double.clock())}
        stored.data.pop("entities", None)
        data = stored.data
        await self._deliver(
            person,
            "edit",
            lambda: self._send_update({"update_id": self.double.next_update_id(), "edited_message": data}),
        )

    async def _contact(self, person: Person, own: bool) -> None:
        rng = self.rng
        chat = person.chat
        contact: dict[str, Any] = {"phone_number": rng.choice([*_PHONES[0], *_PHONES[1], "48600100200"])}
        contact["first_name"] = chat.user["first_name"] if own else self._name()
        if own:
            contact["user_id"] = chat.id
        elif rng.random() < 0.5:
            contact["user_id"] = rng.choice([p.id for p in self.people if p.id != chat.id])
        if rng.random() < 0.2:
            contact["vcard"] = "BEGIN:VCARD\nVERSION:3.0\nFN:" + random_text(rng, 40) + "\nEND:VCARD"
        await self._other(person, "contact", {"contact": contact})

    async def _other_message(self, person: Person) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            await self._contact(person, own=rng.random() < 0.6)
        elif r < 0.35:
            await self._other(person, "sticker", {"sticker": self._sticker()})
        elif r < 0.5:
            location = {"latitude": rng.uniform(-90, 90), "longitude": rng.uniform(-180, 180)}
            if rng.random() < 0.3:
                content = {"venue": {"location": location, "title": random_text(rng, 30), "address": "ul. X 1"}}
                content["location"] = location
            else:
                content = {"location": location}
            await self._other(person, "location", content)
        elif r < 0.75:
            await self._other(person, "document", self._document(signed=rng.random() < 0.3))
        elif r < 0.85:
            photo = [
                {**self._file(b"\xff\xd8\xff\xe0small", "photo.jpg"), "width": 90, "height": 90},
                {**self._file(b"\xff\xd8\xff\xe0large", "photo.jpg"), "width": 800, "height": 600},
            ]
            await self._other(person, "photo", {"photo": photo})
        elif r < 0.92:
            await self._other(person, "voice", {"voice": {**self._file(b"OggS", "voice.ogg"), "duration": 3}})
        else:
            await self._other(person, "dice", {"dice": {"emoji": "🎲", "value": rng.randint(1, 6)}})

    def _file(self, content: bytes, name: str) -> dict:
        """A file the user sends: known to the double, so the bot may send it on by its file_id."""
        file_id = self.double.register_file(content, name)
        self.user_files.add(file_id)
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(content)}

    def _sticker(self) -> dict:
        rng = self.rng
        return {
            **self._file(b"RIFFWEBP", "sticker.webp"),
            "type": rng.choice(["regular", "mask", "custom_emoji"]),
            "width": 512,
            "height": 512,
            "is_animated": rng.random() < 0.3,
            "is_video": rng.random() < 0.2,
            "emoji": rng.choice(_EMOJI),
        }

    def _document(self, signed: bool = False) -> dict:
        """A small file: a plausible signed agreement, or anything with any name and type."""
        rng = self.rng
        if signed:
            name, mime = rng.choice([("porozumienie.pdf", "application/pdf"), ("skan.png", "image/png")])
            content = (
                b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
                if name.endswith("pdf")
                else b"\x89PNG\r\n"
            )
        else:
            name = rng.choice(_FILE_NAMES)
            mime = rng.choice(["application/pdf", "text/plain", "image/png", "application/x-msdownload", "x/y"])
            content = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
        document = {**self._file(content, name), "mime_type": mime}
        if rng.random() < 0.95:
            document["file_name"] = name
        if rng.random() < 0.1:
            document["file_size"] = rng.choice([0, 25 * 2**20, 2**31])
        message: dict[str, Any] = {"document": document}
        if rng.random() < 0.3:
            message["caption"] = random_text(rng, 1024)
        return message

    async def _other(self, person: Person, kind: str, content: dict) -> None:
        chat = person.chat

        async def send() -> None:
            await self._send_update({"update_id": self.double.next_update_id(), "message": chat._user_message(content)})

        await self._deliver(person, kind, send)

    # ---- blocking -----------------------------------------------------------------------------------
    async def _block(self) -> None:
        person = self.rng.choice([p for p in self.people if not p.blocked])
        person.blocked = True
        person.chat.block_bot(True)
        await self._member_update(person, "member", "kicked")

    async def _unblock(self, person: Person) -> None:
        person.blocked = False
        person.chat.block_bot(False)
        await self._member_update(person, "kicked", "member")

    async def _member_update(self, person: Person, old: str, new: str) -> None:
        bot = self.double.bot_user
        member: dict[str, Any] = {"status": new, "user": bot}
        if new == "kicked":
            member["until_date"] = 0
        update = {
            "update_id": self.double.next_update_id(),
            "my_chat_member": {
                "chat": person.chat.chat.info,
                "from": person.chat.user,
                "date": int(self.double.clock()),
                "old_chat_member": {"status": old, "user": bot, **({"until_date": 0} if old == "kicked" else {})},
                "new_chat_member": member,
            },
        }
        await self._deliver(person, f"my_chat_member {new}", lambda: self._send_update(update), answer=False)

    # ---- groups and channels ------------------------------------------------------------------------
    async def _group_post(self) -> None:
        rng = self.rng
        self.clock.advance(rng.expovariate(1 / MEAN_SECONDS_BETWEEN_UPDATES))
        member = rng.choice(self.group_members)
        r = rng.random()
        if r < 0.5:
            content: dict[str, Any] = {"text": rng.choice([*COMMANDS, "/start@volunteer_test_bot", "hej"])}
            if content["text"].startswith("/"):
                content["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(content["text"].split()[0])}
                ]
            if rng.random() < 0.5:
                content = {"text": random_text(rng)}
        elif r < 0.6:
            content = {"sticker": self._sticker()}
        elif r < 0.7:
            content = {"new_chat_members": [self.double.bot_user]}
        elif r < 0.8:
            content = {"left_chat_member": member.user}
        elif r < 0.9:
            anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
            message = member._user_message({"text": random_text(rng, 200), "sender_chat": member.chat.info})
            message["from"] = anonymous
            await self._deliver(
                None,
                "group post (anonymous admin)",
                lambda: self._send_update({"update_id": self.double.next_update_id(), "message": message}),
                private=False,
            )
            return
        else:
            own = [m for m in member.chat.messages.values() if not m.from_bot and "text" in m.data]
            if own:
                stored = rng.choice(own)
                stored.data = {**stored.data, "text": random_text(rng, 200), "edit_date": int(self.double.clock())}
                stored.data.pop("entities", None)
                data = stored.data
                await self._deliver(
                    None,
                    "group edit",
                    lambda: self._send_update({"update_id": self.double.next_update_id(), "edited_message": data}),
                    private=False,
                )
                return
            content = {"text": "hej"}
        message = member._user_message(content)
        await self._deliver(
            None,
            "group post",
            lambda: self._send_update({"update_id": self.double.next_update_id(), "message": message}),
            private=False,
        )

    async def _channel_post(self) -> None:
        rng = self.rng
        channel = self.channel
        message_id = channel.next_message_id()
        post: dict[str, Any] = {
            "message_id": message_id,
            "chat": channel.info,
            "sender_chat": channel.info,
            "date": int(self.double.clock()),
        }
        if rng.random() < 0.7:
            post["text"] = rng.choice([random_text(rng), "/start", "/help@volunteer_test_bot"])
        else:
            post["sticker"] = self._sticker()
        kind = "channel_post" if rng.random() < 0.8 else "edited_channel_post"
        if kind == "edited_channel_post":
            post["edit_date"] = post["date"]
            post.setdefault("text", "poprawione")
            post.pop("sticker", None)
        await self._deliver(
            None,
            kind.replace("_", " "),
            lambda: self._send_update({"update_id": self.double.next_update_id(), kind: post}),
            private=False,
        )

    # ---- the scheduled jobs ---------------------------------------------------------------------------
    async def _run_jobs(self, index: int) -> None:
        self.current = _Current(index=index, person=None, kind="jobs", private=False, calls_from=len(self.double.calls))
        self._pending_update = None
        for job in self.jobs:
            await job.run(self.app)  # a failure reaches the error handler (or is logged by the job itself)
        for _ in range(3):
            await asyncio.sleep(0)  # PTB hands a job's exception to the error handlers in a task
        await self._check()
        del self.double.calls[:]
        self.current = None
        row = await self.services.db.fetch_one(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM events), (SELECT COALESCE(MAX(id), 0) FROM applications)"
        )
        self.max_event_id, self.max_application_id = row[0], row[1]

    # ---- checking ---------------------------------------------------------------------------------
    async def _record_error(self, update: object, context) -> None:
        self.errors.append((update, context.error))

    def _loop_exception(self, loop, context: dict) -> None:
        exc = context.get("exception")
        self.errors.append((None, exc or RuntimeError(context.get("message", "asyncio error"))))

    async def _check(self) -> None:
        current = self.current
        report = self.report
        person = current.person
        while self.errors:
            _update, error = self.errors.pop(0)
            report.exceptions += 1
            self._finding(
                "exception",
                f"exception:{type(error).__name__}:{_where(error)}",
                f"{type(error).__name__}: {error}\n{_tb(error)}",
            )
        for record in self.logs.records:
            if record.name == "volunteer_bot.errors":
                continue  # the error handler's own log line: counted above
            report.logged_errors += 1
            message = record.getMessage()
            self._finding("log", f"log:{record.name}:{message[:60]}", f"{record.name}: {message}")
        self.logs.records.clear()
        answered = False
        query_answered = False
        chat_id = person.id if person is not None else None
        for call in self.double.calls[current.calls_from :]:
            report.calls[call.method] += 1
            if call.code == 200:
                if call.method in _ANSWERING_METHODS and call.chat_id == chat_id:
                    answered = True
                if call.method == "answerCallbackQuery" and current.query_id and call.query_id == current.query_id:
                    query_answered = True
                if "start=inv_" in call.text:  # the admin passes invite links on
                    self.invites.extend(re.findall(r"start=inv_([A-Za-z0-9_-]+)", call.text))
                if call.text in self.apologies:
                    report.apologies += 1
                leak = _LEAKS.search(call.text)
                if leak:
                    report.leaks += 1
                    self._finding("leak", f"leak:{leak[0]}:{call.method}", f"{call.method} sent: {call.text[:300]!r}")
                if call.chat_id == CHANNEL_ID:
                    report.api_errors += 1
                    self._finding(
                        "channel", f"channel:{call.method}", f"the bot wrote to a channel: {call.text[:200]!r}"
                    )
            elif call.code == 400 and (call.message_id or 0) < self.pruned_below.get(call.chat_id, 0):
                pass  # a message the fuzzer took out of the double to save memory, as if the user deleted it
            elif call.code == 400:
                report.bad_requests += 1
                self._finding(
                    "bad_request",
                    f"400:{call.method}:{re.sub(r'[0-9]+', 'N', call.description)[:80]}",
                    f"{call.method} to chat {call.chat_id} -> 400 {call.description}; text {call.text[:200]!r}",
                )
            elif call.code == 403:
                report.forbidden += 1
            else:
                report.api_errors += 1
                self._finding(
                    "api_error", f"{call.code}:{call.method}", f"{call.method} -> {call.code} {call.description}"
                )
        if current.private and self.guard.last is not None and not self.guard.last.allowed:
            report.muted += 1
            expect_message = self.guard.last.warn
        else:
            expect_message = current.expect_answer
        if current.query_id:
            if not query_answered:
                report.unanswered += 1
                data = (self._pending_update or {}).get("callback_query", {}).get("data", "")
                namespace = ":".join(data.split(":")[:2])
                self._finding(
                    "unanswered",
                    f"unanswered press:{current.kind}:{namespace}",
                    f"the callback query {data!r} was never answered"
                    + (" (a message was sent)" if answered else " and nothing was sent"),
                )
        elif (
            expect_message
            and person is not None
            and not person.blocked
            and not answered
            and not await _held(self, person)
        ):
            report.unanswered += 1
            self._finding(
                "unanswered",
                f"unanswered:{current.kind}:{await _state_of(self, person)}",
                f"no answer to a {current.kind}",
            )
        await self._drain_audit(person)

    async def _drain_audit(self, person: Person | None) -> None:
        rows = await self.services.db.fetch_all(
            "SELECT id, tbl, row_id, owner, what, privileged FROM fuzz_audit WHERE id > ? ORDER BY id",
            (self.audit_seen,),
        )
        if not rows:
            return
        self.audit_seen = rows[-1]["id"]
        self.report.audited.update(row["tbl"] for row in rows)
        for row in rows:  # follow the coordinators table, whoever changes it
            if row["tbl"] == "coordinators":
                if row["what"] == "removed":
                    self.coordinator_ids.discard(row["row_id"])
                else:
                    self.coordinator_ids.add(row["row_id"])
        if person is None or self.current is None:
            return  # changes made by the fuzzer itself or by the scheduled jobs
        actor = person.id
        staff = self.current.staff
        redeemed = any(
            r["tbl"] == "coordinator_invites" and r["what"] == "invite used" and r["owner"] == actor for r in rows
        )
        for row in rows:
            table, what, owner = row["tbl"], row["what"], row["owner"]
            if table == "audit_log":
                if owner is not None and owner != actor:
                    self._violation(
                        f"audit log actor:{what}", f"the audit log names {owner} for {what!r}, sent by {actor}"
                    )
                continue
            if table == "coordinators" and what == "added" and row["row_id"] == actor and redeemed:
                self.staff_ever.add(actor)
                continue  # an invite link from the admin, used by the person it was given to
            if row["privileged"] and not staff:
                self._violation(
                    f"privilege:{table}:{what.split(' (')[0]}",
                    f"non-coordinator {actor} changed {table} row {row['row_id']} (owner {owner}): {what}",
                )
            elif not staff and table in _OWNED and owner != actor and what != "promoted":
                # (a place given back goes to the first on the waitlist: that is the only exception)
                self._violation(
                    f"other's row:{table}:{what}", f"{actor} changed {table} row {row['row_id']} of {owner}: {what}"
                )
            elif staff and table == "application_history" and owner != actor:
                self._violation("history actor", f"history of application {row['row_id']} names {owner}, not {actor}")

    def _violation(self, signature: str, detail: str) -> None:
        self.report.privilege += 1
        self._finding("privilege", signature, detail)

    def _finding(self, kind: str, signature: str, detail: str) -> None:
        current = self.current
        person = current.person if current else None
        self.report.add(
            Finding(
                kind=kind,
                signature=signature,
                detail=detail,
                index=current.index if current else -1,
                actor=person.id if person else None,
                update=self._pending_update,
                history=list(person.history) if person else [],
            )
        )

    async def _final_checks(self) -> None:
        db = self.services.db
        self.report.integrity = await db.integrity_check()
        if db.engine == "sqlite":  # PostgreSQL checks every foreign key as it is written
            self.report.foreign_key_problems = [tuple(r) for r in await db.fetch_all("PRAGMA foreign_key_check")]
        staff_ever = self.staff_ever
        for sql, what in (
            ("SELECT id, created_by FROM events WHERE created_by NOT IN ({})", "event created by"),
            (
                "SELECT id, decided_by FROM applications WHERE decided_by IS NOT NULL AND decided_by NOT IN ({})",
                "decided by",
            ),
            (
                "SELECT event_id, attendance_by FROM event_registrations "
                "WHERE attendance_by IS NOT NULL AND attendance_by NOT IN ({})",
                "attendance recorded by",
            ),
            ("SELECT telegram_id, added_by FROM coordinators WHERE telegram_id NOT IN ({})", "coordinator"),
        ):
            for row in await db.fetch_all(sql.format(",".join(map(str, staff_ever)))):
                self.report.privilege += 1
                self.current = _Current(index=self.report.updates, person=None, kind="final", private=False)
                self._finding("privilege", f"final:{what}", f"{what}: {tuple(row)}")
        self.current = None
        coverage = {}
        for name, sql in (
            ("applications", "SELECT status, COUNT(*) FROM applications GROUP BY status"),
            ("events", "SELECT status, COUNT(*) FROM events GROUP BY status"),
            ("seats", "SELECT status, COUNT(*) FROM event_registrations GROUP BY status"),
            ("attendance", "SELECT COALESCE(attendance, '-'), COUNT(*) FROM event_registrations GROUP BY 1"),
            ("notices", "SELECT kind, COUNT(*) FROM event_notices GROUP BY kind"),
        ):
            coverage[name] = {row[0]: row[1] for row in await db.fetch_all(sql)}
        self.report.coverage = coverage

    def _prune(self) -> None:
        """Long runs: keep only the newest messages of each chat, so memory shows the bot, not the double."""
        keep = self.config.keep_messages
        for chat in self.double.chats.values():
            if len(chat.messages) > keep * 2:
                for message_id in list(chat.messages)[:-keep]:
                    del chat.messages[message_id]
                self.pruned_below[chat.id] = next(iter(chat.messages))
        sent_by_bot = [file_id for file_id in self.double.files if file_id not in self.user_files]
        for file_id in sent_by_bot[:-100]:  # calendars, CSV and PDF files the bot sent long ago
            del self.double.files[file_id]
        queries = self.double.callback_queries
        if len(queries) > 1000:
            for query_id in list(queries)[:-200]:
                del queries[query_id]


# ---- small helpers ---------------------------------------------------------------------------------
def _relayed(stored) -> bool:
    """A person's message relayed to a coordinator, with "Answer" under it."""
    rows = (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
    return any(str(b.get("callback_data", "")).startswith("th:rep") for row in rows for b in row)


def _weight(label: str, data: str) -> float:
    """Going forward is more interesting than going back through menus, or deleting things."""
    if _DESTRUCTIVE.search(data):
        return 0.05
    if label.startswith("«") or _BACKWARDS.search(data):
        return 0.2
    if data.startswith(("pal:", "rva:")):
        return 0.2  # a coordinator's own alert setting: a detour, not a step forward
    if data.startswith(("tha", "tho:", "thw:", "th:")):
        return 0.2  # a message to the coordinators: it reaches every coordinator, who turn to answer it
    if data.endswith(":everyone") or "📣" in label:
        return 4.0  # published events volunteers can see and join
    if any(mark in label for mark in ("✅", "📣", "➕", "📨", "▶️", "✔", "👥")):
        return 2.0
    return 1.0


def discover(app) -> tuple[list[str], dict[str, list[str]]]:
    """Every command and every callback-data prefix the application registers, so the fuzzer
    keeps up with new handlers (the lists above are the floor)."""
    import typing

    from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

    from bot.context import ROUTES_KEY

    commands = set(COMMANDS)
    namespaces = {k: set(v) for k, v in NAMESPACES.items()}
    routes = app.bot_data[ROUTES_KEY]
    for kind in routes.presses:  # typed buttons: the prefix and the values of their first field
        values = namespaces.setdefault(kind.prefix, set())
        first = next(iter(kind.model_fields.values()), None)
        if first is not None and typing.get_origin(first.annotation) is typing.Literal:
            values.update(typing.get_args(first.annotation))
    for name in routes.engine.flows:
        namespaces.setdefault("f", set()).add(name)
    commands.update(
        "/" + c for handler in routes.handlers if isinstance(handler, CommandHandler) for c in handler.commands
    )

    def walk(handler) -> None:
        if isinstance(handler, ConversationHandler):
            for inner in [
                *handler.entry_points,
                *(h for hs in handler.states.values() for h in hs),
                *handler.fallbacks,
            ]:
                walk(inner)
        elif isinstance(handler, CommandHandler):
            commands.update("/" + c for c in handler.commands)
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            pattern = getattr(handler.pattern, "pattern", handler.pattern)
            if not isinstance(pattern, str):
                return
            match = re.match(r"\^([a-z_]+):?([^:$]*)", pattern)
            if match is None:
                return
            actions = namespaces.setdefault(match[1], set())
            action = match[2]
            if "[" in action:
                actions.update(re.search(r"\[([a-z]+)\]", action)[1] if re.search(r"\[([a-z]+)\]", action) else "")
            else:
                actions.update(re.findall(r"[a-z_]+", action))

    for handlers in app.handlers.values():
        for handler in handlers:
            walk(handler)
    return sorted(commands), {k: sorted(v) or ["x"] for k, v in sorted(namespaces.items())}


def _needle(text: str) -> str:
    """The longest literal piece of a catalog text (no placeholders, tags or numbers)."""
    pieces = re.split(r"%\([a-z_]+\)[sd]|<[^>]*>|\d+|\n", text)
    return max((p.strip() for p in pieces), key=len)[:40]


def _random_entities(rng: random.Random, text: str) -> list[dict]:
    """Formatting as a Telegram client sends it: entities on whole characters, either apart or one
    inside another where Telegram allows that (bold, italic... around anything but code and pre)."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + utf16_len(ch))
    cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 2 * rng.randint(1, 3))))
    entities = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        if end <= start or not text[start:end].strip():
            continue
        kind = rng.choice(["bold", "italic", "underline", "strikethrough", "spoiler", "code"])
        entities.append({"type": kind, "offset": offsets[start], "length": offsets[end] - offsets[start]})
        if kind != "code" and end - start > 2 and rng.random() < 0.3:  # one inside the other
            inner = rng.choice(["italic", "bold", "code", "underline"])
            if inner != kind:
                entities.append(
                    {"type": inner, "offset": offsets[start + 1], "length": offsets[end - 1] - offsets[start + 1]}
                )
    return entities


def _where(error: BaseException | None) -> str:
    """Where an exception was raised, in the project's own code if possible."""
    if error is None:
        return "?"
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if "/site-packages/" not in f.filename and "/tests/" not in f.filename]
    frame = (own or frames or [None])[-1]
    if frame is None:
        return "?"
    return f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.name}"


def _tb(error: BaseException | None) -> str:
    if error is None:
        return ""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    own = [line for line in lines if "/site-packages/" not in line]
    return "".join(own[-8:]).rstrip()


def _describe(update: dict | None) -> str:
    if not update:
        return "-"
    for kind in ("callback_query", "message", "edited_message", "my_chat_member"):
        if kind in update:
            body = update[kind]
            if kind == "callback_query":
                return f"press {body.get('data')!r} on message {body['message']['message_id']}"
            if kind == "my_chat_member":
                return f"status -> {body['new_chat_member']['status']}"
            if "text" in body:
                return f"{_short(body['text'])!r}"
            return ", ".join(k for k in body if k not in ("message_id", "from", "chat", "date"))
    return ", ".join(update)


async def _held(fuzzer: Fuzzer, person: Person) -> bool:
    """The text is held as the possible first part of a split message: the person's flow keeps it,
    unanswered, until its rest arrives or its window passes (bot/flow_parts.py). Texts still held
    at the end are passed and must be answered then (`Fuzzer._decide_held_texts`)."""
    text = ((fuzzer._pending_update or {}).get("message") or {}).get("text") or ""
    if utf16_len(text) < NEAR_LIMIT:
        return False
    session = await fuzzer.services.sessions.load(person.id)
    return session is not None and session.flow is not None and PART in session.flow.data


async def _state_of(fuzzer: Fuzzer, person: Person) -> str:
    """The flow a person is in (for grouping findings)."""
    session = await fuzzer.app.services.sessions.load(person.id)
    flow = session.flow if session is not None else None
    return f"{flow.flow}={flow.step}" if flow is not None else "none"


# ---- running it -----------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def fuzzer_for(config: FuzzConfig, prepare: Callable[[Any], None] | None = None) -> AsyncIterator[Fuzzer]:
    """The real Application on the double, with the fuzzer's people set up; `prepare(app)` runs
    before it starts (tests of the fuzzer add handlers there)."""
    clock = FuzzClock()
    settings = Settings(database_path=config.database, admin_ids=frozenset({ADMIN_ID}))  # default flood guard
    double = RecordingDouble(clock=lambda: clock().timestamp())
    app = build_application(settings, double, clock=clock)
    if prepare is not None:
        prepare(app)
    async with running(app, double) as application:
        fuzzer = Fuzzer(application, double, clock, config)
        await fuzzer.setup()
        yield fuzzer


async def run_fuzz(config: FuzzConfig) -> Report:
    async with fuzzer_for(config) as fuzzer:
        return await fuzzer.run()
