"""Small pieces of messages shared by handlers and jobs: inline keyboards, a scope's title, a role's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models.stats import Scope
from views.render import Markup, Renderer


def inline(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


T = TypeVar("T")


def in_reading_order(r: Renderer, row: list[T]) -> list[T]:
    """Buttons listed before-to-after, laid out as the language reads (the later ones left in Persian)."""
    return row[::-1] if r.rtl else row


def paging_row(r: Renderer, previous: str | None, following: str | None) -> list[tuple[str, str]]:
    """The buttons to the page before and after (callback data, or None on the first or last page):
    «◀️ بعدی» on the left and «قبلی ▶️» on the right in Persian."""
    row = []
    if previous is not None:
        row.append((r.raw("general.page_prev"), previous))
    if following is not None:
        row.append((r.raw("general.page_next"), following))
    return in_reading_order(r, row)


def page_rows(r: Renderer, page: int, pages: int, data: Callable[[int], str]) -> list[list[tuple[str, str]]]:
    """The row turning a list's pages (none when it has one): `data(n)` is the callback data of page n."""
    row = paging_row(r, data(page - 1) if page > 0 else None, data(page + 1) if page < pages - 1 else None)
    return [row] if row else []


def scope_title(r: Renderer, scope: Scope) -> Markup:
    if scope.kind == "all":
        return r("ranking.scope_all")
    return r(f"ranking.scope_{scope.kind}", name=scope.name or "")


def role_name(r: Renderer, role: str) -> str:
    return r.raw(f"roles.{role}")
