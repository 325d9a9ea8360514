"""How hours and the quota read, shared by "⏱ Moje godziny", the coordinators' list and the
reminder job (which cannot import handlers/)."""

from __future__ import annotations

from markupsafe import Markup

from bot.hours_quota import QuotaRule
from bot.i18n import Translator, translator
from bot.organisation import DEFAULT_LOCALE, Organisation
from storage.hours import Tally
from storage.hours_rules import whole

BAR = 10


def hours(t: Translator, value: float) -> str:
    return f"{t.number(round(value, 2))} h"


def rule_text(t: Translator, rule: QuotaRule) -> str:
    """ "16 h a month for 12 months"."""
    return t.ungettext(
        "%(hours)s h a month for %(count)d month",
        "%(hours)s h a month for %(count)d months",
        rule.months,
        hours=t.number(rule.monthly_hours),
    )


def bar(done: float, quota: float) -> str:
    full = min(BAR, int(BAR * done / quota)) if quota > 0 else BAR
    return "▰" * full + "▱" * (BAR - full)


def to_go(t: Translator, remaining: float) -> Markup:
    """What is left of this month's quota, with the plural forms of a whole number of hours."""
    count = whole(remaining)
    if count is not None:
        return t.ngettext(
            "%(count)d hour to go to this month's quota.",
            "%(count)d hours to go to this month's quota.",
            count,
        )
    return t._("%(hours)s hours to go to this month's quota.", hours=t.number(round(remaining, 2)))


def progress(t: Translator, done: float, rule: QuotaRule) -> list[Markup | str]:
    """This month's progress towards the quota: the bar, the hours, what is left (or done)."""
    share = min(100, int(100 * done / rule.monthly_hours))
    lines: list[Markup | str] = [
        t._(
            "%(bar)s %(percent)d%%: %(done)s of %(quota)s",
            bar=bar(done, rule.monthly_hours),
            percent=share,
            done=hours(t, done),
            quota=hours(t, rule.monthly_hours),
        )
    ]
    if done + 1e-9 >= rule.monthly_hours:
        lines.append(t._("✅ This month's quota is met. Thank you!"))
    else:
        lines.append(to_go(t, rule.monthly_hours - done))
    return lines


def days_to_go(t: Translator, days: int) -> Markup:
    return t.ngettext("%(count)d day is left this month.", "%(count)d days are left this month.", days)


def kind_label(org: Organisation, t: Translator, kind: str) -> str:
    """The name of a kind of work: an event type of the organisation file, or a kind of support."""
    for choice in org.event_types:
        if choice.id == kind:
            return choice.label.get(t.locale)
    for choice in _support_kinds(org):
        if choice.id == kind:
            return choice.label.get(t.locale)
    return kind.replace("_", " ")


def work_names(org: Organisation, tally: Tally) -> tuple[str, ...]:
    """The kinds of work of a tally in Polish, most hours first: what an attestation names
    (`AttestationTerms.work`; the hours are `tally.total`, from `services.hours.for_attestation`)."""
    t = translator(DEFAULT_LOCALE)
    return tuple(kind_label(org, t, kind) for kind in tally.by_kind)


def _support_kinds(org: Organisation) -> list:
    """The kinds of support a request asks for (`[partners]`, the request form's `kind`), if any."""
    partners = getattr(org, "partners", None)
    if partners is None:
        return []
    kind = next((f for f in partners.request_form if f.id == "kind"), None)
    return list(kind.choices or []) if kind is not None else []
