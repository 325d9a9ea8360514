"""The Bot API double, driven through a real `telegram.Bot` so PTB's own error mapping applies,
and its scenario helpers driven through a real `telegram.ext.Application`."""

from __future__ import annotations

import datetime as dtm
import io

import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.double import BotApiDouble, FloodControl, running
from bot.double.html import utf16_len


@pytest.fixture
def double() -> BotApiDouble:
    return BotApiDouble()


@pytest.fixture
async def bot(double):
    bot = telegram.Bot(token=double.token, request=double, get_updates_request=double)
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
def chat(double):
    return double.user(1001, first_name="Anna")


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after  # an int today, a timedelta with PTB_TIMEDELTA=1
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


# PTB 22 warns, when RetryAfter is built, that retry_after will become a timedelta
quiet_retry_after = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


# ---- token and methods ---------------------------------------------------------------------


async def test_get_me_returns_the_bot_user(bot, double):
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "volunteer_test_bot"
    assert me.id == int(double.token.split(":")[0])


async def test_wrong_token_is_rejected_by_initialize(double):
    wrong = telegram.Bot(token="123456789:not-the-token", request=double, get_updates_request=double)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    assert double.requests == []  # rejected before it reaches any method


async def test_unknown_method_is_an_error(bot, double):
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTeleportation", api_kwargs={"chat_id": 1})
    assert double.requests[-1][0] == "sendTeleportation"


# ---- sendMessage ---------------------------------------------------------------------------


async def test_send_message_returns_a_bot_message_and_stores_it(bot, chat, double):
    sent = await bot.send_message(chat.id, "Dzień <b>dobry</b>", parse_mode="HTML")
    assert sent.text == "Dzień dobry"
    assert sent.chat.id == chat.id
    assert sent.from_user.is_bot
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 6, 5)]
    assert chat.last.text == "Dzień dobry"
    assert chat.last.html == "Dzień <b>dobry</b>"
    second = await bot.send_message(chat.id, "drugi")
    assert second.message_id == sent.message_id + 1
    assert double.requests[-1] == ("sendMessage", {"chat_id": chat.id, "text": "drugi"})


async def test_without_parse_mode_markup_is_plain_text(bot, chat):
    sent = await bot.send_message(chat.id, "2 < 3 & <b>")
    assert sent.text == "2 < 3 & <b>"
    assert sent.entities == ()


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "ż" * 4096,  # 8192 bytes, but 4096 UTF-16 units
        "😀" * 2048,  # 2048 characters, 4096 UTF-16 units
        "<b>" + "x" * 4096 + "</b>",  # the limit applies after entity parsing
        "&amp;" * 4096,
    ],
)
async def test_text_up_to_4096_utf16_units_is_accepted(bot, chat, text):
    await bot.send_message(chat.id, text, parse_mode="HTML")
    assert utf16_len(chat.last.text) == 4096


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4097,
        "ż" * 4097,
        "😀" * 2048 + "x",
        "😀" * 2049,  # only 2049 characters, but 4098 UTF-16 units
    ],
)
async def test_text_over_4096_utf16_units_is_too_long(bot, chat, text):
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(chat.id, text)
    assert chat.messages == []


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [("", None), ("   \n\t ", None), ("<b> </b>", "HTML"), ("<i></i>", "HTML")],
)
async def test_empty_text_is_refused(bot, chat, text, parse_mode):
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(chat.id, text, parse_mode=parse_mode)


@pytest.mark.parametrize("text", ["<b>x", "Tom & Jerry", "a<br>b", "<div>x</div>", "&nbsp;"])
async def test_invalid_html_is_refused(bot, chat, text, double):
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(chat.id, text, parse_mode="HTML")
    assert double.errors[-1][:2] == ("sendMessage", 400)


@pytest.mark.parametrize("parse_mode", ["Markdown", "MarkdownV2"])
async def test_markdown_is_refused(bot, chat, parse_mode):
    with pytest.raises(BadRequest, match=r"(?i)parse_mode"):
        await bot.send_message(chat.id, "*gruby*", parse_mode=parse_mode)


async def test_unknown_chat_is_not_found(bot, chat):
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "halo")


