"""The placeholders an organisation file's templates may use, and the check that they use no others
(a typo would print as is in a legal text)."""

from __future__ import annotations

from string import Template

AGREEMENT_PLACEHOLDERS = frozenset(
    {
        "agreement_number",
        "organisation_name",
        "organisation_address",
        "organisation_email",
        "organisation_phone",
        "organisation_representative",
        "organisation_representative_accusative",
        "place",
        "programme_name",
        "volunteer_name",
        "volunteer_email",
        "volunteer_phone",
        "volunteer_county",
        "scope",
        "manner",
        "availability",
        "start_date",
        "end_date",
        "days",
        "form_clause",
    }
)
ATTESTATION_PLACEHOLDERS = frozenset(
    {
        "organisation_name",
        "organisation_address",
        "organisation_representative",
        "place",
        "programme_name",
        "agreement_number",
        "volunteer_name",
        "start_date",
        "end_date",
        "scope",
        "issue_date",
        "hours_line",
        "opinion_line",
    }
)


def check_placeholders(text: str, known: frozenset[str] | set[str]) -> str:
    """A template may only use the placeholders the bot fills (a typo would print as is)."""
    template = Template(text)
    if not template.is_valid():
        raise ValueError("a $ that is not a placeholder: write $$ for a dollar sign")
    unknown = sorted(set(template.get_identifiers()) - set(known))
    if unknown:
        raise ValueError(f"unknown placeholder {', '.join('${' + u + '}' for u in unknown)}")
    return text.strip()
