"""/myreports: a rep's agency's reports with their review status; on each, Edit and resubmit or Withdraw
(until approved), and Add evidence. Buttons mr|<action>|<id>[|<version>], authorized again on every press;
the version guards against acting on a report changed meanwhile. Evidence collection: draft kind
"evidence", callback data ev|<token>|<action>."""

from __future__ import annotations

import re

from telegram import Update

from handlers import dialog, report
from handlers.common import answer_callback, inline, main_menu, requires, send
from handlers.context import BotContext
from models import drafts, review
from models.access import NotAllowed
from models.schema import Draft
from views.cards import achievement_buttons, achievement_card
from views.render import Markup

_ACTION = re.compile(r"mr\|(show|edit|wd|wdy|ev|files)\|([0-9]{1,9})(?:\|([0-9]{1,6}))?")
KIND, PREFIX = "evidence", "ev"


async def command(update: Update, context: BotContext) -> None:
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    if who.agency_id is None:
        await send(update, context, r("report.no_agency"))
        return
    async with rt.db.session() as session:
        found = await review.agency_reports(session, who.agency_id, rt.year)
    if not found:
        await send(update, context, r("myreports.none"))
        return
    lines = [r("myreports.title")]
    buttons = []
    for a in found:
        lines.append(
            r(
                "myreports.line",
                ref=r.code(a.id),
                date=a.created_on,
                jobs=a.jobs,
                title=a.title[:40],
                status=r.raw(f"review.status_{a.status}"),
            )
        )
        buttons.append((f"#{r.digits(str(a.id))}", f"mr|show|{a.id}"))
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    await send(update, context, r.join(lines), inline(rows))


@requires("rep")
async def callback(update: Update, context: BotContext) -> None:
    query, who, rt, r = update.callback_query, context.identity, context.rt, context.r
    assert query is not None and who is not None
    parsed = dialog.record_action(update, _ACTION)
    if parsed is None:
        await dialog.refuse(update, context, query.data)
        return
    action, achievement_id, version = parsed[0], parsed[1], int(parsed[2] or 0)
    async with rt.db.session() as session:
        card = await review.load(session, achievement_id)
    if card is None or card.achievement.agency_id != who.agency_id:
        await dialog.refuse(update, context, query.data)
        return
    a = card.achievement
    if action == "show":
        await answer_callback(update)
        await send(
            update,
            context,
            achievement_card(r, card, rt.settings.tz),
            achievement_buttons(r, card, "rep", False),
        )
        return
    if action == "files":
        await answer_callback(update)
        await dialog.send_files(update, context, card.files)
        return
    if action == "ev":
        if a.status == review.WITHDRAWN:
            await answer_callback(update, r.raw("review.changed"), alert=True)
            return
        await answer_callback(update)
        draft = await drafts.start(rt.db, who.account_id, KIND, "files", {"id": a.id, "files": []})
        await _ask_files(update, context, draft)
        return
    if a.status not in review.EDITABLE or a.version != version:
        await answer_callback(update, r.raw("review.changed"), alert=True)
        await send(
            update,
            context,
            achievement_card(r, card, rt.settings.tz),
            achievement_buttons(r, card, "rep", False),
        )
        return
    await answer_callback(update)
    if action == "edit":
        await report.begin_amend(update, context, card)
    elif action == "wd":
        keyboard = inline(
            [
                [
                    (r.raw("myreports.withdraw_yes"), f"mr|wdy|{a.id}|{a.version}"),
                    (r.raw("myreports.withdraw_no"), f"mr|show|{a.id}"),
                ]
            ]
        )
        await send(
            update,
            context,
            r("myreports.withdraw_confirm", ref=r.code(a.id), jobs=a.jobs, title=a.title),
            keyboard,
        )
    else:
        try:
            await review.withdraw(rt.db, who, a.id, version, rt.clock())
        except (review.Changed, NotAllowed):
            await send(update, context, r("review.changed"))
            return
        await dialog.close(update, context)
        await send(
            update,
            context,
            r("myreports.withdrawn", ref=r.code(a.id)),
            main_menu(who, r, rt.settings.bot_ranking_public),
        )


# --- evidence for a saved report --------------------------------------------------------------------------


async def _ask_files(
    update: Update, context: BotContext, draft: Draft, lead: list[Markup] | None = None
) -> None:
    r = context.r
    files = draft.data.get("files", [])
    rows = []
    if files:
        rows.append([(r.raw("obstacles.files_done"), dialog.cb(PREFIX, draft, "done"))])
    rows.append([(r.raw("report.cancel"), dialog.cb(PREFIX, draft, "cancel"))])
    text = r("myreports.ask_files", ref=r.code(draft.data["id"]), count=len(files), maximum=dialog.MAX_FILES)
    await dialog.ask(update, context, draft, text, inline(rows), lead)


async def on_message(update: Update, context: BotContext, draft: Draft) -> None:
    message, r = update.effective_message, context.r
    assert message is not None
    files = list(draft.data.get("files", []))
    problem = dialog.check_file(message, len(files))
    if problem is not None:
        await _ask_files(update, context, draft, [r(problem, maximum=dialog.MAX_FILES)])
        return
    files.append(dialog.file_of(message))
    if await drafts.save(context.rt.db, draft, "files", {**draft.data, "files": files}):
        await _ask_files(update, context, draft, [r("obstacles.file_received", count=len(files))])


dialog.MESSAGE_HANDLERS[KIND] = on_message


@requires("rep")
async def evidence_callback(update: Update, context: BotContext) -> None:
    found = await dialog.pressed(update, context, PREFIX, KIND)
    if found is None:
        return
    draft, action, _ = found
    who, rt, r = context.identity, context.rt, context.r
    assert who is not None
    if action not in ("done", "cancel") or (action == "done" and not draft.data.get("files")):
        await dialog.refuse(update, context, update.callback_query.data if update.callback_query else None)
        return
    await dialog.chosen(
        update, context, r.raw("obstacles.files_done" if action == "done" else "report.cancel")
    )
    menu = main_menu(who, r, rt.settings.bot_ranking_public)
    if action == "cancel":
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("followup.cancelled"), menu)
        return
    try:
        count = await review.add_files(rt.db, who, int(draft.data["id"]), draft.data["files"], rt.platform)
    except NotAllowed:
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("general.not_allowed_record"))
        return
    await drafts.drop(rt.db, who.account_id, KIND)
    await send(update, context, r("myreports.files_saved", ref=r.code(draft.data["id"]), count=count), menu)
