"""The one place outgoing text is built: templates from locales/, values localised and escaped.

Templates mark bold as **text**. Telegram gets HTML; Bale has no parse_mode and reads light Markdown,
so there we emit *text* and neutralise Markdown characters in everything else.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import string
from dataclasses import dataclass

from babel.numbers import format_decimal

from locales import text, text_list
from models.jalali import to_jalali
from models.textnorm import to_persian_digits

_BALE_SPECIAL = str.maketrans({"*": "∗", "_": "‗", "[": "⁅", "]": "⁆", "`": "ˋ"})
MAX_TEXT = 4000  # below Telegram's and Bale's 4096, leaving room for markup
# What a message may not be cut inside: an HTML tag or entity (Telegram), and the bold marker (Bale).
_ATOMS = {"telegram": re.compile(r"<[^<>]{1,20}>|&[#a-zA-Z0-9]{1,10};|[\s\S]"), "bale": re.compile(r"[\s\S]")}
# Isolates keep Latin fragments and numbers from reordering a Persian line.
FSI, PDI = "\u2068", "\u2069"


@functools.lru_cache(maxsize=65536)
def _number(locale: str, value: int | float) -> str:
    """Babel formats a number in ~15 µs; a fan-out formats the same few thousand numbers again and again."""
    if locale == "fa":
        return to_persian_digits(
            format_decimal(value, locale="fa", numbering_system="arabext", format="#,##0.#")
        )
    return format_decimal(value, locale="en", format="#,##0.#")


class Markup(str):
    """Text already rendered for the platform: inserted as is."""


@dataclass(frozen=True)
class Renderer:
    platform: str
    locale: str

    @property
    def rtl(self) -> bool:
        return self.locale == "fa"

    @property
    def parse_mode(self) -> str | None:
        return "HTML" if self.platform == "telegram" else None

    # values -------------------------------------------------------------
    def escape(self, value: str) -> str:
        if self.platform == "telegram":
            return html.escape(value, quote=False)
        if self.platform == "plain":  # files and terminals: no markup at all
            return value
        return value.translate(_BALE_SPECIAL)

    def bold(self, value: str) -> Markup:
        return Markup(self._wrap_bold(value if isinstance(value, Markup) else self.escape(value)))

    def number(self, value: int | float) -> str:
        return _number(self.locale, value)

    def percent(self, part: int, whole: int) -> str:
        if whole <= 0:
            return "—"
        value = round(part * 100 / whole, 1)
        return self.number(value) + ("٪" if self.locale == "fa" else "%")

    def date(self, day: dt.date, *, long: bool = False) -> str:
        jday = to_jalali(day)
        if long:
            month = text_list(self.locale, "calendar.months")[jday.month - 1]
            out = f"{jday.day} {month} {jday.year}"
        else:
            out = f"{jday.year}/{jday.month:02d}/{jday.day:02d}"
        return to_persian_digits(out) if self.locale == "fa" else out

    def digits(self, value: str) -> str:
        """Codes and references: digits localised, no grouping."""
        return to_persian_digits(value) if self.locale == "fa" else value

    def code(self, value: object) -> Markup:
        """A code, year or reference number: escaped, digits localised, no grouping."""
        return Markup(self.escape(self.digits(str(value))))

    def codes(self, values: list[str], limit: int = 20) -> Markup:
        """A short list of codes for a message, cut after `limit` with an ellipsis."""
        shown = ("، " if self.locale == "fa" else ", ").join(v[:20] for v in values[:limit])
        return self.code(shown + ("…" if len(values) > limit else ""))

    def isolate(self, value: str) -> str:
        return f"{FSI}{value}{PDI}"

    # templates ----------------------------------------------------------
    def raw(self, key: str) -> str:
        return text(self.locale, key)

    def raw_list(self, key: str) -> list[str]:
        return text_list(self.locale, key)

    def __call__(self, key: str, **values: object) -> Markup:
        return self.fill(text(self.locale, key), **values)

    def fill(self, template: str, **values: object) -> Markup:
        # Split on the template's own ** first, so bold may wrap placeholders and values never turn bold.
        out: list[str] = []
        for index, segment in enumerate(template.split("**")):
            filled = self._fill_plain(segment, values)
            out.append(self._wrap_bold(filled) if index % 2 else filled)
        return Markup("".join(out))

    def _fill_plain(self, template: str, values: dict[str, object]) -> str:
        out: list[str] = []
        for literal, field, spec, _conv in string.Formatter().parse(template):
            out.append(self.escape(literal) if self.platform == "telegram" else literal)
            if field is not None:
                if field not in values:
                    raise KeyError(f"value {field!r} missing for template")
                out.append(self._value(values[field], spec or ""))
        return "".join(out)

    def _wrap_bold(self, inner: str) -> str:
        if self.platform == "plain":
            return inner
        return f"<b>{inner}</b>" if self.platform == "telegram" else f"*{inner}*"

    def _value(self, value: object, spec: str) -> str:
        if isinstance(value, Markup):
            return str(value)
        if isinstance(value, bool):
            return self.escape(str(value))
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, dt.date):
            return self.date(value, long=spec == "long")
        return self.escape(str(value))

    def split(self, text: str, limit: int = MAX_TEXT) -> list[str]:
        """A rendered text in messages of at most `limit` characters, cut at a line break where one is near
        (else a space, else anywhere), never inside a tag or an entity; bold open at a cut is closed there
        and opened again in the next part. Length is counted as the messengers count it, in UTF-16 units
        (an emoji is two)."""
        if _units(text) <= limit:
            return [text]
        atoms = _ATOMS.get(self.platform, _ATOMS["bale"]).findall(text)
        opener, closer = ("<b>", "</b>") if self.platform == "telegram" else ("*", "*")
        markup = self.platform in ("telegram", "bale")
        bold = [False]  # bold[i]: whether bold is open before atom i
        for atom in atoms:
            state = bold[-1]
            if markup and atom == opener:
                state = not state if opener == closer else True
            elif markup and atom == closer:
                state = False
            bold.append(state)
        room = limit - (len(opener) + len(closer) if markup else 0)
        parts: list[str] = []
        start = 0
        while start < len(atoms):
            end, size = start, 0
            while end < len(atoms) and size + _units(atoms[end]) <= room:
                size += _units(atoms[end])
                end += 1
            if end < len(atoms):
                end = _cut_point(atoms, start, end)
            body = "".join(atoms[start:end])
            if body.strip():
                head = opener if markup and bold[start] else ""
                parts.append(head + body + (closer if markup and bold[end] else ""))
            start = end + 1 if end < len(atoms) and atoms[end] == "\n" else end
        return parts or [text[:limit]]

    def join(self, parts: list[Markup] | list[str], sep: str = "\n") -> Markup:
        return Markup(sep.join(p if isinstance(p, Markup) else self.escape(p) for p in parts))


def _units(text: str) -> int:
    """UTF-16 code units: a character beyond the Basic Multilingual Plane counts two."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF) if not text.isascii() else len(text)


def _cut_point(atoms: list[str], start: int, end: int) -> int:
    """Where to end a part that cannot hold atoms[start:end + 1]: at the last line break of its second half,
    else its last space, else at `end` (at least one atom, so the split always moves on)."""
    middle = start + (end - start) // 2
    for wanted in ("\n", " "):
        for index in range(end - 1, middle, -1):
            if atoms[index] == wanted:
                return index
    return max(end, start + 1)
