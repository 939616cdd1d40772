"""Iranian national code (کد ملی): splitting what users paste, and the check-digit rule."""

from __future__ import annotations

import re

from models.textnorm import strip_invisible, to_ascii_digits

_SEPARATORS = re.compile(r"[\s,،;؛]+")


def split_codes(text: str) -> list[str]:
    """Tokens separated by spaces, commas (Latin or Persian), semicolons or new lines."""
    return [token for token in _SEPARATORS.split(to_ascii_digits(strip_invisible(text))) if token]


def normalize(token: str) -> str:
    """ASCII digits with dashes dropped; not validated."""
    return to_ascii_digits(token).replace("-", "").replace("_", "").strip()


def is_valid(code: str) -> bool:
    """Exactly ten digits, not one repeated digit, and the check digit matches."""
    if len(code) != 10 or not code.isascii() or not code.isdigit() or len(set(code)) == 1:
        return False
    digits = [int(c) for c in code]
    remainder = sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    return digits[9] == (remainder if remainder < 2 else 11 - remainder)
