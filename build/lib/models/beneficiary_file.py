"""Beneficiaries from a spreadsheet: one row per person, read (within models.sheets' budgets), validated
row by row, and reported."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from models import nationalcode, sheets
from models.phone import normalize_phone
from models.reports import counted_codes
from models.sheets import FileProblem
from models.textnorm import search_key

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 30
HEADER_SEARCH = 10  # the header may follow a few title rows
HEADERS = {
    "code": ("کدملی", "کدملیشاغل", "شمارهملی", "nationalcode", "national_code", "nid", "code"),
    "name": ("نام", "نامونامخانوادگی", "نامشاغل", "name", "fullname"),
    "mobile": ("موبایل", "تلفنهمراه", "شمارههمراه", "همراه", "mobile", "phone", "cellphone"),
    "gender": ("جنسیت", "gender", "sex"),
    "age_group": ("گروهسنی", "سن", "agegroup", "age_group", "age"),
    "job_title": ("عنوانشغل", "شغل", "jobtitle", "job_title", "job"),
}
GENDERS = {
    "مرد": "male",
    "زن": "female",
    "male": "male",
    "female": "female",
    "m": "male",
    "f": "female",
    "آقا": "male",
    "خانم": "female",
}


@dataclass
class Person:
    row: int
    code: str
    details: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Invalid:
    row: int
    values: list[str]
    reason: str  # bad_code | repeated | counted | bad_mobile | bad_gender


@dataclass
class FileCheck:
    valid: list[Person] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


LIMITS = sheets.Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS + HEADER_SEARCH, max_columns=MAX_COLUMNS)


class Table(list[list[str]]):
    """The header and the rows under it, with each one's row number in the file (as the sender sees it
    in Excel, title and blank rows counted)."""

    def __init__(self, rows: list[list[str]], numbers: list[int]) -> None:
        super().__init__(rows)
        self.numbers = numbers


def read_table(content: bytes, file_name: str, deadline: float | None = None) -> Table:
    """The first sheet from its header row on (title rows above it are skipped): the header, then at most
    MAX_ROWS non-empty rows of at most MAX_COLUMNS cells. Raises FileProblem."""
    sheet = sheets.read(content, file_name, LIMITS, deadline=deadline)[0]
    table = sheet.table()
    if len(table) < 2:
        raise FileProblem("empty")
    start = _header_row(table)
    if len(table) - start - 1 > MAX_ROWS:
        raise FileProblem("too_many_rows", limit=MAX_ROWS)
    return Table(table[start:], [number for number, _ in sheet.rows[start:]])


def _header_row(table: list[list[str]]) -> int:
    for index, row in enumerate(table[:HEADER_SEARCH]):
        try:
            _columns(row)
            return index
        except FileProblem:
            continue
    raise FileProblem("no_code_column")


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = search_key(title).replace("_", "").replace("-", "")
        for column, names in HEADERS.items():
            if column not in found and key in {n.replace("_", "") for n in names}:
                found[column] = index
    if "code" not in found:
        raise FileProblem("no_code_column")
    return found


async def check(
    session: AsyncSession,
    table: list[list[str]],
    year: int,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
) -> FileCheck:
    """Validate every row: check digit, mobile, gender, repeats in the file, codes counted this year."""
    columns = _columns(table[0])
    result = FileCheck(header=table[0])
    seen: dict[str, int] = {}
    candidates: list[Person] = []
    total = len(table) - 1
    numbers = table.numbers if isinstance(table, Table) else list(range(1, len(table) + 1))
    rows_by_number = dict(zip(numbers, table, strict=True))
    for done, (number, row) in enumerate(zip(numbers[1:], table[1:], strict=True), start=1):

        def get(column: str, row: list[str] = row) -> str:
            index = columns.get(column)
            return row[index] if index is not None and index < len(row) else ""

        code = nationalcode.normalize(get("code"))
        if code.isdigit() and 8 <= len(code) < 10:
            code = code.zfill(10)  # Excel drops the leading zeros of a code typed as a number
        reason = None
        mobile = None
        if not nationalcode.is_valid(code):
            reason = "bad_code"
        elif code in seen:
            reason = "repeated"
        elif get("mobile") and (mobile := normalize_phone(get("mobile"))) is None:
            reason = "bad_mobile"
        elif get("gender") and get("gender").lower() not in GENDERS:
            reason = "bad_gender"
        if reason:
            result.invalid.append(Invalid(number, row, reason))
        else:
            seen[code] = number
            candidates.append(
                Person(
                    number,
                    code,
                    {
                        "name": get("name")[:200] or None,
                        "mobile": mobile,
                        "gender": GENDERS.get(get("gender").lower()),
                        "age_group": get("age_group")[:20] or None,
                        "job_title": get("job_title")[:100] or None,
                    },
                )
            )
        if progress is not None and done % 5000 == 0:
            await progress(done, total)
        elif done % 1000 == 0:
            await asyncio.sleep(0)  # let other users' updates run between chunks
    taken = await counted_codes(session, year, [p.code for p in candidates])
    for person in candidates:
        if person.code in taken:
            result.invalid.append(Invalid(person.row, rows_by_number[person.row], "counted"))
        else:
            result.valid.append(person)
    result.invalid.sort(key=lambda item: item.row)
    return result


def invalid_rows_csv(result: FileCheck, reasons: dict[str, str], reason_title: str) -> bytes:
    """The rows to fix, as they were, with the reason in a last column (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", *result.header, reason_title])
    for item in result.invalid:
        writer.writerow([item.row, *item.values, reasons[item.reason]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