async def test_user_who_blocked_the_bot_is_forbidden(bot, chat, double):
    chat.block_bot()
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(chat.id, "halo")
    assert double.errors[-1][:2] == ("sendMessage", 403)
    chat.block_bot(False)
    await bot.send_message(chat.id, "znowu")
    assert chat.last.text == "znowu"


# ---- inline keyboards ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    ["x", "a" * 64, "ż" * 32, "😀" * 16, "ev:join:" + "9" * 56],
)
async def test_callback_data_up_to_64_bytes_is_accepted(bot, chat, data):
    sent = await bot.send_message(
        chat.id, "Wybierz", reply_markup=keyboard(InlineKeyboardButton("OK", callback_data=data))
    )
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == data
    assert chat.last.button("OK").callback_data == data


@pytest.mark.parametrize(
    "data",
    [
        "a" * 65,
        "ż" * 32 + "a",  # 33 characters, 65 bytes
        "😀" * 16 + "x",  # 17 characters, 65 bytes
        "",
    ],
)
async def test_callback_data_over_64_bytes_is_invalid(bot, chat, data):
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            chat.id,
            "Wybierz",
            reply_markup=keyboard(
                InlineKeyboardButton("dobry", callback_data="ok"),
                InlineKeyboardButton("zły", callback_data=data),
            ),
        )
    assert chat.messages == []


@pytest.mark.parametrize("label", ["", "   "])
async def test_empty_button_text_is_refused(bot, chat, label):
    with pytest.raises(BadRequest, match=r"(?i)text must be non-empty"):
        await bot.send_message(
            chat.id,
            "Wybierz",
            reply_markup=keyboard(InlineKeyboardButton(label, callback_data="x")),
        )


@pytest.mark.parametrize("url", ["https://example.org/a?b=c", "http://example.org", "tg://user?id=1"])
async def test_url_buttons_with_http_or_tg_are_accepted(bot, chat, url):
    await bot.send_message(chat.id, "Link", reply_markup=keyboard(InlineKeyboardButton("Idź", url=url)))
    assert chat.last.button("Idź").url == url


@pytest.mark.parametrize("url", ["ftp://example.org", "javascript:alert(1)", "example org"])
async def test_url_buttons_with_other_schemes_are_refused(bot, chat, url):
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_URL_INVALID"):
        await bot.send_message(chat.id, "Link", reply_markup=keyboard(InlineKeyboardButton("Idź", url=url)))


async def test_button_without_an_action_is_refused(bot, chat):
    with pytest.raises(BadRequest, match=r"(?i)inline keyboard button"):
        await bot.send_message(chat.id, "Wybierz", reply_markup=keyboard(InlineKeyboardButton("nic")))


async def test_other_button_kinds_are_accepted(bot, chat):
    await bot.send_message(
        chat.id,
        "Inne",
        reply_markup=keyboard(
            InlineKeyboardButton("Aplikacja", web_app=WebAppInfo("https://example.org/app")),
            InlineKeyboardButton("Szukaj", switch_inline_query_current_chat=""),
        ),
    )
    assert chat.last.buttons == ["Aplikacja", "Szukaj"]


async def test_more_than_100_buttons_are_refused(bot, chat):
    rows = [[InlineKeyboardButton(str(i * 10 + j), callback_data=f"b{i}{j}") for j in range(10)] for i in range(10)]
    await bot.send_message(chat.id, "100", reply_markup=InlineKeyboardMarkup(rows))
    rows.append([InlineKeyboardButton("101", callback_data="b101")])
    with pytest.raises(BadRequest, match=r"(?i)too many"):
        await bot.send_message(chat.id, "101", reply_markup=InlineKeyboardMarkup(rows))


async def test_reply_keyboard_changes_the_chat_keyboard_not_the_message(bot, chat):
    sent = await bot.send_message(
        chat.id, "Menu", reply_markup=ReplyKeyboardMarkup([["Pomoc", "Wydarzenia"], ["Moje dane"]])
    )
    assert sent.reply_markup is None
    assert chat.reply_keyboard == ["Pomoc", "Wydarzenia", "Moje dane"]
    await bot.send_message(chat.id, "Bez menu", reply_markup=ReplyKeyboardRemove())
    assert chat.reply_keyboard == []


# ---- editMessageText and friends -----------------------------------------------------------


