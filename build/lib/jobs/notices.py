"""Notices rendered at send time: the record as it is now, in the recipient's language, with the buttons
of their role; nothing when the recipient may no longer see it."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from models import access, obstacles, plans, review
from models.people import Identity
from models.schema import ObstacleMessage, Person
from models.stats import scope_of
from views.cards import (
    achievement_buttons,
    achievement_card,
    obstacle_buttons,
    obstacle_card,
    plan_buttons,
    plan_card,
)
from views.render import Markup, Renderer

KIND = "notice"
Notice = tuple[str, InlineKeyboardMarkup | None]


async def render(
    session: AsyncSession, r: Renderer, who: Identity, payload: dict[str, object], platform: str, tz: tzinfo
) -> Notice | None:
    """A notice's text and buttons as `who` may see it now (None: they may not, or it is gone); times in
    the deployment's zone (BOT_TIMEZONE)."""
    kind, record = str(payload.get("t", "")), int(str(payload.get("id", 0)))
    scope = await scope_of(session, who)
    if kind.startswith("obstacle_"):
        view = await obstacles.load(session, record)
        if view is None or not access.may_see(who, scope, view.obstacle.agency_id, view.county_id):
            return None
        card = obstacle_card(r, view, tz, thread=False)
        if kind == "obstacle_new":
            head = r("notices.obstacle_new")
        elif kind == "obstacle_message":
            message = await session.get(ObstacleMessage, int(str(payload.get("m", 0))))
            if message is None:
                return None
            author = await session.get(Person, message.person_id)
            head = r(
                "notices.obstacle_message",
                ref=r.code(record),
                author=author.name if author else "-",
                role=r.raw(f"roles.{author.role}") if author else "-",
                text=message.body,
            )
            card = Markup("")
        else:  # acknowledged / resolved, told to the rep
            head = r(f"notices.{kind}", ref=r.code(record))
            card = Markup("")
        text = r.join([head, card]) if card else head
        return str(text), obstacle_buttons(r, view, who.role)
    if kind.startswith("achievement_"):
        review_card = await review.load(session, record)
        if review_card is None or not access.may_see(
            who, scope, review_card.achievement.agency_id, review_card.county_id
        ):
            return None
        head = r(f"notices.{kind}", ref=r.code(record))
        more = False
        if who.role != "rep":
            _, count = await review.pending(session, scope)
            more = count > 1
        text = r.join([head, achievement_card(r, review_card, tz)])
        return str(text), achievement_buttons(r, review_card, who.role, more)
    if kind.startswith("plan_"):
        pview = await plans.load(session, record)
        if pview is None or not access.may_see(who, scope, pview.plan.agency_id, pview.county_id):
            return None
        head = r(f"notices.{kind}", ref=r.code(record))
        return str(r.join([head, plan_card(r, pview, tz)])), plan_buttons(r, pview, who.role)
    return None
