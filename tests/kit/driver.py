"""Drive a real PTB Application through FakeBotApi the way a human user would."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from telegram import Update
from telegram.ext import Application

from playground.fake_api import BotMessage, FakeBotApi, MessageRef

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
OTHER_CONTACT_USER_ID = 7_000_000_001


class UpdateTracker:
    """Knows which update ids the Application has finished processing."""

    def __init__(self) -> None:
        self.done: set[int] = set()
        self._changed = asyncio.Event()

    def processed(self, update_id: int) -> None:
        self.done.add(update_id)
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - part of the kit API
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while update_id not in self.done:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"update {update_id} was not processed within {timeout}s "
                    "(is the application polling this FakeBotApi with the tracking application class?)"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


def tracking_application_class(tracker: UpdateTracker) -> type[AnyApplication]:
    """An Application subclass that reports each finished update to the tracker.

    Pass it to ApplicationBuilder().application_class(...). Handlers registered with block=False
    still run after process_update returns, so the tracker cannot wait for them.
    """

    class TrackingApplication(Application[Any, Any, Any, Any, Any, Any]):
        __slots__ = ()  # Application uses __slots__; keep instances dict-free like the base

        async def process_update(self, update: object) -> None:
            try:
                await super().process_update(update)
            finally:
                if isinstance(update, Update):
                    tracker.processed(update.update_id)

    return TrackingApplication


class Reply(list[BotMessage]):
    """What the bot sent, edited or deleted in one chat while handling one update."""

    @property
    def text(self) -> str:
        return "\n---\n".join(m.plain for m in self if m.text is not None)

    @property
    def last(self) -> BotMessage:
        if not self:
            raise AssertionError("the bot did not send, edit or delete anything")
        return self[-1]

    @property
    def buttons(self) -> list[str]:
        return [label for m in self for row in m.buttons for label in row]

    def has(self, substring: str) -> bool:
        return substring in self.text

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return self.has(item)
        return list.__contains__(self, item)


class UserDriver:
    """One human user in a private chat with the bot."""

    def __init__(
        self,
        api: FakeBotApi,
        tracker: UpdateTracker,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "fa",
    ) -> None:
        self.api, self.tracker = api, tracker
        self.user_id, self.first_name = user_id, first_name
        self.timeout = 10.0
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        self.user["language_code"] = language_code

    @property
    def chat_id(self) -> int:
        return self.user_id  # private chat id == user id

    @property
    def chat_messages(self) -> list[BotMessage]:
        """Current state of the bot's messages in this chat (edits applied, deleted gone), oldest first."""
        return self.api.chat_messages(self.chat_id)

    @property
    def last_bot_message(self) -> BotMessage | None:
        messages = self.chat_messages
        return messages[-1] if messages else None

    async def push(self, payload: dict[str, Any]) -> Reply:
        """Push any update payload, wait until the bot has handled it, return what it did in this chat."""
        before = self.api.seq
        update_id = self.api.push_update(payload)
        await self.tracker.wait(update_id, self.timeout)
        return Reply(m for m in self.api.outbox if m.seq > before and m.chat_id == self.chat_id)

    async def send(self, text: str) -> Reply:
        return await self.push(self.api.message_update(self.user, text))

    async def press(self, label: str, *, message: BotMessage | None = None, old: bool = False) -> Reply:
        """Press the newest inline button labelled `label` (exact match anywhere first, else substring)."""
        candidates = self.chat_messages
        if message is not None:
            candidates = [m for m in candidates if m.message_id == message.message_id]
        newest_first = [(m.message_id, t, d) for m in reversed(candidates) for t, d in m.inline_buttons]
        matches = [b for b in newest_first if b[1] == label] or [b for b in newest_first if label in b[1]]
        if not matches:
            available = {m.message_id: [t for t, _ in m.inline_buttons] for m in candidates}
            raise AssertionError(f"no inline button {label!r} in chat {self.chat_id}; buttons: {available}")
        message_id, text, data = matches[0]
        if data is None:
            raise AssertionError(f"button {text!r} has no callback_data (a url or web_app button?)")
        return await self.push(
            self.api.callback_update(self.user, MessageRef(self.chat_id, message_id), data, inaccessible=old)
        )

    async def press_data(self, data: str, message_id: int, *, old: bool = False) -> Reply:
        """Press a button with arbitrary (possibly forged or stale) callback data; `old`: on a message the
        messenger no longer gives (older than 48 hours)."""
        ref = MessageRef(self.chat_id, message_id)
        return await self.push(self.api.callback_update(self.user, ref, data, inaccessible=old))

    async def share_contact(self, phone_number: str | int, *, own: bool = True) -> Reply:
        contact_user_id = self.user_id if own else OTHER_CONTACT_USER_ID
        first_name = self.first_name if own else "Someone Else"
        payload = self.api.contact_update(self.user, str(phone_number), contact_user_id, first_name)
        return await self.push(payload)

    async def send_sticker(self) -> Reply:
        return await self.push(self.api.sticker_update(self.user))

    async def send_photo(self, caption: str | None = None) -> Reply:
        return await self.push(self.api.photo_update(self.user, caption))

    async def send_voice(self, duration: int = 3) -> Reply:
        return await self.push(self.api.voice_update(self.user, duration))

    async def send_location(self, latitude: float = 35.6892, longitude: float = 51.389) -> Reply:
        return await self.push(self.api.location_update(self.user, latitude, longitude))

    async def send_document(
        self,
        file_name: str,
        content: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        with_size: bool = True,
    ) -> Reply:
        return await self.push(
            self.api.document_update(self.user, file_name, content, mime_type, caption, with_size=with_size)
        )


__all__ = ["OTHER_CONTACT_USER_ID", "Reply", "UpdateTracker", "UserDriver", "tracking_application_class"]
