"""/template: the spreadsheets people fill in. Reps get the list of people employed (beneficiaries);
supervisors and admins the roster (`/template roster`, the default for them), which only they import."""

from __future__ import annotations

from telegram import InputFile, Update

from handlers.common import chat_of, send
from handlers.context import BotContext
from models import templates
from views.render import Renderer

ROSTER_ROLES = ("supervisor", "admin")


def beneficiaries(r: Renderer) -> bytes:
    return templates.beneficiaries_xlsx(
        r.raw_list("beneficiaries.template_headers"),
        r.raw("beneficiaries.template_help_title"),
        r.raw_list("beneficiaries.template_help"),
    )


def roster(r: Renderer, year: int) -> bytes:
    headers = [h.format(year=r.digits(str(year))) for h in r.raw_list("templates.roster_headers")]
    return templates.roster_xlsx(
        r.raw("templates.roster_sheet"),
        headers,
        r.raw("beneficiaries.template_help_title"),
        [line.format(year=r.digits(str(year))) for line in r.raw_list("templates.roster_help")],
    )


async def command(update: Update, context: BotContext) -> None:
    r, who = context.r, context.who
    asked = [a.lower() for a in (context.args or [])[:1]]
    wants_roster = asked == ["roster"] or (not asked and who.role in ROSTER_ROLES)
    chat_id = chat_of(update)
    if wants_roster:
        if who.role not in ROSTER_ROLES:
            await send(update, context, r("templates.roster_not_for_reps"))
            return
        content = roster(r, context.rt.year)
        await context.bot.send_document(
            chat_id,
            InputFile(content, filename="roster-template.xlsx"),
            caption=r.raw("templates.roster_caption"),
        )
        return
    await context.bot.send_document(
        chat_id,
        InputFile(beneficiaries(r), filename="beneficiaries-template.xlsx"),
        caption=r.raw("beneficiaries.template_caption"),
    )
