"""The organisation file's [work] section: how the work experts log on requests for support is
confirmed (issue 14, part 4). Kept apart from bot/organisation.py, which holds one field of it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class WorkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The organisation's contacts have this many hours to confirm logged work; after that the
    # coordinators are asked to confirm or correct it instead.
    confirm_within_hours: Annotated[float, Field(gt=0, le=24 * 60)] = 72
