"""The organisation file: everything that is specific to one organisation and its programme.

The bot carries no organisation-specific text outside this file and the catalogs. The default,
`bot/organisation.toml`, describes an Expert Volunteer Team run by a Polish foundation; an
organisation points BOT_ORG_FILE at its own copy.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

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
from bot.counselling_settings import Counselling
from bot.hours_quota import HoursSettings
from bot.matching_settings import MatchingSettings, check_matching
from bot.org_documents import AgreementSettings, AttestationSettings
from bot.partners import PartnerSettings
from bot.work_settings import WorkSettings

DEFAULT_LOCALE = "pl"
OTHER = "other"  # the id stored for "other" in a choice with allow_other
_ID = r"^[a-z0-9_]{1,24}$"
SHORT_LABEL_LIMIT = 60


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
            raise ValueError(f"unknown language {', '.join(unknown)}; use {', '.join(SUPPORTED_LOCALES)}")
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
    neighbours: tuple[str, ...] = ()  # the counties next to it (either side may list a pair)


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
    # The information clause shown before the consent to processing (RODO art. 13).
    version: str
    notice: LocalizedText
    # How long agreements accepted or signed are kept after they end, also when the volunteer
    # deletes their account (evidence of the agreement, project accounting).
    agreements_kept_years: Annotated[int, Field(ge=0, le=50)] = 5


class Retention(_Strict):
    """How long data without a purpose any more is kept before a scheduled job erases it."""

    # Application drafts nobody touched for this long are deleted.
    draft_days: Annotated[int, Field(ge=1)] = 60
    # Applications not accepted or withdrawn are deleted this long after the decision.
    closed_application_days: Annotated[int, Field(ge=1)] = 365
    # People who have not written for this long and never joined the team are erased entirely.
    inactive_person_days: Annotated[int, Field(ge=30)] = 730
    # Stage two, days after the decision: organisations rejected; requests for support declined or
    # withdrawn; requests done (the programme's record of the work: 5 years, as the project's accounts).
    rejected_organisation_days: Annotated[int, Field(ge=1)] = 365
    closed_request_days: Annotated[int, Field(ge=1)] = 365
    done_request_days: Annotated[int, Field(ge=1)] = 1825


class Rules(_Strict):
    version: str
    url: HttpUrl
    # A readable summary shown before the acceptance; the full text is at `url`.
    summary: LocalizedText


class OptionalConsent(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    version: str
    text: LocalizedText
    # Short names where consents are listed: `label` alone ("Informacje o innych programach"),
    # `consent_to` after "zgoda na" on the buttons ("informacje o innych programach").
    label: LocalizedText | None = None
    consent_to: LocalizedText | None = None

    @field_validator("label", "consent_to")
    @classmethod
    def _short(cls, value: LocalizedText | None) -> LocalizedText | None:
        if value is None:
            return None
        texts = [value.root] if isinstance(value.root, str) else list(value.root.values())
        if any(len(text) > SHORT_LABEL_LIMIT for text in texts):
            raise ValueError(f"at most {SHORT_LABEL_LIMIT} characters: it is shown on a button")
        return value

    def name(self, locale: str) -> str:
        """The label, or (in files without one) the text itself, shortened."""
        if self.label is not None:
            return self.label.get(locale)
        return self.text.get(locale).rstrip(" .")[:80]


class FieldType(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    DATE = "date"
    NUMBER = "number"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"


class FormField(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    type: FieldType
    required: bool = True
    label: LocalizedText  # short name: the summary, the coordinator's view, the CSV header
    prompt: LocalizedText  # the question
    hint: LocalizedText | None = None
    min_length: Annotated[int, Field(ge=1)] | None = None
    max_length: Annotated[int, Field(ge=1, le=3500)] | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: list[Choice] | None = None
    choices_from: Literal["counties", "competence_areas", "development_topics"] | None = None
    allow_other: bool = False  # a choice with "other", answered in free text
    min_choices: Annotated[int, Field(ge=0)] = 0
    max_choices: Annotated[int, Field(ge=1)] | None = None
    must_be_yes: bool = False  # a yes/no field that must be answered yes to go on
    refusal: LocalizedText | None = None  # shown when a must-be-yes field is answered no
    columns: Annotated[int, Field(ge=1, le=4)] = 1  # buttons per row for choices

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        is_choice = self.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
        if is_choice and not (self.choices or self.choices_from):
            raise ValueError(f"{self.id}: a {self.type} field needs choices or choices_from")
        if not is_choice and (self.choices or self.choices_from or self.allow_other):
            raise ValueError(f"{self.id}: only choice fields have choices")
        if self.must_be_yes and self.type != FieldType.YES_NO:
            raise ValueError(f"{self.id}: must_be_yes is for yes_no fields")
        if self.must_be_yes and not self.required:
            raise ValueError(f"{self.id}: a must_be_yes field must be required")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError(f"{self.id}: min_length is greater than max_length")
        return self

    @property
    def least_choices(self) -> int:
        """A required multi-choice needs at least one option, whatever min_choices says."""
        return max(self.min_choices, 1 if self.required else 0)


class ApplicationSettings(_Strict):
    # The team and its two stages, shown before the rules.
    intro: LocalizedText
    # A draft untouched this long gets one reminder.
    reminder_after_hours: Annotated[float, Field(gt=0)] = 48


class EventSettings(_Strict):
    # Reminders before an event starts, in hours (fractions allowed: 0.5 is half an hour).
    reminder_hours: Annotated[list[Annotated[float, Field(gt=0, le=24 * 14)]], Field(max_length=5)] = [24, 1]
    # Attendees are asked whether they came this many hours after the event ends.
    attendance_after_hours: Annotated[float, Field(ge=0, le=24 * 7)] = 1

    @property
    def reminder_minutes(self) -> tuple[int, ...]:
        return tuple(sorted({round(h * 60) for h in self.reminder_hours}, reverse=True))


PartnerSettings.model_rebuild(_types_namespace={"FormField": FormField, "LocalizedText": LocalizedText})
AgreementSettings.model_rebuild(_types_namespace={"LocalizedText": LocalizedText})


class Organisation(_Strict):
    organisation: OrganisationInfo
    programme: Programme
    data_protection: DataProtection
    rules: Rules
    counties: Annotated[list[County], Field(min_length=1)]
    competence_areas: Annotated[list[Choice], Field(min_length=1)]
    development_topics: Annotated[list[Choice], Field(min_length=1)]
    event_types: Annotated[list[Choice], Field(min_length=1)]
    application: ApplicationSettings
    events: EventSettings = EventSettings()
    consents: list[OptionalConsent] = []
    retention: Retention = Retention()
    form: Annotated[list[FormField], Field(min_length=1)]
    agreement: AgreementSettings
    attestation: AttestationSettings
    hours: HoursSettings = HoursSettings()
    counselling: Counselling = Counselling()  # "Napisz do koordynatora" (bot/counselling_settings.py)
    partners: PartnerSettings | None = None  # stage two: organisations and their requests (bot/partners.py)
    matching: MatchingSettings = MatchingSettings()  # stage two: matching experts (bot/matching_settings.py)
    work: WorkSettings = WorkSettings()  # stage two: confirming logged work (bot/work_settings.py)

    @model_validator(mode="after")
    def _unique_ids(self) -> Organisation:
        for key in (
            "counties",
            "competence_areas",
            "development_topics",
            "event_types",
            "consents",
            "form",
        ):
            ids = [item.id for item in getattr(self, key)]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{key}: duplicate id {', '.join(duplicates)}")
        for form_field in self.form:
            for choice in form_field.choices or []:
                if choice.id == OTHER:
                    raise ValueError(f"form {form_field.id}: the id {OTHER!r} is reserved")
        return self

    @model_validator(mode="after")
    def _hours_birth_date(self) -> Organisation:
        wanted = self.hours.birth_date_field  # the quota's age comes from a date question of the form
        if wanted and not any(f.id == wanted and f.type == FieldType.DATE for f in self.form):
            raise ValueError(f"hours.birth_date_field: {wanted!r} is not a date question of [[form]]")
        return self

    @model_validator(mode="after")
    def _matching(self) -> Organisation:
        check_matching(self)
        return self

    @model_validator(mode="after")
    def _known_neighbours(self) -> Organisation:
        known = {c.id for c in self.counties}
        for county in self.counties:
            unknown = sorted(set(county.neighbours) - known)
            if unknown:
                raise ValueError(f"counties: {county.id}: unknown neighbour {', '.join(unknown)}")
            if county.id in county.neighbours:
                raise ValueError(f"counties: {county.id} is listed as its own neighbour")
        return self

    def neighbours_of(self, county_id: str) -> frozenset[str]:
        """The counties next to this one, as either side lists them."""
        listed = {c.id: c.neighbours for c in self.counties}
        return frozenset(listed.get(county_id, ())) | {c for c, near in listed.items() if county_id in near}

    def choices_of(self, form_field: FormField) -> list[Choice]:
        """The options of a choice field, whether listed in place or taken from a list."""
        if form_field.choices is not None:
            return form_field.choices
        if form_field.choices_from == "counties":
            return list(self._county_choices)
        return list(getattr(self, form_field.choices_from or ""))

    def choice_labels(self, form_field: FormField, locale: str) -> dict[str, str]:
        """id -> label of a choice field's options in `locale` (read on every summary and card)."""
        key = (form_field.id, locale)
        if key not in self._choice_labels:
            self._choice_labels[key] = {c.id: c.label.get(locale) for c in self.choices_of(form_field)}
        return self._choice_labels[key]

    # The file is read once and never changes while the bot runs: what is derived from it is kept.
    @cached_property
    def _county_choices(self) -> tuple[Choice, ...]:
        return tuple(Choice(id=c.id, label=LocalizedText(c.name)) for c in self.counties)

    _choice_labels = cached_property(lambda self: {})

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
