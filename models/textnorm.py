"""Normalising what users type: digits in any script, Arabic letters, separators."""

from __future__ import annotations

import re

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"})
_INVISIBLE = re.compile("[\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Direction marks and zero-width characters arrive with text copied from Excel or Word."""
    return _INVISIBLE.sub("", text)


def visible_length(text: str) -> int:
    return len(strip_invisible(text).strip())


def to_ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def to_persian_digits(text: str) -> str:
    return text.translate(_TO_PERSIAN)


def clean_text(text: str) -> str:
    """Normalise letters, drop direction marks, collapse spaces: what we store for names and titles."""
    text = text.translate(_LETTERS)
    text = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]", "", text)
    return _SPACES.sub(" ", text).strip()


def cell_text(value: object) -> str:
    """A spreadsheet cell as clean text (a whole float such as 101.0 reads as 101)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value))


def search_key(text: str) -> str:
    """Comparison key: letters normalised, zero-width joiners and spaces ignored, case folded."""
    return _SPACES.sub("", _INVISIBLE.sub("", text.translate(_LETTERS).translate(_DIGITS))).casefold()


class NumberError(ValueError):
    """Why a typed number was refused: `not_a_number`, `not_whole`, `too_small` or `too_large`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_INT_RE = re.compile(r"^[+-]?\d{1,3}(?:[,٬]\d{3})+$|^[+-]?\d+$")


def parse_int(text: str, minimum: int, maximum: int) -> int:
    """A whole number typed in any digit script, with optional thousands separators."""
    raw = to_ascii_digits(_INVISIBLE.sub("", text)).strip().replace(" ", "")
    raw = raw.replace("−", "-")
    if re.fullmatch(r"[+-]?\d+[.٫/]\d+", raw):
        raise NumberError("not_whole")
    if not _INT_RE.fullmatch(raw):
        raise NumberError("not_a_number")
    value = int(raw.replace(",", "").replace("٬", ""))
    if value < minimum:
        raise NumberError("too_small")
    if value > maximum:
        raise NumberError("too_large")
    return value
