"""The dashboard in a real browser (Debian's Chromium, driven by Playwright): opened as a Telegram Mini App
and from the bot's one-time link, its table read and compared with /ranking's, sorted, filtered, an agency
opened; right to left with Persian digits; refused with forged or expired launch data. Screenshots of the
phone and desktop layouts go to DASHBOARD_ARTIFACTS (a temporary folder by default)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import join
from tests.e2e.dashboard.kit import PROVINCE_SUP, Dashboard, door, mini_app
from tests.e2e.test_reminders import ALI, COUNTY_SUP, MARYAM, REZA
from tests.e2e.test_status_ranking import file_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
FA_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٬٫", "0123456789,.")

if CHROMIUM is None and os.environ.get("RASAD_REQUIRE_BROWSER"):
    raise RuntimeError("Chromium is required here (apt-get install chromium); .ci/run installs it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (apt-get install chromium)")


@pytest.fixture
def platform() -> str:
    return "telegram"  # the Mini App door is Telegram's; the link door is the same page on both


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def artifacts(tmp_path) -> Path:
    folder = Path(os.environ.get("DASHBOARD_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def as_int(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text.translate(FA_DIGITS)) or "0")


async def table(page) -> list[dict[str, str]]:
    """The ranking table as the page shows it: each row's cells by column."""
    return await page.eval_on_selector_all(
        "#ranking tbody tr",
        "rows => rows.map(r => Object.fromEntries([...r.cells].map(c => [c.dataset.key, c.textContent])))",
    )


async def open_mini_app(browser, dash: Dashboard, auth: str, viewport: dict[str, int]):
    launch = auth.removeprefix("tma ")
    page = await browser.new_page(viewport=viewport, locale="fa-IR")
    await page.goto(dash.base + "#tgWebAppData=" + quote(launch, safe="") + "&tgWebAppVersion=8.0")
    return page


async def test_a_supervisor_reads_sorts_filters_and_opens_an_agency(bot, dash, browser, artifacts):
    from playwright.async_api import expect

    maryam, ali, reza = await join(bot, *MARYAM), await join(bot, *ALI), await join(bot, *REZA)
    province = await join(bot, *PROVINCE_SUP)
    await file_report(maryam, "۱۲۰", rasad=True)
    await file_report(ali, "45")
    await file_report(reza, "60", sector="کشاورزی")
    ranking_text = (await province.send("/ranking")).text

    page = await open_mini_app(browser, dash, mini_app(bot, PROVINCE_SUP[0]), PHONE)
    await page.wait_for_selector("#ranking tbody tr")
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    assert await page.eval_on_selector("#ranking", "t => getComputedStyle(t).direction") == "rtl"
    rows = await table(page)
    assert len(rows) == 4
    for row in rows:  # Persian digits only, and the numbers /ranking gives in the chat
        assert not re.search(r"[0-9]", row["achieved"] + row["target"] + row["rank"] + row["percent"]), row
        line = f"{row['rank']}. {row['name']} — {row['achieved']}/{row['target']} ({row['percent']})"
        assert line in ranking_text, (line, ranking_text)
    # A phone keeps rank, name, achieved, percent and standing, all on screen; the rest are hidden.
    assert not await page.is_visible('th[data-key="target"]')
    edge = await page.eval_on_selector('th[data-key="mark"]', "th => th.getBoundingClientRect().left")
    assert edge >= 0  # right to left: the last column ends on the screen's left edge, not past it
    headline = await page.inner_text("#headline")
    assert "۲۲۵" in headline and "۱٬۴۰۰" in headline  # 120 + 45 + 60 of 1,400
    await page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)

    # Sort by jobs achieved: ascending, then descending.
    await page.click('th[data-key="achieved"]')
    ascending = [as_int(r["achieved"]) for r in await table(page)]
    assert ascending == sorted(ascending) and ascending[0] == 0
    await page.click('th[data-key="achieved"]')
    assert [as_int(r["achieved"]) for r in await table(page)] == sorted(ascending, reverse=True)

    # Filter a county, then a standing.
    await page.select_option("#filter-county", label="نیشابور")
    assert [r["name"] for r in await table(page)] == ["جهاد کشاورزی نیشابور"]
    assert "۱ دستگاه" in await page.inner_text("#row-count")
    await page.select_option("#filter-county", value="")
    await page.select_option("#filter-sector", label="با گزارش در بخش کشاورزی")
    await expect(page.locator("#ranking tbody tr")).to_have_count(1)
    assert [r["name"] for r in await table(page)] == ["جهاد کشاورزی نیشابور"]
    await page.select_option("#filter-sector", value="")
    await expect(page.locator("#ranking tbody tr")).to_have_count(4)

    # An agency's page: its figures, its reports, its chart drawn in the page.
    await page.click("#ranking tbody tr >> text=جهاد کشاورزی مشهد")
    await page.wait_for_selector("#agency-name")
    assert await page.inner_text("#agency-name") == "جهاد کشاورزی مشهد"
    assert "۱۲۰" in await page.inner_text("#reports")
    await page.wait_for_selector("#agency-chart canvas")
    await page.click("#back")
    await page.wait_for_selector("#ranking")
    await page.close()


