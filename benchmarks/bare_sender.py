"""The fan-out ceiling: a bare PTB loop sending the same number of messages of the same length to as many
chats, with the same concurrency, and nothing else (no database, no rendering).
`python -m benchmarks.bare_sender BASE_URL TOKEN COUNT CONCURRENCY TEXT_LENGTH`"""

from __future__ import annotations

import asyncio
import sys

from telegram import Bot
from telegram.request import HTTPXRequest

from benchmarks.national import FIRST_CHAT


async def main(base_url: str, token: str, count: int, concurrency: int, length: int) -> None:
    request = HTTPXRequest(connection_pool_size=concurrency * 2)
    # Like a reminder: a bold first line in HTML, parsed by the server the same way.
    body = ("پیام یادآوری آزمایشی " * (length // 20 + 1))[: max(length - 40, 1)]
    text = f"<b>⏰ یادآوری مهلت ثبت</b>\n{body}"
    gate = asyncio.Semaphore(concurrency)

    async def one(bot: Bot, chat_id: int) -> None:
        async with gate:
            await bot.send_message(chat_id, text, parse_mode="HTML")

    async with Bot(token, base_url=base_url, request=request) as bot:
        await asyncio.gather(*(one(bot, FIRST_CHAT + i) for i in range(count)))


if __name__ == "__main__":
    base, token, count, concurrency, length = sys.argv[1:6]
    asyncio.run(main(base, token, int(count), int(concurrency), int(length)))
