"""A fake Bot API server on loopback, shaped like Telegram's or (platform="bale") like Bale's, for
end-to-end tests and the playground. Updates reach the bot by getUpdates or, once setWebhook was
called, by POSTs to the webhook in order, retried until accepted."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import html
import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol, Self

import aiohttp
from aiohttp import web

Params = dict[str, Any]
Files = dict[str, "Upload"]
Handler = Callable[[Params, Files], Awaitable[Any]]

# Values PTB sends JSON-encoded inside form fields.
_JSON_KEYS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "caption_entities",
    "reply_parameters",
    "link_preview_options",
    "menu_button",
}
_INT_KEYS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "cache_time",
    "reply_to_message_id",
    "message_thread_id",
}
_BOOL_KEYS = {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
_BUTTON_ACTIONS = {
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "copy_text",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
}
# Telegram does not deliver these unless asked for explicitly.
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
_MESSAGE_KEYS = {"message", "edited_message", "channel_post", "edited_channel_post", "business_message"}

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA, MAX_DOWNLOAD = 4096, 1024, 64, 20 * 1024 * 1024

# --- Telegram HTML -------------------------------------------------------------------------------

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTR = r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
_ATTR_RE = re.compile(_ATTR)
_TAG_RE = re.compile(rf"<(/?)([A-Za-z][\w-]*)((?:\s+{_ATTR})*)\s*>")
_CHAR_REF_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#[xX][0-9a-fA-F]+);")
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]+)?")
_BOT_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")


_MD_RE = re.compile(r"\*([^*\n]+)\*|_([^_\n]+)_|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)")


def parse_light_markdown(source: str) -> str:
    """What a Bale client shows for a text: *bold*, _italic_, `code` and [text](url) lose their marks."""
    return _MD_RE.sub(lambda m: next(g for g in m.groups()[:4] if g is not None), source)


class HtmlError(ValueError):
    """Raised for text the real Bot API rejects with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (entity offsets and limits are in UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Render Telegram-flavoured HTML into (plain text, entities) or raise HtmlError."""
    out: list[str] = []
    units = 0
    open_tags: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        if source[i] == "<":
            byte_offset = len(source[:i].encode())  # said only in errors
            match = _TAG_RE.match(source, i)
            name = match.group(2).lower() if match else ""
            if match is None or name not in _TAG_ENTITY:
                raise HtmlError(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
            i = match.end()
            if match.group(1):
                if not open_tags:
                    raise HtmlError(f"Unexpected end tag at byte offset {byte_offset}")
                tag, start, attrs = open_tags.pop()
                if tag != name:
                    raise HtmlError(
                        f"Unmatched end tag at byte offset {byte_offset}, "
                        f'expected "</{tag}>", found "</{name}>"'
                    )
                entity = _html_entity(tag, attrs, start, units, open_tags)
                if entity:
                    entities.append(entity)
                continue
            found = _ATTR_RE.findall(match.group(3))
            attrs = {m[0].lower(): html.unescape(m[1] or m[2] or m[3]) for m in found}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise HtmlError('Tag "span" must have class "tg-spoiler"')
            open_tags.append((name, units, attrs))
            continue
        if source[i] == "&":
            match = _CHAR_REF_RE.match(source, i)
            if match is None:
                raise HtmlError(f"Unsupported HTML entity at byte offset {len(source[:i].encode())}")
            piece, i = html.unescape(match.group()), match.end()
        else:
            piece, i = source[i], i + 1
        out.append(piece)
        units += len(piece) if piece < "\U00010000" and len(piece) == 1 else utf16_len(piece)
    if open_tags:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(
    tag: str, attrs: dict[str, str], start: int, end: int, parents: list[tuple[str, int, dict[str, str]]]
) -> dict[str, Any] | None:
    css_class = attrs.get("class", "")
    if tag == "code" and parents and parents[-1][0] == "pre" and css_class.startswith("language-"):
        parents[-1][2]["language"] = css_class.removeprefix("language-")  # one pre entity with a language
        return None
    if end == start or (tag == "a" and "href" not in attrs):
        return None
    entity: dict[str, Any] = {"type": _TAG_ENTITY[tag], "offset": start, "length": end - start}
    if tag == "a":
        entity["url"] = attrs["href"]
    elif tag == "pre" and "language" in attrs:
        entity["language"] = attrs["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


# --- Recorded data -------------------------------------------------------------------------------


class MessageRef(NamedTuple):
    chat_id: int
    message_id: int


class HasMessageRef(Protocol):
    @property
    def chat_id(self) -> int: ...

    @property
    def message_id(self) -> int: ...


@dataclass
class Upload:
    file_name: str
    content: bytes
    mime_type: str


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    content: bytes
    mime_type: str
    file_path: str


@functools.lru_cache(maxsize=4096)  # tests read the same sent texts again and again
def _plain(text: str | None, parse_mode: str | None, markdown: bool) -> str:
    if text is None:
        return ""
    if markdown:
        return parse_light_markdown(text)
    if (parse_mode or "").lower() != "html":
        return text
    try:
        return parse_html(text)[0]
    except HtmlError:
        return text


@dataclass
class BotMessage:
    """One thing the bot did to a chat: a send, an edit or a delete."""

    chat_id: int
    message_id: int
    kind: str  # "message" | "document" | "photo" | "edit" | "edit_markup" | "delete"
    text: str | None  # as sent (text or caption), still with markup
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None  # file_name, size, content
    seq: int = 0
    markdown: bool = False  # Bale: every text is read as light Markdown

    @property
    def plain(self) -> str:
        return _plain(self.text, self.parse_mode, self.markdown)

    @property
    def buttons(self) -> list[list[str]]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in rows]

    @property
    def inline_buttons(self) -> list[tuple[str, str | None]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data")) for row in rows for b in row]

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]] | None:
        rows = (self.reply_markup or {}).get("keyboard")
        if rows is None:
            return None
        return [[{"text": b} if isinstance(b, str) else b for b in row] for row in rows]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def __repr__(self) -> str:
        return (
            f"<BotMessage {self.kind} chat={self.chat_id} id={self.message_id} seq={self.seq} "
            f"text={self.plain[:120]!r} buttons={self.buttons}>"
        )


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def _cut(request: web.Request) -> web.Response:
    """Close the connection without an answer: the client sees the server disconnect."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=503)


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_KEYS and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    elif key in _INT_KEYS and re.fullmatch(r"-?\d+", value):
        return int(value)
    elif key in _BOOL_KEYS and value in ("true", "false"):
        return value == "true"
    return value  # bad JSON stays a string; the method then fails like Telegram would


# --- The server ----------------------------------------------------------------------------------


class FakeBotApi:
    """Serves /bot<token>/<method> and /file/bot<token>/<path> like api.telegram.org."""

    DEFAULT_TOKEN = "123456:TEST-TOKEN"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int = 123456,
        bot_username: str = "rasad_test_bot",
        platform: str = "telegram",
        first_update_id: int = 1000,
        rate_limit: float | None = None,
        any_chat: bool = False,
        light: bool = False,
    ) -> None:
        """rate_limit: sendMessage calls per second over all chats, beyond which the server answers 429
        (like Telegram's ~30/s). any_chat: unknown chat ids are private chats (fan-out benchmarks).
        light: sendMessage is only counted, not stored (100,000 messages without the memory)."""
        assert platform in ("telegram", "bale")
        self.token, self.bot_id, self.bot_username = token, bot_id, bot_username
        self.platform = platform
        self.bale = platform == "bale"
        self.rate_limit, self.any_chat, self.light = rate_limit, any_chat, light
        self._window: collections.deque[float] = collections.deque()  # send times in the last second
        self.sent_times: list[float] = []  # monotonic time of every accepted sendMessage
        self.refused = 0  # sendMessage calls answered 429 by the rate limit
        self.sent_chats: collections.Counter[int] = collections.Counter()
        self.sent_chars = 0
        self.webhook: dict[str, Any] | None = None  # url, secret_token, allowed_updates
        self.webhook_posts: list[tuple[int, int]] = []  # (update_id, HTTP status or 0 for no answer)
        self._webhook_task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Rasad Test Bot",
            "username": bot_username,
        }
        self.calls: list[tuple[str, Params]] = []
        self.pushed: list[dict[str, Any]] = []  # every update ever pushed, with its update_id
        self.errors: list[tuple[str, Params, str]] = []  # every error response, to assert on
        self.outbox: list[BotMessage] = []
        self.listeners: list[Callable[[BotMessage], None]] = []  # told of every send, edit and delete
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int, dict[str, Any]] = {}  # setChatMenuButton, by chat
        self.files: dict[str, StoredFile] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()  # chats whose user blocked the bot
        self.gone: set[int] = set()  # Bale: chats whose user no longer exists (404)
        self._current: dict[tuple[int, int], BotMessage] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = first_update_id
        self._allowed_updates: list[str] | None = None
        self._open_queries: set[str] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._stopped = asyncio.Event()
        self.down = False  # unreachable: see go_down()
        self.latency = 0.0  # seconds each call but getUpdates takes to be answered (a slow network)
        self.redirect_files = False  # file downloads answered with a redirect to themselves, forever
        self._seq = 0
        self._counter = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setWebhook": self._set_webhook,
                "setMyCommands": self._set_my_commands,
                "setChatMenuButton": self._set_chat_menu_button,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._ok,
                "getFile": self._get_file,
                "close": self._ok,
                "logOut": self._ok,
            }.items()
        }

    # lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def seq(self) -> int:
        """Seq of the newest outbox entry; entries after a point in time have a greater seq."""
        return self._seq

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)  # Bot API uploads go up to 50 MB
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._stopped.clear()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._site: web.TCPSite | None = site
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True
        self._stopped.set()
        self._notify()  # release pending long polls so cleanup does not wait for them
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # test controls

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None, times: int = 1
    ) -> None:
        if self.bale:
            retry_after = None  # Bale's 429s carry no retry_after
        self._faults.setdefault(method.lower(), []).append(_Fault(status, description, retry_after, times))

    def hold(self, method: str) -> asyncio.Event:
        """The next call of `method` is received (the returned event is set) and never answered nor carried
        out: the caller hangs there, as a process does when it is killed in that call."""
        arrived = asyncio.Event()
        self._holds[method.lower()] = arrived
        return arrived

    async def go_down(self) -> None:
        """Unreachable until come_back(): new connections refused, calls on open connections cut unanswered
        (those waiting in a long poll too), as when the network between the bot and the messenger fails."""
        self.down = True
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self._notify()

    async def come_back(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self._site, self.down = site, False

    def push_update(self, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        for key, body in payload.items():
            if not isinstance(body, dict):
                continue
            chat = body.get("chat") or (body.get("message") or {}).get("chat")
            if chat:
                self.chats[chat["id"]] = chat
            if key in _MESSAGE_KEYS and "message_id" in body and "chat" in body:
                ref = (body["chat"]["id"], body["message_id"])
                self._user_messages[ref] = body
                self._next_message_id[ref[0]] = max(self._next_message_id.get(ref[0], 1), ref[1] + 1)
        update = {**payload, "update_id": update_id}
        self.pushed.append(update)
        self._updates.append(update)
        self._notify()
        self._kick_delivery()
        return update_id

    def chat_messages(self, chat_id: int) -> list[BotMessage]:
        """Current state of the bot's messages in a chat, oldest first."""
        return [m for key, m in sorted(self._current.items()) if key[0] == chat_id]

    def current(self, chat_id: int, message_id: int) -> BotMessage | None:
        return self._current.get((chat_id, message_id))

    # update payload builders

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        chat.update({k: user[k] for k in ("last_name", "username") if user.get(k)})
        return chat

    def message_update(self, user: dict[str, Any], text: str | None = None, **extra: Any) -> dict[str, Any]:
        chat = self.private_chat(user)
        message_id = self._alloc_message_id(chat["id"])
        now = int(time.time())
        message: dict[str, Any] = {"message_id": message_id, "from": user, "chat": chat, "date": now}
        if text is not None:
            message["text"] = text
            if command := _COMMAND_RE.match(text):  # clients mark commands; CommandHandler relies on it
                length = utf16_len(command.group())
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra)
        return {"message": message}

    def callback_update(
        self, user: dict[str, Any], message: HasMessageRef, data: str, *, inaccessible: bool = False
    ) -> dict[str, Any]:
        """`inaccessible`: as Telegram sends a press on a message older than 48 hours."""
        self._counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._counter)
        self._open_queries.add(query_id)
        stored = None if inaccessible else self.messages.get((message.chat_id, message.message_id))
        chat = self.chats.get(message.chat_id) or self.private_chat(user)
        # A deleted, unknown or old message arrives as an InaccessibleMessage (date 0).
        body = dict(stored) if stored else {"chat": chat, "message_id": message.message_id, "date": 0}
        return {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": body,
                "data": data,
                "chat_instance": str(-7_000_000 - message.chat_id),
            }
        }

    def contact_update(
        self, user: dict[str, Any], phone_number: str, contact_user_id: int | None, first_name: str
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        digits = phone_number.lstrip("+")
        if self.bale and digits.isdigit():  # Bale sends the number as an integer, in international form
            contact["phone_number"] = int("98" + digits[1:] if digits.startswith("0") else digits)
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        if contact_user_id == user["id"] and user.get("last_name"):
            contact["last_name"] = user["last_name"]
        return self.message_update(user, contact=contact)

    def sticker_update(self, user: dict[str, Any], emoji: str = "👍") -> dict[str, Any]:
        f = self._register(b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp", "stickers")
        sticker = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "TestPack",
            "file_size": len(f.content),
        }
        return self.message_update(user, sticker=sticker)

    def photo_update(self, user: dict[str, Any], caption: str | None = None) -> dict[str, Any]:
        f = self._register(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9", "photo.jpg", "image/jpeg", "photos")
        extra: dict[str, Any] = {"photo": self._photo_sizes(f)}
        if caption is not None:
            extra["caption"] = caption
        return self.message_update(user, **extra)

    def voice_update(self, user: dict[str, Any], duration: int = 3) -> dict[str, Any]:
        f = self._register(b"OggS\x00fake-voice", "voice.oga", "audio/ogg", "voice")
        voice = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "duration": duration,
            "mime_type": f.mime_type,
            "file_size": len(f.content),
        }
        return self.message_update(user, voice=voice)

    def location_update(self, user: dict[str, Any], latitude: float, longitude: float) -> dict[str, Any]:
        return self.message_update(user, location={"latitude": latitude, "longitude": longitude})

    def document_update(
        self,
        user: dict[str, Any],
        file_name: str,
        content: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
        with_size: bool = True,
    ) -> dict[str, Any]:
        """`with_size=False`: a document without file_size, as some clients and Bale send."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        f = self._register(content, file_name, mime, "documents")
        document = self._document_dict(f)
        if not with_size:
            document.pop("file_size")
        extra: dict[str, Any] = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return self.message_update(user, **extra)

    # HTTP plumbing

    async def _handle(self, request: web.Request) -> web.Response:
        requested = request.match_info["method"]
        name, handler = self._methods.get(requested.lower(), (requested, None))
        params, files = await self._read_params(request)
        if self.down:
            return _cut(request)
        held = self._holds.pop(name.lower(), None)
        if held is not None:
            held.set()
            await self._stopped.wait()  # never answered
            return _cut(request)
        self.calls.append((name, {**params, **{k: vars(v) for k, v in files.items()}}))
        if self.latency and name != "getUpdates":
            await asyncio.sleep(self.latency)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None or (self.bale and name in _BALE_MISSING):
                raise ApiError(404, "Not Found")
            if self.bale:
                _bale_checks(params)
            faults = self._faults.get(name.lower())
            if faults:
                fault = faults[0]
                fault.times -= 1
                if fault.times <= 0:
                    faults.pop(0)
                raise ApiError(fault.status, fault.description, fault.retry_after)
            try:
                result = await handler(params, files)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise _bad(f"fake API could not handle {name}: {exc!r}") from exc
        except ApiError as err:
            self.errors.append((name, params, err.description))
            body: dict[str, Any] = {"ok": False, "error_code": err.status, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            return web.json_response(body, status=err.status)
        if self.down:  # went down while this call waited (a long poll): its answer never leaves
            return _cut(request)
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> tuple[Params, Files]:
        params: Params = dict(request.query)
        files: Files = {}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    params[key] = value
        return {key: _decode(key, value) for key, value in params.items()}, files

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        found = next((f for f in self.files.values() if f.file_path == path), None)
        if request.match_info["token"] != self.token or found is None:
            return web.Response(status=404, text="Not Found")
        if self.redirect_files:
            raise web.HTTPFound(str(request.url))
        return web.Response(body=found.content, content_type="application/octet-stream")

    def _kick_delivery(self) -> None:
        """With a webhook set and updates waiting, make sure one delivery task runs."""
        if self.webhook is None or not self._updates:
            return
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver())

    async def _deliver(self) -> None:
        """POST pending updates to the webhook one at a time, in order; retry until one is accepted."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        while self._updates and self.webhook is not None and not self._closing:
            update = self._updates[0]
            headers = {}
            if not self.bale and self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            try:
                async with self._http.post(self.webhook["url"], json=update, headers=headers) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            self.webhook_posts.append((update["update_id"], status))
            if 200 <= status < 300:
                self._updates.pop(0)
            else:
                await asyncio.sleep(0.2)

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    # helpers

    def _alloc_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _register(self, content: bytes, file_name: str, mime_type: str, folder: str) -> StoredFile:
        self._counter += 1
        n = self._counter
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        file_path = f"{folder}/file_{n}.{ext}"
        file_id, unique_id = f"BQACAgQAAxkBAAI{n:08d}", f"AgAD{n:08d}"
        stored = StoredFile(file_id, unique_id, file_name, content, mime_type, file_path)
        self.files[stored.file_id] = stored
        return stored

    def _document_dict(self, f: StoredFile) -> dict[str, Any]:
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_name": f.file_name,
            "mime_type": f.mime_type,
            "file_size": len(f.content),
        }

    def _photo_sizes(self, f: StoredFile) -> list[dict[str, Any]]:
        # Real photos come in several sizes; both ids here serve the same bytes.
        thumb = replace(f, file_id=f.file_id + "_s", file_unique_id=f.file_unique_id + "_s")
        self.files[thumb.file_id] = thumb
        size = len(f.content)
        return [
            {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "width": 90,
                "height": 90,
                "file_size": size,
            },
            {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "width": 800,
                "height": 600,
                "file_size": size,
            },
        ]

    def _chat_id(self, params: Params) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        if isinstance(chat_id, int) and chat_id not in self.chats and self.any_chat and chat_id > 0:
            self.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": str(chat_id)}
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise _bad("chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.bale and chat_id in self.gone:
            raise ApiError(404, "Not Found: no such user")
        return chat_id

    def _render(self, text: str, params: Params, entities_key: str) -> tuple[str, list[dict[str, Any]]]:
        if (params.get("parse_mode") or "").lower() == "html":
            try:
                return parse_html(text)
            except HtmlError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        return text, list(params.get(entities_key) or [])

    def _markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 0 < len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise _bad("BUTTON_DATA_INVALID")
                if not _BUTTON_ACTIONS & button.keys():
                    raise _bad("text buttons are unallowed in the inline keyboard")
        return markup

    def _reply_to(self, chat_id: int, params: Params) -> dict[str, Any]:
        reply = params.get("reply_parameters") or {}
        if isinstance(reply, dict) and "message_id" not in reply and "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if not isinstance(reply, dict) or "message_id" not in reply:
            return {}
        key = (chat_id, int(reply["message_id"]))
        target = self.messages.get(key) or self._user_messages.get(key)
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return {}
            raise _bad("message to be replied not found")
        return {"reply_to_message": {k: v for k, v in target.items() if k != "reply_to_message"}}

    def _store_new(
        self,
        chat_id: int,
        kind: str,
        body: dict[str, Any],
        params: Params,
        text: str | None,
        markup: dict[str, Any] | None,
        document: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        reply_to = self._reply_to(chat_id, params)  # may fail, so before taking a message id
        message_id = self._alloc_message_id(chat_id)
        message = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self.chats[chat_id],
            "date": int(time.time()),
            **reply_to,
            **body,
        }
        if markup and "inline_keyboard" in markup:  # reply keyboards are not echoed back in Message
            message["reply_markup"] = markup
        self._seq += 1
        parse_mode = params.get("parse_mode")
        entry = BotMessage(
            chat_id, message_id, kind, text, parse_mode, markup, document, self._seq, self.bale
        )
        self._emit(entry)
        self.messages[(chat_id, message_id)] = message
        self._current[(chat_id, message_id)] = entry
        return message

    def _emit(self, entry: BotMessage) -> None:
        self.outbox.append(entry)
        for listener in self.listeners:
            listener(entry)

    def _editable(self, params: Params) -> tuple[int, int]:
        key = (params.get("chat_id"), params.get("message_id"))
        if key in self.messages:
            return key
        if key in self._user_messages:
            raise _bad("message can't be edited")
        raise _bad("message to edit not found")

    def _record_edit(self, key: tuple[int, int], kind: str, **changes: Any) -> None:
        self._seq += 1
        entry = replace(self._current[key], kind=kind, seq=self._seq, **changes)
        self._emit(entry)
        self._current[key] = replace(entry, kind=self._current[key].kind)

    # methods

    async def _ok(self, params: Params, files: Files) -> bool:
        if "chat_id" in params:
            self._chat_id(params)
        return True

    async def _get_me(self, params: Params, files: Files) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params, files: Files) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        if isinstance(params.get("allowed_updates"), list) and not self.bale:  # Bale ignores it
            self._allowed_updates = params["allowed_updates"] or None  # the setting sticks, like Telegram
        limit = min(max(params.get("limit") or 100, 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(params.get("timeout") or 0, 0)
        while True:
            ready = [u for u in self._updates if self._is_allowed(u)][:limit]
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATES

    async def _delete_webhook(self, params: Params, files: Files) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: Params, files: Files) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params, files)
        if not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad("bad webhook: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": None if self.bale else secret}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._kick_delivery()
        return True

    async def _get_webhook_info(self, params: Params, files: Files) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    async def _set_chat_menu_button(self, params: Params, files: Files) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if button.get("type") == "web_app" and not str(button.get("web_app", {}).get("url", "")).startswith(
            "https://"
        ):
            raise _bad("BUTTON_URL_INVALID")  # Mini Apps open over https only
        self.menu_buttons[self._chat_id(params)] = button
        return True

    async def _set_my_commands(self, params: Params, files: Files) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            if not _BOT_COMMAND_NAME_RE.match(command.get("command", "")):
                raise _bad("BOT_COMMAND_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _delete_my_commands(self, params: Params, files: Files) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_my_commands(self, params: Params, files: Files) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(params), [])

    def _checked_text(self, params: Params) -> tuple[str, list[dict[str, Any]]]:
        plain, entities = self._render(params.get("text") or "", params, "entities")
        if self.bale:
            plain = parse_light_markdown(plain)
        if not plain.strip():
            raise _bad("message text is empty")
        if utf16_len(plain) > MAX_TEXT:
            raise _bad("message is too long")
        return plain, entities

    def _admit(self) -> None:
        """The overall rate limit: a sliding one-second window."""
        now = time.monotonic()
        if self.rate_limit is not None:
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit:
                self.refused += 1
                raise ApiError(429, "Too Many Requests: retry after 1", None if self.bale else 1)
            self._window.append(now)
        self.sent_times.append(now)

    async def _send_message(self, params: Params, files: Files) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        plain, entities = self._checked_text(params)
        markup = self._markup(params)
        self._admit()
        self.sent_chats[chat_id] += 1
        self.sent_chars += len(plain)
        if self.light:
            message_id = self._alloc_message_id(chat_id)
            return {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self.chats[chat_id],
                "date": 0,
                "text": plain,
            }
        body: dict[str, Any] = {"text": plain, **({"entities": entities} if entities else {})}
        return self._store_new(chat_id, "message", body, params, params["text"], markup)

    async def _edit_message_text(self, params: Params, files: Files) -> dict[str, Any]:
        key = self._editable(params)
        message = self.messages[key]
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        plain, entities = self._checked_text(params)
        markup = self._markup(params)
        inline = markup if markup and "inline_keyboard" in markup else None
        old = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if old == (plain, entities, inline):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.update(text=plain, entities=entities, edit_date=int(time.time()))
        if not entities:
            del message["entities"]
        self._set_inline_markup(message, inline)  # omitting reply_markup removes the keyboard
        parse_mode = params.get("parse_mode")
        self._record_edit(key, "edit", text=params["text"], parse_mode=parse_mode, reply_markup=inline)
        return message

    async def _edit_message_reply_markup(self, params: Params, files: Files) -> dict[str, Any]:
        key = self._editable(params)
        message = self.messages[key]
        markup = self._markup(params)
        inline = markup if markup and "inline_keyboard" in markup else None
        if message.get("reply_markup") == inline:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._set_inline_markup(message, inline)
        message["edit_date"] = int(time.time())
        self._record_edit(key, "edit_markup", reply_markup=inline)
        return message

    @staticmethod
    def _set_inline_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    async def _delete_message(self, params: Params, files: Files) -> bool:
        chat_id = self._chat_id(params)
        key = (chat_id, params.get("message_id"))
        if key not in self.messages and key not in self._user_messages:
            raise _bad("message to delete not found")
        self.messages.pop(key, None)
        self._current.pop(key, None)
        self._user_messages.pop(key, None)
        self._seq += 1
        self._emit(BotMessage(chat_id, int(params["message_id"]), "delete", None, seq=self._seq))
        return True

    async def _answer_callback_query(self, params: Params, files: Files) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        self._open_queries.discard(query_id)
        self.callback_answers.append(params)
        return True

    async def _send_document(self, params: Params, files: Files) -> dict[str, Any]:
        return self._send_media(params, files, "document")

    async def _send_photo(self, params: Params, files: Files) -> dict[str, Any]:
        return self._send_media(params, files, "photo")

    def _send_media(self, params: Params, files: Files, kind: str) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        stored = self._media_input(params, files, kind)
        caption, entities = self._render(params.get("caption") or "", params, "caption_entities")
        if utf16_len(caption) > MAX_CAPTION:
            raise _bad("message caption is too long")
        markup = self._markup(params)
        media = self._document_dict(stored) if kind == "document" else self._photo_sizes(stored)
        body: dict[str, Any] = {kind: media}
        if caption:
            body["caption"] = caption
        if entities:
            body["caption_entities"] = entities
        document = {"file_name": stored.file_name, "size": len(stored.content), "content": stored.content}
        return self._store_new(chat_id, kind, body, params, params.get("caption"), markup, document)

    def _media_input(self, params: Params, files: Files, field_name: str) -> StoredFile:
        value = params.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        else:
            upload = files.get(field_name)
        if upload is not None:
            folder = "documents" if field_name == "document" else "photos"
            return self._register(upload.content, upload.file_name, upload.mime_type, folder)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or "file"
            return self._register(b"", name, "application/octet-stream", "documents")
        raise _bad("wrong file identifier/HTTP URL specified")

    async def _get_file(self, params: Params, files: Files) -> dict[str, Any]:
        stored = self.files.get(params.get("file_id", ""))
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }


