"""What every domain action shares: a refused answer (with the reason shown to the user), a refused
action (the person may not touch that record), who may see an agency's records, and free text as it is
stored (cleaned, line breaks kept, bounded)."""

from __future__ import annotations

from typing import Any

from models.people import Identity
from models.stats import Scope
from models.textnorm import clean_text, has_visible, strip_controls, visible_length


class AnswerError(ValueError):
    """A refused answer; `reason` picks the message shown to the user."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class NotAllowed(Exception):
    """The obstacle is outside the person's scope (or gone)."""


def clean_paragraphs(text: str) -> str:
    """Like clean_text, line by line: a description keeps its line breaks (at most one blank line)."""
    lines = [clean_text(line) for line in strip_controls(text).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def check_text(text: str, minimum: int, maximum: int) -> str:
    value = clean_paragraphs(text)
    if visible_length(value) < minimum or not has_visible(value):
        raise AnswerError("too_short", minimum=minimum)
    if len(value) > maximum:
        raise AnswerError("too_long", maximum=maximum, length=len(value))
    return value


def may_see(who: Identity, scope: Scope | None, agency_id: int, county_id: int) -> bool:
    """A rep sees their own agency's obstacles; a supervisor or admin those of their scope."""
    if who.role == "rep":
        return who.agency_id == agency_id
    if scope is None:
        return False
    return scope.county_ids is None or county_id in scope.county_ids
