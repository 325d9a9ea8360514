"""The organisation file's [counselling] section: how "Napisz do koordynatora" behaves (issue 15).

Kept apart from bot/organisation.py (which holds one field of this type) so that file stays small.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Counselling(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # How an answer is signed for the person: the coordinator's first name, or the programme's name.
    signature: Literal["coordinator", "programme"] = "coordinator"
    # An unanswered message reminds the coordinators once, this many hours after it came,
    # at the first moment within working hours.
    remind_after_hours: Annotated[float, Field(gt=0, le=24 * 14)] = 4
    # Working hours (local time, Europe/Warsaw by default) and days (1 = Monday ... 7 = Sunday).
    work_starts: time = time(8, 0)
    work_ends: time = time(18, 0)
    working_days: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1)] = [1, 2, 3, 4, 5]
    # Conversations are erased this many days after their last message.
    retention_days: Annotated[int, Field(ge=7, le=3650)] = 365

    @model_validator(mode="after")
    def _hours(self) -> Counselling:
        if self.work_starts >= self.work_ends:
            raise ValueError("work_starts must be before work_ends")
        return self

    def working(self, local: datetime) -> bool:
        """Is this local moment within working hours?"""
        return local.isoweekday() in self.working_days and self.work_starts <= local.time() < self.work_ends
