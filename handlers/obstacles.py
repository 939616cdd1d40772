"""/obstacle: a rep reports what blocks the agency (category, description, evidence, help asked for,
summary); /obstacles lists open ones; buttons ox|<action>|<id> act on a saved one (handlers.records).
Conversation buttons ob|<token>|<action>[|<arg>]."""

from __future__ import annotations

import math
import re
from typing import Any, TypedDict, cast

from telegram import InlineKeyboardMarkup, Message, Update

from handlers import evidence, followup, notify, records
from handlers.common import answer_callback, edit_or_send, inline, pressed_message, requires, send
from handlers.context import BotContext
from handlers.conversation import SUMMARY, Choice, Conversation, Edit, Press, Question, Step, Turn
from models import access, obstacles
from models.access import AnswerError
from models.obstacles import View
from models.stats import scope_of
from models.textnorm import reference
from views.buttons import record
from views.cards import obstacle_buttons, obstacle_card
from views.render import Markup, Renderer
from views.widgets import page_rows

KIND, PREFIX = "obstacle", "ob"
LIST_PREFIX = "ol"  # /obstacles' pages: ol|<page>


class ObstacleData(TypedDict, total=False):
    year: int
    category: str
    description: str
    files: list[dict[str, Any]]  # evidence as evidence.file_of stores it
    help: str
    editing: bool


ObstacleTurn = Turn[ObstacleData]


async def command(update: Update, context: BotContext) -> None:
    if context.who.agency_id is None:
        await send(update, context, context.r("report.no_agency"))
        return
    await OBSTACLE.start(update, context, "category", {"year": context.rt.year, "files": []})


