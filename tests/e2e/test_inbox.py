"""The deputy's desk: /inbox gathers what waits for the governorate in the supervisor's scope; each queue
opens as a paged list, each item in place with its actions, and after an action the next item follows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from models.schema import Achievement, AuditEvent, Obstacle, ObstacleMessage, Outbox, Person, Plan
from tests.e2e.conftest import join, last_sent
from tests.e2e.test_obstacles import raise_obstacle
from tests.e2e.test_plans import write_plan
from tests.e2e.test_records import _nineteen_reports
from tests.e2e.test_status_ranking import file_report

MARYAM = (501, "09121111111")  # rep, agency 101 (Mashhad, target 500)
ALI = (502, "09122222222")  # rep, agency 102 (Mashhad, target 300)
REZA = (503, "09125555555")  # rep, agency 201 (Nishapur)
COUNTY_SUP = (504, "09123333333")  # supervisor, Mashhad county
PROVINCE_SUP = (505, "09124444444")  # supervisor, the province


async def test_a_deputys_day_from_the_inbox(bot, api):
    maryam, ali, reza = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, *REZA)
    await file_report(maryam, "20")
    await file_report(maryam, "30")
    await write_plan(ali, "100", "100", "50", "50")
    await ali.press("✅ ارسال برای تأیید فرمانداری")  # before any supervisor joined
    await raise_obstacle(ali, files=False)
    await file_report(reza, "10")  # another county's: not in the Mashhad deputy's inbox
    await raise_obstacle(reza, files=False)
    sup = await join(bot, *COUNTY_SUP)

    home = last_sent(await sup.send("/inbox"))
    assert "کارتابل شهرستان مشهد" in home.plain
    for line in (
        "گزارش در انتظار بررسی: ۲",
        "برنامهٔ جبرانی در انتظار تصمیم: ۱",
        "مانع بی‌پاسخ: ۱ (قدیمی‌ترین: امروز)",
        "دستگاه عقب از آهنگ و بی‌برنامهٔ جبرانی: ۲",  # 103 and 101; 102's plan waits in the plans queue
        "دستگاه بی‌گزارش در ۳۰ روز اخیر: ۲",  # 102 and 103
    ):
        assert line in home.plain, home.plain
    assert [t for t, _ in home.inline_buttons] == [
        "🔎 گزارش‌ها (۲)",
        "🗓 برنامه‌های جبرانی (۱)",
        "🚧 موانع بی‌پاسخ (۱)",
        "⚠️ عقب و بی‌برنامه (۲)",
        "🔕 دستگاه‌های بی‌گزارش (۲)",
        "🏆 رتبه‌بندی",
    ]

    # Two reports: the list, the oldest opened in place, approved; the next follows and is returned.
    listing = (await sup.press("🔎 گزارش‌ها (۲)")).last
    assert listing.kind == "edit" and listing.message_id == home.message_id
    assert "۱. گزارش ۱ — جهاد کشاورزی مشهد — ۲۰ شغل — امروز" in listing.plain
    assert "۲. گزارش ۲ — جهاد کشاورزی مشهد — ۳۰ شغل" in listing.plain
    assert "نیشابور" not in listing.plain
    item = (await sup.press("۱")).last
    assert "کارتابل › گزارش‌های در انتظار بررسی — مورد ۱ از ۲" in item.plain and "۲۰" in item.plain
    after = (await sup.press("✅ تأیید")).last
    assert after.message_id == home.message_id
    assert after.plain.startswith("✅ گزارش ۱ (جهاد کشاورزی مشهد) تأیید شد.")
    assert "مورد ۱ از ۱" in after.plain and "تعداد شغل: ۳۰" in after.plain
    await sup.press("↩️ بازگرداندن با دلیل")
    reply = await sup.send("عدد با فهرست شاغلان پیوست نمی‌خواند؛ فهرست را اصلاح کنید.")
    assert "بازگردانده شد" in reply.text
    assert "موردی نمانده است" in last_sent(reply).plain  # the queue, now empty, follows
    statuses = {a.id: a.status for a in await bot.achievements()}
    assert statuses[1] == "approved" and statuses[2] == "returned" and statuses[3] == "reported"
    assert any("تأیید شد" in m.plain for m in maryam.chat_messages)

    # The plan sent before the deputy joined.
    await sup.press("🔙 بازگشت به کارتابل")
    await sup.press("🗓 برنامه‌های جبرانی (۱)")
    item = (await sup.press("۱")).last
    assert "برنامهٔ جبرانی ۱" in item.plain and "بانک کشاورزی مشهد" in item.plain
    after = (await sup.press("✅ تأیید")).last
    assert "برنامهٔ ۱ (بانک کشاورزی مشهد) تأیید شد" in after.plain and "موردی نمانده است" in after.plain
    async with bot.db.session() as s:
        assert (await s.get(Plan, 1)).status == "approved"

    # The obstacle: answered, so it leaves the queue; Reza's (Nishapur) is never offered.
    await sup.press("🔙 بازگشت به کارتابل")
    listing = (await sup.press("🚧 موانع بی‌پاسخ (۱)")).last
    assert "۱. مانع ۱ — بانک کشاورزی مشهد — 💰 تأمین مالی — امروز" in listing.plain
    await sup.press("۱")
    await sup.press("💬 پاسخ")
    reply = await sup.send("با مدیر شعبهٔ استان هماهنگ شد؛ جلسه شنبه است.")
    assert "پاسخ شما دربارهٔ مانع ۱ ثبت" in reply.text and "موردی نمانده است" in reply.text
    async with bot.db.session() as s:
        assert (await s.get(Obstacle, 1)).status == "acknowledged"
        assert len((await s.execute(select(ObstacleMessage))).all()) == 1
    assert any("شعبهٔ استان" in m.plain for m in ali.chat_messages)

    # Agencies behind without a plan: ask Maryam's agency (the last) for one; then the list; 103 has nobody.
    await sup.press("🔙 بازگشت به کارتابل")
    listing = (await sup.press("⚠️ عقب و بی‌برنامه (۲)")).last
    assert "۱. کمیته امداد مشهد — ۰ از ۲۰۰" in listing.plain
    assert "۲. جهاد کشاورزی مشهد — ۵۰ از ۵۰۰ (۱۰٪)" in listing.plain  # as /ranking counts them
    await sup.press("۲")
    after = (await sup.press("🗓 درخواست برنامهٔ جبرانی")).last
    assert "درخواست برنامهٔ جبرانی" in after.plain and "۱ نمایندهٔ «جهاد کشاورزی مشهد»" in after.plain
    assert "عقب‌ترین اول" in after.plain  # the end of the queue: its list, not the first again
    await sup.press("۱")
    await sup.press("🔔 یادآوری به نمایندگان دستگاه")
    assert api.callback_answers[-1]["show_alert"]
    assert "هیچ نماینده‌ای از «کمیته امداد مشهد»" in api.callback_answers[-1]["text"]
    await bot.tick()
    asked = last_sent(maryam.chat_messages)
    assert "درخواست فرمانداری: برنامهٔ جبرانی" in asked.plain and "/plan" in asked.plain
    assert asked.plain.count("/plan") == 1  # the heading asks; the figures do not ask again

    # From the ranking (reached from the inbox) to an agency's card, and its reps reminded.
    await sup.press("🔙 بازگشت به فهرست")
    await sup.press("🔙 بازگشت به کارتابل")
    ranking = (await sup.press("🏆 رتبه‌بندی")).last
    assert "رتبه‌بندی دستگاه‌های شهرستان مشهد" in ranking.plain and ranking.kind == "edit"
    position = next(line for line in ranking.plain.splitlines() if "جهاد کشاورزی مشهد" in line).split(".")[0]
    await sup.press(position)
    reply = await sup.press("🔔 یادآوری به نمایندگان دستگاه")
    assert "۱ نمایندهٔ «جهاد کشاورزی مشهد» در صف ارسال" in reply.text
    await bot.tick()
    assert "یادآوری فرمانداری" in last_sent(maryam.chat_messages).plain
    async with bot.db.session() as s:
        chased = select(AuditEvent.action).where(AuditEvent.action.in_(("agency.ask_plan", "agency.remind")))
        actions = [a for (a,) in await s.execute(chased.order_by(AuditEvent.id))]
    assert actions == ["agency.ask_plan", "agency.remind"]

    # What is left, as the deputy sees it now.
    home = last_sent(await sup.send("/inbox"))
    assert "گزارش در انتظار بررسی: ۰" in home.plain and "مانع بی‌پاسخ: ۰" in home.plain
    assert "دستگاه عقب از آهنگ و بی‌برنامهٔ جبرانی: ۲" in home.plain  # asked, not yet planned


async def test_lists_are_paged_oldest_first_and_scoped(bot, api):
    await join(bot, *MARYAM)
    await join(bot, *ALI)
    reza = await join(bot, *REZA)
    await _nineteen_reports(bot)  # 18 pending of agency 101 (#1 the oldest), #5 approved, #20 of agency 102
    await file_report(reza, "10")  # #21, Nishapur
    county, province = await join(bot, *COUNTY_SUP), await join(bot, *PROVINCE_SUP)
    home = last_sent(await county.send("/inbox"))
    assert "گزارش در انتظار بررسی: ۱۹" in home.plain
    first = (await county.press("🔎 گزارش‌ها (۱۹)")).last
    assert (
        "۱. گزارش ۱ —" in first.plain and "۱۰. گزارش ۱۱ —" in first.plain and "گزارش ۵ —" not in first.plain
    )
    assert "صفحهٔ ۱ از ۲" in first.plain
    assert [t for t, _ in first.inline_buttons][-2:] == ["◀️ بعدی", "🔙 بازگشت به کارتابل"]
    second = (await county.press("◀️ بعدی")).last
    assert second.message_id == first.message_id and "صفحهٔ ۲ از ۲" in second.plain
    assert "۱۹. گزارش ۲۰ — بانک کشاورزی مشهد" in second.plain and "گزارش ۲۱" not in second.plain
    item = (await county.press("۱۹")).last
    assert "مورد ۱۹ از ۱۹" in item.plain
    back = (await county.press("🔙 بازگشت به فهرست")).last
    assert "صفحهٔ ۲ از ۲" in back.plain

    # The province sees Nishapur's report too; the county deputy cannot reach it, even by a forged press.
    assert "گزارش در انتظار بررسی: ۲۰" in last_sent(await province.send("/inbox")).plain
    message_id = county.last_bot_message.message_id
    for forged in ("ib|r|0|21", "ib|r|0|21|ok|1", "ib|o|0|1|res", "ib|b|0|4|rem", "ib|x|0", "ib|r|0|1|zz"):
        await county.press_data(forged, message_id)
    answers = [a.get("text") for a in api.callback_answers[-6:]]
    gone = "این مورد دیگر در کارتابل شما نیست (شاید همکارتان به آن رسیدگی کرده است)."
    assert answers == [gone] * 4 + ["این دکمه شناخته‌شده نیست."] * 2
    async with bot.db.session() as s:
        assert (await s.get(Achievement, 21)).status == "reported"
        assert (await s.execute(select(Outbox).where(Outbox.kind == "chase"))).first() is None


async def test_reps_may_not_open_the_inbox_and_an_item_decided_meanwhile_is_gone(bot, api):
    maryam = await join(bot, *MARYAM)
    assert "برای نقش شما" in (await maryam.send("/inbox")).text
    await file_report(maryam, "20")
    one, other = await join(bot, *COUNTY_SUP), await join(bot, *PROVINCE_SUP)
    await one.send("/inbox")
    await one.press("🔎 گزارش‌ها (۱)")
    await one.press("۱")
    await other.send("/review")
    await other.press("✅ تأیید")  # a colleague decides first
    reply = await one.press("✅ تأیید")
    assert api.callback_answers[-1].get("show_alert")
    assert "موردی نمانده است" in reply.last.plain
    async with bot.db.session() as s:
        approvals = (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "achievement.approve"))
        ).all()
    assert len(approvals) == 1


async def test_an_obstacle_waits_again_when_the_agency_writes_back(bot, api):
    ali = await join(bot, *ALI)
    await raise_obstacle(ali, files=False)
    sup = await join(bot, *COUNTY_SUP)
    await sup.send("/obstacles")
    await sup.press("#۱")
    await sup.press("👁 در دست رسیدگی")  # acknowledged, without a word: no answer yet
    assert "مانع بی‌پاسخ: ۱" in (await sup.send("/inbox")).text
    await sup.send("/obstacles")
    await sup.press("#۱")
    await sup.press("💬 پاسخ")
    await sup.send("نامهٔ بانک را بفرستید.")
    await ali.press("💬 پاسخ به فرمانداری")
    await ali.send("نامه دیروز فرستاده شد؛ پاسخی نیامده است.")
    bot.clock.now += dt.timedelta(days=3)
    home = last_sent(await sup.send("/inbox"))
    assert "مانع بی‌پاسخ: ۱ (قدیمی‌ترین: ۳ روز پیش)" in home.plain
    await sup.press("🚧 موانع بی‌پاسخ (۱)")
    item = (await sup.press("۱")).last
    assert "نامه دیروز فرستاده شد" in item.plain  # the thread, with the agency's last word
    after = (await sup.press("✅ رفع شد")).last
    assert "مانع ۱ (بانک کشاورزی مشهد) رفع‌شده اعلام شد" in after.plain and "موردی نمانده است" in after.plain
    async with bot.db.session() as s:
        assert (await s.get(Obstacle, 1)).status == "resolved"
    assert "رفع‌شده اعلام شد" in last_sent(ali.chat_messages).plain


async def test_plans_and_obstacles_opened_by_their_reference(bot, api):
    ali, reza = await join(bot, *ALI), await join(bot, *REZA)
    await write_plan(ali, "100", "100", "50", "50")
    await ali.press("✅ ارسال برای تأیید فرمانداری")  # plan 1
    await raise_obstacle(ali, files=False)  # obstacle 1
    await raise_obstacle(reza, files=False)  # obstacle 2, Nishapur
    sup = await join(bot, *COUNTY_SUP)
    card = last_sent(await sup.send("برنامهٔ ۱"))
    assert "برنامهٔ جبرانی ۱" in card.plain
    assert [t for t, _ in card.inline_buttons] == ["✅ تأیید", "↩️ بازگرداندن با توضیح"]
    card = last_sent(await sup.send("مانع #۱"))
    assert "مانع ۱ — بانک کشاورزی مشهد" in card.plain and "💬 پاسخ" in [t for t, _ in card.inline_buttons]
    assert "مانع ۲ پیدا نشد" in (await sup.send("مانع ۲")).text  # another county's
    assert "برنامهٔ جبرانی ۹ پیدا نشد" in (await sup.send("plan 9")).text
    mine = last_sent(await ali.send("مانع ۱"))  # a rep: their agency's, with the rep's button
    assert [t for t, _ in mine.inline_buttons] == ["💬 پاسخ به فرمانداری"]
    assert "مانع ۲ پیدا نشد" in (await ali.send("مانع ۲")).text


async def test_the_digest_carries_the_inbox(bot, api):
    maryam = await join(bot, *MARYAM)
    await file_report(maryam, "20")
    sup = await join(bot, *COUNTY_SUP)
    digest = last_sent(await sup.send("/digest"))
    assert "کارتابل شما (/inbox):" in digest.plain and "گزارش در انتظار بررسی: ۱" in digest.plain
    opened = (await sup.press("📬 باز کردن کارتابل")).last
    assert opened.kind == "message" and "کارتابل شهرستان مشهد" in opened.plain  # below the digest, kept
    assert "گزارش روزانهٔ" in sup.api.current(sup.chat_id, digest.message_id).plain
    assert "🔎 گزارش‌ها (۱)" in [t for t, _ in opened.inline_buttons]


async def test_open_obstacles_are_paged_and_scoped(bot, api):
    reza = await join(bot, *REZA)
    async with bot.db.write() as s:
        ids = {p.phone[-7:]: p.id for p in (await s.execute(select(Person))).scalars()}
        for n in range(1, 14):  # twelve of Mashhad's agency 102, the thirteenth of Nishapur's 201
            agency, person = (2, ids["2222222"]) if n < 13 else (4, ids["5555555"])
            when = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=n)
            s.add(
                Obstacle(
                    agency_id=agency,
                    person_id=person,
                    year=1405,
                    category="permits",
                    description=f"مجوز طرح شمارهٔ {n} هنوز صادر نشده است.",
                    help_needed="پیگیری",
                    status="open",
                    created_at=when,
                    updated_at=when,
                )
            )
    sup = await join(bot, *COUNTY_SUP)
    first = last_sent(await sup.send("/obstacles"))
    assert "موانع باز (۱۲)" in first.plain and "صفحهٔ ۱ از ۲" in first.plain
    assert [t for t, _ in first.inline_buttons][:10] == [f"#{d}" for d in "۱ ۲ ۳ ۴ ۵ ۶ ۷ ۸ ۹ ۱۰".split()]
    second = (await sup.press("◀️ بعدی")).last
    assert second.message_id == first.message_id and "صفحهٔ ۲ از ۲" in second.plain
    assert [t for t, _ in second.inline_buttons] == ["#۱۱", "#۱۲", "قبلی ▶️"]  # not Nishapur's #13
    assert "صفحهٔ ۲ از ۲" in (await sup.send("/obstacles 2")).text
    assert "صفحهٔ ۲ از ۲" in (await sup.send("/obstacles ۹")).text  # past the end: the last page
    await sup.press_data("ol|x", sup.last_bot_message.message_id)
    assert api.callback_answers[-1].get("text") == "این دکمه شناخته‌شده نیست."
    mine = last_sent(await reza.send("/obstacles"))
    assert "موانع باز (۱)" in mine.plain and "صفحهٔ" not in mine.plain


async def test_an_obstacle_waits_since_it_was_raised_whatever_the_agency_adds(bot, api):
    ali = await join(bot, *ALI)
    await raise_obstacle(ali, files=False)
    bot.clock.now += dt.timedelta(days=5)
    await ali.send("/obstacles")
    await ali.press("#۱")
    await ali.press("💬 پاسخ به فرمانداری")
    await ali.send("نامهٔ دوم بانک هم رسید.")  # the agency writes again before any answer
    sup = await join(bot, *COUNTY_SUP)
    assert "مانع بی‌پاسخ: ۱ (قدیمی‌ترین: ۵ روز پیش)" in (await sup.send("/inbox")).text


async def test_colleagues_deciding_meanwhile(bot, api):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    await file_report(maryam, "20")  # 1
    await file_report(maryam, "30")  # 2
    await write_plan(ali, "100", "100", "50", "50")
    await ali.press("✅ ارسال برای تأیید فرمانداری")
    county, province = await join(bot, *COUNTY_SUP), await join(bot, *PROVINCE_SUP)

    # A plan returned by a colleague while the deputy looks at it.
    await county.send("/inbox")
    await county.press("🗓 برنامه‌های جبرانی (۱)")
    await county.press("۱")
    await province.send("برنامهٔ ۱")
    await province.press("↩️ بازگرداندن با توضیح")
    await province.send("ماه‌های پایانی را بیشتر کنید.")
    after = (await county.press("✅ تأیید")).last
    assert (
        api.callback_answers[-1]["text"]
        == "این مورد دیگر در کارتابل شما نیست (شاید همکارتان به آن رسیدگی کرده است)."
    )
    assert "موردی نمانده است" in after.plain
    async with bot.db.session() as s:
        assert (await s.get(Plan, 1)).status == "returned"

    # A report approved by a colleague while the deputy types the reason to return it: said, and the
    # next report follows.
    await county.send("/inbox")
    await county.press("🔎 گزارش‌ها (۲)")
    item = (await county.press("۱")).last
    assert [t for t, _ in item.inline_buttons][-2:] == ["◀️ بعدی", "🔙 بازگشت به فهرست"]
    await county.press("↩️ بازگرداندن با دلیل")
    assert county.api.current(county.chat_id, item.message_id).inline_buttons == []  # asked below it
    await province.send("#۱")
    await province.press("✅ تأیید")
    reply = await county.send("فهرست شاغلان پیوست نیست.")
    assert "این گزارش در این فاصله تغییر کرده یا دربارهٔ آن تصمیم گرفته شده است" in reply.text
    assert "گزارش ۲" in last_sent(reply).plain and "مورد ۱ از ۱" in last_sent(reply).plain
    statuses = {a.id: a.status for a in await bot.achievements()}
    assert statuses == {1: "approved", 2: "reported"}

    # A report the rep changed while the deputy looked at it: not approved unseen; shown again as it is now.
    item = last_sent(reply)
    async with bot.db.write() as s:  # what /myreports' edit leaves: a new version, still awaiting review
        await s.execute(update(Achievement).where(Achievement.id == 2).values(version=2, jobs=35))
    after = (await county.press("✅ تأیید", message=item)).last
    assert api.callback_answers[-1]["text"].startswith("این گزارش در این فاصله تغییر کرده")
    assert "تعداد شغل: ۳۵" in after.plain and "مورد ۱ از ۱" in after.plain
    assert {a.id: a.status for a in await bot.achievements()}[2] == "reported"


async def test_an_obstacle_with_a_long_thread_stays_one_message_in_place(bot, api):
    ali = await join(bot, *ALI)
    await raise_obstacle(ali, files=False)
    async with bot.db.write() as s:
        ali_id = (await s.execute(select(Person.id).where(Person.phone.like("%2222222")))).scalar_one()
        for n in range(10):  # ten long messages of the agency's: a thread past one message's 4,096
            s.add(
                ObstacleMessage(
                    obstacle_id=1,
                    person_id=ali_id,
                    body=f"پیام {n}: " + "پیگیری بانک و استانداری ادامه دارد. " * 50,
                    created_at=dt.datetime(2026, 11, 29, 8, n, tzinfo=dt.UTC),
                )
            )
    sup = await join(bot, *COUNTY_SUP)
    home = last_sent(await sup.send("/inbox"))
    await sup.press("🚧 موانع بی‌پاسخ (۱)")
    item = (await sup.press("۱")).last
    assert item.kind == "edit" and item.message_id == home.message_id  # in place, not split
    assert "پیام 9:" in item.plain and "پیام 0:" not in item.plain  # the newest kept (as typed)
    assert [t for t, _ in item.inline_buttons] == ["💬 پاسخ", "✅ رفع شد", "🔙 بازگشت به فهرست"]
