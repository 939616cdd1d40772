"""/summary, /agency, /export (xlsx and csv), /chart, and `python -m bot export`."""

from __future__ import annotations

import io

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from models.schema import AuditEvent
from tests.e2e.conftest import join, last_sent
from tests.e2e.test_status_ranking import COUNTY_SUP, file_report
from views import charts

MARYAM, ALI = (501, "09121111111"), (502, "09122222222")


async def _data(bot):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    await file_report(maryam, "120", rasad=True)
    await file_report(ali, "280")
    return maryam, ali, await join(bot, *COUNTY_SUP)


async def test_summary_brief_for_the_working_group(bot):
    maryam, _, sup = await _data(bot)
    brief = await sup.send("/summary")
    text = brief.text
    assert "خلاصهٔ وضعیت اشتغال شهرستان مشهد" in text
    assert brief.buttons == ["۱", "۲"]  # the agencies furthest behind, as numbered in the brief
    card = await sup.press("۲")
    assert "جهاد کشاورزی مشهد (کد ۱۰۱)" in card.text and "تعهد: ۵۰۰ — محقق: ۱۲۰" in card.text
    assert "تعهد ۱٬۰۰۰ شغل؛ محقق ۴۰۰ (۴۰٪)؛ ثبت در رصد ۱۲۰ (۱۲٪)." in text
    assert "در هفتهٔ گذشته ۴۰۰ شغل تازه گزارش شد." in text
    laggards = text.split("ده دستگاه عقب‌مانده")[1]
    assert laggards.index("۱. کمیته امداد مشهد — ۰/۲۰۰ (۰٪)؛ فاصله ۲۰۰ شغل") < laggards.index(
        "۲. جهاد کشاورزی مشهد — ۱۲۰/۵۰۰ (۲۴٪)؛ فاصله ۳۸۰ شغل"
    )
    assert "• بانک کشاورزی مشهد — ۲۸۰ شغل" in text
    assert "برای نقش شما" in (await maryam.send("/summary")).text


async def test_agency_in_depth_within_scope_only(bot):
    _, _, sup = await _data(bot)
    text = (await sup.send("/agency ۱۰۱")).text
    assert "جهاد کشاورزی مشهد (کد ۱۰۱) — سال ۱۴۰۵" in text
    assert "تعهد: ۵۰۰ — محقق: ۱۲۰ (۲۴٪)" in text and "ثبت‌نشده: ۰" in text
    # 120 over 254 days -> 172 by year end; 120 in the last 30 days -> 120 + 120 × 111 / 30 = 564.
    assert "پیش‌بینی پایان سال: ۱۷۲ با سرعت کل سال، ۵۶۴ با سرعت ۳۰ روز اخیر" in text
    assert "آذر: ۱۲۰ / ۱۲۰" in text and "وضعیت: ⚠️ عقب از آهنگ" in text
    reply = await sup.send("/agency کشاورزي")  # Arabic ya: matches both agencies with کشاورزی
    assert "چند دستگاه پیدا شد" in reply.text and set(reply.buttons) == {
        "جهاد کشاورزی مشهد (۱۰۱)",  # codes tell apart agencies of the same name
        "بانک کشاورزی مشهد (۱۰۲)",
    }
    reply = await sup.press("بانک کشاورزی مشهد")
    assert "بانک کشاورزی مشهد (کد ۱۰۲)" in reply.text
    assert "پیدا نشد" in (await sup.send("/agency 201")).text  # Neyshabur is outside a Mashhad scope
    assert "نام یا کد دستگاه" in (await sup.send("/agency")).text
    await sup.press_data("ag|4", 1)  # agency 201's id, forged into a button
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."


