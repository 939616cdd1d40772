"""The governorate's workbook (xlsx) and the ranking as CSV: what /export and `rasad-bot export` send.

Numbers are numbers and percents are fractions formatted as percent, so the sheet computes; dates are
Jalali text with Latin digits (YYYY/MM/DD) so they sort and filter as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import summary
from models.jalali import jalali_text
from models.schema import Achievement, Agency, Beneficiary, Person, Region
from models.stats import RankRow, Scope
from models.textnorm import strip_controls
from views.render import Renderer

FORMULA_START = ("=", "+", "-", "@")
ACHIEVEMENT_ROWS_MAX = 1_000_000  # Excel holds 1,048,576 rows a sheet


def _csv_safe(value: object) -> object:
    """A spreadsheet would run a cell starting with = + - @ as a formula; control characters go."""
    if not isinstance(value, str):
        return value
    value = strip_controls(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell_text(value: object) -> object:
    """What an xlsx cell may hold: openpyxl refuses (IllegalCharacterError) the control characters that
    XML forbids, and a name stored before they were cleaned may still carry one."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


@dataclass
class ExportData:
    brief: summary.Brief
    codes: dict[int, str]  # agency id -> code
    counties: dict[int, str]  # agency id -> county name
    achievements: list[tuple]  # rows for the achievements sheet


async def gather(
    session: AsyncSession, scope: Scope, year: int, today: dt.date, now: dt.datetime, tz: dt.tzinfo
) -> ExportData:
    brief = await summary.build(session, scope, year, today, now)
    agencies = select(Agency.id, Agency.code, Region.name).join(Region, Region.id == Agency.county_id)
    if scope.county_ids is not None:
        agencies = agencies.where(Agency.county_id.in_(scope.county_ids))
    codes, counties = {}, {}
    for agency_id, code, county in await session.execute(agencies):
        codes[agency_id], counties[agency_id] = code, county
    n_codes = (
        select(Beneficiary.achievement_id, func.count().label("n"))
        .group_by(Beneficiary.achievement_id)
        .subquery()
    )
    # Plain columns, not ORM objects: a year of a province's reports is many rows.
    query = (
        select(
            Achievement.id,
            Agency.code,
            Agency.name,
            Region.name,
            Achievement.created_on,
            Achievement.jobs,
            Achievement.sector,
            Achievement.title,
            Achievement.rasad_registered,
            Achievement.tracking_code,
            func.coalesce(n_codes.c.n, 0),
            Person.name,
            Achievement.created_at,
            Achievement.status,
        )
        .join(Agency, Agency.id == Achievement.agency_id)
        .join(Region, Region.id == Agency.county_id)
        .join(Person, Person.id == Achievement.person_id)
        .outerjoin(n_codes, n_codes.c.achievement_id == Achievement.id)
        .where(Achievement.year == year)
        .order_by(Achievement.created_on, Achievement.id)
        .limit(ACHIEVEMENT_ROWS_MAX)
    )
    if scope.county_ids is not None:
        query = query.where(Agency.county_id.in_(scope.county_ids))
    rows = []
    for row in await session.execute(query):
        (
            ident,
            code,
            name,
            county,
            created_on,
            jobs,
            sector,
            title,
            rasad,
            tracking,
            n,
            reporter,
            at,
            status,
        ) = row
        local = at.astimezone(tz)
        rows.append(
            (
                ident,
                code,
                name,
                county,
                jalali_text(created_on),
                jobs,
                sector,
                title,
                rasad,
                tracking or "",
                int(n),
                reporter,
                f"{jalali_text(local.date())} {local:%H:%M}",
                status,
            )
        )
    return ExportData(brief, codes, counties, rows)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def _standing(r: Renderer, row: RankRow) -> str:
    mark = row.projection.mark if row.projection else None
    return r.raw(f"export.{mark}") if mark else ""


