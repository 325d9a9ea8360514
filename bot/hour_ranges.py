"""Ranges of hours as people type them ("5-10", "5–10", "5 - 10", "od 5 do 10", "5 do 10 godzin")
and the choice they name among options such as "do 5 godzin", "5–10 godzin", "ponad 20 godzin".

One reader for every place where a range of hours is typed instead of pressed. No Telegram here.
"""

from __future__ import annotations

import math
import re

from bot.forms import fold
from bot.organisation import FormField, Organisation

_NUMBER = r"(\d+(?:[.,]\d+)?)"
# Words around the numbers are compared folded (no case, no accents): "miesięcznie" → "miesiecznie".
_UNIT = r"(?:\s*(?:h|godz\.?|godzin[ay]?|godzine|hours?|hrs?|год(?:ин[аи]?)?\.?))?"
_PER_MONTH = r"(?:\s*(?:(?:w|na|a|per|в|на)\s+)?(?:miesiac|miesiacu|miesiecznie|month|monthly|місяць|місяці))?"
_FROM = r"(?:(?:od|from|від)\s+)?"
_TO = r"\s*(?:-|–|—|do|to|до)\s*"
_RANGE = re.compile(rf"^{_FROM}{_NUMBER}{_UNIT}{_TO}{_NUMBER}{_UNIT}{_PER_MONTH}$")
_UP_TO = re.compile(rf"^(?:do|up to|до|<)\s*{_NUMBER}{_UNIT}{_PER_MONTH}$")
_OVER = re.compile(rf"^(?:ponad|powyzej|wiecej niz|more than|over|понад|більше|>)\s*{_NUMBER}{_UNIT}{_PER_MONTH}$")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def read_range(text: str) -> tuple[float, float] | None:
    """A typed range of hours, low to high, or None when the text is not one."""
    folded = fold(text).rstrip(".")
    match = _RANGE.match(folded)
    if match:
        low, high = sorted((_number(match[1]), _number(match[2])))
        return low, high
    match = _UP_TO.match(folded)
    if match:
        return 0.0, _number(match[1])
    match = _OVER.match(folded)
    if match:
        return _number(match[1]), math.inf
    return None


def match_range_choice(org: Organisation, form_field: FormField, text: str, locale: str) -> str | None:
    """The option a typed range names: the one with the same range, else the only one holding it."""
    wanted = read_range(text)
    if wanted is None:
        return None
    holding = []
    for choice in org.choices_of(form_field):
        for label in {choice.label.get(locale), choice.label.get("pl")}:
            offered = read_range(label)
            if offered == wanted:
                return choice.id
            if offered is not None and offered[0] <= wanted[0] and wanted[1] <= offered[1]:
                holding.append(choice.id)
    holding = list(dict.fromkeys(holding))
    return holding[0] if len(holding) == 1 else None