async def _ask_category(turn: ObstacleTurn) -> Question:
    r = turn.r
    buttons = [Choice(r.raw(f"obstacles.categories.{c}"), "cat", c) for c in obstacles.CATEGORIES]
    return Question(r("obstacles.ask_category"), [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def _ask_description(turn: ObstacleTurn) -> Question:
    return Question(turn.r("obstacles.ask_description"))


async def _ask_evidence(turn: ObstacleTurn) -> Question:
    r, files = turn.r, turn.data.get("files", [])
    label = r.raw("obstacles.files_done") if files else r.raw("report.skip")
    text = r("obstacles.ask_evidence", count=len(files), maximum=evidence.MAX_FILES)
    return Question(text, [[Choice(label, "done")]])


async def _ask_help(turn: ObstacleTurn) -> Question:
    return Question(turn.r("obstacles.ask_help"))


async def _ask_summary(turn: ObstacleTurn) -> Question:
    r, data = turn.r, turn.data
    lines = [
        r("obstacles.summary_title"),
        r("obstacles.summary_category", category=r.raw(f"obstacles.categories.{data['category']}")),
        r("obstacles.card_description", description=data["description"]),
        r("obstacles.card_help", help=data["help"]),
        r("obstacles.card_files", count=len(data.get("files", []))),
    ]
    rows = [
        [Choice(r.raw("obstacles.confirm"), "ok")],
        [Choice(r.raw("report.edit"), "edit"), Choice(r.raw("report.cancel"), "cancel")],
    ]
    return Question(r.join(lines), rows, cancel=False)


async def _category(turn: ObstacleTurn, category: str) -> None:
    await turn.chosen(turn.r.raw(f"obstacles.categories.{category}"))
    await turn.go(turn.after("description"), {**turn.data, "category": category})


def _text_answer(name: str, low: int, high: int, following: str) -> Any:
    async def answer(turn: ObstacleTurn, text: str) -> None:
        try:
            value = access.check_text(text, low, high)
        except AnswerError as exc:
            await turn.ask([turn.r(f"obstacles.errors.{exc.reason}", **exc.details)])
            return
        await turn.go(turn.after(following), cast(ObstacleData, {**turn.data, name: value}))

    return answer


async def _file(turn: ObstacleTurn, message: Message) -> None:
    files = list(turn.data.get("files", []))
    problem = evidence.check_file(message, len(files))
    if problem is not None:
        await turn.ask([turn.r(problem, maximum=evidence.MAX_FILES)])
        return
    files.append(evidence.file_of(message))
    following = turn.after("help") if len(files) >= evidence.MAX_FILES else "evidence"
    await turn.go(
        following, {**turn.data, "files": files}, [turn.r("obstacles.file_received", count=len(files))]
    )


async def _files_done(turn: ObstacleTurn, _: str) -> None:
    r = turn.r
    await turn.chosen(r.raw("obstacles.files_done") if turn.data.get("files") else r.raw("report.skip"))
    await turn.go(turn.after("help"), turn.data)


async def _confirm(turn: ObstacleTurn, _: str) -> None:
    who, rt, r, data = turn.who, turn.rt, turn.r, turn.data
    await answer_callback(turn.update)
    try:
        obstacle_id = await obstacles.create(rt.db, who, data, int(data["year"]), rt.platform, rt.clock())
    except AnswerError:
        await send(turn.update, turn.context, r("obstacles.incomplete"))
        return
    await turn.end(r("obstacles.saved", ref=r.code(obstacle_id)))  # after the commit above
    await notify.deliver(turn.context, "obstacle", obstacle_id)


def _field_label(r: Renderer, name: str) -> str:
    return r.raw(f"obstacles.field_{name}")


OBSTACLE: Conversation[ObstacleData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=("rep",),
    steps={
        "category": Step(_ask_category),
        "description": Step(
            _ask_description,
            text=_text_answer(
                "description", obstacles.DESCRIPTION_MIN, obstacles.DESCRIPTION_MAX, "evidence"
            ),
        ),
        "evidence": Step(_ask_evidence, file=_file, hint="obstacles.evidence_expected"),
        "help": Step(_ask_help, text=_text_answer("help", obstacles.HELP_MIN, obstacles.HELP_MAX, SUMMARY)),
        SUMMARY: Step(_ask_summary),
    },
    presses={
        "cat": Press(_category, at=("category",), args=obstacles.CATEGORIES),
        "done": Press(_files_done, at=("evidence",)),
        "ok": Press(_confirm, at=(SUMMARY,)),
    },
    cancelled="obstacles.cancelled",
    edit=Edit(lambda turn: ("category", "description", "evidence", "help"), _field_label),
)


# --- the list and the actions on saved obstacles ---------------------------------------------------------


async def list_command(update: Update, context: BotContext) -> None:
    number = reference(" ".join(context.args or []))  # «/obstacles 3»: that page
    await send(update, context, *await _list_page(context, max((number or 1) - 1, 0)))


async def _list_page(context: BotContext, number: int) -> tuple[Markup, InlineKeyboardMarkup | None]:
    """A page of open obstacles (the last when `number` is past it), its records' buttons and the paging."""
    who, rt, r = context.who, context.rt, context.r
    size = obstacles.PAGE_SIZE
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        found, total = await obstacles.open_list(session, who, scope, number * size, size)
        pages = max(1, math.ceil(total / size))
        if number >= pages:
            number = pages - 1
            found, total = await obstacles.open_list(session, who, scope, number * size, size)
    if not total:
        return r("obstacles.none_open"), None
    lines = [r("obstacles.list_title", count=total)]
    buttons = []
    for obstacle, agency in found:
        lines.append(
            r(
                "obstacles.list_line",
                ref=r.code(obstacle.id),
                agency=agency,
                category=r.raw(f"obstacles.categories.{obstacle.category}"),
                status=r.raw(f"obstacles.status_{obstacle.status}"),
                date=obstacle.created_at.astimezone(rt.settings.tz).date(),
            )
        )
        buttons.append((f"#{r.digits(str(obstacle.id))}", record("ox", "show", obstacle.id)))
    if pages > 1:
        lines.append(r("ranking.page", page=number + 1, pages=pages))
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows += page_rows(r, number, pages, lambda n: f"{LIST_PREFIX}|{n}")
    return r.join(lines), inline(rows)


@requires()
async def list_callback(update: Update, context: BotContext) -> None:
    """Another page of /obstacles, in place."""
    query = update.callback_query
    assert query is not None
    match = re.fullmatch(rf"{LIST_PREFIX}\|([0-9]{{1,5}})", query.data or "")
    if match is None:
        await records.refuse(update, context)
        return
    await answer_callback(update)
    page = await _list_page(context, int(match.group(1)))
    await edit_or_send(update, context, pressed_message(update), *page)


SAVED: records.Records[View] = records.Records(
    "ox",
    ("ack", "reply", "res", "files", "show"),
    obstacles.load,
    lambda who, scope, view: access.may_see(who, scope, view.obstacle.agency_id, view.county_id),
    year=lambda view: view.obstacle.year,
)


async def open_by_number(update: Update, context: BotContext, number: int) -> None:
    """An obstacle named by its number («مانع ۱۲» typed alone)."""
    if await records.by_number(update, context, SAVED, number, "obstacles.not_found") is not None:
        await _show(update, context, number)


@requires()
async def action_callback(update: Update, context: BotContext) -> None:
    pressed = await records.pressed(update, context, SAVED)
    if pressed is None:
        return
    who, rt, r, view = context.who, context.rt, context.r, pressed.record
    if pressed.action in ("ack", "res"):
        if who.role == "rep":
            await records.refuse(update, context)
            return
        status = "acknowledged" if pressed.action == "ack" else "resolved"
        try:
            changed, now = await obstacles.set_status(
                rt.db, who, pressed.scope, pressed.id, status, rt.clock()
            )
        except access.NotAllowed:
            await records.refuse(update, context)
            return
        await answer_callback(update, r.raw(f"obstacles.now_{now}" if changed else "obstacles.already"))
        await _show(update, context, pressed.id)
        if changed:
            await notify.deliver(context, "obstacle", pressed.id)
        return
    await answer_callback(update)
    if pressed.action == "show":
        await _show(update, context, pressed.id)
    elif pressed.action == "files":
        await evidence.send_files(update, context, view.attachments)
    elif view.obstacle.status == "resolved":
        await send(update, context, r("obstacles.errors.resolved"))
    else:
        await followup.start(update, context, "obstacle", pressed.id)


async def _show(update: Update, context: BotContext, obstacle_id: int) -> None:
    who, rt, r = context.who, context.rt, context.r
    async with rt.db.session() as session:
        view = await obstacles.load(session, obstacle_id)
    if view is not None:
        await send(
            update, context, obstacle_card(r, view, rt.settings.tz), obstacle_buttons(r, view, who.role)
        )
