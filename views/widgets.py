"""Small pieces of messages shared by handlers and jobs: inline keyboards, a scope's title, a role's name."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models.stats import Scope
from views.render import Markup, Renderer


def inline(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def scope_title(r: Renderer, scope: Scope) -> Markup:
    if scope.kind == "all":
        return r("ranking.scope_all")
    return r(f"ranking.scope_{scope.kind}", name=scope.name or "")


def role_name(r: Renderer, role: str) -> str:
    return r.raw(f"roles.{role}")
