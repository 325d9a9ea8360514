"""volunteer-bot: a Polish-first Telegram chatbot for volunteer programmes."""

__version__ = "0.1.0"
