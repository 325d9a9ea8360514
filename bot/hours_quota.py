"""The organisation file's `[hours]` section: the programme's monthly quota of confirmed hours and
the reminder before a month ends, and the rule that says which quota applies to a person.

A rule is a number of hours a month for a number of months. A rule with conditions (an age
under or over a limit, a disability declared with consent) applies to the people who meet any of
them; the one rule without conditions applies to everyone else. The shipped file has the two
rules of Korpus Solidarności. No rules: no quota is shown and nobody is reminded.

This module does not import bot/organisation.py (which holds it as a field): the texts it needs
(rule names, the consent under GDPR art. 9) are in the catalogs, made from the numbers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storage.hours_rules import age_on


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuotaRule(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,24}$")]
    monthly_hours: Annotated[float, Field(gt=0, le=24 * 31)]
    months: Annotated[int, Field(ge=1, le=60)]
    # Conditions (any of them makes the rule apply): younger than `age_under`, older than
    # `age_over` (full years, from the date of birth in the application), a disability declared.
    age_under: Annotated[int, Field(ge=1, le=120)] | None = None
    age_over: Annotated[int, Field(ge=1, le=120)] | None = None
    disability: bool = False

    @property
    def conditional(self) -> bool:
        return self.age_under is not None or self.age_over is not None or self.disability

    def applies(self, age: int | None, disability: bool) -> bool:
        if not self.conditional:
            return True
        if age is not None and self.age_under is not None and age < self.age_under:
            return True
        if age is not None and self.age_over is not None and age > self.age_over:
            return True
        return self.disability and disability


class HoursSettings(_Strict):
    quota: list[QuotaRule] = []
    # People short of this month's quota are reminded once, this many days before the month ends.
    reminder_days_before_end: Annotated[int, Field(ge=1, le=20)] = 3
    # The id of a date question of the application form asking the date of birth (optional).
    birth_date_field: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,24}$")] | None = None
    # The version of the consent to keep a declared disability (GDPR art. 9); change it when the
    # consent's text changes (the declarations keep the version they were given under).
    disability_consent_version: str = "1"

    @model_validator(mode="after")
    def _rules(self) -> HoursSettings:
        ids = [rule.id for rule in self.quota]
        if len(set(ids)) != len(ids):
            raise ValueError("quota: duplicate rule id")
        if sum(not rule.conditional for rule in self.quota) > 1:
            raise ValueError("quota: only one rule may be without conditions")
        return self

    @property
    def asks_disability(self) -> bool:
        """Whether a declared disability changes anybody's quota (else it is never asked)."""
        return any(rule.disability for rule in self.quota)

    def rule_for(self, birth: date | None, disability: bool, today: date) -> QuotaRule | None:
        """The rule that applies: the first rule with conditions the person meets, else the rule
        without conditions (None: no quota)."""
        age = age_on(birth, today) if birth is not None else None
        for rule in self.quota:
            if rule.conditional and rule.applies(age, disability):
                return rule
        return next((rule for rule in self.quota if not rule.conditional), None)
