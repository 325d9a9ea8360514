"""The Bot API double's supergroups and forum topics follow Telegram's rules and errors."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.double import BotApiDouble


@pytest.fixture
def double():
    return BotApiDouble()


@pytest.fixture
async def bot(double):
    async with Bot(double.token, request=double, get_updates_request=double) as bot:
        yield bot


async def test_topics_are_made_in_a_forum_by_an_admin_who_manages_topics(bot, double):
    forum = double.forum(-100_1, "Koordynatorzy")
    topic = await bot.create_forum_topic(forum.id, "Anna Kowalska")
    assert forum.topic_named("Anna Kowalska") == topic.message_thread_id
    sent = await bot.send_message(forum.id, "w wątku", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    assert forum.last_in(topic.message_thread_id).text == "w wątku"
    await bot.edit_forum_topic(forum.id, topic.message_thread_id, name="Anna K.")
    assert forum.topic_named("Anna K.") == topic.message_thread_id
    plain = double.forum(-100_2, "Zwykła", is_forum=False)
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(plain.id, "Anna")
    double.set_bot_status(forum.id, "administrator", can_manage_topics=False)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.create_forum_topic(forum.id, "Ola")
    double.set_bot_status(forum.id, "member")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.create_forum_topic(forum.id, "Ola")


async def test_a_deleted_or_closed_topic_and_a_removed_bot_are_refused(bot, double):
    forum = double.forum(-100_3)
    topic = (await bot.create_forum_topic(forum.id, "Anna")).message_thread_id
    await bot.close_forum_topic(forum.id, topic)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(forum.id, "x", message_thread_id=topic)
    double.delete_topic(forum.id, topic)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum.id, "x", message_thread_id=topic)
    double.set_bot_status(forum.id, "kicked")
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(forum.id, "x")
    with pytest.raises(Forbidden):
        await bot.create_forum_topic(forum.id, "Ola")


async def test_members_are_read_banned_and_unbanned_with_the_right_to(bot, double):
    forum = double.forum(-100_4)
    forum.member(5, "Obcy")
    forum.member(6, "Szefowa", "creator")
    me = await bot.get_chat_member(forum.id, bot.id)
    assert me.status == "administrator" and me.can_manage_topics
    assert (await bot.get_chat_member(forum.id, 5)).status == "member"
    with pytest.raises(BadRequest, match=r"(?i)administrator"):
        await bot.ban_chat_member(forum.id, 6)
    await bot.ban_chat_member(forum.id, 5)
    assert (await bot.get_chat_member(forum.id, 5)).status == "kicked"
    await bot.unban_chat_member(forum.id, 5, only_if_banned=True)
    assert (await bot.get_chat_member(forum.id, 5)).status == "left"
    double.set_bot_status(forum.id, "member")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.ban_chat_member(forum.id, 5)


async def test_copy_message_into_a_topic(bot, double):
    anna = double.user(user_id=77, first_name="Anna")
    await anna.send_photo(b"PHOTO", caption="podpis")  # no application attached: kept in the chat
    forum = double.forum(-100_5)
    topic = (await bot.create_forum_topic(forum.id, "Anna")).message_thread_id
    copied = await bot.copy_message(forum.id, anna.id, 1, message_thread_id=topic)
    assert forum.last_in(topic).text == "podpis" and copied.message_id
    with pytest.raises(BadRequest, match=r"(?i)not found"):
        await bot.copy_message(forum.id, anna.id, 99)


async def test_a_topic_is_deleted_with_its_messages_by_an_admin_who_may_delete_messages(bot, double):
    forum = double.forum(-100_6)
    topic = (await bot.create_forum_topic(forum.id, "Anna")).message_thread_id
    await bot.send_message(forum.id, "w wątku", message_thread_id=topic)
    double.set_bot_status(forum.id, "administrator", can_delete_messages=False)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.delete_forum_topic(forum.id, topic)
    double.set_bot_status(forum.id, "administrator")
    assert await bot.delete_forum_topic(forum.id, topic)
    assert topic not in forum.topics and not forum.messages_in(topic)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.delete_forum_topic(forum.id, topic)
    plain = double.forum(-100_7, is_forum=False)
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.delete_forum_topic(plain.id, 5)
    double.set_bot_status(forum.id, "kicked")
    with pytest.raises(Forbidden):
        await bot.delete_forum_topic(forum.id, 101)


async def test_members_of_every_status_parse_with_their_fields(bot, double):
    forum = double.forum(-100_8)
    forum.member(7, "Szefowa", "creator")
    forum.member(8, "Admin", "administrator", can_restrict_members=False)
    forum.member(9, "Ograniczona", "restricted")
    admin = await bot.get_chat_member(forum.id, 8)
    assert admin.status == "administrator" and admin.can_manage_topics and not admin.can_restrict_members
    assert (await bot.get_chat_member(forum.id, 7)).status == "creator"
    assert (await bot.get_chat_member(forum.id, 9)).is_member
    with pytest.raises(BadRequest, match=r"(?i)administrator"):
        await bot.ban_chat_member(forum.id, 8)