class _Sheet:
    """A write-only sheet with a bold frozen header, sized columns and typed cells."""

    def __init__(self, wb: Workbook, title: str, headers: list[str], widths: list[int], rtl: bool) -> None:
        self.ws = wb.create_sheet(title)
        self.ws.sheet_view.rightToLeft = rtl
        self.ws.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        bold = Font(bold=True)
        header = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, value=_cell_text(text))
            cell.font = bold
            header.append(cell)
        self.ws.append(header)

    def append(self, values: list[object], percent_columns: tuple[int, ...] = ()) -> None:
        cells = []
        for index, raw in enumerate(values):
            value = _cell_text(raw)
            cell = WriteOnlyCell(self.ws, value=value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.data_type = "s"  # user text such as a title "=HYPERLINK(…)" must stay text
            if index in percent_columns:
                cell.number_format = "0.0%"
            cells.append(cell)
        self.ws.append(cells)


def build_xlsx(data: ExportData, r: Renderer, brief_text: str) -> bytes:
    rtl = r.locale == "fa"
    h = lambda key: r.raw(f"export.{key}")  # noqa: E731
    wb = Workbook(write_only=True)

    sheet = _Sheet(wb, "summary", [h("summary_sheet_title")], [110], rtl)
    for line in brief_text.replace("**", "").splitlines():
        sheet.append([line])

    sheet = _Sheet(
        wb,
        "ranking",
        [
            h(k)
            for k in (
                "rank",
                "code",
                "agency",
                "county",
                "target",
                "achieved",
                "percent",
                "registered",
                "registered_percent",
                "unregistered",
                "standing",
                "projection_year",
                "projection_recent",
                "weekly",
            )
        ],
        [7, 10, 36, 16, 11, 11, 11, 12, 11, 11, 13, 15, 15, 12],
        rtl,
    )
    for row in data.brief.rows:
        p = row.projection
        sheet.append(
            [
                row.rank,
                data.codes.get(row.agency_id, ""),
                row.name,
                data.counties.get(row.agency_id, ""),
                row.target or None,
                row.achieved,
                _ratio(row.achieved, row.target),
                row.registered,
                _ratio(row.registered, row.target),
                row.achieved - row.registered,
                _standing(r, row),
                p.whole_year if p else None,
                p.recent if p else None,
                p.weekly_needed if p and row.target else None,
            ],
            percent_columns=(6, 8),
        )

    sheet = _Sheet(
        wb,
        "agencies",
        [h(k) for k in ("code", "agency", "county", "target", "achieved", "registered", "percent")],
        [10, 36, 16, 11, 11, 12, 11],
        rtl,
    )
    for row in sorted(data.brief.rows, key=lambda x: data.codes.get(x.agency_id, "")):
        sheet.append(
            [
                data.codes.get(row.agency_id, ""),
                row.name,
                data.counties.get(row.agency_id, ""),
                row.target or None,
                row.achieved,
                row.registered,
                _ratio(row.achieved, row.target),
            ],
            percent_columns=(6,),
        )

    # Withdrawn reports on a sheet of their own: summing the jobs of "achievements" gives the reported total.
    columns = (
        "id",
        "code",
        "agency",
        "county",
        "date",
        "jobs",
        "sector",
        "title",
        "rasad",
        "tracking",
        "codes",
        "reporter",
        "reported_at",
        "status",
    )
    widths = [8, 10, 30, 14, 12, 10, 12, 40, 10, 16, 12, 22, 18, 12]
    sheets = {
        kept: _Sheet(wb, "withdrawn" if kept else "achievements", [h(k) for k in columns], widths, rtl)
        for kept in (False, True)
    }
    for a in data.achievements:
        values = list(a)
        withdrawn = values[13] == "withdrawn"
        values[6] = r.raw(f"sectors.{values[6]}")
        values[8] = h("yes") if values[8] else h("no")
        values[13] = h(f"status_{values[13]}")
        sheets[withdrawn].append(values)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_csv(data: ExportData, r: Renderer) -> bytes:
    """The ranking as CSV, UTF-8 with a BOM so Excel opens Persian text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            r.raw(f"export.{k}")
            for k in (
                "rank",
                "code",
                "agency",
                "county",
                "target",
                "achieved",
                "percent",
                "registered",
                "standing",
            )
        ]
    )
    for row in data.brief.rows:
        percent = round(row.achieved * 100 / row.target, 1) if row.target else ""
        writer.writerow(
            [
                _csv_safe(value)
                for value in (
                    row.rank,
                    data.codes.get(row.agency_id, ""),
                    row.name,
                    data.counties.get(row.agency_id, ""),
                    row.target or "",
                    row.achieved,
                    percent,
                    row.registered,
                    _standing(r, row),
                )
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