async def test_export_workbook_checked_cell_by_cell(bot):
    maryam, _, sup = await _data(bot)
    reply = await sup.send("/export")
    document = reply.last
    assert document.kind == "document" and document.document["file_name"].endswith(".xlsx")
    assert "گزارش اکسل شهرستان مشهد" in document.text
    wb = load_workbook(io.BytesIO(document.document["content"]))
    assert wb.sheetnames == ["summary", "ranking", "agencies", "achievements", "withdrawn"]
    ranking = wb["ranking"]
    assert ranking.sheet_view.rightToLeft and ranking.freeze_panes == "A2"
    assert [c.value for c in ranking[1]][:7] == [
        "رتبه",
        "کد",
        "دستگاه",
        "شهرستان",
        "تعهد",
        "محقق",
        "درصد تحقق",
    ]
    rows = [[c.value for c in row] for row in ranking.iter_rows(min_row=2)]
    assert [r[:6] for r in rows] == [
        [1, "102", "بانک کشاورزی مشهد", "مشهد", 300, 280],
        [2, "101", "جهاد کشاورزی مشهد", "مشهد", 500, 120],
        [3, "103", "کمیته امداد مشهد", "مشهد", 200, 0],
    ]
    assert abs(rows[0][6] - 280 / 300) < 1e-9 and ranking["G2"].number_format == "0.0%"
    assert [r[10] for r in rows] == ["مطابق آهنگ", "عقب", "در خطر"]
    assert ranking.column_dimensions["C"].width > 30
    achievements = [[c.value for c in row] for row in wb["achievements"].iter_rows(min_row=2)]
    assert len(achievements) == 2
    first = achievements[0]
    assert first[1:6] == ["101", "جهاد کشاورزی مشهد", "مشهد", "1405/09/08", 120]
    assert first[6:10] == ["صنعت", "طرح نمونه", "بله", "RS-501-1"] and first[11] == "مریم احمدی"
    agencies = {row[0].value: [c.value for c in row] for row in wb["agencies"].iter_rows(min_row=2)}
    assert agencies["102"][3:6] == [300, 280, 0]
    assert "تعهد ۱٬۰۰۰ شغل" in wb["summary"]["A3"].value
    csv = (await sup.send("/export csv")).last.document["content"].decode("utf-8-sig").splitlines()
    assert (
        csv[0].startswith("رتبه,کد,دستگاه")
        and csv[1] == "1,102,بانک کشاورزی مشهد,مشهد,300,280,93.3,0,مطابق آهنگ"
    )
    assert "برای نقش شما" in (await maryam.send("/export")).text


async def test_chart_pngs_are_sensible_and_persian_is_shaped(bot):
    _, _, sup = await _data(bot)
    reply = await sup.send("/chart")
    photos = [m for m in reply if m.kind == "photo"]
    assert len(photos) == 2 and "شهرستان مشهد" in photos[0].text
    for photo in photos:
        image = Image.open(io.BytesIO(photo.document["content"]))
        assert image.format == "PNG" and 600 <= image.width <= 1400 and 250 <= image.height <= 1400
        assert 5_000 < len(photo.document["content"]) < 500_000


def test_persian_glyphs_are_joined_not_isolated():
    font = text_to_path._get_font(FontProperties(family=charts._font()))
    isolated = text_to_path.get_glyphs_with_font(font, "ب")[0][0][0]
    joined = [g[0] for g in text_to_path.get_glyphs_with_font(font, "ببب")[0]]
    assert len(set(joined)) == 3 and isolated not in joined  # initial, medial and final forms


