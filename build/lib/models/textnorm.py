"""Normalising what users type: digits in any script, Arabic letters, separators, and characters that
have no place in stored text (control characters, NUL, lone surrogates)."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"})
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
# C0 and C1 controls but tab and line feed, lone surrogates, noncharacters: never stored, never rendered.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Zero-width and direction marks that may go (ZWNJ, which Persian words need, stays).
_MARKS = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
MAX_DIGITS = 15  # longer numbers are refused before int() (Python refuses 4,300 digits with ValueError)


def strip_controls(text: str) -> str:
    """Control characters out (tab and line feed stay, a carriage return becomes a line feed)."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n"))


def has_visible(text: str) -> bool:
    """Whether the text has a letter or a digit: a name or title of only marks and spaces is empty."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


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
    """Normalise letters, drop controls and direction marks, collapse spaces: what we store for names and
    titles."""
    text = _MARKS.sub("", strip_controls(text).translate(_LETTERS))
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
    if len(raw) > MAX_DIGITS + 8:  # digits, sign and separators: anything longer is no count
        raise NumberError("too_large" if re.fullmatch(r"[+]?[\d,٬]+", raw) else "not_a_number")
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


_REFERENCE = re.compile(r"#?\s?([0-9]{1,9})|([0-9]{1,9})\s?#")


def reference(text: str, *, marked: bool = False) -> int | None:
    """A record's number as typed: «12», «#۱۲», «۱۲#» (any digits, direction marks ignored); `marked`: only
    with its «#» (a number typed alone is not taken for one)."""
    raw = strip_invisible(to_ascii_digits(text)).strip()
    match = _REFERENCE.fullmatch(raw)
    if match is None or (marked and "#" not in raw):
        return None
    return int(match.group(1) or match.group(2))


# A record named with its kind: «مانع ۱۲», «برنامهٔ #۱۲», «plan 12»; a report only with its «#» («گزارش #۱۲»):
# «گزارش ۱۲» may be the start of a report of 12 jobs.
_NAMED = re.compile(
    r"(?P<kind>مانع|obstacle|برنامۀ|برنامه(?:\u0654|\u200c?ی| ی)?|plan|گزارش|report)\s*(?P<ref>.+)",
    re.IGNORECASE,
)
_KINDS = {"مانع": "obstacle", "obstacle": "obstacle", "plan": "plan", "گزارش": "report", "report": "report"}


def named_reference(text: str) -> tuple[str, int] | None:
    """(kind, number) of a record named with its kind word and number, typed alone; None otherwise."""
    match = _NAMED.fullmatch(strip_invisible(text).translate(_LETTERS).strip())
    if match is None:
        return None
    word = match.group("kind").lower()
    kind = "plan" if word.startswith("برنام") else _KINDS[word]
    number = reference(match.group("ref"), marked=kind == "report")
    return None if number is None else (kind, number)
