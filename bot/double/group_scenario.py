"""Scenario helpers for a supergroup (a forum by default) in the Bot API double:

group = double.forum(-100_777, "Koordynatorzy")
kasia = group.member(9002, "Kasia")
await group.send(kasia, "/polacz_grupe")
await group.send(kasia, "Odpowiedź", topic=group.topic_named("Anna Kowalska"))
assert "..." in group.last_in(topic).text
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double.html import utf16_len
from bot.double.scenario import BotMessage, _view
from bot.double.state import StoredMessage

if TYPE_CHECKING:
    from bot.double.api import BotApiDouble


class GroupChat:
    def __init__(self, double: BotApiDouble, chat_id: int, title: str, *, is_forum: bool = True):
        self.double = double
        self.chat = double.supergroup(chat_id, title, is_forum=is_forum)

    @property
    def id(self) -> int:
        return self.chat.id

    def member(
        self, user_id: int, first_name: str, status: str = "member", language_code: str = "pl", **rights: bool
    ) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        self.double.add_member(self.id, user, status, **rights)
        return user

    # ---- what is in the group ----------------------------------------------------------------------
    @property
    def topics(self) -> dict[int, dict]:
        return self.chat.topics

    def topic_named(self, name: str) -> int:
        for topic_id, topic in self.chat.topics.items():
            if topic["name"] == name:
                return topic_id
        raise AssertionError(f"no topic {name!r} in {[t['name'] for t in self.chat.topics.values()]}")

    def messages_in(self, topic: int | None) -> list[BotMessage]:
        """The bot's messages in a topic (None: the General topic), oldest first."""
        return [
            _view(m)
            for m in self.chat.messages.values()
            if m.from_bot and m.data.get("message_thread_id") == topic and "forum_topic_created" not in m.data
        ]

    def last_in(self, topic: int | None) -> BotMessage:
        found = self.messages_in(topic)
        if not found:
            raise AssertionError(f"the bot has not written in topic {topic}")
        return found[-1]

    # ---- what members do -----------------------------------------------------------------------------
    async def send(self, user: dict, text: str, *, topic: int | None = None, **content: Any) -> None:
        body: dict[str, Any] = {"text": text} if text else {}
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        await self._deliver_message(user, {**body, **content}, topic)

    async def send_other(self, user: dict, *, topic: int | None = None, **content: Any) -> None:
        await self._deliver_message(user, content, topic)

    async def _deliver_message(self, user: dict, content: dict, topic: int | None) -> None:
        message_id = self.chat.next_message_id()
        data = {
            "message_id": message_id,
            "from": user,
            "chat": self.chat.info,
            "date": int(self.double.clock()),
            **content,
        }
        if topic is not None:
            data.update(message_thread_id=topic, is_topic_message=True)
        self.chat.messages[message_id] = StoredMessage(self.id, message_id, False, data)
        await self.double.deliver({"update_id": self.double.next_update_id(), "message": data})

    async def edit(self, user: dict, topic: int | None, new_text: str) -> None:
        """A member edits their latest message in a topic."""
        for stored in reversed(list(self.chat.messages.values())):
            mine = not stored.from_bot and stored.data["from"]["id"] == user["id"]
            if mine and stored.data.get("message_thread_id") == topic:
                stored.data = {**stored.data, "text": new_text, "edit_date": int(self.double.clock())}
                update = {"update_id": self.double.next_update_id(), "edited_message": stored.data}
                await self.double.deliver(update)
                return
        raise AssertionError("no message of that member in that topic")

    async def bot_status(self, status: str, by: dict, **rights: bool) -> None:
        """The bot is made admin, demoted or removed: Telegram tells it with my_chat_member."""
        old = dict(self.chat.bot_member or {"status": "left", "user": self.double.bot_user})
        self.double.set_bot_status(self.id, status, **rights)
        update = {
            "chat": self.chat.info,
            "from": by,
            "date": int(self.double.clock()),
            "old_chat_member": old,
            "new_chat_member": self.chat.bot_member,
        }
        await self.double.deliver({"update_id": self.double.next_update_id(), "my_chat_member": update})

    async def joins(self, user: dict) -> None:
        """Someone joins: the service message Telegram posts in General, and the chat_member update
        it sends the bot (an admin that asks for them) as well."""
        old = self._membership(user)
        self.double.add_member(self.id, user)
        joined = dict(self.chat.members[user["id"]])
        await self._deliver_message(user, {"new_chat_members": [user]}, None)
        await self._member_update(user, old, joined, user)

    async def member_status(self, user: dict, status: str, by: dict | None = None) -> None:
        """Someone's membership changes without a service message (added by an admin, or joining by
        an invite link while join messages are hidden): Telegram tells the bot, an admin of the
        group, only with a chat_member update (sent only to bots that ask for it in allowed_updates)."""
        old = self._membership(user)
        self.double.add_member(self.id, user, status)
        await self._member_update(user, old, dict(self.chat.members[user["id"]]), by or user)

    def _membership(self, user: dict) -> dict:
        return dict(self.chat.members.get(user["id"]) or {"status": "left", "user": user})

    async def _member_update(self, user: dict, old: dict, new: dict, by: dict) -> None:
        update = {
            "chat": self.chat.info,
            "from": by,
            "date": int(self.double.clock()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        await self.double.deliver({"update_id": self.double.next_update_id(), "chat_member": update})