async def test_user_text_never_becomes_a_spreadsheet_formula(bot):
    maryam = await join(bot, *MARYAM)
    await maryam.send("/report")
    await maryam.press("خدمات")
    await maryam.send("3")
    await maryam.press("امروز")
    await maryam.send('=HYPERLINK("http://x","y")')
    await maryam.press("رد شدن ⏭")
    await maryam.press("هنوز نه")
    await maryam.press("✅ تأیید و ثبت")
    sup = await join(bot, *COUNTY_SUP)
    wb = load_workbook(io.BytesIO((await sup.send("/export")).last.document["content"]))
    cell = wb["achievements"]["H2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


async def test_agency_buttons_fail_closed_and_long_names_still_edit_in_place(bot):
    from sqlalchemy import update

    from models.importer import import_rows
    from models.schema import Person

    sup = await join(bot, *COUNTY_SUP)
    rows = {
        "agencies": [
            (
                i + 2,
                {
                    "code": f"9{i:02d}",
                    "name": f"سازمان {i:02d} " + "ب" * 180,
                    "county": "مشهد",
                    "province": "خراسان رضوی",
                },
            )
            for i in range(25)
        ]
    }
    assert (await import_rows(bot.db, rows)).ok
    message = last_sent(await sup.send("/ranking"))
    assert len([m for m in bot.api.outbox if m.chat_id == sup.chat_id and "صفحهٔ ۱ از ۲" in m.plain]) == 1
    reply = await sup.press("◀️ بعدی")
    assert [m.kind for m in reply] == ["edit"] and "صفحهٔ ۲ از ۲" in bot.api.current(
        message.chat_id, message.message_id
    ).plain
    assert "(کد ۹۱۲)" in (await sup.send("/agency سازمان ۱۲")).text  # stored as «سازمان 12 …»
    async with bot.db.write() as s:
        await s.execute(update(Person).where(Person.phone == "+989123333333").values(scope_region_id=None))
    await sup.press_data("ag|1", message.message_id)
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."


async def test_the_supervisors_menu_buttons_open_their_tools(bot):
    maryam, _, sup = await _data(bot)
    joined = [m for m in bot.api.outbox if m.chat_id == sup.chat_id and m.reply_keyboard][-1]
    labels = [b["text"] for row in joined.reply_keyboard for b in row]
    assert labels[:9] == [
        "📬 کارتابل",
        "🏆 رتبه‌بندی",
        "📋 خلاصهٔ وضعیت",
        "📈 نمودار",
        "📥 فایل اکسل",
        "🗓 گزارش روزانه",
        "🚧 موانع باز",
        "🔎 بررسی گزارش‌ها",
        "❓ راهنما",
    ]
    assert "خلاصهٔ وضعیت اشتغال شهرستان مشهد" in (await sup.send("📋 خلاصهٔ وضعیت")).text
    assert [m.kind for m in await sup.send("📈 نمودار")].count("photo") == 2
    [workbook] = [m for m in await sup.send("📥 فایل اکسل") if m.kind == "document"]
    assert workbook.document["file_name"].endswith(".xlsx")
    assert "جمع: ۴۰۰ از ۱٬۰۰۰" in (await sup.send("🗓 گزارش روزانه")).text
    assert "مانع بازی وجود ندارد" in (await sup.send("🚧 موانع باز")).text
    assert "کارتابل شهرستان مشهد" in (await sup.send("📬 کارتابل")).text
    assert "برای نقش شما" in (await maryam.send("📥 فایل اکسل")).text  # typed by a rep: refused


async def test_a_supervisor_reminds_one_agency_from_its_card(bot):
    maryam, ali, sup = await _data(bot)
    await sup.send("/agency ۱۰۱")
    reply = await sup.press("🔔 یادآوری به نمایندگان دستگاه")
    assert "برای ۱ نمایندهٔ «جهاد کشاورزی مشهد» در صف ارسال قرار گرفت" in reply.text
    await bot.tick()
    told = [m.plain for m in maryam.chat_messages if "یادآوری فرمانداری" in m.plain]
    assert len(told) == 1 and "۱۲۰ از ۵۰۰" in told[0]  # worded with the agency's figures
    assert not any("یادآوری فرمانداری" in m.plain for m in ali.chat_messages)  # that agency's reps only
    reply = await sup.press("🔔 یادآوری به نمایندگان دستگاه")  # again the same day: asked
    assert "به نمایندگان «جهاد کشاورزی مشهد» یادآوری فرستاده شده است. دوباره فرستاده شود؟" in reply.text
    await bot.tick()
    assert len([m for m in maryam.chat_messages if "یادآوری فرمانداری" in m.plain]) == 1
    again = await sup.press("🔔 بله، دوباره بفرست")
    assert "🔔 بله، دوباره بفرست" not in [t for m in again for t, _ in m.inline_buttons]  # used up
    await bot.tick()
    assert len([m for m in maryam.chat_messages if "یادآوری فرمانداری" in m.plain]) == 2
    await sup.press_data("ar|4", 1)  # Nishapur's agency: outside the county's scope
    assert bot.api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."
    await maryam.press_data("ar|1", 1)  # a rep: not theirs to press
    async with bot.db.session() as s:
        events = (
            (await s.execute(select(AuditEvent.after).where(AuditEvent.action == "agency.remind")))
            .scalars()
            .all()
        )
    assert [e["again"] for e in events] == [False, True]
