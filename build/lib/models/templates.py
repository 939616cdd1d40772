"""The spreadsheets people fill in: the list of people employed (beneficiaries) and the roster. Each has its
header and nothing importable under it; what to write, with examples, is on a help sheet that the readers
never take as data (they read the first sheet, or skip a sheet named as help)."""

from __future__ import annotations

import io

HELP_SHEETS = ("راهنما", "help")


def _workbook(
    title: str, headers: list[str], widths: list[int], help_title: str, help_lines: list[str]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.sheet_view.rightToLeft = True
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(help_title)
    help_sheet.sheet_view.rightToLeft = True
    help_sheet.column_dimensions["A"].width = 110
    for line in help_lines:
        help_sheet.append([line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def beneficiaries_xlsx(headers: list[str], help_title: str, help_lines: list[str]) -> bytes:
    from openpyxl import load_workbook

    content = _workbook("beneficiaries", headers, [20] * len(headers), help_title, help_lines)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    for row in range(2, 2002):
        sheet.cell(row=row, column=1).number_format = "@"  # text: Excel would drop a code's leading zeros
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def roster_xlsx(title: str, headers: list[str], help_title: str, help_lines: list[str]) -> bytes:
    widths = [8, 34, 14, 16, 16, 14, 26, 18][: len(headers)]
    widths += [16] * (len(headers) - len(widths))
    return _workbook(title, headers, widths, help_title, help_lines)
