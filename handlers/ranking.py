"""/ranking: agencies of the viewer's scope by percent of commitment achieved, paged in place."""

from __future__ import annotations

import logging
import math
import re

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.render import Markup
from handlers.common import answer_callback, edit_or_send, inline, requires, scope_title, send
from models.stats import RankingPage, Scope, ranking, scope_of

log = logging.getLogger(__name__)
PAGE_SIZE = 20
PREFIX = "rk"


def render_page(
    context: BotContext, scope: Scope, page: RankingPage, number: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    r, rt = context.r, context.rt
    if page.total_agencies == 0:
        return r("ranking.empty"), None
    share = Markup(r.percent(page.pace.days_elapsed, page.pace.days_in_year))
    lines = [
        r(
            "ranking.title",
            scope=scope_title(r, scope),
            year=Markup(r.digits(str(rt.year))),
            date=rt.today(),
        ),
        r(
            "ranking.totals",
            achieved=page.achieved,
            target=page.target,
            percent=Markup(r.percent(page.achieved, page.target)),
            registered=page.registered,
        ),
    ]
    if page.uncommitted_achieved:
        lines.append(r("ranking.uncommitted", jobs=page.uncommitted_achieved))
    if page.behind_count:
        lines.append(
            r("ranking.behind_count", count=page.behind_count, total=page.total_agencies, share=share)
        )
    lines.append("")
    for row in page.rows:
        if row.target > 0:
            mark = Markup(r.raw("ranking.mark_behind")) if row.behind else Markup("")
            lines.append(
                r(
                    "ranking.line",
                    rank=row.rank,
                    name=row.name,
                    achieved=row.achieved,
                    target=row.target,
                    percent=Markup(r.percent(row.achieved, row.target)),
                    registered=row.registered,
                    mark=mark,
                )
            )
        else:
            lines.append(r("ranking.line_no_target", rank=row.rank, name=row.name, achieved=row.achieved))
    pages = max(1, math.ceil(page.total_agencies / PAGE_SIZE))
    keyboard = None
    if pages > 1:
        lines += ["", r("ranking.page", page=number + 1, pages=pages)]
        buttons = []
        if number > 0:
            buttons.append((r.raw("ranking.prev"), f"{PREFIX}|{number - 1}"))
        if number < pages - 1:
            buttons.append((r.raw("ranking.next"), f"{PREFIX}|{number + 1}"))
        keyboard = inline([buttons])
    return r.join([Markup(x) for x in lines]), keyboard


async def _load(context: BotContext, number: int) -> tuple[str, InlineKeyboardMarkup | None] | None:
    who, rt = context.identity, context.rt
    assert who is not None
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        if scope is None:
            return None
        page = await ranking(session, scope, rt.year, rt.today(), offset=number * PAGE_SIZE, limit=PAGE_SIZE)
    if number > 0 and not page.rows:
        page_count = max(1, math.ceil(page.total_agencies / PAGE_SIZE))
        return await _load(context, page_count - 1)
    return render_page(context, scope, page, number)


async def _allowed(update: Update, context: BotContext) -> bool:
    who = context.identity
    assert who is not None
    if who.role == "rep" and not context.rt.settings.bot_ranking_public:
        await answer_callback(update)
        await send(update, context, context.r("ranking.not_public"))
        return False
    return True


@requires("rep", "supervisor", "admin")
async def command(update: Update, context: BotContext) -> None:
    if not await _allowed(update, context):
        return
    result = await _load(context, 0)
    if result is None:
        key = (
            "report.no_agency" if context.identity and context.identity.role == "rep" else "ranking.no_scope"
        )
        await send(update, context, context.r(key))
        return
    await send(update, context, *result)


@requires("rep", "supervisor", "admin")
async def callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await _allowed(update, context):
        return
    _, _, arg = (query.data or "").partition("|")
    if not re.fullmatch(r"[0-9]{1,4}", arg):
        log.warning("update %s: forged ranking data %r", update.update_id, query.data)
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await answer_callback(update)
    result = await _load(context, int(arg))
    if result is None:
        await send(update, context, context.r("ranking.no_scope"))
        return
    await edit_or_send(update, context, query.message, *result)  # type: ignore[arg-type]
