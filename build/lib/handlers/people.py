"""/people [name, agency or phone digits]: the roster in chat. Admins manage anyone but themselves;
supervisors the reps of their scope. On each person: deactivate or reactivate, move to another agency
(the agency is typed, as in /agency), change the role (admins). Buttons pp|<action>|<person id>[|<arg>],
authorized again on every press."""

from __future__ import annotations

from telegram import Update

from handlers import followup, records
from handlers.common import answer_callback, inline, requires, role_name, send
from handlers.context import BotContext
from models import roster
from models.access import NotAllowed
from models.phone import shown_phone
from models.schema import ROLES
from models.stats import scope_of
from views.buttons import record
from views.render import Markup, Renderer


def _line(r: Renderer, entry: roster.Entry) -> Markup:
    p = entry.person
    where = entry.agency_name if p.role == "rep" else entry.scope_name
    return r(
        "people.line",
        name=p.name,
        role=role_name(r, p.role),
        where=where or "-",
        state=r.raw("people.inactive") if not p.active else "",
    )


def card(r: Renderer, entry: roster.Entry) -> Markup:
    p = entry.person
    platforms = "، ".join(r.raw(f"people.platform_{x}") for x in entry.platforms) or r.raw(
        "people.not_linked"
    )
    lines = [
        r("people.card_title", name=p.name),
        r(
            "people.card_role",
            role=role_name(r, p.role),
            where=(entry.agency_name if p.role == "rep" else entry.scope_name) or "-",
        ),
        r("people.card_phone", phone=Markup(r.isolate(r.code(shown_phone(p.phone)))), platforms=platforms),
        r("people.card_active" if p.active else "people.card_inactive"),
    ]
    return r.join(lines)


def buttons(r: Renderer, entry: roster.Entry, actor_role: str):
    p = entry.person
    rows = [
        [
            (
                r.raw("people.deactivate" if p.active else "people.reactivate"),
                record("pp", "off" if p.active else "on", p.id),
            )
        ]
    ]
    if p.role == "rep":
        rows.append([(r.raw("people.move"), record("pp", "agency", p.id))])
    if actor_role == "admin":
        rows.append(
            [(role_name(r, role), record("pp", "role", p.id, role)) for role in ROLES if role != p.role]
        )
    return inline(rows)


async def command(update: Update, context: BotContext) -> None:
    rt, r, who = context.rt, context.r, context.who
    text = " ".join(context.args or []).strip()
    async with rt.db.session() as session:
        scope = await scope_of(session, who)
        found = await roster.search(session, who, scope, text)
    if not found:
        await send(update, context, r("people.none"))
        return
    shown = found[: roster.LIST_LIMIT]
    lines = [r("people.title", count=len(shown)), *(_line(r, e) for e in shown)]
    if len(found) > roster.LIST_LIMIT:
        lines.append(r("people.more", count=roster.LIST_LIMIT))
    rows = [[(e.person.name[:30], record("pp", "show", e.person.id))] for e in shown]
    await send(update, context, r.join(lines), inline(rows))


SAVED: records.Records[roster.Entry] = records.Records(
    "pp",
    ("show", "off", "on", "agency", "role", "rolec"),
    roster.load,
    lambda who, scope, entry: roster.may_manage(who, scope, entry.person, entry.county_id),
)


@requires("supervisor", "admin")
async def callback(update: Update, context: BotContext) -> None:
    pressed = await records.pressed(update, context, SAVED)
    if pressed is None:
        return
    rt, r, who, scope = context.rt, context.r, context.who, pressed.scope
    action, person_id, arg, entry = pressed.action, pressed.id, pressed.arg, pressed.record
    try:
        if action in ("off", "on"):
            changed = await roster.set_active(rt.db, who, scope, person_id, action == "on")
            await answer_callback(update, r.raw(f"people.now_{action}") if changed else None)
        elif action == "role":  # a role changes what someone may see and do: asked first
            if who.role != "admin" or arg not in ROLES:
                raise NotAllowed(person_id)
            await answer_callback(update)
            keyboard = inline(
                [
                    [
                        (r.raw("people.role_yes"), record("pp", "rolec", person_id, arg)),
                        (r.raw("people.role_no"), record("pp", "show", person_id)),
                    ]
                ]
            )
            text = r("people.role_confirm", name=entry.person.name, role=role_name(r, arg))
            await send(update, context, text, keyboard)
            return
        elif action == "rolec":
            await roster.set_role(rt.db, who, scope, person_id, arg)
            await answer_callback(update, r.raw("people.role_changed"))
        elif action == "agency":
            await answer_callback(update)
            await followup.start(update, context, "person_agency", person_id)
            return
        else:
            await answer_callback(update)
    except NotAllowed:
        await records.refuse(update, context)
        return
    except roster.RoleProblem as exc:
        await answer_callback(update)
        await send(update, context, r(f"people.{exc.reason}"))
        return
    async with rt.db.session() as session:
        fresh = await roster.load(session, person_id)
    assert fresh is not None
    await send(update, context, card(r, fresh), buttons(r, fresh, who.role))
