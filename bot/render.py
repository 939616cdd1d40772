"""The one place outgoing text is built: templates from locales/, values localised and escaped.

Templates mark bold as **text**. Telegram gets HTML; Bale has no parse_mode and reads light Markdown,
so there we emit *text* and neutralise Markdown characters in everything else.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import string
from dataclasses import dataclass

from babel.numbers import format_decimal

from locales import text, text_list
from models.jalali import to_jalali
from models.textnorm import to_persian_digits

_BALE_SPECIAL = str.maketrans({"*": "∗", "_": "‗", "[": "⁅", "]": "⁆", "`": "ˋ"})
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

    def join(self, parts: list[Markup] | list[str], sep: str = "\n") -> Markup:
        return Markup(sep.join(p if isinstance(p, Markup) else self.escape(p) for p in parts))
