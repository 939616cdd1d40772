import pytest

from models.beneficiary_file import MAX_BYTES, MAX_ROWS, FileProblem, _columns, read_table


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("big.csv", b"x" * (MAX_BYTES + 1), "too_big"),
        ("rows.csv", ("code\n" + "0013542419\n" * (MAX_ROWS + 1)).encode(), "too_many_rows"),
        ("list.txt", b"code\n1\n", "type"),
        ("utf16.csv", "کد ملی\n".encode("utf-16"), "empty"),  # read (UTF-16 with its BOM): a header only
        ("bin.csv", b"\x00\x01code\n", "type"),
        ("blank.csv", b"\n\n", "empty"),
    ],
)
def test_files_refused_as_a_whole(name, content, reason):
    with pytest.raises(FileProblem) as info:
        read_table(content, name)
    assert info.value.reason == reason


def test_headers_in_persian_or_english_with_spacing_variants():
    assert _columns(["کد ملی", "نام", "تلفن همراه", "جنسیت"]) == {
        "code": 0,
        "name": 1,
        "mobile": 2,
        "gender": 3,
    }
    assert _columns(["National Code", "Mobile", "Job Title"]) == {"code": 0, "mobile": 1, "job_title": 2}
    with pytest.raises(FileProblem, match="no_code_column"):
        _columns(["نام", "موبایل"])


async def test_leading_zeros_lost_by_excel_are_restored_and_wide_sheets_are_cut(database):
    import io

    from openpyxl import Workbook

    from models.beneficiary_file import MAX_COLUMNS, check

    wb = Workbook()
    wb.active.append(["کد ملی"])
    wb.active.append([13542419])  # 0013542419 typed as a number
    wb.active.append([76229645])
    wb.active.cell(row=1, column=16000, value="stray")
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), "list.xlsx")
    assert all(len(row) <= MAX_COLUMNS for row in table)
    async with database.session() as s:
        result = await check(s, table, 1405)
    assert [p.code for p in result.valid] == ["0013542419", "0076229645"] and not result.invalid
