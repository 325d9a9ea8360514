"""The panel's words for the applications pages, translated in Python so that the catalogs'
extraction finds them (the templates only place them)."""

from __future__ import annotations

from bot.i18n import Translator


def table_texts(t: Translator) -> dict[str, str]:
    return {
        "filters": t.gettext("Filters"),
        "status": t.gettext("Status"),
        "county": t.gettext("County"),
        "competence": t.gettext("Competence areas"),
        "from": t.gettext("Sent from"),
        "until": t.gettext("Sent until"),
        "search": t.gettext("Name, e-mail or phone"),
        "order": t.gettext("Order"),
        "consent": t.gettext("With the optional consent"),
        "apply": t.gettext("Show"),
        "clear": t.gettext("Clear the filters"),
        "caption": t.gettext("Applications matching the filters"),
        "number": t.gettext("Application no."),
        "name": t.gettext("Name"),
        "sent": t.gettext("Sent"),
        "empty": t.gettext("No application matches these filters."),
        "pages": t.gettext("Pages"),
        "first": t.gettext("« First"),
        "previous": t.gettext("‹ Previous"),
        "next": t.gettext("Next ›"),
        "last": t.gettext("Last »"),
        "select": t.gettext("Select"),
        "select_one": t.gettext("Select application #%(id)s"),
        "bulk": t.gettext("The ticked applications"),
        "bulk_accept": t.gettext("Accept them"),
        "bulk_reject": t.gettext("Do not accept them"),
        "bulk_reason": t.gettext("The explanation sent to each volunteer (when not accepting)"),
        "bulk_go": t.gettext("Continue…"),
        "template": t.gettext("A template"),
        "own_reason": t.gettext("— write your own —"),
    }


def done_text(t: Translator, done: str | None, application_id: int) -> str | None:
    texts = {
        "accepted": t.gettext("✅ Application #%(id)d accepted.", id=application_id),
        "rejected": t.gettext("❌ Application #%(id)d not accepted.", id=application_id),
        "asked": t.gettext("❓ Your question has been sent. You will get the answer here."),
        "note": t.gettext("The note is saved."),
        "fixed": t.gettext("The answer is corrected; the volunteer has been told."),
    }
    return texts.get(done or "")


def problem_text(t: Translator, problem: str | None) -> str | None:
    texts = {
        "reason": t.gettext(
            "Write the reason (up to 1000 characters) or choose a template: it is sent to the volunteer."
        ),
        "question": t.gettext("Write the question (up to 1000 characters): it is sent to the volunteer."),
        "note": t.gettext("Write the note (up to 2000 characters)."),
    }
    return texts.get(problem or "")


def application_texts(t: Translator) -> dict[str, str]:
    return {
        "answers": t.gettext("Answers"),
        "history": t.gettext("History"),
        "decision": t.gettext("Decision"),
        "telegram": t.gettext("Telegram"),
        "status": t.gettext("Status"),
        "accept": t.gettext("✅ Accept"),
        "reject": t.gettext("❌ Reject"),
        "ask": t.gettext("❓ Ask for more information"),
        "reason": t.gettext("Why is the application not accepted? (sent to the volunteer)"),
        "question": t.gettext("What would you like to ask? (sent to the volunteer)"),
        "back": t.gettext("« Back to the list"),
        "next": t.gettext("Next application »"),
        "no_next": t.gettext("No other application in this list."),
        "notes": t.gettext("Internal notes"),
        "notes_hint": t.gettext("Only coordinators see these notes; the volunteer does not get them."),
        "note": t.gettext("A new note"),
        "add_note": t.gettext("Save the note"),
        "template": t.gettext("A template"),
        "own_reason": t.gettext("— write your own —"),
        "fix": t.gettext("✏️ Correct"),
        "fix_one": t.gettext("Correct the answer: %(label)s"),
        "or_typed": t.gettext("Or your own explanation (it takes precedence over the template)"),
    }
