"""Telegram-facing code, one module per capability a user would name.

`bot/app.py` registers every handler from here, in order, in one place.
"""
