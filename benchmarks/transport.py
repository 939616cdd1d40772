"""The HTTP layer under PTB: CPU time of one Bot.send_message through PTB's default HTTPXRequest and
through the bot's AiohttpRequest (bot/transport.py), against the counting fake in a process of its own, so
only the client's work is timed. Same messages, same concurrency, one run."""

from __future__ import annotations

import asyncio
import time

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from benchmarks.national import start_fake
from bot.transport import AiohttpRequest

TOKEN = "123456:BENCH"
CALLS = 3_000
CONCURRENCY = 8


async def cpu_per_call(base_url: str, request: BaseRequest) -> float:
    """Milliseconds of this process's CPU per send_message (after a warm-up)."""
    text = "گزارش شما ثبت شد. " * 10
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(bot: Bot, chat_id: int) -> None:
        async with gate:
            await bot.send_message(chat_id, text)

    async with Bot(TOKEN, base_url=base_url, request=request) as bot:
        await asyncio.gather(*(one(bot, 1000 + i) for i in range(200)))
        began = time.process_time()
        await asyncio.gather(*(one(bot, 1000 + i) for i in range(CALLS)))
        return (time.process_time() - began) / CALLS * 1000


async def main() -> None:
    process, ports = start_fake("--token", TOKEN)
    base_url = f"http://127.0.0.1:{ports['api_port']}/bot"
    try:
        httpx_ms = await cpu_per_call(base_url, HTTPXRequest(connection_pool_size=CONCURRENCY))
        aiohttp_ms = await cpu_per_call(base_url, AiohttpRequest(connection_pool_size=CONCURRENCY))
    finally:
        process.terminate()
        process.wait()
    print(f"\nTransport: CPU per send_message ({CALLS:,} calls, {CONCURRENCY} at a time)")
    print(f"  PTB's HTTPXRequest (httpx):   {httpx_ms:5.2f} ms")
    print(f"  bot's AiohttpRequest:         {aiohttp_ms:5.2f} ms   ({httpx_ms / aiohttp_ms:.1f}× less)")


if __name__ == "__main__":
    asyncio.run(main())