def stats(api: FakeBotApi) -> dict[str, Any]:
    times = api.sent_times
    return {
        "messages": len(times),
        "distinct_chats": len(api.sent_chats),
        "duplicates": sum(n - 1 for n in api.sent_chats.values()),
        "chars": api.sent_chars,
        "first": times[0] if times else None,
        "last": times[-1] if times else None,
        "per_second": _per_second(times),
    }


def _per_second(times: list[float]) -> list[int]:
    """Messages accepted in each whole second since the first (where a fan-out stalled)."""
    counts: list[int] = []
    for t in times:
        second = int(t - times[0])
        counts.extend([0] * (second + 1 - len(counts)))
        counts[second] += 1
    return counts


async def _serve(args: argparse.Namespace) -> None:
    api = FakeBotApi(
        token=args.token, platform=args.platform, rate_limit=args.rate_limit, any_chat=True, light=True
    )
    await api.start()

    async def show(request: web.Request) -> web.Response:
        return web.json_response({**stats(api), "clock": time.monotonic()})

    # A second small server for the counters, so the Bot API routes stay exactly the real ones.
    control = web.Application()
    control.router.add_get("/stats", show)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(json.dumps({"api_port": api.port, "control_port": runner.addresses[0][1]}), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await api.stop()


def main() -> None:
    """`python -m playground.fake_api`: a counting fake for load tests in a process of its own."""
    parser = argparse.ArgumentParser(prog="python -m playground.fake_api")
    parser.add_argument("--token", default="123456:BENCH")
    parser.add_argument("--platform", default="telegram", choices=["telegram", "bale"])
    parser.add_argument("--rate-limit", type=float, default=None, help="sendMessage per second, then 429")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


# Bale's Bot API has no command menu methods (answers 404, which PTB reads as InvalidToken).
_BALE_MISSING = {"setMyCommands", "deleteMyCommands", "getMyCommands", "sendChatAction", "setChatMenuButton"}


def _bale_checks(params: Params) -> None:
    """Bale has no parse_mode and documents only reply_to_message_id; fail loudly on either, so a
    Telegram-only call cannot pass unnoticed in the Bale suite."""
    if params.get("parse_mode"):
        raise _bad("parse_mode is not supported")
    if params.get("reply_parameters"):
        raise _bad("reply_parameters is not supported")


if __name__ == "__main__":
    main()

__all__ = [
    "ApiError",
    "BotMessage",
    "FakeBotApi",
    "HtmlError",
    "MessageRef",
    "StoredFile",
    "Upload",
    "parse_html",
    "parse_light_markdown",
    "utf16_len",
]
