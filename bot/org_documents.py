"""The organisation file's `[agreement]` and `[attestation]` sections: the legal texts with their
placeholders, checked at start (a placeholder the bot does not fill is refused with its key).
bot.organisation holds them; LocalizedText is given when it builds them (as for bot/partners.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.org_placeholders import AGREEMENT_PLACEHOLDERS, ATTESTATION_PLACEHOLDERS, check_placeholders

if TYPE_CHECKING:
    from bot.organisation import LocalizedText


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgreementSettings(_Strict):
    template_version: str
    template: str  # the Polish legal text with ${placeholders}
    representative: str  # who signs for the organisation ("Jana Przykładowa – Prezeska Zarządu")
    # The same after "reprezentowana przez" ("Janę Przykładową – Prezeskę Zarządu"); files without it
    # use `representative` as it is.
    representative_accusative: str | None = None
    place: str  # where agreements and attestations are signed
    default_months: Annotated[int, Field(ge=1, le=60)] = 6
    offer_reminder_days: Annotated[int, Field(ge=1)] = 3
    copy_reminder_days: Annotated[int, Field(ge=1)] = 7
    ending_notice_days: Annotated[int, Field(ge=1)] = 14
    # Telegram lets bots download files of up to 20 MB.
    max_upload_mb: Annotated[int, Field(ge=1, le=20)] = 10
    manner: str
    # How the hours chosen in the application read in the text ("${availability} miesięcznie"), and
    # what stands there when the application did not say.
    availability_text: str = "${availability}"
    availability_unknown: str = "uzgodnionym z koordynatorem"
    scope_default: str
    form_clause_written: str
    form_clause_documentary: str
    signature_methods: LocalizedText
    summary: LocalizedText

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        return check_placeholders(value, AGREEMENT_PLACEHOLDERS)

    @field_validator("scope_default")
    @classmethod
    def _scope(cls, value: str) -> str:
        return check_placeholders(value, {"areas", "communities"})

    @field_validator("availability_text")
    @classmethod
    def _availability(cls, value: str) -> str:
        return check_placeholders(value, {"availability"})

    @field_validator("manner", "availability_unknown", "form_clause_written", "form_clause_documentary")
    @classmethod
    def _plain(cls, value: str) -> str:
        return check_placeholders(value, set())


class AttestationSettings(_Strict):
    template: str
    hours_line: str
    no_hours_line: str
    opinion_line: str

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        return check_placeholders(value, ATTESTATION_PLACEHOLDERS)

    @field_validator("hours_line")
    @classmethod
    def _hours(cls, value: str) -> str:
        return check_placeholders(value, {"hours", "work"})

    @field_validator("opinion_line")
    @classmethod
    def _opinion(cls, value: str) -> str:
        return check_placeholders(value, {"opinion"})

    @field_validator("no_hours_line")
    @classmethod
    def _no_hours(cls, value: str) -> str:
        return check_placeholders(value, set())
