"""What an import would change, as people read it: warnings first, then each agency's changes on one line
(its record and its commitments), each person's, field by field (`نام «…» ← «…»، تعهد ۱۴۰۵: ۳۵۰ ← ۴۰۰`),
then the counts. The same lines in chat, in `rasad-bot import --dry-run` and, when long, in a CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from models.importer import Change, ImportResult, RowError
from models.phone import shown_phone
from views.render import Markup, Renderer

KINDS = ("agency", "commitment", "county_commitment", "person")
SHOWN_CHANGES = 25
SHOWN_WARNINGS = 30


def _value(r: Renderer, name: str, value: Any) -> str:
    if isinstance(value, bool):
        return r.raw("imports.yes" if value else "imports.no")
    if name == "role" and isinstance(value, str):
        return r.raw(f"roles.{value}")
    if isinstance(value, int):
        return r.number(value)
    if name == "agency":
        return f"«{r.digits(str(value))}»"
    return f"«{value}»" if name == "name" else str(value)


def _field(r: Renderer, change: Change, name: str, before: Any, after: Any) -> Markup:
    label = r.raw(f"imports.fields.{name}")
    if name == "target":
        label = label.format(year=r.digits(str(change.label.get("year", ""))))
    if before is None:
        return r("imports.field_new", field=label, after=_value(r, name, after) if after is not None else "-")
    shown_before = _value(r, name, before)
    shown_after = _value(r, name, after) if after is not None else "-"
    return r("imports.field_change", field=label, before=shown_before, after=shown_after)


def _fields(r: Renderer, change: Change, skip_name: bool) -> list[Markup]:
    return [
        _field(r, change, name, before, after)
        for name, before, after in change.fields
        if not (skip_name and name == "name" and before is None)
    ]


def change_lines(r: Renderer, result: ImportResult) -> list[Markup]:
    """One line per agency (its record and its commitments together), county commitment and person."""
    sep = "، " if r.locale == "fa" else ", "
    groups: dict[str, list[Change]] = {}
    lines: list[Markup] = []
    for change in result.changes:
        if change.group:
            groups.setdefault(change.group, []).append(change)
    done: set[str] = set()
    for change in result.changes:
        if change.group:
            if change.group in done:
                continue
            done.add(change.group)
            members = groups[change.group]
            new = any(c.kind == "agency" and c.action == "create" for c in members)
            parts = [p for c in members for p in _fields(r, c, skip_name=True)]
            lines.append(
                r(
                    "imports.line_agency_new" if new else "imports.line_agency",
                    code=r.code(change.label["code"]),
                    name=change.label["name"],
                    fields=Markup(sep.join(parts)),
                )
            )
        elif change.kind == "person":
            lines.append(
                r(
                    "imports.line_person_new" if change.action == "create" else "imports.line_person",
                    name=change.label["name"],
                    phone=r.code(shown_phone(change.label["phone"])),
                    fields=Markup(sep.join(_fields(r, change, skip_name=True))),
                )
            )
        else:
            lines.append(
                r(
                    "imports.line_county",
                    name=change.label["name"],
                    fields=Markup(sep.join(_fields(r, change, False))),
                )
            )
    return lines


CODES = (
    "code",
    "codes",
    "year",
    "current",
    "phone",
    "row",
)  # shown as typed: digits localised, never grouped


def _values(r: Renderer, values: dict[str, Any]) -> dict[str, Any]:
    """Codes as typed, phones with their middle hidden; digits inside names and labels («۲۰۱ جهاد
    کشاورزی») in the reader's script."""
    out = {k: r.digits(v) if isinstance(v, str) else v for k, v in values.items()}
    for key in CODES:
        if key in values:
            out[key] = r.code(shown_phone(values[key]) if key == "phone" else values[key])
    return out


ROLE_VALUES = {"kept_role": ("role",), "role_changed": ("before", "after")}


def warning_lines(r: Renderer, result: ImportResult) -> list[Markup]:
    lines = []
    for w in result.warnings:
        values = dict(w.values)
        for key in ROLE_VALUES.get(w.key, ()):
            values[key] = r.raw(f"roles.{values[key]}")
        lines.append(r(f"imports.warnings.{w.key}", **_values(r, values)))
    return lines


def skipped_lines(r: Renderer, result: ImportResult) -> list[Markup]:
    return [
        r(f"imports.skipped.{s.reason}", **_values(r, {"sheet": s.sheet, "row": s.row, **s.values}))
        for s in result.skipped
    ]


def counts(r: Renderer, result: ImportResult) -> list[Markup]:
    lines = []
    for kind in KINDS:
        created, updated, same = result.created[kind], result.updated[kind], result.unchanged[kind]
        if created or updated or same:
            lines.append(
                r(
                    "imports.count_line",
                    what=r.raw(f"imports.kinds.{kind}"),
                    created=created,
                    updated=updated,
                    unchanged=same,
                )
            )
    return lines or [r("imports.nothing")]


def preview(r: Renderer, result: ImportResult, *, everything: bool = False) -> tuple[list[Markup], bool]:
    """The preview's lines, and whether changes were left out (to be sent as a file)."""
    warnings, changes = warning_lines(r, result), change_lines(r, result)
    lines: list[Markup] = []
    if warnings:
        lines.append(r("imports.warnings_title", count=len(warnings)))
        lines += warnings if everything else warnings[:SHOWN_WARNINGS]
    skipped = skipped_lines(r, result)
    lines += skipped if everything else skipped[:SHOWN_WARNINGS]
    if changes:
        lines.append(r("imports.changes_title", count=len(changes)))
        lines += changes if everything else changes[:SHOWN_CHANGES]
    cut = not everything and max(len(warnings), len(skipped)) > SHOWN_WARNINGS
    if not everything and len(changes) > SHOWN_CHANGES:
        cut = True
        lines.append(r("imports.more_in_file", count=len(changes) - SHOWN_CHANGES))
    elif cut:
        lines.append(r("imports.rest_in_file"))
    lines += counts(r, result)
    return lines, cut


def changes_csv(r: Renderer, result: ImportResult) -> bytes:
    """Every warning and change, a row each, for Excel (UTF-8 with BOM)."""
    plain = Renderer("plain", r.locale)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([plain.raw(f"imports.csv.{c}") for c in ("kind", "line")])
    for line in warning_lines(plain, result) + skipped_lines(plain, result):
        writer.writerow([plain.raw("imports.csv.warning"), str(line)])
    for line in change_lines(plain, result):
        writer.writerow([plain.raw("imports.csv.change"), str(line)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def error_text(r: Renderer, error: RowError) -> Markup:
    values = dict(error.values)
    if "column" in values:
        values["column"] = r.raw(f"imports.columns.{values['column']}")
    return r(f"imports.errors.{error.key}", **_values(r, values))


def errors_csv(r: Renderer, result: ImportResult) -> bytes:
    plain = Renderer("plain", r.locale)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([plain.raw(f"imports.csv.{c}") for c in ("sheet", "row", "reason")])
    writer.writerows([e.sheet, e.row, str(error_text(plain, e))] for e in result.errors)
    return out.getvalue().encode("utf-8-sig")