async def test_edit_with_the_same_text_and_markup_is_not_modified(bot, chat):
    markup = keyboard(InlineKeyboardButton("Dalej", callback_data="next"))
    sent = await bot.send_message(chat.id, "Krok <b>1</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Krok <b>1</b>", chat.id, sent.message_id, parse_mode="HTML", reply_markup=markup)
    assert not chat.last.edited


async def test_edit_with_same_plain_text_but_other_formatting_is_a_change(bot, chat):
    sent = await bot.send_message(chat.id, "Krok 1")
    edited = await bot.edit_message_text("Krok <b>1</b>", chat.id, sent.message_id, parse_mode="HTML")
    assert edited.text == "Krok 1"
    assert [e.type for e in edited.entities] == ["bold"]


async def test_changing_only_the_keyboard_is_an_edit(bot, chat):
    first = keyboard(InlineKeyboardButton("Zapisz się", callback_data="ev:join:1"))
    second = keyboard(InlineKeyboardButton("Wypisz się", callback_data="ev:leave:1"))
    sent = await bot.send_message(chat.id, "Sprzątanie parku", reply_markup=first)
    edited = await bot.edit_message_text("Sprzątanie parku", chat.id, sent.message_id, reply_markup=second)
    assert edited.message_id == sent.message_id
    assert edited.edit_date is not None
    assert edited.reply_markup == second
    assert chat.last.buttons == ["Wypisz się"]
    assert chat.last.edited
    assert len(chat.messages) == 1


async def test_edit_without_markup_removes_the_keyboard(bot, chat):
    sent = await bot.send_message(
        chat.id, "Pytanie", reply_markup=keyboard(InlineKeyboardButton("Tak", callback_data="y"))
    )
    await bot.edit_message_text("Pytanie", chat.id, sent.message_id)
    assert chat.last.keyboard == []


async def test_editing_an_unknown_message_is_not_found(bot, chat):
    await bot.send_message(chat.id, "jest")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("nowy", chat.id, 999)


async def test_edit_is_validated_like_a_send(bot, chat):
    sent = await bot.send_message(chat.id, "krótki")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.edit_message_text("x" * 4097, chat.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.edit_message_text("<b>x", chat.id, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.edit_message_text(
            "x",
            chat.id,
            sent.message_id,
            reply_markup=keyboard(InlineKeyboardButton("za długi", callback_data="a" * 65)),
        )
    assert chat.last.text == "krótki"


async def test_user_messages_cannot_be_edited_by_the_bot(bot, chat, double):
    await chat.send("moja wiadomość")  # no Application attached: the update just waits
    (user_message_id,) = [m.message_id for m in chat.chat.messages.values() if not m.from_bot]
    with pytest.raises(BadRequest, match=r"(?i)can't be edited"):
        await bot.edit_message_text("cudza", chat.id, user_message_id)


async def test_edit_reply_markup(bot, chat):
    markup = keyboard(InlineKeyboardButton("Tak", callback_data="y"))
    sent = await bot.send_message(chat.id, "Pytanie", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=markup)
    await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=None)
    assert chat.last.keyboard == []
    assert chat.last.text == "Pytanie"


async def test_delete_message(bot, chat):
    sent = await bot.send_message(chat.id, "do usunięcia")
    assert await bot.delete_message(chat.id, sent.message_id) is True
    assert chat.messages == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(chat.id, sent.message_id)


# ---- answerCallbackQuery -------------------------------------------------------------------


def pending_query(double, chat, query_id: str) -> str:
    double.callback_queries[query_id] = {"user_id": chat.id, "answered": False}
    return query_id


async def test_answering_a_callback_query_records_the_answer(bot, chat, double):
    query_id = pending_query(double, chat, "q1")
    assert await bot.answer_callback_query(query_id, text="Zapisano!", show_alert=True)
    assert double.callback_queries[query_id]["answered"]
    assert double.callback_queries[query_id]["show_alert"]
    assert chat.alerts == ["Zapisano!"]


async def test_answering_twice_is_refused(bot, chat, double):
    query_id = pending_query(double, chat, "q2")
    await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)


async def test_answering_an_unknown_query_is_refused(bot, chat):
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("no-such-query")


