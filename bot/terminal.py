"""`volunteer-bot chat`: talk to the real bot in a terminal, served by the Bot API double.

Bot messages are shown with terminal styles (or as clean text when the output is not a
terminal), buttons are numbered: type the number to press one. `/quit` leaves.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TextIO

from bot.double import BotApiDouble, UserChat

_STYLES = {
    "b": ("\033[1m", "\033[22m"),
    "strong": ("\033[1m", "\033[22m"),
    "i": ("\033[3m", "\033[23m"),
    "em": ("\033[3m", "\033[23m"),
    "u": ("\033[4m", "\033[24m"),
    "ins": ("\033[4m", "\033[24m"),
    "s": ("\033[9m", "\033[29m"),
    "strike": ("\033[9m", "\033[29m"),
    "del": ("\033[9m", "\033[29m"),
    "code": ("\033[36m", "\033[39m"),
    "pre": ("\033[36m", "\033[39m"),
    "tg-spoiler": ("\033[7m", "\033[27m"),
    "blockquote": ("\033[2m", "\033[22m"),
}


class _TerminalHTML(HTMLParser):
    def __init__(self, styled: bool):
        super().__init__(convert_charrefs=True)
        self.styled = styled
        self.parts: list[str] = []
        self._links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._links.append(dict(attrs).get("href"))
            if self.styled:
                self.parts.append("\033[4m")
        elif self.styled and tag in _STYLES:
            self.parts.append(_STYLES[tag][0])
        elif self.styled and tag == "span":
            self.parts.append(_STYLES["tg-spoiler"][0])

    def handle_endtag(self, tag):
        if tag == "a":
            href = self._links.pop() if self._links else None
            if self.styled:
                self.parts.append("\033[24m")
            if href and not href.startswith("tg://"):
                self.parts.append(f" ({href})")
        elif self.styled and tag in _STYLES:
            self.parts.append(_STYLES[tag][1])
        elif self.styled and tag == "span":
            self.parts.append(_STYLES["tg-spoiler"][1])

    def handle_data(self, data):
        self.parts.append(data)


def render_html(html: str, styled: bool) -> str:
    """Telegram HTML as terminal text: styles on a terminal, clean text otherwise; never tags."""
    parser = _TerminalHTML(styled)
    parser.feed(html)
    parser.close()
    # convert_charrefs has already turned &lt; into <; unescaping again would show "&amp;lt;"
    # (a user's literal "&lt;") as "<".
    return "".join(parser.parts)


@dataclass(frozen=True)
class _Choice:
    label: str
    message_id: int | None = None  # inline button: the message it is on
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False


class TerminalChat:
    def __init__(
        self,
        chat: UserChat,
        double: BotApiDouble,
        out: TextIO = sys.stdout,
        downloads: Path = Path("chat-downloads"),
        styled: bool | None = None,
    ):
        self.chat = chat
        self.double = double
        self.out = out
        self.downloads = downloads
        self.styled = out.isatty() if styled is None else styled
        self._shown: dict[int, int] = {}  # message id -> change counter already printed
        self._alerts_seen = 0
        self.choices: list[_Choice] = []

    def _print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def show_changes(self) -> None:
        """Print every bot message sent or edited since the last call, then the buttons."""
        alerts = self.chat.alerts
        for text in alerts[self._alerts_seen :]:
            self._print(f"  ⚠ {text}")
        self._alerts_seen = len(alerts)
        stored = sorted((m for m in self.chat.chat.messages.values() if m.from_bot), key=lambda m: m.changed)
        inline: list[_Choice] = []
        printed_any = False
        for message in stored:
            if self._shown.get(message.message_id) == message.changed:
                continue
            edited = message.message_id in self._shown
            self._shown[message.message_id] = message.changed
            printed_any = True
            self._print_message(message, edited)
            keyboard = (message.data.get("reply_markup") or {}).get("inline_keyboard", [])
            for row in keyboard:
                for button in row:
                    inline.append(
                        _Choice(
                            button["text"],
                            message.message_id,
                            button.get("callback_data"),
                            button.get("url"),
                        )
                    )
        if not printed_any:
            return
        reply = [
            _Choice(b["text"], request_contact=bool(b.get("request_contact")))
            for row in (self.chat.chat.reply_keyboard or [])
            for b in row
        ]
        self.choices = inline + reply
        for number, choice in enumerate(self.choices, start=1):
            marker = "↗" if choice.url else "⌨" if choice.message_id is None else " "
            self._print(f"  [{number}]{marker} {choice.label}")

    def _print_message(self, message, edited: bool) -> None:
        data = message.data
        if message.html is not None:
            body = render_html(message.html, self.styled)
        else:
            body = data.get("text") or data.get("caption") or ""
        header = "🤖 (edited)" if edited else "🤖"
        self._print(f"\n{header}")
        if "document" in data and message.file_bytes is not None:
            self.downloads.mkdir(parents=True, exist_ok=True)
            target = self.downloads / Path(data["document"].get("file_name") or "file").name
            target.write_bytes(message.file_bytes)
            self._print(f"📎 {target}")
        for line in body.splitlines() or [""]:
            self._print(f"  {line}")

    async def handle_input(self, line: str, ask: Callable[[str], str]) -> bool:
        """Act on one typed line; returns False when the user wants to leave."""
        line = line.strip()
        if line in ("/quit", "/exit"):
            return False
        if not line:
            return True
        if line.isdecimal() and 1 <= int(line) <= len(self.choices):
            await self._press(self.choices[int(line) - 1], ask)
        else:
            await self.chat.send(line)
        self.show_changes()
        return True

    async def _press(self, choice: _Choice, ask: Callable[[str], str]) -> None:
        if choice.url:
            self._print(f"  (a link: {choice.url})")
        elif choice.message_id is not None and choice.callback_data is not None:
            await self.chat.press(choice.message_id, choice.callback_data, answered=False)
        elif choice.request_contact:
            phone = await asyncio.to_thread(ask, "  phone number to share: ")
            await self.chat.share_contact(phone.strip())
        else:
            await self.chat.send(choice.label)


async def run_terminal_chat(
    chat: UserChat,
    double: BotApiDouble,
    first_message: str = "/start",
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> None:
    terminal = TerminalChat(chat, double, out=out)

    def ask(prompt: str) -> str:
        print(prompt, end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    print(
        "Offline chat with the bot. Type a message, a number to press a button, /quit to leave.",
        file=out,
        flush=True,
    )
    await chat.send(first_message)
    terminal.show_changes()
    while True:
        try:
            line = await asyncio.to_thread(ask, "\n> ")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return
        if not await terminal.handle_input(line, ask):
            return
