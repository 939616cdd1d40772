"""Roster sheets as county and provincial offices really keep them: a merged title, blank rows, Persian
headers typed every way (Arabic ي/ك, ZWNJ or a space, extra words), the county merged down beside its
agencies, numbers typed as text with Persian digits and separators, phones in every form, no code column,
a total row at the bottom. They fit the test roster (tests/conftest.roster_rows): Mashhad and Nishapur in
Khorasan Razavi, agencies 101-103 and 201."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# (agency name as typed, commitment as typed, rep, phone as typed)
NISHAPUR_ROWS = [
    ("جهاد كشاورزي نيشابور", "۴۵۰", "رضا کریمی", "09125555555"),  # agency 201: Arabic letters, 400 -> 450
    ("اداره تعاون، کار و رفاه اجتماعی", "۱٬۲۰۰", "سمیه حسینی", "۰۹۱۵۱۱۱۲۲۳۳"),
    ("بانک ملی", "350", "محمد جعفری", "+98 915 111 4455"),
    ("آموزش و پرورش", "۸۰ نفر", "فاطمه صادقی", 9151116677),  # a phone stored as a number
    ("جمعیت هلال احمر", "25", "", ""),  # no rep yet; its name starts like «جمع» and is no total
    ("اداره ورزش و جوانان", "٣٠", "حمید رحیمی", "0915-111-8899"),  # Arabic-Indic digits
]


def nishapur_office() -> bytes:
    """The Nishapur governorate's sheet: no code column, no province column, the county merged down."""
    wb = Workbook()
    ws = wb.active
    ws.title = "تعهدات ۱۴۰۵"
    ws.sheet_view.rightToLeft = True
    ws.append(["فهرست دستگاه‌های اجرایی شهرستان نیشابور — تعهدات اشتغال سال ۱۴۰۵"])
    ws.merge_cells("A1:F1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([])
    ws.append(
        [
            "ردیف",
            "نام دستگاه اجرايي",
            "شهرستان",
            "تعهد اشتغال",
            "نام و نام‌خانوادگی نماینده",
            "شماره تلفن همراه",
        ]
    )
    for index, (name, target, rep, phone) in enumerate(NISHAPUR_ROWS, start=1):
        ws.append([f"{index}", name, "نیشابور" if index == 1 else None, target, rep or None, phone or None])
        if index == 3:
            ws.append([])  # a blank row in the middle
    last = ws.max_row
    ws.merge_cells(f"C4:C{last}")  # the county written once beside all its agencies
    ws.append([None, "جمع کل", None, "۲٬۱۳۵"])
    return _save(wb)


def province_office() -> bytes:
    """A provincial sheet: codes, counties named per row, two years' commitments, a role column, a
    «سمت» (job title) column the importer must not read as a role, and English digits."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["جدول تعهدات اشتغال دستگاه‌های اجرایی استان خراسان رضوی"])
    ws.append(
        [
            "کد دستگاه",
            "عنوان دستگاه",
            "شهرستان",
            "استان",
            "تعهد ۱۴۰۵",
            "تعهد ۱۴۰۶",
            "نماینده",
            "سمت",
            "موبایل",
        ]
    )
    ws.append(
        ["101", "جهاد کشاورزی مشهد", "مشهد", "خراسان رضوی", 500, 550, "مریم احمدی", "کارشناس", "09121111111"]
    )
    ws.append([401, "شیلات سبزوار", "سبزوار", "خراسان رضوی", "60", "", "کاوه محمدی", "معاون", "09157778899"])
    ws.append(["402", "منابع طبیعی سبزوار", "سبزوار", "خراسان رضوی", "1,000", "1,100", None, None, None])
    return _save(wb)


def changed_roster() -> bytes:
    """The three-sheet format, re-imported with changes worth a warning each: agency 201 renamed and moved
    to another county, its commitment raised by a quarter, a rep moved to another agency, a phone given
    to someone else."""
    wb = Workbook()
    wb.remove(wb.active)
    agencies = wb.create_sheet("agencies")
    agencies.append(["code", "name", "county", "province"])
    agencies.append(["201", "جهاد کشاورزی سبزوار", "سبزوار", "خراسان رضوی"])
    commitments = wb.create_sheet("commitments")
    commitments.append(["agency_code", "year", "target"])
    commitments.append(["201", 1405, 500])
    commitments.append(["102", 1405, 310])  # 300 -> 310: a small change, no warning
    people = wb.create_sheet("people")
    people.append(["name", "phone", "role", "agency_code", "scope"])
    people.append(["رضا کریمی", "09125555555", "rep", "102", ""])  # moved from 201 to 102
    people.append(["کاوه محمدی", "09122222222", "rep", "102", ""])  # علی رضایی's phone
    return _save(wb)


def nishapur_office_csv_1256() -> bytes:
    """The same kind of sheet saved by Excel on a Persian Windows as plain "CSV": Windows-1256, which has
    no Persian ی, so Windows writes the Arabic ي in its place."""
    lines = [
        "نام دستگاه,شهرستان,تعهد 1405,نماینده,تلفن همراه",
        "دامپزشکی نیشابور,نیشابور,40,لیلا کاظمی,09156660011",
        "جمع,,40,,",
    ]
    return ("\r\n".join(lines) + "\r\n").replace("ی", "ي").encode("cp1256")
