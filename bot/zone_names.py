"""The bot's time zone as people read it: «czas polski», not «Europe/Warsaw»."""

from __future__ import annotations

from bot.i18n import N_, Translator

# Zones with a name people use; any other zone is shown by its IANA name.
_NAMES = {
    "Europe/Warsaw": N_("Polish time"),
}


def zone_name(t: Translator) -> str:
    """The translator's zone in its language: «czas polski», «Polish time», «польський час»."""
    zone = t.tz.key
    known = _NAMES.get(zone)
    return t.gettext(known) if known else t.gettext("time zone %(zone)s", zone=zone)
