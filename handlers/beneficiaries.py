"""/beneficiaries: add a spreadsheet of people employed to a report already saved.
State: a draft of kind "beneficiaries", pick -> file -> confirm. Callback: bn|<token>|<action>[|arg]."""

from __future__ import annotations

import logging
import re

from sqlalchemy import func, select
from telegram import Update

from handlers.common import answer_callback, close_keyboard, inline, pressed_message, requires, send
from handlers.context import BotContext
from handlers.report.flow import check_file, codes_and_details
from models import drafts, reports
from models.schema import Achievement, Beneficiary, Draft
from views.render import Markup, Renderer

log = logging.getLogger(__name__)
KIND = "beneficiaries"
PREFIX = "bn"
_DATA = re.compile(r"bn\|([0-9a-f]{6})\|(pick|ok|cancel)(?:\|([0-9]{1,9}))?")


def _ref(context: BotContext, achievement_id: int) -> Markup:
    return context.r.code(achievement_id)


async def command(update: Update, context: BotContext) -> None:
    rt, r, who = context.rt, context.r, context.identity
    assert who is not None
    if who.agency_id is None:
        await send(update, context, r("report.no_agency"))
        return
    async with rt.db.session() as session:
        recent = await reports.recent_achievements(session, who.agency_id, rt.year)
    if not recent:
        await send(update, context, r("attach.none"))
        return
    draft = await drafts.start(rt.db, who.account_id, KIND, "pick")
    plain = Renderer("plain", context.locale)
    rows = [
        [
            (
                str(
                    plain(  # button labels carry no markup
                        "attach.line",
                        ref=plain.digits(str(a.id)),
                        date=a.created_on,
                        jobs=a.jobs,
                        title=a.title[:30],
                    )
                ),
                f"{PREFIX}|{draft.token}|pick|{a.id}",
            )
        ]
        for a in recent
    ]
    rows.append([(r.raw("report.cancel"), f"{PREFIX}|{draft.token}|cancel")])
    await send(update, context, r("attach.choose"), inline(rows))


async def _draft(context: BotContext) -> Draft | None:
    return await context.draft(KIND)


@requires("rep")
async def callback(update: Update, context: BotContext) -> None:
    query, rt, r, who = update.callback_query, context.rt, context.r, context.identity
    assert query is not None and who is not None
    match = _DATA.fullmatch(query.data or "")
    if match is None:
        log.warning("update %s: refused beneficiaries data %r", update.update_id, query.data)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    token, action, arg = match.groups()
    draft = await _draft(context)
    if draft is None or draft.token != token:
        await answer_callback(update, r.raw("general.stale_button"), alert=True)
        await close_keyboard(context, pressed_message(update))
        return
    await answer_callback(update)
    await close_keyboard(context, pressed_message(update))
    if action == "cancel":
        await drafts.drop(rt.db, who.account_id, KIND)
        await send(update, context, r("attach.cancelled"))
    elif action == "pick" and draft.state == "pick" and arg:
        async with rt.db.session() as session:
            achievement = await session.get(Achievement, int(arg))
        if (
            achievement is None
            or achievement.agency_id != who.agency_id
            or achievement.status not in reports.EDITABLE
        ):  # the server decides, not the button
            log.warning("update %s: achievement %s is not this rep's agency's", update.update_id, arg)
            await send(update, context, r("general.bad_button"))
            return
        await drafts.save(rt.db, draft, "file", {"achievement_id": achievement.id, "year": achievement.year})
        await send(update, context, r("attach.send_file", ref=_ref(context, achievement.id)))
    elif action == "ok" and draft.state == "confirm":
        data = draft.data
        result = await reports.add_beneficiaries(
            rt.db,
            who,
            int(data["achievement_id"]),
            list(data["codes"]),
            dict(data.get("details") or {}),
            rt.clock(),
        )
        await drafts.drop(rt.db, who.account_id, KIND)
        if result is None:
            await send(update, context, r("general.bad_button"))
        elif result.conflicts:
            await send(
                update,
                context,
                r("attach.conflict", codes=r.codes(list(result.conflicts))),
            )
        else:
            await send(
                update,
                context,
                r(
                    "attach.added",
                    count=result.added,
                    ref=_ref(context, data["achievement_id"]),
                    jobs=result.jobs_after,
                ),
            )
    else:
        await send(update, context, r("report.old_step_button"))


async def continue_with_message(update: Update, context: BotContext) -> bool:
    """A message while adding a list: the file, or a reminder of what is expected. False if none is open."""
    who = context.identity
    if who is None or who.role != "rep":
        return False
    draft = await _draft(context)
    if draft is None:
        return False
    r, rt = context.r, context.rt
    message = update.effective_message
    assert message is not None
    if draft.state != "file" or message.document is None:
        return False  # text goes on to other handlers; an idle list never blocks a report
    result = await check_file(update, context, int(draft.data["year"]))
    if result is None or not result.valid:
        if result is not None:
            await send(update, context, r("beneficiaries.no_valid"))
        return True
    codes, details = codes_and_details(result)
    achievement_id = int(draft.data["achievement_id"])
    async with rt.db.session() as session:
        achievement = await session.get(Achievement, achievement_id)
        existing = (
            await session.execute(
                select(func.count())
                .select_from(Beneficiary)
                .where(Beneficiary.achievement_id == achievement_id)
            )
        ).scalar_one()
    assert achievement is not None
    lines = [r("attach.confirm", count=len(codes), ref=_ref(context, achievement_id))]
    after = max(achievement.jobs, existing + len(codes))
    if after != achievement.jobs:
        lines.append(r("attach.confirm_jobs", before=achievement.jobs, after=after))
    await drafts.save(rt.db, draft, "confirm", {**draft.data, "codes": codes, "details": details})
    keyboard = inline(
        [
            [
                (r.raw("attach.add"), f"{PREFIX}|{draft.token}|ok"),
                (r.raw("report.cancel"), f"{PREFIX}|{draft.token}|cancel"),
            ]
        ]
    )
    await send(update, context, r.join(lines), keyboard)
    return True
