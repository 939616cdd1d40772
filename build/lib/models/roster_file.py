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
    "surname": ("نامخانوادگی", "نامخانوادگینماینده", "surname", "lastname", "familyname"),
    "phone": (
        "تلفنهمراه",
        "موبایل",
        "شمارههمراه",
        "شمارهتماس",
        "تلفن",
        "همراه",
        "شمارهموبایل",
        "تماس",
        "phone",
        "mobile",
    ),
    "role": ("نقش", "role"),
    "scope": ("حوزه", "حوزهنظارت", "scope"),
    "active": ("فعال", "active"),
}
# Words that make a longer header mean a field, checked in this order: a phone before a person («شماره
# تماس نماینده»), a county before a province («شهرستان» holds «استان»).
CONTAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("phone", ("تلفن", "موبایل", "همراه", "تماس", "mobile", "phone")),
    ("target", ("تعهد", "سهمیه", "target", "commitment")),
    ("surname", ("نامخانوادگی",)),
    ("person", ("نماینده", "کارشناس", "fullname", "repname")),
    ("code", ("کد", "شناسه", "code")),
    ("agency", ("دستگاه", "agency")),
    ("county", ("شهرستان", "county")),
    ("province", ("استان", "province")),
)
# Headers that hold one of those words but none of these fields: a landline, a postal or a national code,
# a county's code, an address, what was achieved, a share, a row number.
NOT_OURS = ("ملی", "ردیف", "ثابت", "پستی", "آدرس", "نشانی", "تحقق", "عملکرد", "درصد", "محقق", "فکس")
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
# A total row names itself in its agency cell: «جمع», «جمع کل», «جمع کل شهرستان نیشابور», «مجموع»…
# («جمعیت هلال احمر» is an agency).
_TOTAL = re.compile(r"^(?:جمع|مجموع)(?:کل)?(?:$|شهرستان|استان|دستگاه|تعهد)|^(?:total|grandtotal|sum)$")
# What offices type for "none yet": read as an empty cell.
PLACEHOLDERS = {"-", "--", "—", "–", "_", "?", "؟", "ندارد", "نداره", "ندارند", "نامشخص", "na", "n/a", "x"}
# A Jalali year of its own (not part of a longer number or of a date such as ۱۴۰۴/۱۲/۱۰).
_YEAR = re.compile(r"(?<![0-9/\-.])(1[34][0-9]{2})(?![0-9])(?!\s*[/\-.]\s*[0-9])")
_PUNCT = re.compile(r"[\s\-_.:،,؛;()\[\]*/\\«»\"'#]+")
_COUNTY_IN_TITLE = re.compile(r"(?:شهرستان|فرمانداری)\s*:?\s*([^—\-–،,:()\[\]0-9۰-۹\n]+)")
_TITLE_TAIL = ("سال", "تعهد", "تعهدات", "اشتغال", "فهرست", "جدول", "دستگاه", "دستگاههای")
_LABELLED = re.compile(r"^[^:：]{1,20}[:：]\s*\S")  # «شهرستان: نیشابور» in a subtitle row, not a header


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
    return _PUNCT.sub("", search_key(text.replace("ۀ", "ه").replace("هٔ", "ه")))


def recognise(text: str, name_means: str = "agency") -> Column | None:
    """The field a header cell names (index filled in by the caller), or None."""
    key = header_key(text)
    if not key or len(key) > 40:
        return None
    ascii_key = to_ascii_digits(key)
    year_match = _YEAR.search(ascii_key)
    year = int(year_match.group(1)) if year_match else None
    bare = _YEAR.sub("", ascii_key)
    if bare in ("name", "نام"):
        return Column(-1, name_means)
    if bare in ("agencycode", "agency_code") or bare in ("کددستگاه", "کددستگاهاجرایی"):
        return Column(-1, "code")
    for name, words in SYNONYMS.items():
        if bare in words:
            return Column(-1, name, year if name == "target" else None)
    if any(word in bare for word in NOT_OURS) or bare.startswith(("کدشهرستان", "کداستان")):
        return None
    for name, words in CONTAINS:
        if any(word in bare for word in words):
            return Column(-1, name, year if name == "target" else None)
    return None


def _columns(cells: list[str], name_means: str) -> list[Column]:
    columns = []
    for index, cell in enumerate(cells):
        if _LABELLED.match(cell):  # «شهرستان: نیشابور» says a value, it heads no column
            continue
        column = recognise(cell, name_means)
        if column is not None:
            columns.append(Column(index, column.field, column.year))
    if any(c.field == "surname" for c in columns):  # «نام» beside «نام خانوادگی»: the rep's first name
        columns = [
            Column(c.index, "person") if header_key(cells[c.index]) in ("نام", "name") else c for c in columns
        ]
    return columns


def _phone_column(columns: list[Column], cells: list[str]) -> list[Column]:
    """With several phone columns, the mobile one (a landline would fail every row)."""
    phones = [c for c in columns if c.field == "phone"]
    if len(phones) < 2:
        return columns
    mobile = next(
        (c for c in phones if any(w in header_key(cells[c.index]) for w in ("همراه", "موبایل", "mobile"))),
        phones[0],
    )
    return [c for c in columns if c.field != "phone" or c is mobile]


