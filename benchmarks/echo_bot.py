"""The conversation ceiling: a bare PTB echo bot (one answer per update, nothing else), polling the same
fake server with the same concurrency as the bot. `python -m benchmarks.echo_bot BASE_URL TOKEN`"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await context.bot.send_message(update.effective_message.chat_id, update.effective_message.text)


def main(base_url: str, token: str) -> None:
    app = Application.builder().token(token).base_url(base_url).concurrent_updates(128).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
