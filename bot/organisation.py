"""The organisation file: everything that is specific to one organisation and its programme.

The bot carries no organisation-specific text outside this file and the catalogs. The default,
`bot/organisation.toml`, describes an Expert Volunteer Team run by a Polish foundation; an
organisation points BOT_ORG_FILE at its own copy.
"""

from __future__ import annotations

import tomllib
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config import SUPPORTED_LOCALES, ConfigError

DEFAULT_LOCALE = "pl"
_ID = r"^[a-z0-9_]{1,24}$"


class LocalizedText(RootModel[str | dict[str, str]]):
    """A text in several languages: either one string, or a table {pl = "...", en = "..."}."""

    @field_validator("root")
    @classmethod
    def _languages(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("must not be empty")
            return value
        unknown = sorted(set(value) - set(SUPPORTED_LOCALES))
        if unknown:
            raise ValueError(
                f"unknown language {', '.join(unknown)}; use {', '.join(SUPPORTED_LOCALES)}"
            )
        if not value.get(DEFAULT_LOCALE, "").strip():
            raise ValueError(f'the Polish text ({DEFAULT_LOCALE} = "...") is required')
        return value

    def get(self, locale: str) -> str:
        if isinstance(self.root, str):
            return self.root
        return self.root.get(locale) or self.root[DEFAULT_LOCALE]

    @property
    def languages(self) -> set[str]:
        return set(SUPPORTED_LOCALES) if isinstance(self.root, str) else set(self.root)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    label: LocalizedText


class County(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    name: str


class OrganisationInfo(_Strict):
    name: str
    short_name: str
    email: str
    phone: str | None = None
    address: str
    website: HttpUrl | None = None


class Programme(_Strict):
    name: LocalizedText
    # Two or three sentences shown under the greeting on /start.
    about: LocalizedText
    # Shown on /pomoc: who to write to with questions.
    contact: LocalizedText


class DataProtection(_Strict):
    controller: str
    contact_email: str
    retention: LocalizedText


class Rules(_Strict):
    version: str
    url: HttpUrl


class Organisation(_Strict):
    organisation: OrganisationInfo
    programme: Programme
    data_protection: DataProtection
    rules: Rules
    counties: Annotated[list[County], Field(min_length=1)]
    competence_areas: Annotated[list[Choice], Field(min_length=1)]
    event_types: Annotated[list[Choice], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> Organisation:
        for key in ("counties", "competence_areas", "event_types"):
            ids = [item.id for item in getattr(self, key)]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{key}: duplicate id {', '.join(duplicates)}")
        return self

    @cached_property
    def county_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.counties}


def default_org_text() -> str:
    return resources.files("bot").joinpath("organisation.toml").read_text(encoding="utf-8")


def load_organisation(path: Path | None = None) -> Organisation:
    """Read and validate the organisation file; errors name the file and the key."""
    source = str(path) if path else "default organisation file"
    try:
        text = path.read_text(encoding="utf-8") if path else default_org_text()
    except OSError as exc:
        raise ConfigError(f"BOT_ORG_FILE: cannot read {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Organisation.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"] if part != "root") or "(top)"
            problems.append(f"{where}: {error['msg']}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None
