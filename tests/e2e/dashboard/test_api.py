"""The dashboard's endpoints, end to end: people link through the bot, get their doors from /dashboard (the
Mini App's signed launch data on Telegram, the one-time link on both), and read /app/api/* over HTTP from
the dashboard's own server, as each role and scope, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import aiohttp
from sqlalchemy import select

from models.schema import Agency
from models.webauth import sign_init_data
from tests.e2e.conftest import join
from tests.e2e.dashboard.kit import ENDPOINTS, PROVINCE_SUP, as_, door, mini_app
from tests.e2e.test_reminders import ALI, COUNTY_SUP, MARYAM
from tests.e2e.test_status_ranking import file_report


async def test_every_endpoint_refuses_what_is_not_a_credential(bot, dash):
    await join(bot, *COUNTY_SUP)
    forged = mini_app(bot, COUNTY_SUP[0]).replace("hash=", "hash=0")
    other_bot = "tma " + sign_init_data(
        {"auth_date": str(int(bot.clock.now.timestamp())), "user": json.dumps({"id": COUNTY_SUP[0]})},
        "654321:ANOTHER-BOT",
    )
    altered = mini_app(bot, COUNTY_SUP[0]).replace("%22id%22%3A+504", "%22id%22%3A+505")
    refused = [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "tma ",
        "tma auth_date=1&hash=abc",
        forged,
        other_bot,
        altered,
        mini_app(bot, COUNTY_SUP[0], age=dt.timedelta(days=1, minutes=1)),  # a day old: expired
        mini_app(bot, COUNTY_SUP[0], age=-dt.timedelta(hours=1)),  # from the future
        "Bearer not-a-session",
    ]
    for auth in refused:
        for endpoint in ENDPOINTS:
            status, body = await dash.get("api/" + endpoint, auth)
            assert (status, body) == (401, {"error": "unauthorized"}), (auth, endpoint)
    # Bytes no client sends: refused the same way, never a server error.
    for raw in (b"tma hash=%C3%A9&auth_date=1", b"Bearer \xff\xfe", b"tma user=%ED%A0%80&hash=" + b"0" * 64):
        assert (await dash.get_raw("api/ranking", raw))[0] == 401, raw
    for body in ({"link": "\ud800"}, {"link": 5}, {"link": "x" * 5000}, ["link"], "link"):
        assert (await dash.login_raw(body))[0] == 401, body
    # Not linked to the bot at all: valid launch data of a stranger opens nothing either.
    assert (await dash.get("api/me", mini_app(bot, 999_999)))[0] == 401
    # The same launch data, rightly signed, opens it on Telegram; Bale has no Mini App door.
    expected = 200 if bot.api.platform == "telegram" else 401
    assert (await dash.get("api/me", mini_app(bot, COUNTY_SUP[0])))[0] == expected


async def test_each_role_sees_its_scope_and_the_same_numbers_as_ranking(bot, dash):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    county = await join(bot, *COUNTY_SUP)
    province = await join(bot, *PROVINCE_SUP)
    await file_report(maryam, "۱۲۰", rasad=True)
    await file_report(ali, "30")
    if bot.api.platform == "telegram":  # a rep: linked, but the dashboard is the governorate's
        for endpoint in ENDPOINTS:
            assert await dash.get("api/" + endpoint, mini_app(bot, MARYAM[0])) == (
                403,
                {"error": "not_a_supervisor"},
            )
    refused = await maryam.send("/dashboard")  # and /dashboard gives a rep no door
    assert refused.text and not [
        b for m in refused for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row
    ]
    as_county, as_province = await as_(bot, dash, county), await as_(bot, dash, province)
    status, me = await dash.get("api/me", as_county)
    assert status == 200 and me["scope"] == {"kind": "county", "name": "مشهد"} and me["role"] == "supervisor"
    assert "phone" not in json.dumps(me) and "0912" not in json.dumps(me)
    _, ranking = await dash.get("api/ranking", as_county)
    by_name = {row["name"]: row for row in ranking["rows"]}
    assert set(by_name) == {"جهاد کشاورزی مشهد", "بانک کشاورزی مشهد", "کمیته امداد مشهد"}
    first = by_name["جهاد کشاورزی مشهد"]
    assert (first["rank"], first["target"], first["achieved"], first["registered"]) == (1, 500, 120, 120)
    assert by_name["جهاد کشاورزی مشهد"]["percent"] == 24.0
    assert by_name["بانک کشاورزی مشهد"]["achieved"] == 30 and by_name["بانک کشاورزی مشهد"]["percent"] == 10.0
    headline = ranking["headline"]
    assert (headline["target"], headline["achieved"], headline["registered"]) == (1000, 150, 120)
    # The same figures /ranking gives this supervisor in the chat.
    text = (await county.send("/ranking")).text
    assert f"جمع: ۱۵۰ از {_fa(1000)}" in text, text
    for row in ranking["rows"]:
        line = f"{_fa(row['rank'])}. {row['name']} — {_fa(row['achieved'])}/{_fa(row['target'])}"
        assert line in text, (line, text)
    _, counties = await dash.get("api/counties", as_county)  # the province's counties, as /ranking shows them
    assert {c["name"]: c["achieved"] for c in counties["rows"]} == {"مشهد": 150, "نیشابور": 0}

    _, wide = await dash.get("api/ranking", as_province)
    assert len(wide["rows"]) == 4 and wide["headline"]["target"] == 1400
    assert {c["name"] for c in wide["counties"]} == {"مشهد", "نیشابور"}
    _, counties = await dash.get("api/counties", as_province)
    assert {c["name"]: c["achieved"] for c in counties["rows"]} == {"مشهد": 150, "نیشابور": 0}
    text = (await province.send("/ranking")).text
    assert "جهاد کشاورزی نیشابور" in text

    # An agency of another scope is no agency at all to this supervisor.
    async with bot.db.session() as s:
        ids = dict((await s.execute(select(Agency.code, Agency.id))).tuples().all())
    assert (await dash.get(f"api/agency/{ids['201']}", as_county)) == (404, {"error": "no_such_agency"})
    assert (await dash.get("api/agency/99999", as_province))[0] == 404
    assert (await dash.get("api/agency/-1", as_province))[0] == 404
    status, nishapur = await dash.get(f"api/agency/{ids['201']}", as_province)
    assert status == 200 and nishapur["name"] == "جهاد کشاورزی نیشابور" and nishapur["reports"] == []
    status, agency = await dash.get(f"api/agency/{ids['101']}", as_county)
    assert status == 200 and agency["achieved"] == 120 and agency["target"] == 500
    assert [r["jobs"] for r in agency["reports"]] == [120] and agency["reports"][0]["registered"] is True
    assert agency["months"]["linear"][-1] == 500 and len(agency["months"]["cumulative"]) == 12
    assert max(v for v in agency["months"]["cumulative"] if v is not None) == 120
    assert agency["plan"] == {"status": "none"}


async def test_filters_narrow_the_rows_and_keep_the_ranks(bot, dash):
    maryam, ali = await join(bot, *MARYAM), await join(bot, *ALI)
    province = await join(bot, *PROVINCE_SUP)
    await file_report(maryam, "200", sector="کشاورزی")
    await file_report(ali, "10")
    auth = await as_(bot, dash, province)
    _, everything = await dash.get("api/ranking", auth)
    ranks = {row["name"]: row["rank"] for row in everything["rows"]}
    mashhad = next(c["id"] for c in everything["counties"] if c["name"] == "مشهد")
    _, in_mashhad = await dash.get(f"api/ranking?county={mashhad}", auth)
    assert {row["county_id"] for row in in_mashhad["rows"]} == {mashhad} and len(in_mashhad["rows"]) == 3
    _, farming = await dash.get("api/ranking?sector=agriculture", auth)
    assert [row["name"] for row in farming["rows"]] == ["جهاد کشاورزی مشهد"]
    assert farming["rows"][0]["rank"] == ranks["جهاد کشاورزی مشهد"]  # its rank in the whole scope
    _, on_pace = await dash.get("api/ranking?mark=on_pace", auth)
    assert all(row["mark"] == "on_pace" for row in on_pace["rows"])
    for bad in ("measure=fastest", "county=abc", "sector=mining", "mark=great", "county=" + "9" * 20):
        status, body = await dash.get(f"api/ranking?{bad}", auth)
        assert status == 400 and body["error"].startswith("bad_"), bad


async def test_the_one_time_link_opens_one_session_for_a_working_day(bot, dash):
    county = await join(bot, *COUNTY_SUP)
    link, app = await door(county)
    if bot.api.platform == "telegram":
        assert app == "https://dash.example.org/app/"
        assert bot.api.menu_buttons[county.chat_id]["web_app"]["url"] == app
    else:  # Bale: the link only (its Mini App signing is not documented by Bale itself)
        assert app is None
    status, opened = await dash.login(link)
    assert status == 200 and opened["hours"] == 10
    session = "Bearer " + opened["session"]
    assert (await dash.get("api/me", session))[1]["scope"]["name"] == "مشهد"
    assert await dash.login(link) == (401, {"error": "unauthorized"})  # once only
    status, workbook = await dash.get("api/workbook", session)
    assert status == 200 and zipfile.ZipFile(io.BytesIO(workbook)).namelist()  # an .xlsx
    # Ten minutes for the link; ten hours for the session.
    late, _ = await door(county)
    bot.clock.now += dt.timedelta(minutes=11)
    assert (await dash.login(late))[0] == 401
    bot.clock.now += dt.timedelta(hours=10)
    assert (await dash.get("api/me", session))[0] == 401
    # /dashboard off ends what is open.
    fresh, _ = await door(county)
    session = "Bearer " + (await dash.login(fresh))[1]["session"]
    unused, _ = await door(county)
    reply = await county.send("/dashboard off")
    assert "بسته شد" in reply.text and "۲ مورد" in reply.text, reply.text
    assert (await dash.get("api/ranking", session))[0] == 401
    assert (await dash.login(unused))[0] == 401
    # A day after they expire, the rows go with the next link anyone asks for.
    bot.clock.now += dt.timedelta(hours=10, days=1, minutes=1)
    await door(county)
    async with bot.db.session() as s:
        from models.schema import WebLogin

        left = (await s.execute(select(WebLogin.kind, WebLogin.used_at))).all()
    assert left == [("link", None)]


async def test_a_link_is_bound_to_its_person_and_follows_their_role(bot, dash):
    county = await join(bot, *COUNTY_SUP)
    link, _ = await door(county)
    session = "Bearer " + (await dash.login(link))[1]["session"]
    async with bot.db.write() as s:  # the supervisor leaves the governorate's staff
        from models.schema import Account, Person

        account = (await s.execute(select(Account).where(Account.chat_id == county.chat_id))).scalar_one()
        person = await s.get(Person, account.person_id)
        assert person is not None
        person.role, person.scope_region_id, person.agency_id = "rep", None, 1
    assert (await dash.get("api/ranking", session)) == (403, {"error": "not_a_supervisor"})


async def test_a_session_ends_when_its_account_passes_to_another_person(bot, dash):
    county = await join(bot, *COUNTY_SUP)
    link, _ = await door(county)
    session = "Bearer " + (await dash.login(link))[1]["session"]
    assert (await dash.get("api/me", session))[0] == 200
    async with bot.db.write() as s:  # the phone is handed over: the account now belongs to the province's
        from models.schema import Account, Person

        account = (await s.execute(select(Account).where(Account.chat_id == county.chat_id))).scalar_one()
        other = (await s.execute(select(Person).where(Person.name == "حسین نوری"))).scalar_one()
        account.person_id = other.id
    assert (await dash.get("api/me", session)) == (401, {"error": "unauthorized"})


async def test_the_workbook_goes_into_the_chat_from_the_mini_app(bot, dash):
    county = await join(bot, *COUNTY_SUP)
    auth = await as_(bot, dash, county)
    assert dash.http is not None
    async with dash.http.post(dash.base + "api/workbook/send", headers={"Authorization": auth}) as answer:
        assert answer.status == 200 and await answer.json() == {"sent": True}
    [document] = [m for m in bot.api.outbox if m.chat_id == county.chat_id and m.kind == "document"]
    assert document.document["file_name"].endswith(".xlsx") and "مشهد" in document.plain
    async with dash.http.post(dash.base + "api/workbook/send") as refused:
        assert refused.status == 401


async def test_the_page_and_its_files_carry_no_secret(bot, dash):
    await join(bot, *COUNTY_SUP)
    status, page = await dash.get("")
    html = page.decode()
    assert status == 200 and 'dir="rtl"' in html and "static/app.js" in html
    texts = json.loads(re.search(r'<script id="texts" type="application/json">(.*?)</script>', html, re.S)[1])
    assert texts["fa"]["dashboard.title"] == "داشبورد اشتغال" and texts["en"]["dashboard.title"]
    assert bot.api.token not in html and "0912" not in html and "TEST-TOKEN" not in html
    for name in ("app.js", "app.css", "uPlot.iife.min.js", "uPlot.min.css", "Vazirmatn-Regular.ttf"):
        status, body = await dash.get("static/" + name)
        assert status == 200 and body, name
    for name in ("index.html", "..%2Fapp.js", "VENDOR.sha256", "OFL.txt", "nothing.js"):
        assert (await dash.get("static/" + name))[0] == 404, name
    assert (await dash.get("api/nothing"))[0] == 404


def _fa(value: int) -> str:
    return f"{value:,}".replace(",", "٬").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


async def test_a_deployment_serves_it_beside_the_webhooks_or_on_its_own_port(seeded, db_url, api):
    from tests.e2e.conftest import Clock
    from tests.e2e.test_deployment import SECRET, deployment, free_port
    from tests.kit.driver import UpdateTracker

    base = {
        "BOT_PLATFORM": api.platform,
        "BOT_TOKEN": api.token,
        "BOT_API_BASE_URL": api.base_url,
        "BOT_API_FILE_URL": api.file_base_url,
    }
    polling = {**base, "DASHBOARD_URL": "https://dash.example.org", "DASHBOARD_PORT": free_port()}
    port = free_port()
    webhook = {
        **base,
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": port,
        "WEBHOOK_SECRET": SECRET,
    }
    async with aiohttp.ClientSession() as http:
        for env, served_at in ((polling, polling["DASHBOARD_PORT"]), (webhook, port)):
            async with deployment(db_url, UpdateTracker(), Clock(dt.datetime.now(dt.UTC)), **env):
                async with http.get(f"http://127.0.0.1:{served_at}/app/") as page:
                    assert page.status == 200 and "static/app.js" in await page.text()
                async with http.get(f"http://127.0.0.1:{served_at}/app/api/ranking") as refused:
                    assert refused.status == 401
    # Polling without a public address: no dashboard server at all.
    async with deployment(db_url, UpdateTracker(), Clock(dt.datetime.now(dt.UTC)), **base) as dep:
        assert dep.dashboard is None
