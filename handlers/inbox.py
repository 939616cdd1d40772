"""/inbox (کارتابل): a supervisor's work queue over their scope (models.inbox). One message, edited in
place: the counts, each queue's list (paged), one item with its actions, its neighbours and the way back;
after an action the next item of the same queue takes its place.

Callback data: ib|h (the counts; ib|h|n: as a new message, from the digest), ib|<queue>|<page> (a list
page), ib|<queue>|<place>|<id> (an item at its place in the queue), ib|<queue>|<place>|<id>|<action>[|<arg>]
(an action on it; the arg is a report's version, or 1 to remind an agency again the same day). The queue
is read again on every press, within the presser's scope: an id not in it is refused."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from handlers import agency as agency_card
from handlers import followup, notify, ranking
from handlers.common import (
    answer_callback,
    close_keyboard,
    edit_or_send,
    inline,
    pressed_message,
    requires,
    send,
)
from handlers.context import BotContext
from models import access, inbox, obstacles, plans, review, schedule
from models.inbox import Item
from models.schema import Agency
from models.stats import Scope, scope_of
from views.buttons import INBOX_PREFIX, record
from views.cards import achievement_card, obstacle_card, plan_card
from views.render import MAX_TEXT, Markup
from views.texts import inbox_lines, waiting_for
from views.widgets import page_rows, scope_title

log = logging.getLogger(__name__)
PREFIX = INBOX_PREFIX
PAGE_SIZE = 10
CARD_MAX = MAX_TEXT - 500  # room for the lead and the item's heading in one editable message
STAFF = ("supervisor", "admin")
CODES = {"r": "reports", "p": "plans", "o": "obstacles", "b": "behind", "s": "silent"}
_CODE_OF = {queue: code for code, queue in CODES.items()}
_ACTIONS: dict[str, tuple[str, ...]] = {
    "reports": ("ok", "ret"),
    "plans": ("ok", "ret"),
    "obstacles": ("ans", "res"),
    "behind": ("ask", "rem"),
    "silent": ("rem",),
}
_DATA = re.compile(
    r"ib\|(?:h(\|n)?|([rpobs])\|([0-9]{1,5})(?:\|([0-9]{1,9})(?:\|(ok|ret|ans|res|rem|ask)(?:\|([0-9]{1,6}))?)?)?)"
)
_THEN = re.compile(r"([rpobs])\|([0-9]{1,5})")
Screen = tuple[str, InlineKeyboardMarkup | None]


@dataclass(frozen=True)
class Queue:
    name: str
    scope: Scope
    items: list[Item]

    @property
    def code(self) -> str:
        return _CODE_OF[self.name]

    def place(self, item_id: int) -> int | None:
        return next((i for i, item in enumerate(self.items) if item.id == item_id), None)

    def data(self, place: int) -> str:
        """The button opening the item at `place`."""
        return f"{PREFIX}|{self.code}|{place}|{self.items[place].id}"


async def _queue(context: BotContext, name: str) -> Queue | None:
    rt, who = context.rt, context.who
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        if scope is None:
            return None
        found = await inbox.items(session, scope, who.person_id, name, rt.year, rt.today(), rt.clock())
    return Queue(name, scope, found)


def _age(context: BotContext, item: Item) -> Markup:
    return waiting_for(context.r, item.since, context.rt.today(), context.rt.settings.tz)


# --- screens ----------------------------------------------------------------------------------------------


async def home(context: BotContext) -> Screen:
    rt, r, who = context.rt, context.r, context.who
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        if scope is None:
            return r("ranking.no_scope"), None
        counts = await inbox.counts(session, scope, who.person_id, rt.year, rt.today(), rt.clock())
    lines = [r("inbox.title", scope=scope_title(r, scope), date=rt.today())]
    lines += inbox_lines(r, counts, rt.today(), rt.settings.tz)
    rows = [
        [(r.raw(f"inbox.open_{name}").format(count=r.number(counts.of(name))), f"{PREFIX}|{code}|0")]
        for code, name in CODES.items()
        if counts.of(name)
    ]
    rows.append([(r.raw("menu.ranking"), f"{ranking.PREFIX}|a|p|0")])  # the agency cards, to chase any
    return r.join(lines), inline(rows)


def _line(context: BotContext, queue: str, number: int, item: Item) -> Markup:
    r = context.r
    if queue == "behind":
        percent = Markup(r.percent(item.achieved, item.target))
        return r(
            "inbox.line_behind",
            n=number,
            agency=item.agency,
            achieved=item.achieved,
            target=item.target,
            percent=percent,
        )
    if queue == "silent":
        if item.since is None:
            return r("inbox.line_silent_never", n=number, agency=item.agency)
        last = item.since.astimezone(context.rt.settings.tz).date()
        return r("inbox.line_silent", n=number, agency=item.agency, date=last, age=_age(context, item))
    common = {"n": number, "ref": r.code(item.id), "agency": item.agency, "age": _age(context, item)}
    if queue == "reports":
        return r("inbox.line_reports", jobs=item.jobs, **common)
    if queue == "obstacles":
        return r("inbox.line_obstacles", category=r.raw(f"obstacles.categories.{item.category}"), **common)
    return r("inbox.line_plans", **common)


def listing(context: BotContext, queue: Queue, page: int, lead: Markup | None = None) -> Screen:
    r = context.r
    pages = max(1, math.ceil(len(queue.items) / PAGE_SIZE))
    page = min(page, pages - 1)
    first = page * PAGE_SIZE
    shown = range(first, min(first + PAGE_SIZE, len(queue.items)))
    lines = [lead, Markup("")] if lead else []
    lines.append(r(f"inbox.title_{queue.name}", count=len(queue.items), days=inbox.SILENT_DAYS))
    if not shown:
        lines.append(r("inbox.list_empty"))
    lines += [_line(context, queue.name, place + 1, queue.items[place]) for place in shown]
    if pages > 1:
        lines.append(r("ranking.page", page=page + 1, pages=pages))
    opens = [(r.number(place + 1), queue.data(place)) for place in shown]
    rows = [opens[i : i + 5] for i in range(0, len(opens), 5)]
    rows += page_rows(r, page, pages, lambda n: f"{PREFIX}|{queue.code}|{n}")
    rows.append([(r.raw("inbox.back_home"), f"{PREFIX}|h")])
    return r.join(lines), inline(rows)


async def _card(context: BotContext, queue: Queue, place: int) -> tuple[Markup, list[list[tuple[str, str]]]]:
    """The item's card and its action buttons."""
    rt, r, item = context.rt, context.r, queue.items[place]
    tz, here = rt.settings.tz, queue.data(place)
    async with rt.db.session() as session:
        if queue.name == "reports":
            report = await review.load(session, item.id)
            assert report is not None  # in the queue just read
            version = report.achievement.version
            rows = [
                [
                    (r.raw("review.approve"), f"{here}|ok|{version}"),
                    (r.raw("review.return"), f"{here}|ret|{version}"),
                ]
            ]
            if report.files:
                rows.append([(r.raw("review.show_files"), record("rv", "files", item.id))])
            return achievement_card(r, report, tz), rows
        if queue.name == "plans":
            plan = await plans.load(session, item.id)
            assert plan is not None
            rows = [[(r.raw("plans.approve"), f"{here}|ok"), (r.raw("plans.return"), f"{here}|ret")]]
            return plan_card(r, plan, tz), rows
        if queue.name == "obstacles":
            view = await obstacles.load(session, item.id)
            assert view is not None
            rows = [[(r.raw("obstacles.reply"), f"{here}|ans"), (r.raw("obstacles.resolve"), f"{here}|res")]]
            if view.attachments:
                rows.append([(r.raw("obstacles.show_files"), record("ox", "files", item.id))])
            for last in (10, 5, 2, 1, 0):  # the newest of a long thread: the item stays one message, in place
                card = obstacle_card(r, view, tz, last=last)
                if len(card) <= CARD_MAX:
                    break
            return card, rows
        agency = await session.get(Agency, item.id)
    assert agency is not None
    rows = [[(r.raw("agency.remind"), f"{here}|rem")]]
    if queue.name == "behind":
        rows.insert(0, [(r.raw("inbox.ask_plan"), f"{here}|ask")])
    return await agency_card.card(context, agency), rows


