"""Catalogs are complete and fresh; plural forms, dates and language choice follow the rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from pydantic import BaseModel

from bot.config import SUPPORTED_LOCALES
from bot.i18n import KEYWORDS, Translator, resolve_locale
from bot.organisation import LocalizedText, load_organisation

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def _words(text: str) -> int:
    """Words of a text outside placeholders and tags: a text with two or more must be translated."""
    bare = re.sub(r"<[^>]+>|%\(\w+\)[sd]", " ", text)
    return len(re.findall(r"[A-Za-z]{2,}", bare))


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def _says_one_in_words(locale: str, message, index: int, text: str, wanted: list[str]) -> bool:
    """Polish form 0 serves only n == 1, so it may say «jedną» instead of the number."""
    return (
        locale == "pl"
        and isinstance(message.id, tuple)
        and index == 0
        and placeholders(text) == [p for p in wanted if p != "%(count)d"]
    )


def read_catalog(locale: str):
    with open(LOCALES / locale / "LC_MESSAGES" / "messages.po", "rb") as fp:
        return read_po(fp, locale=locale)


def template_ids() -> set[str]:
    with open(LOCALES / "messages.pot", "rb") as fp:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}


def source_ids() -> set[str]:
    method_map = [(f"{package}/**.py", "python") for package in ("bot", "handlers", "storage")]
    keywords = dict(KEYWORDS)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_the_template_is_fresh_against_the_code():
    in_code, in_template = source_ids(), template_ids()
    assert in_code - in_template == set(), "texts missing from messages.pot: run pybabel extract"
    assert in_template - in_code == set(), "messages.pot has texts the code no longer uses"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_catalog_is_complete_and_consistent(locale):
    catalog = read_catalog(locale)
    ids = set()
    problems = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(key)
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if isinstance(message.id, tuple):
            expected = catalog.num_plurals
            if len(strings) != expected:
                problems.append(f"{len(strings)} plural forms instead of {expected}: {key!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"missing translation: {key!r}")
            continue
        wanted = placeholders(key)
        for index, text in enumerate(strings):
            if placeholders(text) != wanted and not _says_one_in_words(locale, message, index, text, wanted):
                problems.append(f"placeholders differ: {key!r} -> {text!r}")
            if text.count("<") != key.count("<") and "<" in key + text:
                problems.append(f"HTML tags differ: {key!r} -> {text!r}")
        if locale == "pl" and strings[0] == key and _words(key) >= 2:
            problems.append(f"left in English: {key!r}")
    assert not problems, "\n".join(problems)
    assert ids == template_ids(), "catalog out of step with messages.pot: run pybabel update"


def test_polish_catalog_declares_three_plural_forms():
    assert read_catalog("pl").num_plurals == 3
    assert read_catalog("uk").num_plurals == 3


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 sekundę"),
        (2, "2 sekundy"),
        (4, "4 sekundy"),
        (5, "5 sekund"),
        (12, "12 sekund"),
        (22, "22 sekundy"),
        (25, "25 sekund"),
        (101, "101 sekund"),
    ],
)
def test_polish_plural_forms(count, expected):
    t = Translator("pl")
    text = t.ngettext(
        "You are writing faster than I can answer 🙂 I will listen again in %(count)d second.",
        "You are writing faster than I can answer 🙂 I will listen again in %(count)d seconds.",
        count,
    )
    assert text.endswith(f"za {expected}.")


def test_parameters_are_escaped_but_catalog_html_is_kept():
    t = Translator("pl")
    text = t._("Hello, %(name)s! 👋", name="<b>Ola & Jan</b>")
    assert text == "Cześć, &lt;b&gt;Ola &amp; Jan&lt;/b&gt;! 👋"
    assert t._("<b>Help</b>") == "<b>Pomoc</b>"
    assert t.gettext("Hello, %(name)s! 👋", name="<b>") == "Cześć, <b>! 👋"


def test_dates_are_polish_and_in_warsaw_time():
    t = Translator("pl", "Europe/Warsaw")
    summer = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)  # CEST, UTC+2
    winter = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # CET, UTC+1
    assert t.datetime(summer) == "1 lipca 2026, 18:00"
    assert t.datetime(winter) == "1 grudnia 2026, 18:00"
    assert Translator("en").datetime(winter) == "1 December 2026, 18:00"
    assert Translator("uk").date(winter) == "1 грудня 2026"


@pytest.mark.parametrize(
    ("chosen", "telegram", "expected"),
    [
        ("en", "pl", "en"),
        (None, "uk", "uk"),
        (None, "pl-PL", "pl"),
        (None, "de", "pl"),
        (None, None, "pl"),
        ("xx", "en-GB", "en"),
    ],
)
def test_language_is_the_choice_then_telegram_then_polish(chosen, telegram, expected):
    assert resolve_locale(chosen, telegram) == expected


def test_default_organisation_file_is_translated_into_every_language():
    org = load_organisation()
    missing = []

    def walk(node, where):
        if isinstance(node, LocalizedText):
            if isinstance(node.root, dict) and set(node.root) != set(SUPPORTED_LOCALES):
                missing.append(f"{where}: {sorted(set(SUPPORTED_LOCALES) - set(node.root))}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name), f"{where}.{name}")

    walk(org, "organisation")
    assert not missing, missing
