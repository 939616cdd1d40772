"""/obstacle: a rep reports what blocks the agency (category, description, evidence, help asked for,
confirm); /obstacles lists open ones; `ox|<action>|<id>` buttons act on a saved one (authorized again).
Conversation callback data: ob|<token>|<action>[|<arg>]."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update

from handlers import dialog, followup, notify
from handlers.common import answer_callback, inline, main_menu, requires, send
from handlers.context import BotContext
from models import access, drafts, obstacles
from models.access import AnswerError
from models.schema import Draft
from models.stats import scope_of
from views.cards import obstacle_buttons, obstacle_card
from views.render import Markup

log = logging.getLogger(__name__)
KIND, PREFIX = "obstacle", "ob"
_ACTION = re.compile(r"ox\|(ack|reply|res|files|show)\|([0-9]{1,9})")


def _cancel(r: Any, draft: Draft) -> list[tuple[str, str]]:
    return [(r.raw("report.cancel"), dialog.cb(PREFIX, draft, "cancel"))]


def _prompt(context: BotContext, draft: Draft) -> tuple[Markup, Any]:
    r, state = context.r, draft.state
    if state == "category":
        buttons = [
            (r.raw(f"obstacles.categories.{c}"), dialog.cb(PREFIX, draft, "cat", c))
            for c in obstacles.CATEGORIES
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return r("obstacles.ask_category"), inline([*rows, _cancel(r, draft)])
    if state == "evidence":
        files = draft.data.get("files", [])
        label = r.raw("obstacles.files_done") if files else r.raw("report.skip")
        return (
            r("obstacles.ask_evidence", count=len(files), maximum=dialog.MAX_FILES),
            inline([[(label, dialog.cb(PREFIX, draft, "done"))], _cancel(r, draft)]),
        )
    if state == "summary":
        data = draft.data
        lines = [
            r("obstacles.summary_title"),
            r("obstacles.summary_category", category=r.raw(f"obstacles.categories.{data['category']}")),
            r("obstacles.card_description", description=data["description"]),
            r("obstacles.card_help", help=data["help"]),
            r("obstacles.card_files", count=len(data.get("files", []))),
        ]
        rows = [[(r.raw("obstacles.confirm"), dialog.cb(PREFIX, draft, "ok"))], _cancel(r, draft)]
        return r.join(lines), inline(rows)
    return r(f"obstacles.ask_{state}"), inline([_cancel(r, draft)])


async def _ask(update: Update, context: BotContext, draft: Draft, lead: list[Markup] | None = None) -> None:
    text, keyboard = _prompt(context, draft)
    await dialog.ask(update, context, draft, text, keyboard, lead)


async def _advance(
    update: Update, context: BotContext, draft: Draft, state: str, data: dict[str, Any]
) -> None:
    if not await drafts.save(context.rt.db, draft, state, data):
        await send(update, context, context.r("report.already_closed"))
        return
    await _ask(update, context, draft)


async def command(update: Update, context: BotContext) -> None:
    who, rt = context.identity, context.rt
    assert who is not None
    if who.agency_id is None:
        await send(update, context, context.r("report.no_agency"))
        return
    draft = await drafts.start(rt.db, who.account_id, KIND, "category", {"year": rt.year, "files": []})
    await _ask(update, context, draft)


@requires("rep")
async def callback(update: Update, context: BotContext) -> None:
    found = await dialog.pressed(update, context, PREFIX, KIND)
    if found is None:
        return
    draft, action, arg = found
    r, who = context.r, context.identity
    assert who is not None
    if action == "cancel":
        await dialog.cancel(update, context, KIND, "obstacles.cancelled")
        return
    expected = {"cat": "category", "done": "evidence", "ok": "summary"}.get(action)
    if expected is None or (action == "cat" and arg not in obstacles.CATEGORIES):
        log.warning("update %s: refused obstacle action %r", update.update_id, action)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    if draft.state != expected:
        await answer_callback(update, r.raw("report.old_step_button"))
        await _ask(update, context, draft)
        return
    if action == "cat":
        await dialog.chosen(update, context, r.raw(f"obstacles.categories.{arg}"))
        await _advance(update, context, draft, "description", {**draft.data, "category": arg})
    elif action == "done":
        files = draft.data.get("files", [])
        await dialog.chosen(update, context, r.raw("obstacles.files_done") if files else r.raw("report.skip"))
        await _advance(update, context, draft, "help", draft.data)
    else:
        await _confirm(update, context, draft)


async def _confirm(update: Update, context: BotContext, draft: Draft) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    await answer_callback(update)
    try:
        obstacle_id = await obstacles.create(
            rt.db, who, draft.data, int(draft.data["year"]), rt.platform, rt.clock()
        )
    except AnswerError:
        await send(update, context, r("obstacles.incomplete"))
        return
    await drafts.drop(rt.db, who.account_id, KIND)  # after the commit above: the obstacle is saved
    await dialog.close(update, context)
    menu = main_menu(who, r, rt.settings.bot_ranking_public)
    await send(update, context, r("obstacles.saved", ref=r.code(obstacle_id)), menu)
    await notify.deliver(context, "obstacle", obstacle_id)


async def on_message(update: Update, context: BotContext, draft: Draft) -> None:
    message, r = update.effective_message, context.r
    assert message is not None
    state = draft.state
    if state in ("category", "summary"):
        await _ask(update, context, draft, [r("report.use_buttons")])
        return
    if state == "evidence":
        files = list(draft.data.get("files", []))
        problem = dialog.check_file(message, len(files))
        if problem is not None:
            await _ask(update, context, draft, [r(problem, maximum=dialog.MAX_FILES)])
            return
        files.append(dialog.file_of(message))
        state = "help" if len(files) >= dialog.MAX_FILES else "evidence"
        if await drafts.save(context.rt.db, draft, state, {**draft.data, "files": files}):
            await _ask(update, context, draft, [r("obstacles.file_received", count=len(files))])
        return
    if not message.text:
        await _ask(update, context, draft, [r("report.type_text")])
        return
    limits = {
        "description": (obstacles.DESCRIPTION_MIN, obstacles.DESCRIPTION_MAX, "evidence"),
        "help": (obstacles.HELP_MIN, obstacles.HELP_MAX, "summary"),
    }
    low, high, following = limits[state]
    try:
        value = access.check_text(message.text, low, high)
    except AnswerError as exc:
        await _ask(update, context, draft, [r(f"obstacles.errors.{exc.reason}", **exc.details)])
        return
    await _advance(update, context, draft, following, {**draft.data, state: value})


dialog.MESSAGE_HANDLERS[KIND] = on_message


# --- the list and the actions on saved obstacles ---------------------------------------------------------


async def list_command(update: Update, context: BotContext) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        found = await obstacles.open_list(session, who, scope)
    if not found:
        await send(update, context, r("obstacles.none_open"))
        return
    lines = [r("obstacles.list_title", count=min(len(found), obstacles.LIST_LIMIT))]
    buttons = []
    for obstacle, agency in found[: obstacles.LIST_LIMIT]:
        lines.append(
            r(
                "obstacles.list_line",
                ref=r.code(obstacle.id),
                agency=agency,
                category=r.raw(f"obstacles.categories.{obstacle.category}"),
                status=r.raw(f"obstacles.status_{obstacle.status}"),
                date=obstacle.created_at.astimezone(rt.settings.tz).date(),
            )
        )
        buttons.append((f"#{r.digits(str(obstacle.id))}", f"ox|show|{obstacle.id}"))
    if len(found) > obstacles.LIST_LIMIT:
        lines.append(r("obstacles.list_more", count=obstacles.LIST_LIMIT))
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    await send(update, context, r.join(lines), inline(rows))


@requires()
async def action_callback(update: Update, context: BotContext) -> None:
    query, who, rt, r = update.callback_query, context.identity, context.rt, context.r
    assert query is not None and who is not None
    parsed = dialog.record_action(update, _ACTION)
    if parsed is None:
        await dialog.refuse(update, context, query.data)
        return
    action, obstacle_id, _ = parsed
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        view = await obstacles.load(session, obstacle_id)
    if view is None or not access.may_see(who, scope, view.obstacle.agency_id, view.county_id):
        await dialog.refuse(update, context, query.data)
        return
    if action in ("ack", "res"):
        if who.role == "rep":
            await dialog.refuse(update, context, query.data)
            return
        status = "acknowledged" if action == "ack" else "resolved"
        try:
            changed, now = await obstacles.set_status(rt.db, who, scope, obstacle_id, status, rt.clock())
        except access.NotAllowed:
            await dialog.refuse(update, context, query.data)
            return
        await answer_callback(
            update,
            r.raw(f"obstacles.now_{now}")
            if changed
            else r.raw(
                "obstacles.already",
            ),
        )
        await _show(update, context, obstacle_id)
        if changed:
            await notify.deliver(context, "obstacle", obstacle_id)
        return
    await answer_callback(update)
    if action == "show":
        await _show(update, context, obstacle_id)
    elif action == "files":
        await dialog.send_files(update, context, view.attachments)
    elif view.obstacle.status == "resolved":
        await send(update, context, r("obstacles.errors.resolved"))
    else:
        await followup.start(update, context, "obstacle", obstacle_id)


async def _show(update: Update, context: BotContext, obstacle_id: int) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    async with rt.db.session() as session:
        view = await obstacles.load(session, obstacle_id)
    if view is not None:
        await send(
            update, context, obstacle_card(r, view, rt.settings.tz), obstacle_buttons(r, view, who.role)
        )
