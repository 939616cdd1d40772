"""/review: supervisors go through their scope's reports awaiting review, one at a time, and approve or
return each (with a reason). Buttons rv|<action>|<id>[|<version>] (handlers.records, authorized again on
every press); the version guards against deciding on a report the rep changed meanwhile."""

from __future__ import annotations

from telegram import Update

from handlers import evidence, followup, notify, records
from handlers.common import answer_callback, requires, send
from handlers.context import BotContext
from models import review
from models.access import NotAllowed, may_see
from models.review import Card
from models.stats import scope_of
from views.cards import achievement_buttons, achievement_card


async def show_next(update: Update, context: BotContext, after: int = 0) -> None:
    who, rt, r = context.who, context.rt, context.r
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        found, count = await review.pending(session, scope, after)
        card = await review.load(session, found.id) if found is not None else None
    if card is None:
        await send(update, context, r("review.none"))
        return
    head = r("review.head", count=count)
    text = r.join([head, achievement_card(r, card, rt.settings.tz)])
    await send(update, context, text, achievement_buttons(r, card, who.role, count > 1))


async def command(update: Update, context: BotContext) -> None:
    await show_next(update, context)


SAVED: records.Records[Card] = records.Records(
    "rv",
    ("ok", "ret", "next", "files", "show"),
    review.load,
    lambda who, scope, card: may_see(who, scope, card.achievement.agency_id, card.county_id),
    arg=r"[0-9]{0,6}",  # a version
    year=lambda card: card.achievement.year,
)


async def open_by_number(update: Update, context: BotContext, number: int) -> None:
    """A report of the supervisor's scope named by its number («#12» typed alone), with its actions."""
    card = await records.by_number(update, context, SAVED, number, "review.not_found")
    if card is not None:
        r, tz = context.r, context.rt.settings.tz
        await send(
            update,
            context,
            achievement_card(r, card, tz),
            achievement_buttons(r, card, context.who.role, False),
        )


@requires("supervisor", "admin")
async def callback(update: Update, context: BotContext) -> None:
    pressed = await records.pressed(update, context, SAVED)
    if pressed is None:
        return
    who, rt, r, card, scope = context.who, context.rt, context.r, pressed.record, pressed.scope
    action, achievement_id, version = pressed.action, pressed.id, int(pressed.arg or 0)
    if action == "next":
        await answer_callback(update)
        await show_next(update, context, achievement_id)
        return
    if action == "show":
        await answer_callback(update)
        text = achievement_card(r, card, rt.settings.tz)
        await send(update, context, text, achievement_buttons(r, card, who.role, False))
        return
    if action == "files":
        await answer_callback(update)
        await evidence.send_files(update, context, card.files)
        return
    a = card.achievement
    if a.status != review.PENDING or a.version != version:
        await answer_callback(update, r.raw("review.changed"), alert=True)
        await send(
            update,
            context,
            achievement_card(r, card, rt.settings.tz),
            achievement_buttons(r, card, who.role, False),
        )
        return
    if action == "ret":
        await answer_callback(update)
        await followup.start(update, context, "achievement_return", achievement_id, version)
        return
    try:
        await review.decide(rt.db, who, scope, achievement_id, version, True, None, rt.clock())
    except (review.Changed, NotAllowed):
        await answer_callback(update, r.raw("review.changed"), alert=True)
        return
    await answer_callback(update, r.raw("review.approved_short"))
    await send(update, context, r("review.approved", ref=r.code(achievement_id), agency=card.agency_name))
    await notify.deliver(context, "achievement", achievement_id)
    await show_next(update, context, achievement_id)
