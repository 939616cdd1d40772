"""Callback data, built and read in one place. Two shapes, each well under the 64 bytes a button carries:

- a step of an open conversation: `<prefix>|<draft token>|<action>[|<arg>]` (StepButton); the token ties
  the button to one conversation, so a button of a conversation closed or restarted since is told apart;
- an action on a saved record: `<prefix>|<action>|<id>[|<arg>]` (RecordButton); the server authorizes it
  again on every press, whoever sends it.

Reading refuses anything else (forged, truncated, another shape): `unpack` returns None."""

from __future__ import annotations

import re
from dataclasses import dataclass

_STEP = re.compile(r"([a-z]{2})\|([0-9a-f]{6})\|([a-z_]{1,12})(?:\|([0-9a-z_]{1,20}))?")
_RECORD = re.compile(r"([a-z]{2})\|([a-z]{1,8})\|([0-9]{1,9})(?:\|([0-9a-z_]{1,20}))?")


INBOX_PREFIX = "ib"  # handlers/inbox.py reads these; the digest offers ib|h|n


def _tail(arg: str | int) -> str:
    return f"|{arg}" if arg != "" else ""


@dataclass(frozen=True)
class StepButton:
    prefix: str
    token: str
    action: str
    arg: str = ""

    def pack(self) -> str:
        return f"{self.prefix}|{self.token}|{self.action}{_tail(self.arg)}"

    @classmethod
    def unpack(cls, data: str | None) -> StepButton | None:
        match = _STEP.fullmatch(data or "")
        if match is None:
            return None
        prefix, token, action, arg = match.groups()
        return cls(prefix, token, action, arg or "")


@dataclass(frozen=True)
class RecordButton:
    prefix: str
    action: str
    id: int
    arg: str = ""

    def pack(self) -> str:
        return f"{self.prefix}|{self.action}|{self.id}{_tail(self.arg)}"

    @classmethod
    def unpack(cls, data: str | None) -> RecordButton | None:
        match = _RECORD.fullmatch(data or "")
        if match is None:
            return None
        prefix, action, record_id, arg = match.groups()
        return cls(prefix, action, int(record_id), arg or "")


def record(prefix: str, action: str, record_id: int, arg: str | int = "") -> str:
    """The data of a button acting on a saved record."""
    return RecordButton(prefix, action, record_id, str(arg)).pack()
