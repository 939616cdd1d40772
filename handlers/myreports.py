"""/myreports: a rep's agency's reports with their review status; on each, Edit and resubmit or Withdraw
(until approved), and Add evidence. Buttons mr|<action>|<id>[|<version>] (handlers.records); the
version guards against acting on a report changed meanwhile. Adding evidence is a conversation
(ev|<token>|<action>)."""

from __future__ import annotations

from typing import Any, TypedDict

from telegram import InlineKeyboardMarkup, Message, Update

from handlers import evidence, records, report
from handlers.common import (
    answer_callback,
    close_keyboard,
    edit_or_send,
    inline,
    main_menu,
    pressed_message,
    requires,
    send,
)
from handlers.context import BotContext
from handlers.conversation import Choice, Conversation, Press, Question, Step, Turn
from models import review
from models.access import NotAllowed
from models.review import Card
from models.textnorm import reference
from views.buttons import RecordButton, record
from views.cards import achievement_buttons, achievement_card
from views.render import Markup
from views.widgets import page_rows

KIND, PREFIX = "evidence", "ev"


PAGE = 10


async def command(update: Update, context: BotContext) -> None:
    """/myreports: the agency's reports of the year, a page at a time; `/myreports 12` opens report 12."""
    who, r = context.who, context.r
    if who.agency_id is None:
        await send(update, context, r("report.no_agency"))
        return
    if context.args:
        await open_report(update, context, " ".join(context.args))
        return
    page = await _page(context, 0)
    if page is None:
        await send(update, context, r("myreports.none"))
        return
    await send(update, context, *page)


async def open_report(update: Update, context: BotContext, typed: str) -> None:
    """A report by its number, when it is this agency's (another's reads as not found)."""
    number = reference(typed)
    card = None
    if number is not None:
        async with context.rt.db.session() as session:
            card = await review.load(session, number)
    # this agency's, of this year (an earlier year's figures stay as they were)
    if card is None or not SAVED.visible(context.who, None, card) or card.achievement.year != context.rt.year:
        await send(update, context, context.r("myreports.not_found", ref=context.r.code(typed.strip()[:12])))
        return
    await _show(update, context, card)


