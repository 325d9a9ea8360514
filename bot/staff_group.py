"""The coordinators' forum group (issue 15): one topic per person, named after them, opened by a
header card; the person's messages land in their topic. Whatever goes wrong there (the bot
removed or no longer an admin, the group no longer a forum, a topic deleted by hand) is noted in
the database and told to the admins, and the message goes to the coordinators' private chats
instead: nothing is lost. Handling what coordinators write in the group: handlers/staff_group.py.
"""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.i18n import N_, Translator, translator
from bot.replies import keyboard
from bot.sending import tell_coordinators
from storage.staff_topics import StaffGroup
from storage.threads import Thread, ThreadMessage

log = logging.getLogger(__name__)

# The words of the coordinators' agreement lists (handlers/agreement_text.py STATE_GROUPS, which
# bot/ may not import); only the states an agreement in progress has.
AGREEMENT_STATES = {
    "draft": N_("Being prepared"),
    "offered": N_("Offered, not accepted yet"),
    "accepted": N_("Accepted in chat"),
    "signed": N_("Signed, not in force yet"),
}

TOPIC_NAME_LIMIT = 128


def group_translator(services) -> Translator:
    settings = services.settings
    return translator(settings.default_locale, settings.timezone)


async def usable_group(services) -> StaffGroup | None:
    group = await services.threads.group()
    return group if group is not None and group.problem is None else None


async def report_problem(bot, services, group: StaffGroup, problem: str) -> None:
    """Mark the group unusable (once) and tell the admins; the private chats take over."""
    if group.problem == problem:
        return
    await services.threads.group_problem(group.chat_id, problem)
    log.warning("the coordinators' group %s cannot be used: %s", group.chat_id, problem)

    def compose(t: Translator):
        return (
            t._(
                "⚠️ I cannot write in the coordinators' group “%(title)s” (%(problem)s). Messages from people "
                "go to the coordinators' private chats until an admin fixes it and sends /polacz_grupe in "
                "the group again.",
                title=group.title or str(group.chat_id),
                problem=problem,
            ),
            None,
        )

    await tell_coordinators(bot, services, compose, recipients=sorted(services.settings.admin_ids))


async def header_card(services, t: Translator, telegram_id: int) -> str:
    """Who the person is, for the top of their topic: name, status, county, what is open."""
    person = await services.people.one(telegram_id)
    application = await services.applications.latest(telegram_id)
    status = t.gettext("writes to the bot")
    lines = [t._("👤 <b>%(name)s</b>", name=person.name)]
    if person.username:
        lines.append(f"@{person.username}")
    if application is not None and application.status in ("submitted", "needs_info"):
        status = t.gettext("applicant (application #%(id)d)", id=application.id)
    elif application is not None and application.status == "accepted":
        status = t.gettext("team member")
    organisations = await services.organisations.of_person(telegram_id)
    if organisations:
        names = ", ".join(organisation.name for organisation, _ in organisations)
        status = t.gettext("organisation contact (%(names)s)", names=names)
    lines.append(t._("Status: %(status)s", status=status))
    if application is not None:
        answers = await services.applications.answers(application.id)
        county = (
            services.org.county_names.get(answers.get("county")) if isinstance(answers.get("county"), str) else None
        )
        if county:
            lines.append(t._("County: %(county)s", county=county))
    pending = await services.agreements.pending_for(telegram_id)
    if pending is not None:
        lines.append(
            t._("Agreement #%(id)d: %(state)s", id=pending.id, state=t.gettext(AGREEMENT_STATES[pending.state]))
        )
    lines.append(t._("Answer by writing in this topic: every message goes to the person."))
    return "\n".join(str(line) for line in lines)


async def topic_for(app, services, group: StaffGroup, telegram_id: int, name: str) -> int | None:
    """The person's topic, made (with its header card) when they have none; None when the group
    cannot be used (told to the admins)."""
    topic = await services.threads.topic_of(telegram_id, group.chat_id)
    if topic is not None:
        return topic
    try:
        created = await app.bot.create_forum_topic(group.chat_id, name[:TOPIC_NAME_LIMIT] or str(telegram_id))
    except Forbidden:
        await report_problem(app.bot, services, group, "the bot was removed from the group")
        return None
    except BadRequest as exc:
        await report_problem(app.bot, services, group, exc.message)
        return None
    topic = created.message_thread_id
    await services.threads.set_topic(telegram_id, group.chat_id, topic, services.clock())
    t = group_translator(services)
    link = f"https://t.me/{app.bot.username}?start=th_{telegram_id}"  # the conversation's card, in private
    try:
        await app.bot.send_message(
            group.chat_id,
            await header_card(services, t, telegram_id),
            message_thread_id=topic,
            reply_markup=keyboard([[(t.gettext("📋 Open in the bot"), link)]]),
        )
    except TelegramError as exc:
        log.warning("the header card of topic %s was not sent: %s", topic, exc)
    return topic


