"""The organisation file's `[partners]` section: the organisations that ask the programme for
support (stage two). Three forms as data, in the application form's field model: the
organisation's own fields, its contact person's, and a request for support's. The bot reads a few
field ids itself (listed below: a list shows an organisation's name, a request's dates are checked
against each other); any other field is asked, stored and shown like the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # bot.organisation holds this section: its types are given when it is built
    from bot.organisation import FormField, LocalizedText

OTHER = "other"  # as bot.organisation.OTHER

# The ids the bot reads, with the type each must have (FieldType's values).
ORGANISATION_FIELDS = {"name": "text", "kind": "choice", "county": "choice"}
CONTACT_FIELDS = {"full_name": "text", "email": "email", "phone": "phone"}
REQUEST_FIELDS = {
    "kind": "choice",
    "competences": "multi_choice",
    "county": "choice",
    "mode": "choice",
    "date_from": "date",
    "date_to": "date",
    "hours": "number",
    "description": "text",
}
MODES = ("on_site", "online")
# Text fields of the organisation form with these ids hold a Polish register number and are checked
# as such: python-stdnum for REGON and NIP; KRS, which stdnum does not know, by its form (ten digits).
IDENTIFIERS = ("krs", "regon", "nip")


def _check(form: list[FormField], known: dict[str, str], name: str, *, only_known: bool = False) -> None:
    ids = [f.id for f in form]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{name}: duplicate id {', '.join(duplicates)}")
    by_id = {f.id: f for f in form}
    for field_id, kind in known.items():
        found = by_id.get(field_id)
        if found is None:
            raise ValueError(f"{name}: the field {field_id!r} ({kind}) is required")
        if found.type != kind:
            raise ValueError(f"{name}.{field_id}: must be of type {kind}")
    if only_known and set(ids) - set(known):
        raise ValueError(f"{name}: only the fields {', '.join(known)} are known")
    for form_field in form:
        if any(c.id == OTHER for c in form_field.choices or []):
            raise ValueError(f"{name} {form_field.id}: the id {OTHER!r} is reserved")


class PartnerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The contact person's consent to the processing of their data (RODO art. 6): shown before the
    # contact's fields. Change `consent_version` when you change the text.
    consent_version: str
    consent: LocalizedText
    # Invitations for another contact person are valid this many days.
    invite_days: Annotated[int, Field(ge=1, le=60)] = 7
    # A request's time window may end at most this many days from the day it is sent.
    request_horizon_days: Annotated[int, Field(ge=7, le=730)] = 365
    form: Annotated[list[FormField], Field(min_length=1)]
    contact_form: Annotated[list[FormField], Field(min_length=1)]
    request_form: Annotated[list[FormField], Field(min_length=1)]

    @model_validator(mode="after")
    def _forms(self) -> PartnerSettings:
        _check(self.form, ORGANISATION_FIELDS, "partners.form")
        _check(self.contact_form, CONTACT_FIELDS, "partners.contact_form", only_known=True)
        _check(self.request_form, REQUEST_FIELDS, "partners.request_form")
        for key in ("name", "kind", "county"):
            if not self.field("form", key).required:
                raise ValueError(f"partners.form.{key}: must be required")
        if not self.field("contact_form", "full_name").required:
            raise ValueError("partners.contact_form.full_name: must be required")
        for key in REQUEST_FIELDS:
            if not self.field("request_form", key).required:
                raise ValueError(f"partners.request_form.{key}: must be required")
        mode = self.field("request_form", "mode")
        if sorted(c.id for c in mode.choices or []) != sorted(MODES):
            raise ValueError(f"partners.request_form.mode: the choices must be {' and '.join(MODES)}")
        for key in IDENTIFIERS:
            found = next((f for f in self.form if f.id == key), None)
            if found is not None and found.type != "text":
                raise ValueError(f"partners.form.{key}: a register number is a text field")
        for name in ("form", "request_form"):
            kind = self.field(name, "kind")
            if not kind.choices or kind.allow_other:
                raise ValueError(f"partners.{name}.kind: list the choices in place, without 'other'")
        return self

    def field(self, form: Literal["form", "contact_form", "request_form"], field_id: str) -> FormField:
        return next(f for f in getattr(self, form) if f.id == field_id)
