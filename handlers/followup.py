"""One typed message in answer to a record: a reply in an obstacle's thread (either side), or the comment a
plan is returned with. Draft kind "followup"; callback data fu|<token>|cancel."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.render import Markup
from handlers import dialog, notify
from handlers.common import answer_callback, inline, main_menu, requires, send
from models import drafts, obstacles, plans
from models.reports import AnswerError
from models.schema import Draft
from models.stats import scope_of

KIND, PREFIX = "followup", "fu"
WHAT = ("obstacle", "plan_return")


async def start(update: Update, context: BotContext, what: str, record_id: int) -> None:
    assert context.identity is not None and what in WHAT
    draft = await drafts.start(
        context.rt.db, context.identity.account_id, KIND, "text", {"what": what, "id": record_id}
    )
    await _ask(update, context, draft)


async def _ask(update: Update, context: BotContext, draft: Draft, lead: list[Markup] | None = None) -> None:
    r = context.r
    key = "followup.ask_reply" if draft.data["what"] == "obstacle" else "followup.ask_comment"
    keyboard = inline([[(r.raw("report.cancel"), dialog.cb(PREFIX, draft, "cancel"))]])
    await dialog.ask(update, context, draft, r(key, ref=r.code(draft.data["id"])), keyboard, lead)


@requires()
async def callback(update: Update, context: BotContext) -> None:
    found = await dialog.pressed(update, context, PREFIX, KIND)
    if found is None:
        return
    _, action, _ = found
    r, who = context.r, context.identity
    if action != "cancel":
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    await dialog.chosen(update, context, r.raw("report.cancel"))
    await drafts.drop(context.rt.db, who.account_id, KIND)
    await send(
        update, context, r("followup.cancelled"), main_menu(who, r, context.rt.settings.bot_ranking_public)
    )


async def on_message(update: Update, context: BotContext, draft: Draft) -> None:
    message, who, rt, r = update.effective_message, context.identity, context.rt, context.r
    assert message is not None and who is not None
    if not message.text:
        await _ask(update, context, draft, [r("report.type_text")])
        return
    record_id = int(draft.data["id"])
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
    try:
        if draft.data["what"] == "obstacle":
            await obstacles.add_message(rt.db, who, scope, record_id, message.text, rt.clock())
            done = r("followup.sent", ref=r.code(record_id))
        else:
            status = await plans.decide(rt.db, who, scope, record_id, False, message.text, rt.clock())
            done = r(
                "followup.returned" if status == "returned" else "plans.already_decided",
                ref=r.code(record_id),
            )
    except AnswerError as exc:
        if exc.reason == "resolved":
            await drafts.drop(rt.db, who.account_id, KIND)
            await send(update, context, r("obstacles.errors.resolved"))
            return
        await _ask(update, context, draft, [r(f"obstacles.errors.{exc.reason}", **exc.details)])
        return
    except obstacles.NotAllowed:
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("general.not_allowed_record"))
        return
    await drafts.drop(rt.db, who.account_id, KIND)
    await send(update, context, done, main_menu(who, r, rt.settings.bot_ranking_public))
    await notify.deliver(context)


dialog.MESSAGE_HANDLERS[KIND] = on_message