def find_header(table: list[tuple[int, list[str]]], name_means: str) -> tuple[int, list[Column], int] | None:
    """Among the first rows, the one naming the most fields (at least two, one of them an agency, a code,
    a phone, a commitment, a county or a rep): (its position, its columns, how many rows it spans: a
    group header above sub-headers, «مشخصات نماینده» over «نام | تلفن همراه», spans two)."""
    best: tuple[int, list[Column]] | None = None
    for position, (_, cells) in enumerate(table[:HEADER_SEARCH]):
        columns = _phone_column(_columns(cells, name_means), cells)
        fields = {c.field for c in columns}
        if len(fields) >= 2 and fields & {"agency", "code", "phone", "target", "county", "person"}:
            if best is None or len(fields) > len({c.field for c in best[1]}):
                best = (position, columns)
    if best is None:
        return None
    position, columns = best
    if position + 1 < len(table):
        below = table[position + 1][1]
        extra = _columns(below, name_means)
        taken = {c.index for c in columns}
        only_headers = len(extra) == sum(1 for cell in below if cell)  # every cell of it names a field
        if extra and only_headers and not any(_looks_like_data(cell) for cell in below):
            merged = columns + [c for c in extra if c.index not in taken]
            return position, _phone_column(merged, [*below, *[""] * 100]), 2
    return position, columns, 1


def _looks_like_data(cell: str) -> bool:
    digits = "".join(ch for ch in to_ascii_digits(cell) if ch.isdigit())
    return len(digits) >= 3  # a commitment, a phone, a code: a data row, not a sub-header


def _title_facts(rows: list[tuple[int, list[str]]], year_near: int | None) -> tuple[int | None, str | None]:
    """A year, and the words after «شهرستان» or «فرمانداری», in the title rows above the header («…
    شهرستان نیشابور — ۱۴۰۵»). A year far from the reporting year (an old date in a subtitle) is not taken."""
    year, county = None, None
    for _, cells in rows:
        for cell in cells:
            for match in _YEAR.finditer(to_ascii_digits(cell)):
                found = int(match.group(1))
                if year is None and (year_near is None or abs(found - year_near) <= 1):
                    year = found
            if county is None and (named := _COUNTY_IN_TITLE.search(cell)):
                words = named.group(1).split()
                while words and header_key(words[-1]) in _TITLE_TAIL:
                    words.pop()
                county = " ".join(words[:3]) or None
    return year, county


def _is_total(cells: list[str], columns: list[Column]) -> bool:
    """A total row: its agency (or first text) cell says «جمع …» or «مجموع», whatever else the row holds."""
    named = [c for c in columns if c.field == "agency"]
    texts = [cells[c.index] for c in named if c.index < len(cells) and cells[c.index]]
    if not texts:
        texts = [c for c in cells if c and not _int_like(c)][:1]
    return bool(texts) and bool(_TOTAL.match(header_key(texts[0])))


def _int_like(value: str) -> bool:
    return to_ascii_digits(value).replace(",", "").replace("٬", "").strip().isdigit()


def read(
    content: bytes, name: str, default_year: int | None = None, deadline: float | None = None
) -> RosterRows:
    """Every visible sheet but a help sheet, each from its header row; sheets without one are noted and
    skipped. A commitment without a year in its header, its title rows or a year column is for
    `default_year` (the reporting year)."""
    found = sheets.read(content, name, LIMITS, sheets=_data_sheets, deadline=deadline, merged=True)
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
    legacy = _legacy_kind(sheet.rows)
    if legacy is not None:
        named = legacy
        if sheet.name not in SHEET_KINDS:
            sheet.name = legacy  # a CSV of the import format: its rows are named by their kind
    header = find_header(sheet.rows, NAME_MEANS.get(named or "", "agency"))
    if header is None:
        if sheet.rows:
            out.skipped.append(Skipped(sheet.name, sheet.rows[0][0], "sheet"))
        return False
    position, columns, spans = header
    fields = {c.field for c in columns}
    if "agency" in fields and legacy is None and not sheet.name.strip().isascii():
        named = None  # an office's sheet named «تعهدات» or «دستگاه‌ها»: its columns decide
    default_year, title_county = _title_facts(sheet.rows[:position], fallback_year)
    default_year = default_year or fallback_year
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
    last_header = sheet.rows[position + spans - 1][0]
    sheet.fill_down(last_header, LIMITS.max_columns)  # a county merged down beside its agencies
    for number, cells in sheet.rows[position + spans :]:
        values = _values(cells, columns)
        if not any(values.values()):
            continue
        if _is_total(cells, columns):
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
    """The row's cells by field; a placeholder («-», «ندارد») is an empty cell; a first name and a surname
    in two columns are one name."""
    values: dict[str, str] = {}
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else ""
        if header_key(value) in PLACEHOLDERS or value.strip() in PLACEHOLDERS:
            value = ""
        key = f"target:{column.year}" if column.field == "target" and column.year else column.field
        if key not in values or not values[key]:
            values[key] = value
    if values.get("surname"):
        values["person"] = f"{values.get('person', '')} {values.pop('surname')}".strip()
    values.pop("surname", None)
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
