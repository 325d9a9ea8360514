"""The organisation file's [matching] section: how experts are matched to a request for support
(storage/matching.py holds the rule). Kept apart from bot/organisation.py, which holds one field
of this type and checks the section against the application form.

`availability_field` names the application's choice question about time a month; every one of its
choices needs an hours figure in `availability_hours` (the hours a month the rule counts as
declared). With `availability_field = ""` availability is not counted. A file without these keys
(written before matching) uses the defaults when they fit its form, else does not count availability.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class MatchingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    availability_field: str = "availability"
    availability_hours: dict[str, Annotated[float, Field(gt=0, le=744)]] = {
        "up_to_5": 5,
        "5_to_10": 10,
        "10_to_20": 20,
        "over_20": 30,
    }
    # How many of the best fits a coordinator is shown at once.
    shown: Annotated[int, Field(ge=3, le=30)] = 10


def _problem(org) -> str | None:
    """What is wrong with the availability question and its hours, or None."""
    settings: MatchingSettings = org.matching
    question = next((f for f in org.form if f.id == settings.availability_field), None)
    if question is None or question.type != "choice":
        return f"matching.availability_field: {settings.availability_field!r} is not a choice question of [[form]]"
    ids = {c.id for c in org.choices_of(question)}
    missing = sorted(ids - set(settings.availability_hours))
    unknown = sorted(set(settings.availability_hours) - ids)
    if missing:
        return f"matching.availability_hours: no hours for {', '.join(missing)}"
    if unknown:
        return f"matching.availability_hours: {', '.join(unknown)} is not a choice of {question.id}"
    return None


def _explicit(org) -> bool:
    return bool({"availability_field", "availability_hours"} & org.matching.model_fields_set)


def check_matching(org) -> None:
    """A [matching] section that names the question or the hours must fit the form exactly. A file
    without them (written before matching) keeps working: the defaults count when they fit."""
    if org.matching.availability_field and _explicit(org):
        problem = _problem(org)
        if problem:
            raise ValueError(problem)


def availability_field(org) -> str | None:
    """The question whose answer the rule counts as hours a month, or None (not counted)."""
    if not org.matching.availability_field or _problem(org) is not None:
        return None
    return org.matching.availability_field
