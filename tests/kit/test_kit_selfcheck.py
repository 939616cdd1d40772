"""Self-test of the kit: a real PTB Application long-polling the fake Bot API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from playground.fake_api import FakeBotApi, HtmlError, parse_html

from .driver import UpdateTracker, UserDriver, tracking_application_class

Ctx = ContextTypes.DEFAULT_TYPE
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@contextlib.asynccontextmanager
async def running_app(
    api: FakeBotApi, tracker: UpdateTracker, setup: Callable[[AnyApplication], None]
) -> AsyncIterator[AnyApplication]:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.file_base_url)
        .application_class(tracking_application_class(tracker))
        .build()
    )
    setup(app)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def start(update: Update, context: Ctx) -> None:
    pick = InlineKeyboardButton("Pick me", callback_data="pick:1")
    keyboard = InlineKeyboardMarkup.from_row([pick, InlineKeyboardButton("Same", callback_data="same")])
    assert update.effective_message is not None
    await update.effective_message.reply_text("<b>Choose</b> one", parse_mode="HTML", reply_markup=keyboard)


async def on_button(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer("ok")
    if query.data == "same":  # re-sending identical content must fail like the real API
        markup = query.message.reply_markup  # type: ignore[union-attr]  # the kit's own message, always there
        try:
            await query.edit_message_text("<b>Choose</b> one", parse_mode="HTML", reply_markup=markup)
        except BadRequest as exc:
            await context.bot.send_message(query.message.chat.id, f"error: {exc.message}")
        return
    await query.edit_message_text(f"picked {query.data}")


async def bad_html(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    try:
        await update.effective_message.reply_html("<b>unclosed")
    except BadRequest as exc:
        await update.effective_message.reply_text(f"error: {exc.message}")


async def ask_phone(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    button = KeyboardButton("Share phone", request_contact=True)
    keyboard = ReplyKeyboardMarkup([[button]], resize_keyboard=True)
    await update.effective_message.reply_text("send your phone", reply_markup=keyboard)


async def on_contact(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None and update.effective_user is not None
    own = message.contact.user_id == update.effective_user.id
    text = f"phone {message.contact.phone_number} own={own}"
    await message.reply_text(text, reply_markup=ReplyKeyboardRemove())


async def on_document(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    data = await (await message.document.get_file()).download_as_bytearray()
    await message.reply_text(f"got {len(data)} bytes")
    await message.reply_document(bytes(data).upper(), filename=f"upper_{message.document.file_name}")


async def echo(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


def echo_bot(app: AnyApplication) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("bad", bad_html))
    app.add_handler(CommandHandler("phone", ask_phone))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))


@pytest.mark.asyncio
async def test_user_conversation_through_real_application() -> None:
    tracker = UpdateTracker()
    async with FakeBotApi() as api, running_app(api, tracker, echo_bot) as app:
        user = UserDriver(api, tracker, 5001, "Sara", username="sara")

        reply = await user.send("salam")
        assert reply.text == "echo: salam"
        assert "salam" in reply and reply.last.kind == "message"

        menu = await user.send("/start")
        assert menu.last.plain == "Choose one" and menu.buttons == ["Pick me", "Same"]
        assert api.messages[(user.chat_id, menu.last.message_id)]["entities"][0]["type"] == "bold"

        pressed = await user.press("Pick")
        assert [m.kind for m in pressed] == ["edit"] and pressed.text == "picked pick:1"
        assert api.callback_answers[-1]["text"] == "ok"
        with pytest.raises(BadRequest, match="Query is too old"):  # a query can be answered once
            await app.bot.answer_callback_query(api.callback_answers[-1]["callback_query_id"])
        assert user.last_bot_message is not None and user.last_bot_message.buttons == []
        with pytest.raises(AssertionError, match="no inline button"):
            await user.press("Pick me")

        await user.send("/start")
        not_modified = await user.press("Same")
        assert "Message is not modified" in not_modified.text

        stale = await user.press_data("pick:9", message_id=menu.last.message_id)
        assert stale.text == "picked pick:9"  # forged data on an old message still reaches the handler

        html_error = await user.send("/bad")
        assert "Can't parse entities" in html_error.text

        asked = await user.send("/phone")
        assert asked.buttons == ["Share phone"] and asked.last.reply_keyboard is not None
        shared = await user.share_contact("+989121234567")
        assert shared.text == "phone +989121234567 own=True" and shared.last.removes_keyboard
        assert "own=False" in await user.share_contact(989120000000, own=False)

        uploaded = await user.send_document("report.csv", b"a,b\n1,2\n")
        assert uploaded[0].plain == "got 8 bytes"
        assert uploaded.last.kind == "document" and uploaded.last.document is not None
        assert uploaded.last.document["content"] == b"A,B\n1,2\n"
        assert uploaded.last.document["file_name"] == "upper_report.csv"

        assert (await user.send_sticker()) == []  # no handler: the bot stays silent
        # Like Telegram, user and bot messages share one id sequence per chat.
        user_ids = {u["message"]["message_id"] for u in api.pushed if "message" in u}
        bot_ids = {m.message_id for m in api.outbox if m.kind in ("message", "document")}
        assert not user_ids & bot_ids
        assert sorted(user_ids | bot_ids) == list(range(1, len(user_ids) + len(bot_ids) + 1))


@pytest.mark.asyncio
async def test_api_validation_and_faults() -> None:
    tracker = UpdateTracker()
    async with FakeBotApi() as api, running_app(api, tracker, echo_bot) as app:
        user = UserDriver(api, tracker, 5002, "Ali")
        await user.send("hi")
        bot = app.bot

        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(user.chat_id, "x" * 4097)
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(user.chat_id, "  ")
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
            await bot.send_message(user.chat_id, "hi", reply_markup=too_long)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(999, "hi")
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", chat_id=user.chat_id, message_id=999)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(user.chat_id, 999)

        sent = await bot.send_message(user.chat_id, "to delete")
        assert await bot.delete_message(user.chat_id, sent.message_id)
        assert api.outbox[-1].kind == "delete" and (user.chat_id, sent.message_id) not in api.messages

        photo = await bot.send_photo(user.chat_id, b"\xff\xd8jpeg", caption="<i>cap</i>", parse_mode="HTML")
        assert api.outbox[-1].kind == "photo"
        assert api.outbox[-1].plain == "cap"
        await bot.send_photo(user.chat_id, photo.photo[-1].file_id)  # re-sending by file_id, no upload
        assert api.outbox[-1].document is not None
        assert api.outbox[-1].document["content"] == b"\xff\xd8jpeg"

        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(user.chat_id, "hi")
        api.blocked.add(user.chat_id)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(user.chat_id, "hi")
        api.blocked.clear()

        await bot.set_my_commands([("start", "Start"), ("help", "Help")], language_code="fa")
        assert [c.command for c in await bot.get_my_commands(language_code="fa")] == ["start", "help"]
        assert await bot.get_my_commands() == ()
    assert any(name == "getUpdates" for name, _ in api.calls)


@pytest.mark.asyncio
async def test_wrong_token_is_rejected() -> None:
    async with FakeBotApi() as api:
        with pytest.raises(InvalidToken):
            async with Bot("123456:WRONG", base_url=api.base_url):  # entering calls getMe, exiting closes
                pass


@pytest.mark.asyncio
async def test_restart_receives_only_new_updates() -> None:
    tracker = UpdateTracker()
    seen: list[tuple[str, int]] = []

    def recorder(name: str) -> Callable[[AnyApplication], None]:
        async def record(update: Update, context: Ctx) -> None:
            seen.append((name, update.update_id))

        return lambda app: app.add_handler(MessageHandler(filters.ALL, record))

    async with FakeBotApi() as api:
        user = UserDriver(api, tracker, 5003, "Reza")
        async with running_app(api, tracker, recorder("first")):
            await user.send("one")
        queued = api.push_update(api.message_update(user.user, "sent while the bot was down"))
        async with running_app(api, tracker, recorder("second")):
            await tracker.wait(queued)
            await user.send("two")
    assert seen == [("first", 1000), ("second", 1001), ("second", 1002)]


@pytest.mark.asyncio
async def test_raw_http_shapes() -> None:
    async with FakeBotApi() as api, aiohttp.ClientSession() as http:
        api.push_update(api.message_update({"id": 7, "is_bot": False, "first_name": "N"}, "hi"))
        url = f"{api.base_url}{api.token}"
        payload = {"chat_id": 7, "text": "<b>x</b>", "parse_mode": "HTML"}
        async with http.post(f"{url}/SENDMESSAGE", json=payload) as r:  # JSON body, any letter case
            body = await r.json()
        assert body["ok"] is True
        assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
        async with http.post(f"{url}/noSuchMethod") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        api.fail_next("getMe", 429, "Too Many Requests: retry after 5", retry_after=5)
        async with http.get(f"{url}/getme") as r:
            assert (await r.json())["parameters"] == {"retry_after": 5}


def test_html_parser_matches_telegram_rules() -> None:
    plain, entities = parse_html('<b>bold</b> &amp; <a href="https://x.io/?a=1&amp;b=2">link</a> 😀<i>i</i>')
    assert plain == "bold & link 😀i"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "text_link", "offset": 7, "length": 4, "url": "https://x.io/?a=1&b=2"},
        {"type": "italic", "offset": 14, "length": 1},  # the emoji is two UTF-16 units
    ]
    pre = parse_html('<pre><code class="language-python">x = 1</code></pre>')[1]
    assert pre == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    for bad in ("<b>unclosed", "a < b", "<i><b>x</i></b>", "AT&T", "<span>x</span>", "<p>x</p>", "x</b>"):
        with pytest.raises(HtmlError):
            parse_html(bad)
