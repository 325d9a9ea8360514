"""The Bot API double's supergroups and forum topics, with Telegram's rules and errors: topics only
in a forum, made and edited only by an admin with the right to manage topics, a message to a
deleted topic ("message thread not found") or a closed one (TOPIC_CLOSED), a bot removed from the
group (403), members read, banned and unbanned only with the right to restrict members, a topic
deleted only by an admin with the right to delete messages.
A part of BotApiDouble (bot/double/api.py); the scenario side is bot/double/group_scenario.py.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.double.rules import ApiError, bad_request
from bot.double.state import ChatState, ServerState, by_id

TOPIC_NAME_LIMIT = 128
ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
# What a restricted member may still do (ChatMemberRestricted's required fields).
RESTRICTED_RIGHTS = {
    "is_member": True,
    "until_date": 0,
    **dict.fromkeys(
        [
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_send_messages",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_manage_topics",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_edit_tag",
            "can_react_to_messages",
        ],
        False,
    ),
}


def chat_member(user: dict, status: str, **rights: bool) -> dict:
    """A ChatMember as Telegram sends it: each status with the fields it carries (an administrator
    its rights, ADMIN_RIGHTS unless given), so python-telegram-bot parses it."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({**ADMIN_RIGHTS, "can_be_edited": False, "is_anonymous": False, **rights})
    elif status == "restricted":
        member.update({**RESTRICTED_RIGHTS, **rights})
    elif status == "kicked":
        member["until_date"] = 0
    return member


class Groups(ServerState):
    _topic_ids = itertools.count(100)

    # ---- setting up (tests and the terminal chat) ----------------------------------------------
    def supergroup(self, chat_id: int, title: str = "Koordynatorzy", *, is_forum: bool = True) -> ChatState:
        chat = self.ensure_chat({"id": chat_id, "type": "supergroup", "title": title, "is_forum": is_forum})
        chat.info["is_forum"] = is_forum
        if chat.bot_member is None:
            self.set_bot_status(chat_id, "administrator")
        return chat

    def set_bot_status(self, chat_id: int, status: str, **rights: bool) -> None:
        """The bot in the group: "administrator" (with ADMIN_RIGHTS unless given), "member", "left", "kicked"."""
        self._chat(chat_id).bot_member = chat_member(self.bot_user, status, **rights)

    def add_member(self, chat_id: int, user: dict, status: str = "member", **rights: bool) -> None:
        self._chat(chat_id).members[user["id"]] = chat_member(user, status, **rights)

    def delete_topic(self, chat_id: int, topic_id: int) -> None:
        """A topic deleted by hand in the app, with its messages."""
        chat = self._chat(chat_id)
        chat.topics.pop(topic_id, None)
        for message_id in [m for m, s in chat.messages.items() if s.data.get("message_thread_id") == topic_id]:
            del chat.messages[message_id]

    # ---- the rules ---------------------------------------------------------------------------------
    def _in_group(self, chat: ChatState) -> None:
        if chat.is_group and (chat.bot_member or {}).get("status") in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.info['type']} chat")

    def _right(self, chat: ChatState, right: str, refusal: str) -> None:
        self._in_group(chat)
        member = chat.bot_member or {}
        if member.get("status") != "administrator" or not member.get(right):
            raise bad_request(refusal)

    def _topic(self, chat: ChatState, params: dict) -> dict:
        """Where in the chat a message goes: checked, and the fields it adds to the message."""
        self._in_group(chat)
        thread = params.get("message_thread_id")
        if thread in (None, ""):
            return {}
        if not chat.info.get("is_forum"):
            return {}  # Telegram ignores a thread id outside forums (replies in plain groups)
        topic = by_id(chat.topics, thread)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.get("closed"):
            raise bad_request("TOPIC_CLOSED")
        return {"message_thread_id": int(thread), "is_topic_message": True}

    def _forum(self, params: dict) -> ChatState:
        chat = self._chat(params.get("chat_id"))
        if not chat.is_group or not chat.info.get("is_forum"):
            self._in_group(chat)
            raise bad_request("the chat is not a forum")
        return chat

    # ---- the methods -------------------------------------------------------------------------------
    def _m_createForumTopic(self, params, files):
        chat = self._forum(params)
        self._right(chat, "can_manage_topics", "not enough rights to create a topic")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= TOPIC_NAME_LIMIT:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
        topic_id = next(self._topic_ids)
        topic = {"message_thread_id": topic_id, "name": name, "icon_color": int(params.get("icon_color") or 7322096)}
        chat.topics[topic_id] = dict(topic)
        self._store_bot_message(
            chat, {"message_thread_id": topic_id, "is_topic_message": True, "forum_topic_created": {**topic}}
        )
        return topic

    def _m_editForumTopic(self, params, files):
        chat = self._forum(params)
        self._right(chat, "can_manage_topics", "not enough rights to edit a topic")
        topic = by_id(chat.topics, params.get("message_thread_id"))
        if topic is None:
            raise bad_request("message thread not found")
        if params.get("name"):
            topic["name"] = str(params["name"])[:TOPIC_NAME_LIMIT]
        return True

    def _set_closed(self, params, closed: bool):
        chat = self._forum(params)
        self._right(chat, "can_manage_topics", "not enough rights to manage topics")
        topic = by_id(chat.topics, params.get("message_thread_id"))
        if topic is None:
            raise bad_request("message thread not found")
        if bool(topic.get("closed")) == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic["closed"] = closed
        return True

    def _m_closeForumTopic(self, params, files):
        return self._set_closed(params, True)

    def _m_reopenForumTopic(self, params, files):
        return self._set_closed(params, False)

    def _m_deleteForumTopic(self, params, files):
        chat = self._forum(params)
        self._right(chat, "can_delete_messages", "not enough rights to delete a topic")
        topic_id = params.get("message_thread_id")
        if by_id(chat.topics, topic_id) is None:
            raise bad_request("message thread not found")
        self.delete_topic(chat.id, int(topic_id))
        return True

    def _m_getChatMember(self, params, files):
        chat = self._chat(params.get("chat_id"))
        self._in_group(chat)
        user_id = int(params.get("user_id") or 0)
        if user_id == self.bot_user["id"]:
            return chat.bot_member or {"status": "left", "user": self.bot_user}
        member = chat.members.get(user_id)
        if member is None:
            return {"status": "left", "user": {"id": user_id, "is_bot": False, "first_name": str(user_id)}}
        return member

    def _m_getChatAdministrators(self, params, files):
        chat = self._chat(params.get("chat_id"))
        self._in_group(chat)
        found = [m for m in chat.members.values() if m["status"] in ("creator", "administrator")]
        return found + ([chat.bot_member] if (chat.bot_member or {}).get("status") == "administrator" else [])

    def _m_banChatMember(self, params, files):
        chat = self._chat(params.get("chat_id"))
        self._right(chat, "can_restrict_members", "not enough rights to restrict/unrestrict chat member")
        member = chat.members.get(int(params.get("user_id") or 0))
        if member is not None and member["status"] in ("creator", "administrator"):
            raise bad_request("user is an administrator of the chat")
        if member is not None:
            chat.members[member["user"]["id"]] = chat_member(member["user"], "kicked")
        return True

    def _m_unbanChatMember(self, params, files):
        chat = self._chat(params.get("chat_id"))
        self._right(chat, "can_restrict_members", "not enough rights to restrict/unrestrict chat member")
        member = chat.members.get(int(params.get("user_id") or 0))
        if member is not None and member["status"] == "kicked":
            chat.members[member["user"]["id"]] = chat_member(member["user"], "left")
        return True
