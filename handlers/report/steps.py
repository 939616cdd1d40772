"""The /report questions: their order, prompts and buttons. Callback data: rp|<token>|<action>[|<arg>]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.common import inline
from models.schema import SECTORS, Draft
from views.render import Markup, Renderer

KIND = "report"
PREFIX = "rp"
ORDER = ("sector", "jobs", "date", "title", "codes", "rasad")
BUTTON_STEPS = ("sector", "rasad", "summary", "edit")
FIELDS = ("sector", "jobs", "date", "title", "codes", "rasad")


QUICK_ORDER = ("sector", "jobs", "date", "title", "rasad")


def first_missing(data: dict[str, Any]) -> str:
    """A report built from one message asks only what it still lacks, then shows the summary."""
    for name in QUICK_ORDER:
        if name not in data:
            return name
    return "tracking" if data.get("rasad") and not data.get("tracking") else "summary"


def next_state(state: str, data: dict[str, Any]) -> str:
    if data.get("quick"):
        return first_missing(data)
    if state == "rasad":
        return "tracking" if data.get("rasad") else "summary"
    if state == "tracking" or data.get("editing"):
        return "summary"
    return ORDER[ORDER.index(state) + 1]


def cb(draft: Draft, action: str, arg: str = "") -> str:
    return f"{PREFIX}|{draft.token}|{action}" + (f"|{arg}" if arg else "")


def _cancel_row(r: Renderer, draft: Draft) -> list[tuple[str, str]]:
    return [(r.raw("report.cancel"), cb(draft, "cancel"))]


def summary_text(r: Renderer, draft: Draft, agency: str) -> Markup:
    data = draft.data
    codes = len(data.get("codes") or []) + int(data.get("codes_kept", 0))
    codes_text = r("report.codes_count", count=codes) if codes else r("report.codes_none")
    if data.get("rasad"):
        rasad = r("report.rasad_registered", code=Markup(r.isolate(r.escape(data.get("tracking", "")))))
    else:
        rasad = r("report.rasad_not")
    return r(
        "report.summary",
        agency=agency,
        sector=r.raw(f"sectors.{data['sector']}"),
        jobs=int(data["jobs"]),
        date=dt.date.fromisoformat(data["date"]),
        title=data["title"],
        codes=codes_text,
        rasad=rasad,
    )


def prompt(r: Renderer, draft: Draft, agency: str) -> tuple[Markup, InlineKeyboardMarkup]:
    state = draft.state
    cancel = _cancel_row(r, draft)
    if state == "sector":
        row = [(r.raw(f"sectors.{s}"), cb(draft, "sec", s)) for s in SECTORS]
        return r("report.ask_sector"), inline([row, cancel])
    if state == "date":
        row = [
            (r.raw("report.today"), cb(draft, "date", "today")),
            (r.raw("report.yesterday"), cb(draft, "date", "yday")),
        ]
        return r("report.ask_date"), inline([row, cancel])
    if state == "codes":
        return r("report.ask_codes"), inline([[(r.raw("report.skip"), cb(draft, "skip"))], cancel])
    if state == "rasad":
        row = [
            (r.raw("report.rasad_yes"), cb(draft, "rasad", "yes")),
            (r.raw("report.rasad_no"), cb(draft, "rasad", "no")),
        ]
        return r("report.ask_rasad"), inline([row, cancel])
    amend = draft.data.get("amend")
    if state == "summary":
        confirm = r.raw("review.resubmit" if amend else "report.confirm")
        rows = [
            [(confirm, cb(draft, "ok"))],
            [(r.raw("report.edit"), cb(draft, "edit")), (r.raw("report.cancel"), cb(draft, "cancel"))],
        ]
        text = summary_text(r, draft, agency)
        if amend:
            text = r.join([r("review.amend_title", ref=r.code(amend)), text])
        return text, inline(rows)
    if state == "edit":
        # A correction keeps its national codes (added or freed through /beneficiaries and withdrawal).
        fields = [f for f in FIELDS if not (amend and f == "codes")]
        buttons = [(r.raw(f"report.field_{f}"), cb(draft, "field", f)) for f in fields]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([(r.raw("report.back"), cb(draft, "back"))])
        return r("report.edit_which"), inline(rows)
    if state == "jobs" and draft.data.get("candidates"):
        picks = [(r.number(n), cb(draft, "pick", str(n))) for n in draft.data["candidates"][:6]]
        return r("quick.ask_which_count"), inline([picks, cancel])
    return r(f"report.ask_{state}"), inline([cancel])


def step_label(r: Renderer, state: str) -> str:
    field = state if state in FIELDS else ("rasad" if state == "tracking" else None)
    return r.raw(f"report.field_{field}") if field else r.raw("report.summary").splitlines()[0].strip("*")
