"""One typed message in answer to a record: a reply in an obstacle's thread (either side), or the comment a
plan is returned with. Draft kind "followup"; callback data fu|<token>|cancel."""

from __future__ import annotations

from telegram import Update

from handlers import dialog, notify
from handlers.common import answer_callback, inline, main_menu, requires, send
from handlers.context import BotContext
from models import access, drafts, obstacles, plans, review, roster
from models.access import AnswerError
from models.schema import Draft
from models.stats import Scope, find_agencies, scope_of
from views.render import Markup

KIND, PREFIX = "followup", "fu"
WHAT = ("obstacle", "plan_return", "achievement_return", "person_agency")
ASK = {
    "obstacle": "followup.ask_reply",
    "plan_return": "followup.ask_comment",
    "achievement_return": "followup.ask_reason",
    "person_agency": "followup.ask_agency",
}


async def start(update: Update, context: BotContext, what: str, record_id: int, version: int = 0) -> None:
    assert context.identity is not None and what in WHAT
    data = {"what": what, "id": record_id, "version": version}
    draft = await drafts.start(context.rt.db, context.identity.account_id, KIND, "text", data)
    await _ask(update, context, draft)


async def _ask(update: Update, context: BotContext, draft: Draft, lead: list[Markup] | None = None) -> None:
    r = context.r
    key = ASK[draft.data["what"]]
    keyboard = inline([[(r.raw("report.cancel"), dialog.cb(PREFIX, draft, "cancel"))]])
    await dialog.ask(update, context, draft, r(key, ref=r.code(draft.data["id"])), keyboard, lead)


@requires()
async def callback(update: Update, context: BotContext) -> None:
    found = await dialog.pressed(update, context, PREFIX, KIND)
    if found is None:
        return
    _, action, _ = found
    if action != "cancel":
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await dialog.cancel(update, context, KIND, "followup.cancelled")


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
        elif draft.data["what"] == "person_agency":
            moved = await _move_person(update, context, draft, scope, message.text)
            if moved is None:
                return
            done = moved
        elif draft.data["what"] == "achievement_return":
            version = int(draft.data.get("version", 0))
            await review.decide(rt.db, who, scope, record_id, version, False, message.text, rt.clock())
            done = r("followup.achievement_returned", ref=r.code(record_id))
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
    except review.Changed:
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("review.changed"))
        return
    except access.NotAllowed:
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("general.not_allowed_record"))
        return
    await drafts.drop(rt.db, who.account_id, KIND)
    await send(update, context, done, main_menu(who, r, rt.settings.bot_ranking_public))
    entity = {"obstacle": "obstacle", "achievement_return": "achievement", "plan_return": "plan"}
    if draft.data["what"] in entity:
        await notify.deliver(context, entity[draft.data["what"]], record_id)


async def _move_person(
    update: Update, context: BotContext, draft: Draft, scope: Scope | None, text: str
) -> Markup | None:
    """The agency typed for a rep being moved: one match moves them; none or several ask again."""
    rt, r, who = context.rt, context.r, context.identity
    assert who is not None
    async with rt.db.session() as session:
        found = await find_agencies(session, scope, text) if scope else []
    if len(found) != 1:
        names = r.join([Markup(f"• {r.escape(a.name)} ({r.code(a.code)})") for a in found])
        lead = [r("followup.agency_several", names=names)] if found else [r("agency.not_found")]
        await _ask(update, context, draft, lead)
        return None
    await roster.set_agency(rt.db, who, scope, int(draft.data["id"]), found[0].id)
    return r("followup.moved", agency=found[0].name)


dialog.MESSAGE_HANDLERS[KIND] = on_message