async def _page(context: BotContext, number: int) -> tuple[Markup, InlineKeyboardMarkup] | None:
    who, rt, r = context.who, context.rt, context.r
    assert who.agency_id is not None
    async with rt.db.session() as session:
        found, total = await review.agency_reports(session, who.agency_id, rt.year, PAGE, number * PAGE)
        if not found and number > 0:  # past the end (the list shrank): its last page
            number = max((total - 1) // PAGE, 0)
            found, total = await review.agency_reports(session, who.agency_id, rt.year, PAGE, number * PAGE)
    if not found:
        return None
    pages = -(-total // PAGE)
    lines = [r("myreports.title")]
    if pages > 1:
        lines.append(r("myreports.page", page=number + 1, pages=pages, total=total))
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
        buttons.append((f"#{r.digits(str(a.id))}", record("mr", "show", a.id)))
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows += page_rows(r, number, pages, lambda n: record("mr", "page", n))
    return r.join(lines), inline(rows)


async def _turn_page(update: Update, context: BotContext, number: int) -> None:
    await answer_callback(update)
    if context.who.agency_id is None:
        return
    page = await _page(context, number)
    if page is None:  # every report withdrawn since the list was sent
        await edit_or_send(update, context, pressed_message(update), context.r("myreports.none"), None)
        return
    await edit_or_send(update, context, pressed_message(update), *page)


SAVED: records.Records[Card] = records.Records(
    "mr",
    ("show", "edit", "wd", "wdy", "ev", "files"),
    review.load,
    lambda who, scope, card: card.achievement.agency_id == who.agency_id,
    arg=r"[0-9]{0,6}",  # a version
)


async def _show(update: Update, context: BotContext, card: Card) -> None:
    text = achievement_card(context.r, card, context.rt.settings.tz)
    await send(update, context, text, achievement_buttons(context.r, card, "rep", False))


@requires("rep")
async def callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    button = RecordButton.unpack(query.data if query is not None else None)
    if button is not None and button.prefix == "mr" and button.action == "page":  # a page, not a record
        await _turn_page(update, context, button.id)
        return
    pressed = await records.pressed(update, context, SAVED)
    if pressed is None:
        return
    who, rt, r, card = context.who, context.rt, context.r, pressed.record
    a, version = card.achievement, int(pressed.arg or 0)
    if pressed.action == "show":
        await answer_callback(update)
        await _show(update, context, card)
        return
    if pressed.action == "files":
        await answer_callback(update)
        await evidence.send_files(update, context, card.files)
        return
    if pressed.action == "ev":
        if a.status == review.WITHDRAWN:
            await answer_callback(update, r.raw("review.changed"), alert=True)
            return
        await answer_callback(update)
        await EVIDENCE.start(update, context, "files", {"id": a.id, "files": []})
        return
    if a.status not in review.EDITABLE or a.version != version:
        await answer_callback(update, r.raw("review.changed"), alert=True)
        await _show(update, context, card)
        return
    await answer_callback(update)
    if pressed.action == "edit":
        await report.begin_amend(update, context, card)
    elif pressed.action == "wd":
        yes, no = record("mr", "wdy", a.id, a.version), record("mr", "show", a.id)
        keyboard = inline([[(r.raw("myreports.withdraw_yes"), yes), (r.raw("myreports.withdraw_no"), no)]])
        text = r("myreports.withdraw_confirm", ref=r.code(a.id), jobs=a.jobs, title=a.title)
        await send(update, context, text, keyboard)
    else:
        try:
            await review.withdraw(rt.db, who, a.id, version, rt.clock())
        except (review.Changed, NotAllowed):
            await send(update, context, r("review.changed"))
            return
        await close_keyboard(context, pressed_message(update))
        menu = main_menu(who, r, rt.settings.bot_ranking_public)
        await send(update, context, r("myreports.withdrawn", ref=r.code(a.id)), menu)


# --- evidence for a saved report --------------------------------------------------------------------------


class EvidenceData(TypedDict):
    id: int  # the report
    files: list[dict[str, Any]]  # as evidence.file_of stores them


EvidenceTurn = Turn[EvidenceData]


async def _ask_files(turn: EvidenceTurn) -> Question:
    r, files = turn.r, turn.data["files"]
    text = r("myreports.ask_files", ref=r.code(turn.data["id"]), count=len(files), maximum=evidence.MAX_FILES)
    return Question(text, [[Choice(r.raw("obstacles.files_done"), "done")]] if files else [])


async def _file(turn: EvidenceTurn, message: Message) -> None:
    files = list(turn.data["files"])
    problem = evidence.check_file(message, len(files))
    if problem is not None:
        await turn.ask([turn.r(problem, maximum=evidence.MAX_FILES)])
        return
    files.append(evidence.file_of(message))
    await turn.go(
        "files", {**turn.data, "files": files}, [turn.r("obstacles.file_received", count=len(files))]
    )


async def _done(turn: EvidenceTurn, _: str) -> None:
    who, rt, r = turn.who, turn.rt, turn.r
    if not turn.data["files"]:
        await records.refuse(turn.update, turn.context)
        return
    await turn.chosen(r.raw("obstacles.files_done"))
    try:
        count = await review.add_files(rt.db, who, int(turn.data["id"]), turn.data["files"], rt.platform)
    except NotAllowed:
        await turn.end(r("general.not_allowed_record"))
        return
    await turn.end(r("myreports.files_saved", ref=r.code(turn.data["id"]), count=count))


EVIDENCE: Conversation[EvidenceData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=("rep",),
    steps={"files": Step(_ask_files, file=_file, hint="obstacles.evidence_expected")},
    presses={"done": Press(_done, at=("files",))},
    cancelled="followup.cancelled",
)
