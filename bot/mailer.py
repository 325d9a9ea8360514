"""Sending e-mail through the organisation's SMTP server (BOT_SMTP_URL), in a thread so the bot
keeps answering meanwhile. The password never reaches a log: errors are reported without the URL."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)
TIMEOUT_S = 20


class MailFailed(Exception):
    """The server refused or could not be reached (the message names no secret)."""


def _send(url: str, sender: str, messages: list[EmailMessage]) -> int:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 587)
    context = ssl.create_default_context()
    try:
        if secure:
            server = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT_S, context=context)
        else:
            server = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT_S)
        with server:
            server.ehlo()
            if not secure and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            elif not secure and parts.username:
                # No STARTTLS offered (or stripped on the way): the password is not sent in the clear.
                raise MailFailed(f"{parts.hostname}:{port} offers no STARTTLS; the login was not sent")
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            sent = 0
            for message in messages:
                message["From"] = sender
                server.send_message(message)
                sent += 1
            return sent
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__} from {parts.hostname}:{port}") from None


async def send(url: str, sender: str, messages: list[EmailMessage]) -> int:
    """Send them over one connection; how many were sent. MailFailed when it broke off."""
    return await asyncio.to_thread(_send, url, sender, messages)


def message(to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail
