"""Reading a roster file the way offices keep it, into the importer's rows.

Two shapes are understood, in .xlsx (any sheets) or .csv:
- the office's own sheet: a title row or two, a header row in Persian (or English), one row per agency
  with its commitment and its rep, blank rows, a total row at the bottom; often no agency code;
- the import format: sheets (or CSVs) of agencies, commitments, people and county commitments.

Each sheet's header row is looked for among its first rows; each column is recognised by its header's
synonyms (ZWNJ, Arabic ي/ك, spaces and punctuation ignored). A sheet's kind comes from its name when it
names one, else from the columns it has. Nothing here touches the database: agencies without a code
are matched by name within their county by the importer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models import sheets
from models.templates import HELP_SHEETS
from models.textnorm import search_key, to_ascii_digits

HEADER_SEARCH = 10  # rows looked at for the header
LIMITS = sheets.Limits(max_bytes=5 * 1024 * 1024, max_rows=100_000, max_row_number=200_000, max_columns=40)

# Exact headers (search keys, punctuation removed), by field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("کد", "کددستگاه", "شناسه", "شناسهدستگاه", "code", "agencycode", "agency_code"),
    "agency": (
        "نامدستگاه",
        "دستگاه",
        "دستگاهاجرایی",
        "عنواندستگاه",
        "نامدستگاهاجرایی",
        "عنواندستگاهاجرایی",
        "agency",
        "agencyname",
    ),
    "county": ("شهرستان", "نامشهرستان", "county"),
    "province": ("استان", "ناماستان", "province"),
    "target": ("تعهد", "تعهداشتغال", "سهمیه", "سهمیهاشتغال", "تعهدات", "target", "commitment"),
    "year": ("سال", "year"),
    "person": (
        "نماینده",
        "نامنماینده",
        "نامونامخانوادگی",
        "نامونامخانوادگینماینده",
        "نامکارشناس",
        "person",
        "rep",
        "fullname",
    ),
    "phone": (
        "تلفنهمراه",
        "موبایل",
        "شمارههمراه",
        "شمارهتماس",
        "تلفن",
        "همراه",
        "شمارهموبایل",
        "phone",
        "mobile",
    ),
    "role": ("نقش", "role"),
    "scope": ("حوزه", "حوزهنظارت", "scope"),
    "active": ("فعال", "وضعیت", "active"),
}
# Words that make a longer header mean a field, checked in this order ("شهرستان" holds "استان").
CONTAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("phone", ("تلفن", "موبایل", "همراه", "mobile", "phone")),
    ("target", ("تعهد", "سهمیه", "target", "commitment")),
    ("person", ("نماینده", "نامونامخانوادگی", "کارشناس", "fullname", "repname")),
    ("code", ("کد", "شناسه", "code")),
    ("agency", ("دستگاه", "agency")),
    ("county", ("شهرستان", "county")),
    ("province", ("استان", "province")),
)
# The import format's own sheet names (and their Persian names), with what "name" means on each.
SHEET_KINDS = {
    "agencies": "agencies",
    "دستگاهها": "agencies",
    "commitments": "commitments",
    "تعهدات": "commitments",
    "people": "people",
    "افراد": "people",
    "نمایندگان": "people",
    "county_commitments": "county_commitments",
    "countycommitments": "county_commitments",
    "تعهداتشهرستانها": "county_commitments",
}
NAME_MEANS = {"agencies": "agency", "people": "person"}
# The import format's columns; a sheet of that format that lacks one is refused as a whole.
REQUIRED = {
    "agencies": {"code", "agency", "county", "province"},
    "commitments": {"code", "target"},
    "people": {"person", "phone", "role"},
    "county_commitments": {"county", "province", "target"},
}
# A CSV (no sheet name) of the import format is told by its English header.
LEGACY_HEADERS = {
    "agencies": {"code", "name", "county", "province"},
    "commitments": {"agency_code", "year", "target"},
    "people": {"name", "phone", "role"},
    "county_commitments": {"county", "province", "year", "target"},
}
TOTAL_WORDS = (
    "جمع",
    "جمعکل",
    "مجموع",
    "مجموعکل",
    "جمعشهرستان",
    "جمعکلشهرستان",
    "جمعکلاستان",
    "جمعکلدستگاهها",
    "total",
    "grandtotal",
    "sum",
)
_YEAR = re.compile(r"(1[34]\d\d)")
_PUNCT = re.compile(r"[\s\-_.:،,؛;()\[\]*/\\«»\"'#]+")
_COUNTY_IN_TITLE = re.compile(r"شهرستان\s+((?:[^\s—\-–،,:()]+\s?){1,3})")


@dataclass(frozen=True)
class Column:
    index: int
    field: str
    year: int | None = None  # a commitment column's year, when its header names one


@dataclass
class Skipped:
    sheet: str
    row: int
    reason: str  # total | no_phone | sheet
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class RosterRows:
    """The importer's rows by kind, each (sheet, row number, values); and what was left out, with why."""

    rows: dict[str, list[tuple[str, int, dict[str, str]]]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, kind: str, sheet: str, row: int, values: dict[str, str]) -> None:
        self.rows.setdefault(kind, []).append((sheet, row, values))


def header_key(text: str) -> str:
    return _PUNCT.sub("", search_key(text))


def recognise(text: str, name_means: str = "agency") -> Column | None:
    """The field a header cell names (index filled in by the caller), or None."""
    key = header_key(text)
    if not key or len(key) > 40:
        return None
    year_match = _YEAR.search(to_ascii_digits(key))
    year = int(year_match.group(1)) if year_match else None
    bare = _YEAR.sub("", to_ascii_digits(key))
    if bare in ("name", "نام"):
        return Column(-1, name_means)
    if bare in ("agencycode", "agency_code") or bare.startswith("کددستگاه"):
        return Column(-1, "code")
    for name, words in SYNONYMS.items():
        if bare in words:
            return Column(-1, name, year if name == "target" else None)
    if "ملی" in bare or "ردیف" in bare:  # a national code or a row number is not ours
        return None
    for name, words in CONTAINS:
        if any(word in bare for word in words):
            return Column(-1, name, year if name == "target" else None)
    return None


def find_header(table: list[tuple[int, list[str]]], name_means: str) -> tuple[int, list[Column]] | None:
    """The first of the first rows naming at least two different fields, one of them an agency, a phone,
    a commitment or a county: (its position in the table, its columns)."""
    for position, (_, cells) in enumerate(table[:HEADER_SEARCH]):
        columns = []
        for index, cell in enumerate(cells):
            column = recognise(cell, name_means)
            if column is not None:
                columns.append(Column(index, column.field, column.year))
        fields = {c.field for c in columns}
        if len(fields) >= 2 and fields & {"agency", "code", "phone", "target", "county", "person"}:
            return position, columns
    return None


def _title_facts(rows: list[tuple[int, list[str]]]) -> tuple[int | None, str | None]:
    """A year, and the words after «شهرستان», in the title rows above the header («… شهرستان نیشابور —
    ۱۴۰۵»)."""
    year, county = None, None
    for _, cells in rows:
        for cell in cells:
            text = to_ascii_digits(cell)
            if year is None and (match := _YEAR.search(text)):
                year = int(match.group(1))
            if county is None and (found := _COUNTY_IN_TITLE.search(cell)):
                county = found.group(1).strip()
    return year, county


def _is_total(cells: list[str]) -> bool:
    """A row whose words are only a total's («جمع», «جمع کل», «مجموع») and numbers."""
    words = [header_key(c) for c in cells if c and not _int_like(c)]
    return bool(words) and all(w in TOTAL_WORDS for w in words)


def _int_like(value: str) -> bool:
    return to_ascii_digits(value).replace(",", "").replace("٬", "").strip().isdigit()


def read(
    content: bytes, name: str, default_year: int | None = None, deadline: float | None = None
) -> RosterRows:
    """Every sheet with a header row read into rows; sheets without one are noted and skipped. A
    commitment without a year in its header, its title rows or a year column is for `default_year`."""
    found = sheets.read(
        content, name, LIMITS, sheets=lambda names: names, deadline=deadline, fill_merged=True
    )
    out = RosterRows()
    headers = 0
    for sheet in found:
        headers += _read_sheet(sheet, out, default_year)
    if not out.rows:
        raise sheets.FileProblem("empty" if headers else "no_roster")
    return out


def _data_sheets(names: list[str]) -> list[str]:
    """Every sheet but a help sheet (the template's, or an office's notes named so)."""
    return [n for n in names if header_key(n) not in HELP_SHEETS]


def _read_sheet(sheet: sheets.Sheet, out: RosterRows, fallback_year: int | None) -> bool:
    """Whether the sheet had a header row."""
    named = SHEET_KINDS.get(header_key(sheet.name)) or SHEET_KINDS.get(sheet.name.strip().lower())
    if named is None and (named := _legacy_kind(sheet.rows)) is not None:
        sheet.name = named  # a CSV of the import format: its rows are named by their kind
    header = find_header(sheet.rows, NAME_MEANS.get(named or "", "agency"))
    if header is None:
        if sheet.rows:
            out.skipped.append(Skipped(sheet.name, sheet.rows[0][0], "sheet"))
        return False
    position, columns = header
    default_year, title_county = _title_facts(sheet.rows[:position])
    default_year = default_year or fallback_year
    fields = {c.field for c in columns}
    if named is not None and (
        missing := REQUIRED[named] - fields - ({"target"} if _has_year_target(columns) else set())
    ):
        names = {
            "agency": "name",
            "person": "name",
            "code": "agency_code" if named == "commitments" else "code",
        }
        shown = ", ".join(sorted(names.get(f, f) for f in missing))
        raise sheets.FileProblem("missing_columns", sheet=sheet.name, columns=shown)
    kind = named or _kind_of(fields)
    if kind is None:
        out.skipped.append(Skipped(sheet.name, sheet.rows[position][0], "sheet"))
        return False
    for number, cells in sheet.rows[position + 1 :]:
        values = _values(cells, columns)
        if not any(values.values()):
            continue
        if _is_total(cells):
            out.skipped.append(Skipped(sheet.name, number, "total"))
            continue
        if kind == "office":
            _office_row(out, sheet.name, number, values, default_year, title_county)
        else:
            out.add(kind, sheet.name, number, _legacy(kind, values, default_year))
    return True


def _has_year_target(columns: list[Column]) -> bool:
    return any(c.field == "target" and c.year for c in columns)


def _legacy_kind(rows: list[tuple[int, list[str]]]) -> str | None:
    for _, cells in rows[:HEADER_SEARCH]:
        header = {cell.strip().lower() for cell in cells}
        for kind, required in LEGACY_HEADERS.items():
            if required <= header and (kind not in ("people", "county_commitments") or "code" not in header):
                return kind
    return None


def _kind_of(fields: set[str]) -> str | None:
    if "agency" in fields:
        return "office"
    if "phone" in fields:
        return "people"
    if "code" in fields and "target" in fields:
        return "commitments"
    if "county" in fields and "target" in fields:
        return "county_commitments"
    return None


def _values(cells: list[str], columns: list[Column]) -> dict[str, str]:
    values: dict[str, str] = {}
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else ""
        key = f"target:{column.year}" if column.field == "target" and column.year else column.field
        if key not in values or not values[key]:
            values[key] = value
    return values


def _targets(values: dict[str, str], default_year: int | None) -> list[tuple[str, str]]:
    """(year, target) pairs: a column per year, or one column with the sheet's (or a year column's)."""
    pairs = [(k.split(":", 1)[1], v) for k, v in values.items() if k.startswith("target:") and v]
    if values.get("target"):
        year = values.get("year") or (str(default_year) if default_year else "")
        pairs.append((year, values["target"]))
    return pairs


def _office_row(
    out: RosterRows,
    sheet: str,
    number: int,
    values: dict[str, str],
    default_year: int | None,
    title_county: str | None,
) -> None:
    """One office row: its agency, its commitment(s) and its rep. An agency without a code is referred to
    by its row (`agency_row`) until the importer matches it by name within its county."""
    agency = {
        "code": values.get("code", ""),
        "name": values.get("agency", ""),
        "county": values.get("county", ""),
        "province": values.get("province", ""),
        # «… شهرستان تربت حیدریه — ۱۴۰۵» in the title: the importer takes the words that name a county
        "county_hint": "" if values.get("county") else (title_county or ""),
    }
    out.add("agencies", sheet, number, agency)
    ref = {"agency_code": agency["code"], "agency_row": f"{sheet}:{number}"}
    for year, target in _targets(values, default_year):
        out.add("commitments", sheet, number, {**ref, "year": year, "target": target})
    phone, person = values.get("phone", ""), values.get("person", "")
    if phone:
        out.add(
            "people",
            sheet,
            number,
            {
                **ref,
                "name": person,
                "phone": phone,
                "role": values.get("role", "") or "rep",
                "role_given": "yes" if values.get("role") else "",
                "scope": values.get("scope", ""),
                "active": values.get("active", ""),
            },
        )
    elif person:
        out.skipped.append(Skipped(sheet, number, "no_phone", {"name": person}))


def _legacy(kind: str, values: dict[str, str], default_year: int | None) -> dict[str, str]:
    """A row of the import format, in its own column names."""
    if kind == "agencies":
        return {
            k: values.get(f, "")
            for k, f in (("code", "code"), ("name", "agency"), ("county", "county"), ("province", "province"))
        }
    if kind == "commitments":
        pairs = _targets(values, default_year)
        year, target = pairs[0] if pairs else (values.get("year", ""), "")
        return {"agency_code": values.get("code", ""), "year": year, "target": target}
    if kind == "county_commitments":
        pairs = _targets(values, default_year)
        year, target = pairs[0] if pairs else (values.get("year", ""), "")
        return {
            "county": values.get("county", ""),
            "province": values.get("province", ""),
            "year": year,
            "target": target,
        }
    return {
        "name": values.get("person", ""),
        "phone": values.get("phone", ""),
        "role": values.get("role", ""),
        "agency_code": values.get("code", ""),
        "scope": values.get("scope", ""),
        "active": values.get("active", ""),
    }
