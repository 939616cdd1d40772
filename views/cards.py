"""Cards: how an obstacle or a plan reads, wherever it is shown (a notice, a list, a reply), with the
buttons each role gets on it. Buttons on saved records carry the record id; every press is authorized
again on the server."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup

from models.obstacles import View
from models.plans import PlanView
from models.review import Card
from views.buttons import record
from views.render import Markup, Renderer
from views.widgets import inline


def _when(r: Renderer, moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return moment.astimezone(tz).date()


def obstacle_card(r: Renderer, view: View, tz: dt.tzinfo, *, thread: bool = True, last: int = 10) -> Markup:
    """The obstacle and (`thread`) the `last` messages of its thread."""
    o = view.obstacle
    lines = [
        r("obstacles.card_title", ref=r.code(o.id), agency=view.agency_name),
        r(
            "obstacles.card_meta",
            category=r.raw(f"obstacles.categories.{o.category}"),
            status=r.raw(f"obstacles.status_{o.status}"),
            reporter=view.reporter,
            date=_when(r, o.created_at, tz),
        ),
        r("obstacles.card_description", description=o.description),
        r("obstacles.card_help", help=o.help_needed),
    ]
    if view.attachments:
        lines.append(r("obstacles.card_files", count=len(view.attachments)))
    if thread and view.thread:
        lines.append(r("obstacles.thread_title"))
        for author, role, when, body in view.thread[-last:] if last else []:
            lines.append(
                r(
                    "obstacles.thread_line",
                    author=author,
                    role=r.raw(f"roles.{role}"),
                    date=_when(r, when, tz),
                    text=body,
                )
            )
    return r.join(lines)


def obstacle_buttons(r: Renderer, view: View, role: str) -> InlineKeyboardMarkup | None:
    o = view.obstacle
    rows: list[list[tuple[str, str]]] = []
    if o.status != "resolved":
        if role == "rep":
            rows.append([(r.raw("obstacles.answer"), record("ox", "reply", o.id))])
        else:
            first = [(r.raw("obstacles.reply"), record("ox", "reply", o.id))]
            if o.status == "open":
                first.insert(0, (r.raw("obstacles.acknowledge"), record("ox", "ack", o.id)))
            rows.append(first)
            rows.append([(r.raw("obstacles.resolve"), record("ox", "res", o.id))])
    if view.attachments:
        rows.append([(r.raw("obstacles.show_files"), record("ox", "files", o.id))])
    return inline(rows) if rows else None


def plan_table(r: Renderer, months: list[list[int]], actual: dict[int, int] | None = None) -> list[Markup]:
    names = r.raw_list("calendar.months")
    lines = []
    for month, jobs, registered in months:
        if actual is None:
            lines.append(r("plans.month_line", month=names[month - 1], jobs=jobs, registered=registered))
        else:
            lines.append(
                r(
                    "plans.month_actual",
                    month=names[month - 1],
                    jobs=jobs,
                    actual=actual.get(month, 0),
                )
            )
    return lines


def plan_card(r: Renderer, view: PlanView, tz: dt.tzinfo) -> Markup:
    p = view.plan
    lines = [
        r("plans.card_title", ref=r.code(p.id), agency=view.agency_name, year=r.code(p.year)),
        r(
            "plans.card_meta",
            status=r.raw(f"plans.status_{p.status}"),
            reporter=view.reporter,
            date=_when(r, p.created_at, tz),
        ),
        *plan_table(r, p.months),
        r("plans.total", jobs=sum(m[1] for m in p.months), registered=sum(m[2] for m in p.months)),
        r("plans.gap_line", gap=view.gap, registered_gap=view.registered_gap),
    ]
    if sum(m[1] for m in p.months) < view.gap:
        lines.append(r("plans.short", short=view.gap - sum(m[1] for m in p.months)))
    if p.comment:
        lines.append(r("plans.comment_line", comment=p.comment))
    return r.join(lines)


def plan_buttons(r: Renderer, view: PlanView, role: str) -> InlineKeyboardMarkup | None:
    p = view.plan
    if role == "rep":
        if p.status == "returned":
            return inline([[(r.raw("plans.again"), record("px", "again", p.id))]])
        return None
    if p.status == "submitted":
        return inline(
            [
                [
                    (r.raw("plans.approve"), record("px", "ok", p.id)),
                    (r.raw("plans.return"), record("px", "ret", p.id)),
                ]
            ]
        )
    return None


def achievement_card(r: Renderer, card: Card, tz: dt.tzinfo) -> Markup:
    a = card.achievement
    if a.rasad_registered:
        rasad = r("report.rasad_registered", code=Markup(r.isolate(r.escape(a.tracking_code or "-"))))
    else:
        rasad = r("report.rasad_not")
    lines = [
        r("review.card_title", ref=r.code(a.id), agency=card.agency_name),
        r(
            "review.card_meta",
            status=r.raw(f"review.status_{a.status}"),
            version=a.version,
            reporter=card.reporter,
            date=_when(r, a.created_at, tz),
        ),
        r(
            "review.card_fields",
            sector=r.raw(f"sectors.{a.sector}"),
            jobs=a.jobs,
            day=a.created_on,
            title=a.title,
            codes=r("report.codes_count", count=card.codes) if card.codes else r("report.codes_none"),
            rasad=rasad,
        ),
    ]
    if card.files:
        lines.append(r("review.card_files", count=len(card.files)))
    if a.review_note and a.status == "returned":
        lines.append(r("review.card_note", note=a.review_note))
    if len(card.versions) > 1:
        lines.append(r("review.versions_title"))
        for v in card.versions:
            data = v.data
            lines.append(
                r(
                    "review.version_line",
                    version=v.version,
                    date=_when(r, v.created_at, tz),
                    jobs=int(data.get("jobs", 0)),
                    sector=r.raw(f"sectors.{data.get('sector', 'services')}"),
                    title=str(data.get("title", "")),
                )
            )
    return r.join(lines)


def achievement_buttons(r: Renderer, card: Card, role: str, more: bool) -> InlineKeyboardMarkup | None:
    """A supervisor decides on a pending report (the version they saw); a rep edits, withdraws or adds
    evidence to their agency's report until it is approved."""
    a = card.achievement
    rows: list[list[tuple[str, str]]] = []
    if role == "rep":
        if a.status in ("reported", "returned"):
            rows.append(
                [
                    (r.raw("review.edit"), record("mr", "edit", a.id, a.version)),
                    (r.raw("review.withdraw"), record("mr", "wd", a.id, a.version)),
                ]
            )
        if a.status != "withdrawn":
            rows.append([(r.raw("review.add_files"), record("mr", "ev", a.id))])
        if card.files:
            rows.append([(r.raw("review.show_files"), record("mr", "files", a.id))])
        return inline(rows) if rows else None
    if a.status == "reported":
        rows.append(
            [
                (r.raw("review.approve"), record("rv", "ok", a.id, a.version)),
                (r.raw("review.return"), record("rv", "ret", a.id, a.version)),
            ]
        )
    if more:
        rows.append([(r.raw("review.next"), record("rv", "next", a.id))])
    if card.files:
        rows.append([(r.raw("review.show_files"), record("rv", "files", a.id))])
    return inline(rows) if rows else None
