"""The time zone shown to people by its everyday name, in their language."""

from __future__ import annotations

from bot.i18n import translator
from bot.zone_names import zone_name


def test_the_polish_zone_is_named_in_words():
    assert zone_name(translator("pl", "Europe/Warsaw")) == "czas polski"
    assert zone_name(translator("en", "Europe/Warsaw")) == "Polish time"
    assert zone_name(translator("uk", "Europe/Warsaw")) == "польський час"


def test_another_zone_is_shown_by_its_name():
    assert zone_name(translator("pl", "Europe/Berlin")) == "strefa czasowa Europe/Berlin"
