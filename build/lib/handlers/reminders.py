"""/digest, /settings, /remind_now and /holidays: the chat side of reminders."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update

from handlers.common import answer_callback, edit_or_send, inline, pressed_message, requires, send
from handlers.context import BotContext
from models import holidays, people, schedule
from models.jalali import DateError, deadline_date, parse_jalali, year_start
from models.schema import Person
from models.stats import scope_of
from views import texts
from views.render import Markup

log = logging.getLogger(__name__)
DIGEST_TIMES = ("07:00", "08:00", "09:00", "10:00", "12:00", "14:00")


async def digest_command(update: Update, context: BotContext) -> None:
    rt, who = context.rt, context.who
    async with rt.db.session() as session:
        found = await texts.digest(session, context.r, who, rt.year, rt.today(), rt.clock(), rt.settings.tz)
    if found is None:
        await send(update, context, context.r("ranking.no_scope"))
        return
    await send(update, context, *found)


# --- /settings --------------------------------------------------------------------------------------------


async def _settings_view(context: BotContext) -> tuple[Markup, InlineKeyboardMarkup]:
    who, r, rt = context.who, context.r, context.rt
    async with rt.db.session() as session:
        muted, digest_time = (
            await session.execute(
                select(Person.nudges_muted, Person.digest_time).where(Person.id == who.person_id)
            )
        ).one()
    lines = [r("settings.title"), r("settings.nudges_off" if muted else "settings.nudges_on")]
    rows = [[(r.raw("settings.unmute" if muted else "settings.mute"), "st|unmute" if muted else "st|mute")]]
    if who.role in ("supervisor", "admin"):
        shown = digest_time or rt.settings.digest_time
        lines.append(r("settings.digest_at", time=r.code(shown)))
        rows.append([(r.raw("settings.digest_button"), "st|time")])
    return r.join(lines), inline(rows)


async def settings_command(update: Update, context: BotContext) -> None:
    text, keyboard = await _settings_view(context)
    await send(update, context, text, keyboard)


@requires("rep", "supervisor", "admin")
async def settings_callback(update: Update, context: BotContext) -> None:
    query, who, rt, r = update.callback_query, context.who, context.rt, context.r
    assert query is not None
    action = (query.data or "").split("|")[1:]
    if action in (["mute"], ["unmute"]):
        await people.update_preferences(rt.db, who.person_id, nudges_muted=action == ["mute"])
    elif action == ["time"] and who.role in ("supervisor", "admin"):
        await answer_callback(update)
        buttons = [(r.digits(t), f"st|t|{t.replace(':', '')}") for t in DIGEST_TIMES]
        keyboard = inline([buttons[:3], buttons[3:]])
        await edit_or_send(update, context, pressed_message(update), r("settings.choose_time"), keyboard)
        return
    elif (
        len(action) == 2
        and action[0] == "t"
        and who.role in ("supervisor", "admin")
        and f"{action[1][:2]}:{action[1][2:]}" in DIGEST_TIMES
    ):
        await people.update_preferences(rt.db, who.person_id, digest_time=f"{action[1][:2]}:{action[1][2:]}")
    else:
        log.warning("update %s: refused settings data %r", update.update_id, query.data)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    await answer_callback(update, r.raw("settings.saved"))
    text, keyboard = await _settings_view(context)
    await edit_or_send(update, context, pressed_message(update), text, keyboard)


# --- /remind_now ------------------------------------------------------------------------------------------


async def remind_now_command(update: Update, context: BotContext) -> None:
    r = context.r
    options = [
        (r.raw("remind.option_today") if d == 0 else r("remind.option", days=d), f"rn|{d}")
        for d in context.rt.settings.reminder_days
    ]
    await send(
        update, context, r("remind.choose"), inline([options[i : i + 3] for i in range(0, len(options), 3)])
    )


@requires("admin")
async def remind_now_callback(update: Update, context: BotContext) -> None:
    query, who, rt, r = update.callback_query, context.who, context.rt, context.r
    assert query is not None
    arg = (query.data or "").partition("|")[2]
    if not re.fullmatch(r"[0-9]{1,3}", arg) or int(arg) not in rt.settings.reminder_days:
        log.warning("update %s: refused remind_now data %r", update.update_id, query.data)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    await answer_callback(update)
    days, now, today = int(arg), rt.clock(), rt.today()
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        # Everyone in scope on every messenger served; other messengers send theirs at their next tick.
        targets = [
            target
            for platform in rt.settings.platform_names
            for target in await schedule.scope_recipients(
                session, platform, scope.county_ids if scope else ()
            )
        ]
    rows = [
        schedule.PlannedRow(
            t,
            f"manual:{rt.year}:d{days}:{today.isoformat()}",
            "milestone",
            now,
            {"year": rt.year, "days_before": days, "manual_by": who.person_id},
        )
        for t in targets
    ]
    added = await schedule.store(rt.db, rows)
    await send(update, context, r("remind.queued", count=added) if added else r("remind.nothing"))
    if added:
        if rt.send_outbox is not None:
            context.application.create_task(rt.send_outbox(None), update=update)


# --- /holidays --------------------------------------------------------------------------------------------


async def holidays_command(update: Update, context: BotContext) -> None:
    rt, r, who = context.rt, context.r, context.who
    args = context.args or []
    if not args:
        days = await holidays.listed(rt.db, rt.today() - dt.timedelta(days=30))
        lines = [r("holidays.title")]
        lines += [
            r(
                "holidays.line",
                date=h.day,
                note=h.note or "—",
                mark=r.raw("holidays.estimated") if h.estimated else "",
            )
            for h in days
        ] or [r("holidays.none")]
        await send(update, context, r.join([*lines, Markup(""), r("holidays.usage")]))
        return
    action, rest = args[0].lower(), args[1:]
    if action not in ("add", "remove") or not rest:
        await send(update, context, r("holidays.usage"))
        return
    try:
        day = parse_jalali(rest[0], rt.year)
        if action == "add":
            holidays.check_in_year(day, rt.year)
    except DateError as exc:
        start, end = year_start(rt.year), deadline_date(rt.year)
        if exc.reason == "outside_year":
            text = r("holidays.outside_year", date=day, year=r.code(rt.year), start=start, end=end)
        elif exc.reason == "no_such_day":
            text = r("holidays.no_such_day", typed=r.code(rest[0]))
        else:
            text = r("holidays.bad_date")
        await send(update, context, text)
        return
    actor = f"person:{who.person_id}"
    if action == "add":
        added = await holidays.add(rt.db, day, " ".join(rest[1:]), actor, who.person_id)
        await send(update, context, r("holidays.added" if added else "holidays.updated", date=day))
    elif await holidays.remove(rt.db, day, actor, who.person_id):
        await send(update, context, r("holidays.removed", date=day))
    else:
        await send(update, context, r("holidays.not_found"))
