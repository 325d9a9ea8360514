"""The organisation file's [matching] section: how experts are matched to a request for support
(storage/matching.py holds the rule). Kept apart from bot/organisation.py, which holds one field
of this type and checks the section against the application form.

`availability_field` names the application's choice question about time a month; every one of its
choices needs an hours figure in `availability_hours` (the hours a month the rule counts as
declared). Without the question or with `availability_field = ""` availability is not counted.
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


def check_matching(org) -> None:
    """The section against the form: the question exists, is a choice, each choice has hours."""
    settings: MatchingSettings = org.matching
    if not settings.availability_field:
        return
    question = next((f for f in org.form if f.id == settings.availability_field), None)
    if question is None or question.type != "choice":
        raise ValueError(
            f"matching.availability_field: {settings.availability_field!r} is not a choice question of [[form]]"
        )
    ids = {c.id for c in org.choices_of(question)}
    missing = sorted(ids - set(settings.availability_hours))
    unknown = sorted(set(settings.availability_hours) - ids)
    if missing:
        raise ValueError(f"matching.availability_hours: no hours for {', '.join(missing)}")
    if unknown:
        raise ValueError(f"matching.availability_hours: {', '.join(unknown)} is not a choice of {question.id}")
