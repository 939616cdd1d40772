"""Beneficiaries sent as a spreadsheet at the national-codes step."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models.schema import Beneficiary
from tests.e2e.conftest import join, send_count

MARYAM, ALI = (501, "09121111111"), (502, "09122222222")


def national_code(seed: int) -> str:
    """A valid code: nine digits from the seed and the check digit."""
    body = f"{seed:09d}"
    if len(set(body)) == 1:
        body = f"{seed + 1:09d}"
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def to_codes_step(rep, jobs: str = "2") -> None:
    await rep.send("/report")
    await rep.press("خدمات")
    await send_count(rep, jobs)
    await rep.press("امروز")
    await rep.send("طرح تسهیلات اشتغال خانگی")


async def test_persian_headers_bad_rows_and_details_kept(bot):
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep)
    content = xlsx(
        [
            ["کد ملی", "نام و نام خانوادگی", "موبایل", "جنسیت", "گروه سنی", "عنوان شغل"],
            ["۰۰۱۳۵۴۲۴۱۹", "مریم الف", "09121234567", "زن", "25-34", "خیاط"],
            ["0076229645", "علی ب", "", "مرد", "", ""],
            ["1234567890", "نامعتبر", "", "", "", ""],
            ["0013542419", "تکراری", "", "", "", ""],
            ["1583250689", "موبایل بد", "0212345", "", "", ""],
            ["3974017844", "", "", "", "", ""],
        ]
    )
    reply = await rep.send_document("شاغلان.xlsx", content)
    text = reply.text
    assert "۳ ردیف معتبر، ۳ ردیف نامعتبر" in text
    assert "ردیف ۴: کد ملی نامعتبر" in text and "ردیف ۵: تکراری در همین فایل" in text
    assert "ردیف ۶: شمارهٔ همراه نامعتبر" in text
    assert "تعداد شغل برابر ۳" in text and "سامانهٔ رصد" in text  # moved on to the Rasad question
    invalid = next(m for m in reply if m.kind == "document")
    rows = list(csv.reader(io.StringIO(invalid.document["content"].decode("utf-8-sig"))))
    assert rows[0][0] == "row" and rows[0][-1] == "دلیل" and [r[0] for r in rows[1:]] == ["4", "5", "6"]
    await rep.press("هنوز نه")
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert a.jobs == 3
    async with bot.db.session() as s:
        people = {b.national_code: b for b in (await s.execute(select(Beneficiary))).scalars()}
    assert set(people) == {"0013542419", "0076229645", "3974017844"}
    first = people["0013542419"]
    assert (first.name, first.mobile, first.gender, first.age_group, first.job_title) == (
        "مریم الف",
        "+989121234567",
        "female",
        "25-34",
        "خیاط",
    )


async def test_codes_counted_by_another_agency_are_refused_in_a_csv(bot):
    ali = await join(bot, *ALI)
    await to_codes_step(ali, "1")
    await ali.send("0013542419")
    await ali.press("هنوز نه")
    await ali.press("✅ تأیید و ثبت")
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep)
    content = b"national_code,name\n0013542419,x\n0076229645,y\n"
    reply = await rep.send_document("list.csv", content)
    assert "۱ ردیف معتبر، ۱ ردیف نامعتبر" in reply.text and "امسال پیش‌تر شمرده شده" in reply.text


async def test_unusable_files_get_a_clear_reply_and_the_step_stays(bot):
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep)
    cases = [
        ("list.pdf", b"%PDF-1.4", "فقط فایل"),
        ("empty.csv", "کد ملی\n".encode(), "خالی"),
        ("names.csv", "نام,موبایل\nالف,0912\n".encode(), "ستون «کد ملی»"),
        ("broken.xlsx", b"not a zip", "فقط فایل"),
    ]
    for name, content, expected in cases:
        reply = await rep.send_document(name, content)
        assert expected in reply.text and "گام ۵ از ۶" in reply.text, name
    assert await bot.achievements() == []


async def test_twenty_thousand_rows(bot):
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep)
    rows = [["کد ملی"]] + [[national_code(100_000 + i)] for i in range(20_000)]
    reply = await rep.send_document("big.xlsx", xlsx(rows))
    assert "۲۰٬۰۰۰ ردیف معتبر، ۰ ردیف نامعتبر" in reply.text
    assert any("بررسی ۵٬۰۰۰ از ۲۰٬۰۰۰" in m.plain for m in reply if m.kind == "edit")  # progress
    # The jobs follow the rows: 20,000 against a commitment of 500 is asked about, with both figures.
    assert "۲۰٬۰۰۰ شغل" in reply.text and "تعهد امسال دستگاه: ۵۰۰ شغل" in reply.text
    await rep.press("✅ بله، ۲۰٬۰۰۰ درست است")
    await rep.press("هنوز نه")
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    assert a.jobs == 20_000
    async with bot.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Beneficiary))).scalar_one() == 20_000


async def test_template_and_documents_out_of_place(bot):
    rep = await join(bot, *MARYAM)
    reply = await rep.send("/template")
    wb = load_workbook(io.BytesIO(reply.last.document["content"]))
    assert [c.value for c in wb.active[1]][:3] == ["کد ملی", "نام و نام خانوادگی", "موبایل"]
    assert "مرحلهٔ «کد ملی شاغلان»" in (await rep.send_document("x.csv", b"a,b\n")).text


async def test_a_list_added_to_a_saved_report(bot):
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep, "2")
    await rep.press("رد شدن ⏭")
    await rep.press("بله، ثبت شده")
    await rep.send("TR-1234")
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    reply = await rep.send("/beneficiaries")
    assert "به کدام گزارش" in reply.text
    await rep.press(f"#{str(a.id).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))}")
    rows = [["national code"]] + [[national_code(500 + i)] for i in range(3)]
    reply = await rep.send_document("list.xlsx", xlsx(rows))
    assert "۳ کد ملی معتبر به گزارش" in reply.text and "از ۲ به ۳" in reply.text
    assert await _beneficiaries(bot) == 0  # nothing before the rep confirms
    reply = await rep.press("✅ افزودن")
    assert "۳ کد ملی به گزارش" in reply.text and "تعداد شغل: ۳" in reply.text
    [a] = await bot.achievements()
    assert a.jobs == 3 and await _beneficiaries(bot) == 3
    status = (await rep.send("/status")).text
    assert "محقق‌شده: ۳" in status and "ثبت‌شده در رصد: ۳" in status  # totals followed the jobs
    ali = await join(bot, *ALI)
    await ali.press_data(f"bn|000000|pick|{a.id}", 1)  # another agency's rep, forged
    assert bot.api.callback_answers[-1].get("text") == "این دکمه دیگر معتبر نیست."


async def _beneficiaries(bot) -> int:
    async with bot.db.session() as s:
        return (await s.execute(select(func.count()).select_from(Beneficiary))).scalar_one()


async def test_a_file_goes_to_the_waiting_list_even_with_a_report_open(bot):
    rep = await join(bot, *MARYAM)
    await to_codes_step(rep, "9")
    await rep.press("رد شدن ⏭")
    await rep.press("هنوز نه")
    await rep.press("✅ تأیید و ثبت")
    [a] = await bot.achievements()
    await to_codes_step(rep, "9")  # a second report, open at the codes step
    await rep.send("/beneficiaries")
    await rep.press(f"#{str(a.id).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))}")
    reply = await rep.send_document("list.csv", "کد ملی\n0013542419\n".encode())
    assert "به گزارش" in reply.text and "✅ افزودن" in reply.buttons
    await rep.press("✅ افزودن")
    assert await _beneficiaries(bot) == 1