async def test_alert_text_limit_is_200_characters(bot, chat, double):
    await bot.answer_callback_query(pending_query(double, chat, "ok"), text="ż" * 200)
    query_id = pending_query(double, chat, "long")
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="ż" * 201, show_alert=True)
    assert not double.callback_queries[query_id]["answered"]


# ---- files ---------------------------------------------------------------------------------


async def test_send_document_with_bytes_stores_them_with_a_file_name(bot, chat, double):
    content = b"%PDF-1.4 umowa wolontariacka"
    sent = await bot.send_document(
        chat.id,
        document=content,
        filename="umowa.pdf",
        caption="Twoja <b>umowa</b>",
        parse_mode="HTML",
    )
    assert sent.document.file_name == "umowa.pdf"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Twoja umowa"
    assert [(e.type, e.offset, e.length) for e in sent.caption_entities] == [("bold", 6, 5)]
    assert double.files[sent.document.file_id] == (content, "umowa.pdf")
    assert chat.last.document_name == "umowa.pdf"
    assert chat.last.document_bytes == content
    assert chat.last.text == "Twoja umowa"


async def test_send_document_with_input_file_and_download_it_back(bot, chat):
    content = "Imię;Nazwisko\nAnna;Kowalska\n".encode()
    sent = await bot.send_document(chat.id, document=InputFile(io.BytesIO(content), filename="dane.csv"))
    assert sent.document.file_name == "dane.csv"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_resend_document_by_file_id(bot, chat, double):
    first = await bot.send_document(chat.id, document=b"abc", filename="a.txt")
    again = await bot.send_document(chat.id, document=first.document.file_id)
    assert again.document.file_name == "a.txt"
    assert chat.last.document_bytes == b"abc"


async def test_unknown_file_id_is_refused(bot, chat):
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(chat.id, document="FILE-does-not-exist")


async def test_document_caption_limit_is_1024(bot, chat):
    await bot.send_document(chat.id, document=b"x", filename="ok.txt", caption="ą" * 1024)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(chat.id, document=b"x", filename="long.txt", caption="ą" * 1025)
    assert [m.document_name for m in chat.messages] == ["ok.txt"]


async def test_document_to_a_blocked_user_is_forbidden(bot, chat):
    chat.block_bot()
    with pytest.raises(Forbidden):
        await bot.send_document(chat.id, document=b"x", filename="x.txt")


# ---- bot commands --------------------------------------------------------------------------


async def test_set_and_get_commands_per_scope_and_language(bot, chat):
    polish = [BotCommand("start", "Rozpocznij"), BotCommand("pomoc", "Pomoc")]
    english = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    admin = [BotCommand("zgloszenia", "Zgłoszenia do przejrzenia")]
    assert await bot.set_my_commands(polish)
    assert await bot.set_my_commands(english, language_code="en")
    assert await bot.set_my_commands(admin, scope=BotCommandScopeChat(chat.id))

    assert await bot.get_my_commands() == tuple(polish)
    assert await bot.get_my_commands(scope=BotCommandScopeDefault()) == tuple(polish)
    assert await bot.get_my_commands(language_code="en") == tuple(english)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(chat.id)) == tuple(admin)
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert await bot.get_my_commands(language_code="uk") == ()

    assert await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    assert await bot.get_my_commands() == tuple(polish)


@pytest.mark.parametrize("name", ["a", "x" * 32, "moje_dane", "krok2"])
async def test_valid_command_names(bot, name):
    await bot.set_my_commands([BotCommand(name, "opis")])
    assert (await bot.get_my_commands())[0].command == name


@pytest.mark.parametrize("name", ["", "x" * 33, "Start", "/start", "moje-dane", "moje dane", "zgłoś"])
async def test_invalid_command_names(bot, name):
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(name, "opis")])
    assert await bot.get_my_commands() == ()


async def test_command_description_length(bot):
    await bot.set_my_commands([BotCommand("start", "ż" * 256)])
    for description in ["", "ż" * 257]:
        with pytest.raises(BadRequest, match=r"(?i)description"):
            await bot.set_my_commands([BotCommand("start", description)])


async def test_at_most_100_commands(bot):
    await bot.set_my_commands([BotCommand(f"c{i}", "opis") for i in range(100)])
    with pytest.raises(BadRequest, match=r"(?i)too many"):
        await bot.set_my_commands([BotCommand(f"c{i}", "opis") for i in range(101)])


