"""Translations, plural forms and Polish-aware dates.

Catalogs are the `.po` files in `locales/`, compiled in memory when first used, so there is
no compile step and never a stale `.mo` file.

Two families of lookups, both extracted by Babel's default keywords:
- `t._()` and `t.ngettext()` return HTML-safe `Markup`: catalog text is trusted HTML, every
  parameter is escaped. Use them for message text (parse_mode HTML).
- `t.gettext()`, `t.ungettext()` and `t.pgettext()` return plain strings: for button labels,
  alerts, file names and anything Telegram shows literally.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import Markup, escape

from bot.config import SUPPORTED_LOCALES

DOMAIN = "messages"
# Keywords for extraction: Babel's defaults, plus NN_ for plural texts defined ahead of use
# (pybabel extract ... -k NN_:1,2).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "ungettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "NN_": (1, 2),
}

LANGUAGE_NAMES = {"pl": "Polski", "en": "English", "uk": "Українська"}
LANGUAGE_FLAGS = {"pl": "🇵🇱", "en": "🇬🇧", "uk": "🇺🇦"}


def N_(msgid: str) -> str:
    """Mark a text for extraction where it is defined; translate it later with `t._(msgid)`."""
    return msgid


def NN_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural text for extraction where it is defined; use it with `t.ngettext`."""
    return singular, plural


@cache
def load_translations(locale: str) -> Translations:
    po_file = resources.files("locales").joinpath(locale, "LC_MESSAGES", f"{DOMAIN}.po")
    with po_file.open("rb") as fp:
        catalog = read_po(fp, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def resolve_locale(chosen: str | None, telegram_code: str | None, default: str = "pl") -> str:
    """The user's stored choice, else their Telegram language if supported, else the default."""
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if telegram_code:
        base = telegram_code.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


class Translator:
    """Texts, numbers and dates for one locale and time zone."""

    def __init__(self, locale: str, timezone: str = "Europe/Warsaw"):
        if locale not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported locale {locale!r}")
        self.locale = locale
        self.tz = ZoneInfo(timezone)
        self.babel_locale = Locale.parse(locale)
        self._translations = load_translations(locale)

    # --- HTML-safe texts ---------------------------------------------------------------
    def _(self, msgid: str, **params: object) -> Markup:
        text = Markup(self._translations.ugettext(msgid))
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, count: int, **params: object) -> Markup:
        text = Markup(self._translations.ungettext(singular, plural, count))
        return text % {"count": count, **params}

    # --- plain texts -------------------------------------------------------------------
    def gettext(self, msgid: str, **params: object) -> str:
        text = self._translations.ugettext(msgid)
        return text % params if params else text

    def ungettext(self, singular: str, plural: str, count: int, **params: object) -> str:
        return self._translations.ungettext(singular, plural, count) % {"count": count, **params}

    def pgettext(self, context: str, msgid: str, **params: object) -> str:
        text = self._translations.upgettext(context, msgid)
        return text % params if params else text

    # --- numbers and dates -------------------------------------------------------------
    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.babel_locale)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def datetime(self, moment: datetime, fmt: str = "d MMMM y, HH:mm") -> str:
        """`21 listopada 2026, 18:00` in Polish; stored UTC times shown in BOT_TIMEZONE."""
        return format_datetime(moment, fmt, tzinfo=self.tz, locale=self.babel_locale)

    def date(self, value: date | datetime, fmt: str = "d MMMM y") -> str:
        if isinstance(value, datetime):
            value = self.local(value).date()
        return format_date(value, fmt, locale=self.babel_locale)

    def time(self, value: time | datetime, fmt: str = "HH:mm") -> str:
        if isinstance(value, datetime):
            value = self.local(value).timetz()
        return format_time(value, fmt, locale=self.babel_locale)

    def language_name(self, locale: str) -> str:
        return LANGUAGE_NAMES[locale]


@cache
def translator(locale: str, timezone: str = "Europe/Warsaw") -> Translator:
    return Translator(locale, timezone)


def html_escape(value: object) -> Markup:
    """Escape a value that did not come from the catalogs before it goes into HTML."""
    return escape(value)
