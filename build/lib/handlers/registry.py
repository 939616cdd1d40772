"""Handler registration, apart from the logic. Groups run in order:
-3 the per-user flood limit, -2 identity (private chats only; who is talking), -1 a "saved" the user never
got (the process stopped between saving and saying so), 0 commands, buttons and messages."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    agency,
    commands,
    flood,
    general,
    identity,
    inbox,
    invites,
    myreports,
    obstacles,
    onboarding,
    people,
    plans,
    ranking,
    receipts,
    reminders,
    review,
)
from handlers.conversations import CONVERSATIONS

NEW_MESSAGE = filters.UpdateType.MESSAGE


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, flood.check), group=-3)
    app.add_handler(TypeHandler(Update, identity.load), group=-2)
    app.add_handler(TypeHandler(Update, receipts.tell), group=-1)

    for command in commands.commands():  # the one table: name, handler, who may use it
        app.add_handler(CommandHandler(command.name, commands.guarded(command), filters=NEW_MESSAGE))
    app.add_handler(MessageHandler(NEW_MESSAGE & filters.COMMAND, general.unknown_command))
    app.add_handler(MessageHandler(NEW_MESSAGE & filters.CONTACT, onboarding.contact))
    for conversation in CONVERSATIONS:  # each conversation's buttons, behind its role check
        app.add_handler(CallbackQueryHandler(conversation.press_handler(), pattern=conversation.pattern))
    app.add_handler(CallbackQueryHandler(ranking.callback, pattern=rf"^{ranking.PREFIX}\|"))
    app.add_handler(CallbackQueryHandler(general.lang_callback, pattern=r"^lg\|"))
    app.add_handler(CallbackQueryHandler(reminders.settings_callback, pattern=r"^st\|"))
    app.add_handler(CallbackQueryHandler(agency.callback, pattern=r"^ag\|"))
    app.add_handler(CallbackQueryHandler(inbox.callback, pattern=rf"^{inbox.PREFIX}\|"))
    app.add_handler(CallbackQueryHandler(agency.remind_callback, pattern=r"^a[rx]\|"))
    app.add_handler(CallbackQueryHandler(reminders.remind_now_callback, pattern=r"^rn\|"))
    app.add_handler(CallbackQueryHandler(obstacles.action_callback, pattern=r"^ox\|"))
    app.add_handler(CallbackQueryHandler(obstacles.list_callback, pattern=rf"^{obstacles.LIST_PREFIX}\|"))
    app.add_handler(CallbackQueryHandler(plans.action_callback, pattern=r"^px\|"))
    app.add_handler(CallbackQueryHandler(invites.callback, pattern=r"^iv\|"))
    app.add_handler(CallbackQueryHandler(review.callback, pattern=r"^rv\|"))
    app.add_handler(CallbackQueryHandler(myreports.callback, pattern=r"^mr\|"))
    app.add_handler(CallbackQueryHandler(people.callback, pattern=r"^pp\|"))
    app.add_handler(CallbackQueryHandler(general.forged_callback))
    app.add_handler(MessageHandler(NEW_MESSAGE, general.route_message))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, general.edited_message))
    app.add_error_handler(general.on_error)
