"""Iranian mobile numbers: one stored form (+989XXXXXXXXX) from whatever users or platforms send."""

from __future__ import annotations

import re

from models.textnorm import to_ascii_digits

_MOBILE = re.compile(r"^(?:\+98|0098|98|0)?(9\d{9})$")


def normalize_phone(raw: str | int | None) -> str | None:
    """Return +989XXXXXXXXX or None. Bale may send the number as an integer."""
    if raw is None:
        return None
    text = to_ascii_digits(str(raw))
    text = re.sub(r"[\s\-().\u200e\u200f]", "", text)
    match = _MOBILE.match(text)
    return f"+98{match.group(1)}" if match else None


def mask_phone(phone: str | None) -> str:
    """For logs and audit displays: keep the operator prefix and last two digits."""
    if not phone:
        return "-"
    return phone[:6] + "*****" + phone[-2:]


def shown_phone(phone: str | None) -> str:
    """As people write it (09…), the middle hidden: enough to tell two people apart."""
    if not phone:
        return "-"
    local = "0" + phone[3:] if phone.startswith("+98") else phone
    return local[:4] + "•••••" + local[-2:]  # not *: Markdown on Bale
