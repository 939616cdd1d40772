"""Reading office rosters laid out every way offices lay them out: subtitles, two-row headers, separate
first names and surnames, landlines beside mobiles, totals in every form, placeholders, dates in titles."""

from __future__ import annotations

import io

from openpyxl import Workbook

from models import roster_file

HEADER = ["ردیف", "نام دستگاه", "شهرستان", "تعهد ۱۴۰۵", "نماینده", "تلفن همراه"]


def xlsx(rows: list[list[object]], title: str = "Sheet1", merges: tuple[str, ...] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(content: bytes, year: int = 1405) -> roster_file.RosterRows:
    return roster_file.read(content, "x.xlsx", year)


def names(rows: roster_file.RosterRows) -> list[str]:
    return [values["name"] for _, _, values in rows.rows.get("agencies", [])]


def test_every_form_of_a_total_row_is_skipped_and_an_agency_named_like_one_is_not():
    rows = read(
        xlsx(
            [
                HEADER,
                [1, "جهاد کشاورزی", "نیشابور", 350, "رضا", "09125555555"],
                [2, "جمعیت هلال احمر", None, 25, None, None],
                [None, "جمع کل شهرستان نیشابور", None, "۴۰۰ نفر"],
                [None, "مجموع", "-", 375, "-", "-"],
            ],
            merges=("C2:C4",),  # the county merged down through the total row
        )
    )
    assert names(rows) == ["جهاد کشاورزی", "جمعیت هلال احمر"]
    assert [s.reason for s in rows.skipped] == ["total", "total"]


def test_headers_as_offices_type_them():
    agency = ["ردیف", "نام دستگاه", "آدرس دستگاه", "کد پستی", "شهرستان", "تحقق تعهد ۱۴۰۴", "تعهد ۱۴۰۵"]
    rep = ["نام", "نام خانوادگی", "تلفن ثابت", "شماره تماس نماینده", "وضعیت"]
    values = [1, "بانک ملی", "خیابان امام", "9316", "نیشابور", 120, 300]
    person = ["محمد", "جعفری", "05142223344", "09151114455", "در حال بررسی"]
    rows = read(xlsx([[*agency, *rep], [*values, *person]]))
    [(_, _, agency)] = rows.rows["agencies"]
    assert (agency["name"], agency["county"], agency["code"]) == ("بانک ملی", "نیشابور", "")
    assert [(c["year"], c["target"]) for _, _, c in rows.rows["commitments"]] == [("1405", "300")]
    [(_, _, person)] = rows.rows["people"]
    assert (person["name"], person["phone"], person["active"]) == ("محمد جعفری", "09151114455", "")


def test_a_subtitle_row_and_a_two_row_header():
    rows = read(
        xlsx(
            [
                ["جدول تعهدات اشتغال"],
                ["شهرستان: نیشابور", "سال: ۱۴۰۵"],
                ["نام دستگاه", "شهرستان", "تعهد ۱۴۰۵", "مشخصات نماینده", None],
                [None, None, None, "نام و نام خانوادگی", "تلفن همراه"],
                ["دامپزشکی", "نیشابور", "۴۰", "لیلا کاظمی", "09156660011"],
            ],
            merges=("D3:E3",),
        )
    )
    assert names(rows) == ["دامپزشکی"]
    [(_, _, person)] = rows.rows["people"]
    assert (person["name"], person["phone"]) == ("لیلا کاظمی", "09156660011")


def test_placeholders_are_empty_cells():
    rows = read(xlsx([HEADER, [1, "کتابخانه‌ها", "نیشابور", "-", "ندارد", "—"]]))
    assert names(rows) == ["کتابخانه‌ها"]
    assert "commitments" not in rows.rows and "people" not in rows.rows


def test_an_office_sheet_named_like_the_import_format_is_read_by_its_columns():
    rows = read(xlsx([HEADER, [1, "بانک ملی", "نیشابور", 300, "محمد", "09151114455"]], title="تعهدات"))
    assert names(rows) == ["بانک ملی"] and len(rows.rows["people"]) == 1


def test_a_year_in_the_title_is_taken_only_near_the_reporting_year_and_never_from_a_date():
    dated = xlsx(
        [["تعهدات اشتغال — به‌روزرسانی ۱۴۰۴/۱۲/۱۰"], ["نام دستگاه", "شهرستان", "تعهد"], ["الف", "نیشابور", 5]]
    )
    assert [c["year"] for _, _, c in read(dated).rows["commitments"]] == ["1405"]
    titled = xlsx([["تعهدات سال ۱۴۰۶"], ["نام دستگاه", "شهرستان", "تعهد"], ["الف", "نیشابور", 5]])
    assert [c["year"] for _, _, c in read(titled).rows["commitments"]] == ["1406"]
    far = xlsx([["سند شماره ۱۳۹۸"], ["نام دستگاه", "شهرستان", "تعهد"], ["الف", "نیشابور", 5]])
    assert [c["year"] for _, _, c in read(far).rows["commitments"]] == ["1405"]


def test_the_county_named_in_the_title_however_it_is_written():
    for title, county in (
        ("فهرست دستگاه‌های اجرایی شهرستان تربت حیدریه — تعهدات ۱۴۰۵", "تربت حیدریه"),
        ("شهرستان: نیشابور", "نیشابور"),
        ("فرمانداری سبزوار - تعهدات اشتغال", "سبزوار"),
        ("تعهدات اشتغال شهرستان نیشابور سال ۱۴۰۵", "نیشابور"),
    ):
        rows = read(xlsx([[title], ["نام دستگاه", "تعهد ۱۴۰۵"], ["الف", 5]]))
        [(_, _, agency)] = rows.rows["agencies"]
        assert agency["county_hint"] == county, title


def test_the_help_sheet_is_not_read_nor_reported():
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append([1, "الف", "نیشابور", 5, None, None])
    wb.create_sheet("راهنما").append(["این برگه خوانده نمی‌شود. شهرستان و تعهد را بنویسید."])
    out = io.BytesIO()
    wb.save(out)
    rows = read(out.getvalue())
    assert names(rows) == ["الف"] and rows.skipped == []
