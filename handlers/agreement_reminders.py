"""The scheduled agreement jobs live in bot/agreement_jobs.py (below handlers/, like every job);
this name stays while bot/jobs.py imports them from here."""

from bot.agreement_jobs import send_agreement_reminders, update_agreement_states

__all__ = ["send_agreement_reminders", "update_agreement_states"]
