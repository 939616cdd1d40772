"""/summary, /export [csv] and /chart: what deputies take to the working group and send up."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update

from handlers.common import chat_of, inline, scope_or_say, scope_title, send
from handlers.context import BotContext
from models import summary
from models.jalali import pace_for, to_jalali
from models.stats import monthly_series
from views.render import Renderer
from views.texts import summary_text

log = logging.getLogger(__name__)


def _plain(context: BotContext) -> Renderer:
    """Files carry no chat markup."""
    return Renderer("plain", context.locale)


async def summary_command(update: Update, context: BotContext) -> None:
    rt, r = context.rt, context.r
    scope = await scope_or_say(update, context)
    if scope is None:
        return
    async with rt.db.session() as session:
        brief = await summary.build(session, scope, rt.year, rt.today(), rt.clock())
    # The agencies furthest behind, numbered as in the brief, each opening its card.
    opens = [(r.number(i), f"ag|{row.agency_id}") for i, row in enumerate(brief.laggards, start=1)]
    keyboard = inline([opens[i : i + 5] for i in range(0, len(opens), 5)]) if opens else None
    await send(update, context, summary_text(r, scope_title(r, scope), brief, rt.today()), keyboard)


async def export_command(update: Update, context: BotContext) -> None:
    rt, r = context.rt, context.r
    scope = await scope_or_say(update, context)
    if scope is None:
        return
    from views import workbook  # openpyxl loads on first use, not at start-up

    as_csv = [a.lower() for a in (context.args or [])[:1]] == ["csv"]
    async with rt.db.session() as session:
        data = await workbook.gather(session, scope, rt.year, rt.today(), rt.clock(), rt.settings.tz)
    plain = _plain(context)
    title = scope_title(plain, scope)
    stamp = f"{rt.year}-{rt.today():%Y%m%d}"
    if as_csv:
        content = workbook.build_csv(data, plain)
        name, caption = (
            f"ranking-{stamp}.csv",
            r("export.caption_csv", scope=scope_title(r, scope), date=rt.today()),
        )
    else:
        brief = summary_text(plain, title, data.brief, rt.today())
        # openpyxl is synchronous: keep the event loop answering others meanwhile.
        content = await asyncio.to_thread(workbook.build_xlsx, data, plain, brief)
        name, caption = (
            f"rasad-{stamp}.xlsx",
            r("export.caption", scope=scope_title(r, scope), date=rt.today()),
        )
    await context.bot.send_document(
        chat_of(update),
        InputFile(content, filename=name),
        caption=caption,
        parse_mode=r.parse_mode,
    )


async def chart_command(update: Update, context: BotContext) -> None:
    from views import charts  # matplotlib loads on first use, not at start-up

    rt, r = context.rt, context.r
    scope = await scope_or_say(update, context)
    if scope is None:
        return
    async with rt.db.session() as session:
        brief = await summary.build(session, scope, rt.year, rt.today(), rt.clock())
        # The target path covers committed agencies: so does the cumulative line.
        agency_ids = [row.agency_id for row in brief.rows if row.target > 0]
        monthly = await monthly_series(session, agency_ids, rt.year)
    if not brief.rows:
        await send(update, context, r("export.no_data"))
        return
    plain = _plain(context)
    title, today = str(scope_title(plain, scope)), rt.today()
    jtoday = to_jalali(today)
    months_done = jtoday.month if jtoday.year == rt.year else 12
    bar_title = plain.raw("export.chart_bar_title").format(scope=title, date=plain.date(today))
    line_title = plain.raw("export.chart_line_title").format(scope=title, year=plain.digits(str(rt.year)))
    # matplotlib is synchronous and takes a moment: keep the event loop answering others meanwhile.
    bars = await asyncio.to_thread(
        charts.ranking_bars, plain, bar_title, brief.rows, pace_for(rt.year, today)
    )
    line = await asyncio.to_thread(
        charts.cumulative_line, plain, line_title, [m[0] for m in monthly], brief.target, months_done
    )
    caption = r("export.chart_caption", scope=scope_title(r, scope), date=today)
    chat_id = chat_of(update)
    await context.bot.send_photo(chat_id, bars, caption=caption, parse_mode=r.parse_mode)
    await context.bot.send_photo(chat_id, line)