async def test_commands_for_an_unknown_chat_are_refused(bot):
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.set_my_commands([BotCommand("start", "x")], scope=BotCommandScopeChat(777))


# ---- flood control -------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def flood(clock) -> FloodControl:
    return FloodControl(clock=clock)


@pytest.fixture
async def limited_bot(flood):
    double = BotApiDouble(flood_control=flood)
    bot = telegram.Bot(token=double.token, request=double, get_updates_request=double)
    await bot.initialize()
    yield bot, double
    await bot.shutdown()


@quiet_retry_after
async def test_per_chat_burst_then_retry_after(limited_bot, flood, clock):
    bot, double = limited_bot
    chat = double.user(1001)
    for i in range(flood.chat_burst):
        await bot.send_message(chat.id, f"wiadomość {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "o jedną za dużo")
    assert retry_seconds(caught.value) > 0
    assert flood.rejected == 1
    assert len(chat.messages) == flood.chat_burst
    assert double.errors[-1][:2] == ("sendMessage", 429)

    # another chat is not affected by this chat's limit
    other = double.user(1002)
    await bot.send_message(other.id, "inny czat")

    clock.advance(retry_seconds(caught.value))
    await bot.send_message(chat.id, "po przerwie")
    assert chat.last.text == "po przerwie"
    assert flood.rejected == 1


@quiet_retry_after
async def test_more_than_30_per_second_across_chats_is_limited(limited_bot, flood, clock):
    bot, double = limited_bot
    chats = [double.user(2000 + i) for i in range(31)]
    for chat in chats[:30]:
        await bot.send_message(chat.id, "ogłoszenie")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chats[30].id, "ogłoszenie")
    assert retry_seconds(caught.value) > 0
    assert flood.rejected == 1
    assert chats[30].messages == []

    clock.advance(1.0)
    await bot.send_message(chats[30].id, "ogłoszenie")
    assert chats[30].last.text == "ogłoszenie"
    assert flood.rejected == 1


@quiet_retry_after
async def test_group_chats_get_20_per_minute(limited_bot, flood, clock):
    bot, double = limited_bot
    group = double.user(3001, chat_type="group")
    for i in range(20):
        clock.advance(1.5)  # slower than any per-second limit
        await bot.send_message(group.chat.id, f"{i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(group.chat.id, "21.")
    clock.advance(60)
    await bot.send_message(group.chat.id, "po minucie")


async def test_flood_control_is_off_by_default(bot, double):
    chat = double.user(1001)
    for i in range(40):
        await bot.send_message(chat.id, f"{i}")
    assert len(chat.messages) == 40


# ---- scenario helpers with a real Application ----------------------------------------------

MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Jeszcze", callback_data="again")],
        [InlineKeyboardButton("Cisza", callback_data="silent")],
        [InlineKeyboardButton("Strona", url="https://example.org")],
    ]
)


async def start(update, context):
    await update.effective_message.reply_text(
        f"Cześć, {update.effective_user.first_name}!",
        reply_markup=ReplyKeyboardMarkup([["Pomoc"]]),
    )


async def echo(update, context):
    await update.effective_message.reply_text(f"Echo: {update.effective_message.text}", reply_markup=MENU)


async def on_button(update, context):
    query = update.callback_query
    if query.data == "silent":
        return  # forgets to answer
    await query.answer(f"Wybrano {query.data}")
    await query.edit_message_text(f"Wybrano: {query.data}", reply_markup=MENU)


async def on_document(update, context):
    document = update.effective_message.document
    file = await document.get_file()
    content = bytes(await file.download_as_bytearray())
    await update.effective_message.reply_text(
        f"Otrzymano {document.file_name}: {len(content)} B, zaczyna się od {content[:4]!r}"
    )


def build_app(double: BotApiDouble):
    app = ApplicationBuilder().token(double.token).request(double).get_updates_request(double).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


@pytest.fixture
async def app(double):
    app = build_app(double)
    double.attach(app)
    async with app:
        await app.start()
        yield app
        await app.stop()