async def to_topic(app, services, thread: Thread, message: ThreadMessage, name: str, *, reminder: bool = False) -> bool:
    """The person's message in their topic; False when it must go to the private chats instead."""
    from bot.counselling import send_content, staff_header

    group = await usable_group(services)
    if group is None:
        return False
    t = group_translator(services)
    for attempt in range(2):  # a topic deleted by hand is made again, one closed by hand reopened
        topic = await topic_for(app, services, group, thread.telegram_id, name)
        if topic is None:
            return False
        try:
            await send_content(
                app.bot,
                group.chat_id,
                staff_header(t, name, thread, reminder=reminder),
                message.content,
                message_thread_id=topic,
            )
            return True
        except Forbidden:
            await report_problem(app.bot, services, group, "the bot was removed from the group")
            return False
        except BadRequest as exc:
            problem = exc.message.lower()
            if "thread not found" in problem and attempt == 0:
                log.info("topic %s of %s was deleted; a new one is made", topic, thread.telegram_id)
                await services.threads.forget_topic(thread.telegram_id)
                continue
            if "topic_closed" in problem and attempt == 0:  # closed by hand: the person wrote again
                try:
                    await app.bot.reopen_forum_topic(group.chat_id, topic)
                    continue
                except TelegramError as reopening:
                    exc = reopening
            await report_problem(app.bot, services, group, exc.message)
            return False
    return False


# What became of someone the bot was to take out of the group (remove_from_group).
ABSENT, REMOVED, STAYS = "absent", "removed", "stays"


async def remove_from_group(bot, services, telegram_id: int) -> str:
    """Take someone out of the linked group (a coordinator no longer, or never one): banned and
    unbanned at once, so they may be invited again later. ABSENT when they are not in it (or no
    group is linked), REMOVED, or STAYS when the bot cannot (they are an admin of the group, or the
    bot has not the right to ban)."""
    group = await services.threads.group()
    if group is None:
        return ABSENT
    try:
        member = await bot.get_chat_member(group.chat_id, telegram_id)
        if member.status in ("left", "kicked"):
            return ABSENT
        await bot.ban_chat_member(group.chat_id, telegram_id)
        await bot.unban_chat_member(group.chat_id, telegram_id, only_if_banned=True)
    except TelegramError as exc:
        log.warning("could not remove %s from the coordinators' group: %s", telegram_id, exc)
        return STAYS
    return REMOVED


async def outsider_in_group(bot, services, user) -> None:
    """Someone who is not a coordinator is in the group (it holds people's conversations): removed
    where the bot can, and the admins are told either way (not when they are gone already: a join
    Telegram told twice, as a service message and as a chat_member update)."""
    outcome = await remove_from_group(bot, services, user.id)
    if outcome == ABSENT:
        return
    name = " ".join(p for p in (user.first_name, user.last_name) if p)

    def compose(t: Translator):
        if outcome == REMOVED:
            text = t._(
                "⚠️ %(name)s (id %(id)d) was in the coordinators' group but is not a coordinator. I removed them: "
                "the group holds people's conversations.",
                name=name,
                id=user.id,
            )
        else:
            text = t._(
                "⚠️ %(name)s (id %(id)d) is in the coordinators' group but is not a coordinator, and I cannot remove "
                "them. Please remove them by hand: the group holds people's conversations.",
                name=name,
                id=user.id,
            )
        return text, None

    await tell_coordinators(bot, services, compose, recipients=sorted(services.settings.admin_ids))


async def delete_topics(bot, services, topics: list[tuple[int, int]]) -> int:
    """Delete the topics (chat id, topic id) of people whose conversations were erased: the topic,
    its header card and every mirrored message are their data too. Called after the database
    transaction; a topic that cannot be deleted (the bot no longer an admin who may delete
    messages, the topic gone) is logged and told to the admins once, with links to delete it by
    hand, and never undoes the erasure. Returns how many were deleted."""
    deleted, failed, problem = 0, [], ""
    for chat_id, topic_id in topics:
        try:
            await bot.delete_forum_topic(chat_id, topic_id)
            deleted += 1
        except TelegramError as exc:
            log.warning("could not delete topic %s in %s after an erasure: %s", topic_id, chat_id, exc)
            failed.append(f"https://t.me/c/{str(chat_id).removeprefix('-100')}/{topic_id}")
            problem = getattr(exc, "message", str(exc))
    if not failed:
        return deleted

    def compose(t: Translator):
        text = t.ngettext(
            "⚠️ A person's conversations were erased, but I could not delete %(count)d topic in the coordinators' "
            "group (%(problem)s). If it is still there, please delete it by hand: %(links)s",
            "⚠️ People's conversations were erased, but I could not delete %(count)d topics in the coordinators' "
            "group (%(problem)s). If they are still there, please delete them by hand: %(links)s",
            len(failed),
            problem=problem,
            links=" ".join(failed),
        )
        return text, None

    await tell_coordinators(bot, services, compose, recipients=sorted(services.settings.admin_ids))
    return deleted


async def mirror_answer(app, services, thread: Thread, message: ThreadMessage, author_name: str) -> None:
    """A coordinator answered in the private chat: the person's topic shows it too, so the group
    sees the whole conversation (nothing when no group is linked or it cannot be used)."""
    from bot.counselling import send_content

    group = await usable_group(services)
    if group is None:
        return
    name = (await services.people.one(thread.telegram_id)).name
    topic = await topic_for(app, services, group, thread.telegram_id, name)
    if topic is None:
        return
    t = group_translator(services)
    header = t._("✍️ <b>%(name)s</b> answered in the bot:", name=author_name)
    try:
        await send_content(app.bot, group.chat_id, header, message.content, message_thread_id=topic)
    except TelegramError as exc:
        log.warning("an answer of thread %s was not mirrored to its topic: %s", thread.id, exc)
