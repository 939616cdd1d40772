"""The roster the office already keeps, sent in chat by an admin and from the command line: read as typed,
previewed change by change with warnings first, applied exactly as shown."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from models import roster_file
from models.importer import import_rows
from models.schema import Agency, Commitment, Person, Region
from tests.e2e.conftest import join
from tests.e2e.test_admin_chat import admin_of
from tests.kit import office_sheets


async def _agencies(bot) -> dict[str, tuple[str, str, int | None]]:
    """code -> (name, county, 1405 commitment)."""
    async with bot.db.session() as s:
        rows = await s.execute(
            select(Agency.code, Agency.name, Region.name, Commitment.target)
            .join(Region, Region.id == Agency.county_id)
            .outerjoin(Commitment, (Commitment.agency_id == Agency.id) & (Commitment.year == 1405))
        )
        return {code: (name, county, target) for code, name, county, target in rows}


async def _people(bot) -> dict[str, tuple[str, str | None, bool]]:
    """phone -> (name, agency code, active)."""
    async with bot.db.session() as s:
        rows = await s.execute(
            select(Person.phone, Person.name, Agency.code, Person.active).outerjoin(
                Agency, Agency.id == Person.agency_id
            )
        )
        return {phone: (name, code, active) for phone, name, code, active in rows}


async def test_the_county_office_sheet_imports_as_it_is_and_its_reps_can_join(bot):
    admin = await admin_of(bot)
    before = await _agencies(bot)
    reply = await admin.send_document("تعهدات نیشابور.xlsx", office_sheets.nishapur_office())
    text = reply.text
    # New agencies get codes after the highest one (201), shown in the preview, field by field.
    assert "➕ کد ۲۰۲ «اداره تعاون، کار و رفاه اجتماعی» (تازه): شهرستان نیشابور، تعهد ۱۴۰۵: ۱٬۲۰۰" in text
    assert "➕ کد ۲۰۵ «جمعیت هلال احمر» (تازه): شهرستان نیشابور، تعهد ۱۴۰۵: ۲۵" in text
    assert "➕ کد ۲۰۶ «اداره ورزش و جوانان» (تازه): شهرستان نیشابور، تعهد ۱۴۰۵: ۳۰" in text
    # The existing agency, written with Arabic letters, is matched by name in its county.
    assert "✏️ کد ۲۰۱ «جهاد کشاورزی نیشابور»: تعهد ۱۴۰۵: ۴۰۰ ← ۴۵۰" in text
    assert "➕ فاطمه صادقی (۰۹۱۵•••••۷۷) (تازه): دستگاه «۲۰۴ آموزش و پرورش»" in text
    assert "ردیف ۱۱ جمع به نظر می‌رسد و کنار گذاشته شد" in text
    assert "دستگاه‌ها: ۵ تازه، ۰ به‌روزشده، ۱ بدون تغییر" in text
    assert "افراد: ۴ تازه، ۰ به‌روزشده، ۱ بدون تغییر" in text
    assert await _agencies(bot) == before  # a preview writes nothing
    reply = await admin.press("✅ اعمال")
    assert "ورود اطلاعات انجام شد" in reply.text
    agencies = await _agencies(bot)
    assert agencies["201"] == ("جهاد کشاورزی نیشابور", "نیشابور", 450)
    assert {code: agencies[code] for code in ("202", "203", "204", "205", "206")} == {
        "202": ("اداره تعاون، کار و رفاه اجتماعی", "نیشابور", 1200),
        "203": ("بانک ملی", "نیشابور", 350),
        "204": ("آموزش و پرورش", "نیشابور", 80),
        "205": ("جمعیت هلال احمر", "نیشابور", 25),
        "206": ("اداره ورزش و جوانان", "نیشابور", 30),
    }
    people = await _people(bot)
    assert people["+989151112233"] == ("سمیه حسینی", "202", True)
    assert people["+989151114455"] == ("محمد جعفری", "203", True)
    assert people["+989151116677"] == ("فاطمه صادقی", "204", True)
    assert people["+989151118899"] == ("حمید رحیمی", "206", True)
    # A rep of the sheet joins with the phone written there and sees the commitment written there.
    rep = await join(bot, 801, "09151112233")
    assert "تعهد اشتغال: ۱٬۲۰۰" in (await rep.send("/status")).text
    # The same sheet again changes nothing: every agency is found by its name.
    reply = await admin.send_document("تعهدات نیشابور.xlsx", office_sheets.nishapur_office())
    assert "این فایل" not in reply.text or "تازه" not in reply.text.split("دستگاه‌ها:")[1].split("\n")[0]
    assert "دستگاه‌ها: ۰ تازه، ۰ به‌روزشده، ۶ بدون تغییر" in reply.text


async def test_a_preview_lists_each_change_field_by_field_with_warnings_first(bot):
    admin = await admin_of(bot)
    reply = await admin.send_document("roster.xlsx", office_sheets.changed_roster())
    text = reply.text
    warnings = [
        "⚠️ کد ۲۰۱: نام «جهاد کشاورزی نیشابور» به «جهاد کشاورزی سبزوار» تغییر می‌کند.",
        "⚠️ کد ۲۰۱ «جهاد کشاورزی سبزوار» از شهرستان نیشابور به شهرستان سبزوار می‌رود.",
        "⚠️ تعهد ۱۴۰۵ «جهاد کشاورزی سبزوار» (کد ۲۰۱) از ۴۰۰ به ۵۰۰ تغییر می‌کند (بیش از یک‌پنجم).",
        "⚠️ رضا کریمی از دستگاه «۲۰۱ جهاد کشاورزی سبزوار» به «۱۰۲ بانک کشاورزی مشهد» منتقل می‌شود.",
        "⚠️ شمارهٔ ۰۹۱۲•••••۲۲ اکنون به نام «علی رضایی» است و در فایل به نام «کاوه محمدی» آمده است.",
    ]
    for warning in warnings:
        assert warning in text, warning
    change = (
        "✏️ کد ۲۰۱ «جهاد کشاورزی سبزوار»: نام «جهاد کشاورزی نیشابور» ← «جهاد کشاورزی سبزوار»، "
        "شهرستان نیشابور ← سبزوار، تعهد ۱۴۰۵: ۴۰۰ ← ۵۰۰"
    )
    assert change in text
    assert "✏️ کد ۱۰۲ «بانک کشاورزی مشهد»: تعهد ۱۴۰۵: ۳۰۰ ← ۳۱۰" in text
    assert "تعهد ۱۴۰۵ «بانک کشاورزی مشهد»" not in text  # a tenth is no warning
    assert "✏️ کاوه محمدی (۰۹۱۲•••••۲۲): نام «علی رضایی» ← «کاوه محمدی»" in text
    # Warnings come before the changes.
    assert text.index("مورد نیازمند توجه") < text.index("⚠️ کد ۲۰۱") < text.index("۴ تغییر:") < text.index("✏️")
    reply = await admin.press("✅ اعمال")
    assert "ورود اطلاعات انجام شد" in reply.text
    agencies, people = await _agencies(bot), await _people(bot)
    assert agencies["201"] == ("جهاد کشاورزی سبزوار", "سبزوار", 500)
    assert agencies["102"][2] == 310
    assert people["+989125555555"] == ("رضا کریمی", "102", True)
    assert people["+989122222222"] == ("کاوه محمدی", "102", True)


async def test_apply_applies_only_what_the_preview_showed(bot):
    admin = await admin_of(bot)
    reply = await admin.send_document("roster.xlsx", office_sheets.changed_roster())
    assert "تعهد ۱۴۰۵: ۴۰۰ ← ۵۰۰" in reply.text
    # Meanwhile someone else changes agency 201's commitment.
    rows = {"commitments": [(2, {"agency_code": "201", "year": "1405", "target": "450"})]}
    assert (await import_rows(bot.db, rows)).ok
    reply = await admin.press("✅ اعمال")
    assert "از زمان پیش‌نمایش تغییر کرده است" in reply.text and "چیزی اعمال نشد" in reply.text
    assert "تعهد ۱۴۰۵: ۴۵۰ ← ۵۰۰" in reply.text  # the new preview
    assert (await _agencies(bot))["201"] == ("جهاد کشاورزی نیشابور", "نیشابور", 450)
    reply = await admin.press("✅ اعمال")
    assert "ورود اطلاعات انجام شد" in reply.text
    assert (await _agencies(bot))["201"] == ("جهاد کشاورزی سبزوار", "سبزوار", 500)


async def test_a_provincial_sheet_with_codes_two_years_and_a_job_title_column(bot):
    admin = await admin_of(bot)
    reply = await admin.send_document("استان.xlsx", office_sheets.province_office())
    text = reply.text
    assert "➕ کد ۴۰۱ «شیلات سبزوار» (تازه): شهرستان سبزوار، تعهد ۱۴۰۵: ۶۰" in text
    assert "➕ کد ۴۰۲ «منابع طبیعی سبزوار» (تازه): شهرستان سبزوار، تعهد ۱۴۰۵: ۱٬۰۰۰، تعهد ۱۴۰۶: ۱٬۱۰۰" in text
    assert "✏️ کد ۱۰۱ «جهاد کشاورزی مشهد»: تعهد ۱۴۰۶: ۵۵۰" in text
    assert "نقش «" not in text and "ناشناخته" not in text  # «سمت» is a job title, not a role
    await admin.press("✅ اعمال")
    async with bot.db.session() as s:
        targets = dict(
            (
                await s.execute(
                    select(Commitment.year, Commitment.target).join(Agency).where(Agency.code == "402")
                )
            )
            .tuples()
            .all()
        )
    assert targets == {1405: 1000, 1406: 1100}
    assert (await _people(bot))["+989157778899"] == ("کاوه محمدی", "401", True)


async def test_a_windows_1256_csv_and_a_sheet_without_a_county(bot):
    admin = await admin_of(bot)
    reply = await admin.send_document("office.csv", office_sheets.nishapur_office_csv_1256())
    assert "➕ کد ۲۰۲ «دامپزشکی نیشابور» (تازه): شهرستان نیشابور، تعهد ۱۴۰۵: ۴۰" in reply.text
    assert "ردیف ۳ جمع به نظر می‌رسد" in reply.text
    nowhere = "نام دستگاه,تعهد 1405\nکتابخانه‌ها,20\n".encode()
    reply = await admin.send_document("no-county.csv", nowhere)
    assert "شهرستان دستگاه معلوم نیست" in reply.text and "✅ اعمال" not in reply.buttons


async def test_a_deactivated_person_is_reactivated_only_by_an_explicit_value(bot):
    admin = await admin_of(bot)
    people = "name,phone,role,agency_code,scope,active\nمریم احمدی,09121111111,rep,101,,خیر\n".encode()
    await admin.send_document("people.csv", people)
    await admin.press("✅ اعمال")
    assert (await _people(bot))["+989121111111"][2] is False
    # The office's sheet lists her again, without an active column: she stays deactivated, and is told so.
    again = "name,phone,role,agency_code,scope\nمریم احمدی,09121111111,rep,101,\n".encode()
    reply = await admin.send_document("people.csv", again)
    assert "مریم احمدی (۰۹۱۲•••••۱۱) غیرفعال است و غیرفعال می‌ماند" in reply.text
    await admin.press("✅ اعمال")
    assert (await _people(bot))["+989121111111"][2] is False
    explicit = "name,phone,role,agency_code,scope,active\nمریم احمدی,09121111111,rep,101,,بله\n".encode()
    reply = await admin.send_document("people.csv", explicit)
    assert "⚠️ مریم احمدی (۰۹۱۲•••••۱۱) که غیرفعال شده بود، دوباره فعال می‌شود." in reply.text
    await admin.press("✅ اعمال")
    assert (await _people(bot))["+989121111111"][2] is True


async def test_a_long_preview_comes_with_the_full_list_as_a_file(bot):
    admin = await admin_of(bot)
    lines = ["نام دستگاه,شهرستان,تعهد ۱۴۰۵"] + [f"دستگاه شمارهٔ {n},مشهد,{n}" for n in range(1, 61)]
    reply = await admin.send_document("many.csv", "\n".join(lines).encode())
    assert "… و ۳۵ تغییر دیگر؛ فهرست کامل در فایل پیوست است." in reply.text
    [listing] = [m for m in reply if m.kind == "document"]
    content = listing.document["content"].decode("utf-8-sig")
    assert listing.document["file_name"] == "import-changes.csv" and content.count("«دستگاه شمارهٔ") == 60
    assert "✅ اعمال" in reply.buttons


def test_the_roster_template_has_no_row_to_import(tmp_path):
    from tests.e2e.test_cli import cli

    out = tmp_path / "roster.xlsx"
    result = cli(tmp_path, "template", "roster", "--out", str(out))
    assert result.returncode == 0, result.stderr
    from models.sheets import FileProblem

    for path in (out, Path(__file__).resolve().parents[2] / "examples" / "roster-template.xlsx"):
        content = path.read_bytes()
        try:
            roster_file.read(content, "t.xlsx", 1405)
        except FileProblem as exc:
            assert exc.reason == "empty"  # a header and nothing under it
        else:
            raise AssertionError("the template holds an importable row")