async def test_send_and_last(app, double):
    anna = double.user(1001, first_name="Anna")
    await anna.send("/start")
    assert anna.last.text == "Cześć, Anna!"
    assert anna.reply_keyboard == ["Pomoc"]
    await anna.send("Dzień dobry")
    assert anna.last.text == "Echo: Dzień dobry"
    assert anna.last.buttons == ["Jeszcze", "Cisza", "Strona"]


async def test_users_have_separate_chats(app, double):
    anna = double.user(1001, first_name="Anna")
    jan = double.user(1002, first_name="Jan")
    await anna.send("/start")
    await jan.send("/start")
    assert anna.last.text == "Cześć, Anna!"
    assert jan.last.text == "Cześć, Jan!"
    assert len(anna.messages) == len(jan.messages) == 1


async def test_new_messages_returns_each_message_once_and_skips_edits(app, double):
    chat = double.user()
    assert chat.new_messages() == []
    await chat.send("raz")
    await chat.send("dwa")
    assert [m.text for m in chat.new_messages()] == ["Echo: raz", "Echo: dwa"]
    assert chat.new_messages() == []
    await chat.tap("Jeszcze")  # edits, does not send
    assert chat.new_messages() == []
    await chat.send("trzy")
    assert [m.text for m in chat.new_messages()] == ["Echo: trzy"]


async def test_tap_presses_the_inline_button_and_the_bot_edits(app, double):
    chat = double.user()
    await chat.send("hej")
    message_id = chat.last.message_id
    await chat.tap("Jeszcze")
    assert chat.last.message_id == message_id
    assert chat.last.text == "Wybrano: again"
    assert chat.last.edited
    assert chat.alerts == ["Wybrano again"]
    assert len(chat.messages) == 1


async def test_tap_on_a_reply_keyboard_button_sends_its_text(app, double):
    chat = double.user()
    await chat.send("/start")
    await chat.tap("Pomoc")
    assert chat.last.text == "Echo: Pomoc"


async def test_press_delivers_forged_callback_data(app, double):
    chat = double.user()
    await chat.send("hej")
    await chat.press(chat.last.message_id, "ev:join:999999")
    assert chat.last.text == "Wybrano: ev:join:999999"


async def test_last_follows_an_edit_of_an_older_message(app, double):
    chat = double.user()
    await chat.send("pierwsza")
    first_id = chat.last.message_id
    await chat.send("druga")
    assert chat.last.text == "Echo: druga"
    await chat.press(first_id, "again")
    assert chat.last.message_id == first_id
    assert chat.last.text == "Wybrano: again"
    assert [m.text for m in chat.messages] == ["Wybrano: again", "Echo: druga"]


async def test_tap_fails_when_the_bot_does_not_answer_the_query(app, double):
    chat = double.user()
    await chat.send("hej")
    with pytest.raises(AssertionError, match="did not answer"):
        await chat.tap("Cisza")
    # a scenario that expects silence can say so
    await chat.press(chat.last.message_id, "silent", answered=False)


async def test_tap_fails_for_missing_and_link_buttons(app, double):
    chat = double.user()
    await chat.send("hej")
    with pytest.raises(AssertionError, match="no button 'Nie ma'"):
        await chat.tap("Nie ma")
    with pytest.raises(AssertionError, match="link"):
        await chat.tap("Strona")
    with pytest.raises(AssertionError, match="no bot message"):
        await chat.press(999, "again")


async def test_last_fails_before_the_bot_says_anything(app, double):
    chat = double.user()
    with pytest.raises(AssertionError, match="has not sent anything"):
        _ = chat.last


async def test_a_blocked_user_gets_nothing_and_the_403_is_recorded(app, double):
    chat = double.user()
    chat.block_bot()
    await chat.send("hej")
    assert chat.messages == []
    assert double.errors[-1][:2] == ("sendMessage", 403)


async def test_user_document_can_be_downloaded_by_the_bot(app, double):
    chat = double.user()
    await chat.send_document(b"%PDF-1.7 skan", "zaświadczenie.pdf", "application/pdf")
    assert chat.last.text == "Otrzymano zaświadczenie.pdf: 13 B, zaczyna się od b'%PDF'"


async def test_running_context_manager(double):
    chat = double.user()
    async with running(build_app(double), double) as application:
        assert application.running
        await chat.send("przez running()")
        assert chat.last.text == "Echo: przez running()"
    assert not application.running