async def test_the_desktop_link_and_the_meeting_screen(bot, dash, browser, artifacts):
    maryam = await join(bot, *MARYAM)
    county = await join(bot, *COUNTY_SUP)
    await file_report(maryam, "80")
    link, _ = await door(county)
    page = await browser.new_page(viewport=DESKTOP, locale="fa-IR")
    await page.goto(dash.base + "?t=" + link)
    await page.wait_for_selector("#ranking tbody tr")
    assert "?t=" not in page.url  # spent and taken out of the address
    assert len(await table(page)) == 3  # Mashhad's agencies only
    await page.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)
    # The same link again, in another tab: refused.
    other = await browser.new_page(viewport=DESKTOP, locale="fa-IR")
    await other.goto(dash.base + "?t=" + link)
    await other.wait_for_selector(".status.error")
    assert "دیگر معتبر نیست" in await other.inner_text("#status")
    # The page asks the server; another scope's agency is refused there, whatever the page does.
    nishapur = await page.evaluate(
        "async () => (await fetch('api/agency/4', {headers: {Authorization: 'Bearer ' +"
        " sessionStorage.getItem('rasad.dashboard.session')}})).status"
    )
    assert nishapur == 404
    # The meeting screen: no controls, and it stays signed in.
    await page.click("#meeting")
    assert await page.evaluate("document.body.classList.contains('meeting')")
    assert not await page.is_visible("#filter-sector")
    await page.wait_for_selector("#refreshed")


async def test_forged_or_expired_launch_data_shows_nothing(bot, dash, browser):
    await join(bot, *COUNTY_SUP)
    forged = mini_app(bot, COUNTY_SUP[0]).replace("hash=", "hash=f")
    expired = mini_app(bot, COUNTY_SUP[0], age=__import__("datetime").timedelta(days=2))
    for auth in (forged, expired):
        page = await open_mini_app(browser, dash, auth, PHONE)
        await page.wait_for_selector(".status.error")
        assert "/dashboard" in await page.inner_text("#status")
        assert await page.query_selector("#ranking") is None
        content = await page.content()
        assert "مشهد" not in content and json.dumps("کمیته امداد")[1:-1] not in content
        await page.close()


async def test_the_page_speaks_the_language_chosen_in_the_bot(bot, dash, browser):
    county = await join(bot, *COUNTY_SUP)
    await county.send("/lang")
    await county.press("English")
    page = await open_mini_app(browser, dash, mini_app(bot, COUNTY_SUP[0]), DESKTOP)
    await page.wait_for_selector("#ranking tbody tr")
    assert await page.evaluate("document.documentElement.dir") == "ltr"
    assert await page.inner_text("#title") == "Employment dashboard"
    assert (await page.inner_text("#subtitle")).startswith("مشهد county — Year 1405")  # names as the roster
    header = await page.inner_text("#ranking thead")
    assert "Achieved" in header and "Standing" in header
    rows = await table(page)
    assert all(re.fullmatch(r"[0-9,.%—]+", row["target"]) for row in rows)  # Latin digits in English
    await page.close()
