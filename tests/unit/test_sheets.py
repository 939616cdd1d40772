"""The spreadsheet reader's budgets: every bomb an adversarial pass built, refused before it costs
anything, and real files read as they are."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
from openpyxl import Workbook

from models import beneficiary_file, filework, roster_file, sheets
from models.sheets import FileProblem, Limits
from tests.kit import bombs


def refused(content: bytes, name: str = "list.xlsx", limits: Limits = Limits()) -> FileProblem:  # noqa: B008
    with pytest.raises(FileProblem) as info:
        sheets.read(content, name, limits)
    return info.value


def test_a_row_numbered_two_billion_is_refused_at_that_row():
    # openpyxl yields every missing row up to it: 47 minutes of a worker thread.
    assert refused(bombs.tall_row()).reason == "rows_too_far"


def test_a_sheet_declaring_the_whole_grid_with_one_far_row_is_refused():
    # The roster import's hole: 3.7 GB, then MemoryError.
    assert refused(bombs.declared_everything()).reason == "rows_too_far"
    assert refused(bombs.declared_everything(), limits=roster_file.LIMITS).reason == "rows_too_far"


def test_a_gibibyte_shared_string_in_a_megabyte_is_refused_before_unpacking():
    content = bombs.huge_shared_string(1.0)
    assert len(content) < 2 * 1024 * 1024
    assert refused(content).reason == "archive"


def test_two_gigabytes_of_blank_rows_in_a_few_megabytes_are_refused_before_unpacking():
    content = bombs.blank_rows(2.0)
    assert len(content) < 6 * 1024 * 1024
    assert refused(content).reason == "archive"


def test_ordinary_xml_past_the_budgets_stops_at_the_first_one_passed():
    assert refused(bombs.many_rows(20_050)).reason == "too_many_rows"
    assert (
        refused(bombs.many_rows(2_000, cells=40), limits=Limits(max_cells=50_000)).reason == "too_many_cells"
    )
    wide_text = Limits(max_text_chars=10_000)
    assert refused(bombs.many_rows(3_000, cells=2), limits=wide_text).reason == "too_many_cells"


def test_a_cell_longer_than_excel_allows_is_refused():
    sheet = bombs.SHEET_HEAD + b'<sheetData><row r="1"><c t="inlineStr"><is><t>'
    sheet += b"x" * 40_000 + b"</t></is></c></row></sheetData></worksheet>"
    assert refused(bombs.xlsx(sheet)).reason == "cell_too_long"


def test_a_dtd_or_entity_is_refused():
    sheet = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + bombs.SHEET_HEAD
    sheet += b'<sheetData><row><c t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>'
    assert refused(bombs.xlsx(sheet)).reason == "type"


def test_a_read_past_its_deadline_stops():
    content = bombs.many_rows(5_000)
    with pytest.raises(FileProblem) as info:
        sheets.read(content, "x.xlsx", deadline=time.monotonic() - 1)
    assert info.value.reason == "too_slow"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04broken", "type"),
        (b"", "type"),
        (b"\x00" * 100, "type"),
    ],
)
def test_what_is_not_a_workbook_is_type(content, reason):
    assert refused(content).reason == reason


def test_csv_in_every_encoding_offices_save():
    text = "کد ملی,نام\n0013542419,مریم\n"
    for encoded in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("utf-16"),
        text.replace("ی", "ي").encode("cp1256"),
    ):
        [sheet] = sheets.read(encoded, "list.csv")
        assert sheet.rows == [(1, ["کد ملی", "نام"]), (2, ["0013542419", "مریم"])]
    [semicolons] = sheets.read("کد ملی;نام\n0013542419;مریم\n".encode(), "list.csv")
    assert semicolons.rows[1] == (2, ["0013542419", "مریم"])


def test_a_csv_of_blank_lines_past_the_row_bound_is_refused():
    assert refused(b"\n" * 200_001, "x.csv").reason == "rows_too_far"


def test_real_workbooks_read_as_openpyxl_wrote_them():
    wb = Workbook()
    ws = wb.active
    ws.append(["فهرست — ۱۴۰۵"])
    ws.merge_cells("A1:C1")
    ws.append(["کد", "نام", "تعهد"])
    ws.append([101, "جهاد\u200fكشاورزي", 350.0])
    ws.append(["102", None, "۱٬۲۰۰"])
    ws.merge_cells("B3:B4")
    ws.append([])
    ws.append([None, None, 9121234567])
    ws["E7"] = "far right"
    out = io.BytesIO()
    wb.save(out)
    [sheet] = sheets.read(out.getvalue(), "r.xlsx", merged=True)
    assert sheet.merged == ["A1:C1", "B3:B4"]
    sheet.fill_down(2, 30)  # below the header row
    assert sheet.rows == [
        (1, ["فهرست — ۱۴۰۵"]),
        (2, ["کد", "نام", "تعهد"]),
        (3, ["101", "جهادکشاورزی", "350"]),
        (4, ["102", "جهادکشاورزی", "۱٬۲۰۰"]),  # merged down: read in both rows
        (6, ["", "", "9121234567"]),
        (7, ["", "", "", "", "far right"]),
    ]


def test_control_characters_never_come_out_of_a_cell():
    sheet = bombs.SHEET_HEAD + b'<sheetData><row><c t="inlineStr"><is><t>a&#x1;b&#x7;c</t></is></c></row>'
    sheet += b"</sheetData></worksheet>"
    # XML 1.0 forbids these characters, so expat refuses the file outright.
    assert refused(bombs.xlsx(sheet)).reason == "type"
    assert refused("کد\x00ملی,نام\n1,x\n".encode(), "x.csv").reason == "type"
    [plain] = sheets.read("عنوان\x07 طرح,نام\n1,x\x0b\n".encode(), "x.csv")
    assert plain.rows[0][1] == ["عنوان طرح", "نام"] and plain.rows[1][1] == ["1", "x"]


def test_the_beneficiary_list_header_may_sit_under_title_rows():
    text = "فهرست شاغلان طرح گلخانه\n\nردیف,کد ملی,نام\n1,0013542419,مریم\n"
    table = beneficiary_file.read_table(text.encode(), "x.csv")
    assert table == [["ردیف", "کد ملی", "نام"], ["1", "0013542419", "مریم"]]


def test_headers_are_recognised_however_offices_type_them():
    cases = {
        "نام دستگاه اجرايي": "agency",
        "عنوان‌دستگاه": "agency",
        "كد دستگاه": "code",
        "شهرستان": "county",
        "استان": "province",
        "تعهد اشتغال": "target",
        "سهمیه": "target",
        "نام و نام‌خانوادگی نماینده": "person",
        "شماره تلفن همراه": "phone",
        "تلفن همراه نماینده": "phone",
        "Mobile": "phone",
        "Agency name": "agency",
        "Rep's full name": "person",
    }
    for header, field in cases.items():
        column = roster_file.recognise(header)
        assert column is not None and column.field == field, header
    year = roster_file.recognise("تعهد ۱۴۰۶")
    assert year is not None and (year.field, year.year) == ("target", 1406)
    for other in (
        "ردیف",
        "کد ملی",
        "سمت",
        "توضیحات",
        "فهرست دستگاه‌های اجرایی شهرستان نیشابور و تعهدات اشتغال",
    ):
        assert roster_file.recognise(other) is None, other


async def test_the_file_pool_queues_past_two_and_tells_the_waiting():
    release = threading.Event()
    told: list[str] = []

    def slow(deadline: float) -> str:
        release.wait(5)
        return "done"

    async def waiting() -> None:
        told.append("wait")

    first = asyncio.create_task(filework.run(slow))
    second = asyncio.create_task(filework.run(slow))
    await asyncio.sleep(0.05)
    assert filework.busy()
    third = asyncio.create_task(filework.run(lambda deadline: "quick", waiting=waiting))
    await asyncio.sleep(0.05)
    assert told == ["wait"] and not third.done()  # queued behind the two slow ones
    release.set()
    assert await asyncio.gather(first, second, third) == ["done", "done", "quick"]


async def test_a_read_that_overruns_is_abandoned_with_a_reason():
    stop = threading.Event()

    def stuck(deadline: float) -> None:
        stop.wait(5)

    with pytest.raises(FileProblem) as info:
        await filework.run(stuck, seconds=0.05)
    stop.set()
    assert info.value.reason == "too_slow"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (bombs.bzip2_lie, "archive"),  # 972 bytes that bzip2 would unpack whole: refused unopened
        (bombs.encrypted, "archive"),
        (bombs.corrupt_deflate, "type"),
        (bombs.many_sheets, "archive"),  # 300 sheets listed: more than any workbook has
        (bombs.long_comment, "archive"),  # one token of megabytes that expat would rescan each chunk
    ],
)
def test_zip_and_xml_tricks_are_refused_with_a_reason(make, reason):
    assert refused(make()).reason == reason


def test_a_merge_range_of_thousands_of_digits_is_ignored():
    [sheet] = sheets.read(bombs.huge_merge_ref(), "x.xlsx", merged=True)
    sheet.fill_down(0, 30)  # no exception: the range is not a cell reference
    assert sheet.rows == [(1, ["a"])]


def test_too_many_zip_entries_are_refused_from_the_end_record():
    members = {f"xl/media/{n}.xml": b"<a/>" for n in range(501)}
    assert refused(bombs._zip(members)).reason == "archive"


def test_csv_lines_of_old_macs_and_lines_of_thousands_of_cells():
    [sheet] = sheets.read("کد ملی,نام\r0013542419,مریم\r".encode(), "list.csv")
    assert sheet.rows == [(1, ["کد ملی", "نام"]), (2, ["0013542419", "مریم"])]
    assert refused(b"code" + b",a" * 5000 + b"\n", "x.csv").reason == "too_many_cells"


def test_hidden_sheets_are_not_read():
    wb = Workbook()
    wb.active.append(["کد ملی"])
    wb.active.append(["0013542419"])
    lookup = wb.create_sheet("lists", 0)  # first, and hidden: a drop-down's values
    lookup.append(["کد ملی"])
    lookup.append(["1111111111"])
    lookup.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    [sheet] = sheets.read(out.getvalue(), "x.xlsx")
    assert sheet.rows[1] == (2, ["0013542419"])


def test_beneficiary_rows_keep_their_numbers_in_the_file():
    text = "فهرست شاغلان\n\nکد ملی,نام\n0013542419,الف\n1234567890,ب\n"
    table = beneficiary_file.read_table(text.encode(), "x.csv")
    assert table.numbers == [3, 4, 5]  # as Excel shows them: the title and the blank row count
