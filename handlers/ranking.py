"""/ranking: the scope's agencies (or its province's counties) by a chosen measure, paged, edited in place.
Callback data: rk|<view a|c>|<measure p|r|j>|<page>."""

from __future__ import annotations

import dataclasses
import logging
import math
import re

from telegram import InlineKeyboardMarkup, Update

from handlers.common import (
    answer_callback,
    edit_or_send,
    inline,
    pressed_message,
    requires,
    scope_title,
    send,
)
from handlers.context import BotContext
from models.stats import RankingPage, RankRow, Scope, basis, county_ranking, ranking, scope_of, wider_scope
from views.render import Markup
from views.widgets import page_rows

log = logging.getLogger(__name__)
PAGE_SIZE = 20
NAME_MAX = 60
PREFIX = "rk"
MEASURES = {"p": "percent", "r": "registered", "j": "jobs"}
_DATA = re.compile(r"rk\|([ac])\|([prj])\|([0-9]{1,4})")


def short(name: str, limit: int = NAME_MAX) -> str:
    """Twenty long names must still fit one editable message."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _line(context: BotContext, row: RankRow, measure: str, counties: bool, reviewed: bool = False) -> Markup:
    r = context.r
    if row.target <= 0:
        return r("ranking.line_no_target", rank=row.rank, name=short(row.name), achieved=row.achieved)
    mark_key = "behind" if row.behind else "on_pace"
    if not counties and row.projection is not None and row.projection.mark:
        mark_key = row.projection.mark
    mark = Markup(r.raw(f"ranking.mark_{mark_key}"))
    part = row.registered if measure == "registered" else row.achieved
    key = {"percent": "ranking.line", "registered": "ranking.line_registered", "jobs": "ranking.line_jobs"}[
        measure
    ]
    line = r(
        key,
        rank=row.rank,
        name=short(row.name),
        achieved=row.achieved,
        target=row.target,
        percent=Markup(r.percent(part, row.target)),
        registered=row.registered,
        mark=mark,
    )
    if reviewed and not counties:
        line = Markup(line + r("ranking.review_part", approved=row.approved, pending=row.pending))
    return line


def _keyboard(
    context: BotContext, view: str, measure: str, number: int, pages: int, shown: list[RankRow]
) -> InlineKeyboardMarkup:
    r = context.r
    code = next(k for k, v in MEASURES.items() if v == measure)

    def label(text: str, chosen: bool) -> str:
        return r.raw("ranking.selected").format(label=text) if chosen else text

    rows = []
    staff = context.identity is not None and context.identity.role != "rep"
    if staff and view == "a":  # each agency of the page opens its card, which leads back to this page
        opens = [(r.number(row.rank), f"ag|{row.agency_id}|a|{code}|{number}") for row in shown]
        rows += [opens[i : i + 5] for i in range(0, len(opens), 5)]
    if staff:
        rows.append(
            [
                (label(r.raw("ranking.view_agencies"), view == "a"), f"{PREFIX}|a|{code}|0"),
                (label(r.raw("ranking.view_counties"), view == "c"), f"{PREFIX}|c|{code}|0"),
            ]
        )
    rows.append(
        [
            (label(r.raw(f"ranking.measure_{m}"), m == measure), f"{PREFIX}|{view}|{c}|0")
            for c, m in MEASURES.items()
        ]
    )
    rows += page_rows(r, number, pages, lambda n: f"{PREFIX}|{view}|{code}|{n}")
    return inline(rows)


def render_page(
    context: BotContext, scope: Scope, page: RankingPage, number: int, view: str = "a"
) -> tuple[str, InlineKeyboardMarkup | None]:
    r, rt = context.r, context.rt
    if page.total_agencies == 0:
        return r("ranking.empty"), None
    counties = view == "c"
    share = Markup(r.percent(page.pace.days_elapsed, page.pace.days_in_year))
    title_key = "ranking.counties_title" if counties else "ranking.title"
    lines = [
        r(title_key, scope=scope_title(r, scope), year=r.code(rt.year), date=rt.today()),
        r(f"ranking.by_measure_{page.measure}"),
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
            r(
                "ranking.behind_count_counties" if counties else "ranking.behind_count",
                count=page.behind_count,
                total=page.total_agencies,
                share=share,
            )
        )
    lines.append(Markup(""))
    # Once the governorate approves reports, each agency shows approved and pending apart.
    reviewed = basis() == "approved" or any(row.approved for row in page.rows)
    if reviewed and not counties:
        lines.append(r(f"ranking.basis_{basis()}"))
    lines += [_line(context, row, page.measure, counties, reviewed) for row in page.rows]
    pages = max(1, math.ceil(page.total_agencies / PAGE_SIZE))
    lines += [Markup(""), r("ranking.legend_counties" if counties else "ranking.legend")]
    if pages > 1:
        lines.append(r("ranking.page", page=number + 1, pages=pages))
    return r.join(lines), _keyboard(context, view, page.measure, number, pages, page.rows)


async def _load(
    context: BotContext, view: str, measure: str, number: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    who, rt = context.who, context.rt
    if who.role == "rep":
        view = "a"
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        if scope is None:
            return None
        if view == "c":
            scope = await wider_scope(session, scope)
            page = await county_ranking(session, scope, rt.year, rt.today(), measure=measure)
            pages = max(1, math.ceil(len(page.rows) / PAGE_SIZE))
            number = min(number, pages - 1)
            page = dataclasses.replace(page, rows=page.rows[number * PAGE_SIZE : (number + 1) * PAGE_SIZE])
        else:
            page = await ranking(
                session,
                scope,
                rt.year,
                rt.today(),
                offset=number * PAGE_SIZE,
                limit=PAGE_SIZE,
                measure=measure,
            )
            if number > 0 and not page.rows:
                last = max(1, math.ceil(page.total_agencies / PAGE_SIZE)) - 1
                page = await ranking(
                    session,
                    scope,
                    rt.year,
                    rt.today(),
                    offset=last * PAGE_SIZE,
                    limit=PAGE_SIZE,
                    measure=measure,
                )
                number = last
    return render_page(context, scope, page, number, view)


async def _allowed(update: Update, context: BotContext) -> bool:
    who = context.who
    if who.role == "rep" and not context.rt.settings.bot_ranking_public:
        await answer_callback(update)
        await send(update, context, context.r("ranking.not_public"))
        return False
    return True


async def _no_scope(update: Update, context: BotContext) -> None:
    key = "report.no_agency" if context.identity and context.identity.role == "rep" else "ranking.no_scope"
    await send(update, context, context.r(key))


async def command(update: Update, context: BotContext) -> None:
    if not await _allowed(update, context):
        return
    result = await _load(context, "a", "percent", 0)
    if result is None:
        await _no_scope(update, context)
        return
    await send(update, context, *result)


@requires("rep", "supervisor", "admin")
async def callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await _allowed(update, context):
        return
    match = _DATA.fullmatch(query.data or "")
    if match is None:
        log.warning("update %s: forged ranking data %r", update.update_id, query.data)
        await answer_callback(update, context.r.raw("general.bad_button"), alert=True)
        return
    await answer_callback(update)
    view, measure, number = match.group(1), MEASURES[match.group(2)], int(match.group(3))
    result = await _load(context, view, measure, number)
    if result is None:
        await _no_scope(update, context)
        return
    await edit_or_send(update, context, pressed_message(update), *result)
