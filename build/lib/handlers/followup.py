"""One typed message in answer to a record: a reply in an obstacle's thread (either side), the reason a
report or a plan is returned with, the agency a rep moves to. Buttons fu|<token>|cancel."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from telegram import Update

from handlers import notify
from handlers.context import BotContext
from handlers.conversation import Conversation, Question, Step, Turn
from models import access, obstacles, plans, review, roster
from models.access import AnswerError
from models.stats import Scope, find_agencies, scope_of
from views.render import Markup

KIND, PREFIX = "followup", "fu"
ASK = {
    "obstacle": "followup.ask_reply",
    "plan_return": "followup.ask_comment",
    "achievement_return": "followup.ask_reason",
    "person_agency": "followup.ask_agency",
}
NOTIFIED = {"obstacle": "obstacle", "achievement_return": "achievement", "plan_return": "plan"}


class FollowupData(TypedDict):
    what: str  # one of ASK
    id: int  # the record answered
    version: int  # the report's version a return reason is for
    then: NotRequired[str]  # asked from the inbox: its queue and place, whose next item follows the answer


FollowupTurn = Turn[FollowupData]


async def start(
    update: Update, context: BotContext, what: str, record_id: int, version: int = 0, then: str = ""
) -> None:
    assert what in ASK
    data: FollowupData = {"what": what, "id": record_id, "version": version}
    if then:
        data["then"] = then
    await FOLLOWUP.start(update, context, "text", data)


async def _ask(turn: FollowupTurn) -> Question:
    r = turn.r
    return Question(r(ASK[turn.data["what"]], ref=r.code(turn.data["id"])))


async def _typed(turn: FollowupTurn, text: str) -> None:
    who, rt, r, what = turn.who, turn.rt, turn.r, turn.data["what"]
    record_id = int(turn.data["id"])
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
    saved = False
    try:
        if what == "obstacle":
            await obstacles.add_message(rt.db, who, scope, record_id, text, rt.clock())
            done = r("followup.sent", ref=r.code(record_id))
        elif what == "person_agency":
            moved = await _move_person(turn, scope, text)
            if moved is None:
                return
            done = moved
        elif what == "achievement_return":
            version = int(turn.data.get("version", 0))
            await review.decide(rt.db, who, scope, record_id, version, False, text, rt.clock())
            done = r("followup.achievement_returned", ref=r.code(record_id))
        else:
            status = await plans.decide(rt.db, who, scope, record_id, False, text, rt.clock())
            key = "followup.returned" if status == "returned" else "plans.already_decided"
            done = r(key, ref=r.code(record_id))
    except AnswerError as exc:
        if exc.reason != "resolved":
            await turn.ask([r(f"obstacles.errors.{exc.reason}", **exc.details)])
            return
        done = r("obstacles.errors.resolved")
    except review.Changed:
        done = r("review.changed")
    except access.NotAllowed:
        done = r("general.not_allowed_record")
    else:
        saved = True
    await turn.end(done)
    if saved and what in NOTIFIED:
        await notify.deliver(turn.context, NOTIFIED[what], record_id)
    await _then(turn, record_id)


async def _then(turn: FollowupTurn, record_id: int) -> None:
    """Asked from the inbox: its next item follows, whether the answer was taken or not."""
    if turn.data.get("then"):
        from handlers import inbox  # late: the inbox asks for follow-ups

        await inbox.resume(turn.update, turn.context, turn.data["then"], record_id)


async def _move_person(turn: FollowupTurn, scope: Scope | None, text: str) -> Markup | None:
    """The agency typed for a rep being moved: one match moves them; none or several ask again."""
    rt, r, who = turn.rt, turn.r, turn.who
    async with rt.db.session() as session:
        found = await find_agencies(session, scope, text) if scope else []
    if len(found) != 1:
        names = r.join([Markup(f"• {r.escape(a.name)} ({r.code(a.code)})") for a in found])
        lead = [r("followup.agency_several", names=names)] if found else [r("agency.not_found")]
        await turn.ask(lead)
        return None
    await roster.set_agency(rt.db, who, scope, int(turn.data["id"]), found[0].id)
    return r("followup.moved", agency=found[0].name)


FOLLOWUP: Conversation[FollowupData] = Conversation(
    kind=KIND,
    prefix=PREFIX,
    roles=(),
    steps={"text": Step(_ask, text=_typed)},
    presses={},
    cancelled="followup.cancelled",
    newest_only=True,  # a reply is sent as it is typed: only to the prompt just opened
)