async def item_screen(
    context: BotContext,
    queue: Queue,
    place: int,
    lead: Markup | None = None,
    first: list[tuple[str, str]] | None = None,
) -> Screen:
    """The item with its actions (`first`: a button above them), the items before and after it, and the
    way back to its list page."""
    r = context.r
    text, rows = await _card(context, queue, place)
    if first:
        rows.insert(0, first)
    head = r("inbox.item_head", queue=r.raw(f"inbox.queue_{queue.name}"), n=place + 1, total=len(queue.items))
    lines = [lead, Markup("")] if lead else []
    lines += [head, Markup(""), text]
    rows += page_rows(r, place, len(queue.items), queue.data)  # the items before and after it
    rows.append([(r.raw("inbox.back_list"), f"{PREFIX}|{queue.code}|{place // PAGE_SIZE}")])
    return r.join(lines), inline(rows)


async def after(context: BotContext, name: str, place: int, item_id: int, lead: Markup | None) -> Screen:
    """What follows an action on the item at `place`: the queue's next item. When the action took the item
    out of the queue, the one now in its place (past the end, the first: what was passed over); when it
    stays (an agency reminded), the one after it, or the list at the end."""
    queue = await _queue(context, name)
    if queue is None:
        return context.r("ranking.no_scope"), None
    stayed = queue.place(item_id) == place
    following = place + 1 if stayed else place
    if following >= len(queue.items):
        if stayed or not queue.items:
            return listing(context, queue, place // PAGE_SIZE, lead)
        following = 0
    return await item_screen(context, queue, following, lead)


async def _as_now(context: BotContext, name: str, place: int, item_id: int) -> Screen:
    """The item again, read afresh (a report the rep changed meanwhile); when it left the queue, the next."""
    queue = await _queue(context, name)
    now = queue.place(item_id) if queue is not None else None
    if queue is None or now is None:
        return await after(context, name, place, item_id, None)
    return await item_screen(context, queue, now)


# --- entry points -----------------------------------------------------------------------------------------


async def command(update: Update, context: BotContext) -> None:
    await send(update, context, *await home(context))


async def resume(update: Update, context: BotContext, then: str, item_id: int) -> None:
    """After the answer typed for an inbox item (a return reason, a reply), saved or not: the queue's next
    item, as a new message (the inbox's own lost its buttons when the answer was asked for)."""
    match = _THEN.fullmatch(then)
    if match is None or context.who.role not in STAFF:
        return
    name, place = CODES[match.group(1)], int(match.group(2))
    await send(update, context, *await after(context, name, place, item_id, None))


@requires(*STAFF)
async def callback(update: Update, context: BotContext) -> None:
    query, r = update.callback_query, context.r
    assert query is not None
    match = _DATA.fullmatch(query.data or "")
    if match is None:
        log.warning("update %s: forged inbox data %r", update.update_id, query.data)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    new, code, number, item_id, action, arg = match.groups()
    message = pressed_message(update)
    if code is None:  # the counts: in place, or below the digest that offered them
        await answer_callback(update)
        screen = await home(context)
        await (send(update, context, *screen) if new else edit_or_send(update, context, message, *screen))
        return
    queue = await _queue(context, CODES[code])
    if queue is None:
        await answer_callback(update)
        await send(update, context, r("ranking.no_scope"))
        return
    if item_id is None:
        await answer_callback(update)
        await edit_or_send(update, context, message, *listing(context, queue, int(number)))
        return
    place = queue.place(int(item_id))
    if place is None:  # decided meanwhile (or never in this person's queue): the list as it is now
        log.info(
            "update %s: inbox item %s not in %s's queue", update.update_id, item_id, context.who.person_id
        )
        await answer_callback(update, r.raw("inbox.gone"), alert=True)
        await edit_or_send(update, context, message, *listing(context, queue, int(number) // PAGE_SIZE))
        return
    if action is None:
        await answer_callback(update)
        await edit_or_send(update, context, message, *await item_screen(context, queue, place))
        return
    if action not in _ACTIONS[queue.name]:
        log.warning("update %s: inbox action %r on %s", update.update_id, action, queue.name)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    await _act(update, context, queue, place, action, int(arg or 0))


async def _act(update: Update, context: BotContext, queue: Queue, place: int, action: str, arg: int) -> None:
    rt, r, who = context.rt, context.r, context.who
    item, message = queue.items[place], pressed_message(update)
    if action in ("ret", "ans"):  # the reason or the reply is typed next; the next item follows it
        await answer_callback(update)
        await close_keyboard(context, message)
        what = {"reports": "achievement_return", "plans": "plan_return"}.get(queue.name, "obstacle")
        await followup.start(update, context, what, item.id, arg, then=f"{queue.code}|{place}")
        return
    if queue.name in ("behind", "silent"):
        await _chase(update, context, queue, place, action == "ask", again=arg == 1)
        return
    try:
        if queue.name == "reports":
            await review.decide(rt.db, who, queue.scope, item.id, arg, True, None, rt.clock())
            lead, notice = r("review.approved", ref=r.code(item.id), agency=item.agency), "achievement"
        elif queue.name == "plans":
            if await plans.decide(rt.db, who, queue.scope, item.id, True, None, rt.clock()) != "approved":
                raise review.Changed("decided", 0)  # by a colleague, a moment before
            lead, notice = r("plans.approved", ref=r.code(item.id), agency=item.agency), "plan"
        else:
            changed, _ = await obstacles.set_status(rt.db, who, queue.scope, item.id, "resolved", rt.clock())
            if not changed:
                raise access.NotAllowed(item.id)  # resolved by a colleague, a moment before
            lead, notice = r("inbox.resolved", ref=r.code(item.id), agency=item.agency), "obstacle"
    except (review.Changed, access.NotAllowed):  # changed or decided meanwhile: as it is now
        stale = {"reports": "review.changed", "plans": "plans.already_decided_short"}
        await answer_callback(update, r.raw(stale.get(queue.name, "obstacles.already")), alert=True)
        await edit_or_send(update, context, message, *await _as_now(context, queue.name, place, item.id))
        return
    await answer_callback(update)
    await edit_or_send(update, context, message, *await after(context, queue.name, place, item.id, lead))
    await notify.deliver(context, notice, item.id)


async def _chase(
    update: Update, context: BotContext, queue: Queue, place: int, plan: bool, again: bool
) -> None:
    """Remind the agency's reps (or ask them for a catch-up plan) now, then the next agency. Sent today
    already: asked to confirm; nobody linked: said, and the agency stays on screen."""
    rt, r, who, item = context.rt, context.r, context.who, queue.items[place]
    platforms = list(rt.settings.platform_names)
    added = await schedule.chase(
        rt.db, platforms, item.id, who.person_id, rt.year, rt.clock(), rt.today(), again=again, plan=plan
    )
    message = pressed_message(update)
    if added == 0:
        await answer_callback(update, r.raw("agency.no_reps").format(name=item.agency), alert=True)
        return
    if added is None:
        await answer_callback(update)
        key, label = (
            ("inbox.plan_asked_today", "inbox.ask_plan_again")
            if plan
            else ("agency.reminded_today", "agency.remind_again")
        )
        confirm = [(r.raw(label), f"{queue.data(place)}|{'ask' if plan else 'rem'}|1")]
        screen = await item_screen(context, queue, place, r(key, name=item.agency), confirm)
        await edit_or_send(update, context, message, *screen)
        return
    await answer_callback(update)
    if rt.send_outbox is not None:
        context.application.create_task(rt.send_outbox(schedule.CHASE), update=update)
    lead = r("inbox.plan_asked" if plan else "agency.reminded", count=added, name=item.agency)
    await edit_or_send(update, context, message, *await after(context, queue.name, place, item.id, lead))
