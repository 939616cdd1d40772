"""The one-message parser, on sentences written the way reps write them (typos, mixed scripts)."""

import datetime as dt

import pytest

from models.quickreport import parse

TODAY = dt.date(2026, 11, 29)  # 1405/09/08
D = dt.date
AG, IN, SE = "agriculture", "industry", "services"

# text, jobs, sector, date, title, rasad, tracking   (... = not checked; None = must be empty)
CASES = [
    (
        "۱۲ شغل خدمات طرح توسعه گلخانه ۱۴۰۵/۹/۲ رصد ۴۰۵۱۲۰۸۷۳۳",
        12,
        SE,
        D(2026, 11, 23),
        "توسعه گلخانه",
        True,
        "4051208733",
    ),
    ("12 شغل کشاورزی طرح پرورش قارچ 1405/8/15", 12, AG, D(2026, 11, 6), "پرورش قارچ", None, None),
    ("طرح پرورش ماهی قزل‌آلا ۸ نفر کشاورزی دیروز", 8, AG, D(2026, 11, 28), "پرورش ماهی قزل‌آلا", None, None),
    ("٥ شغل صنعتي كارگاه مبل سازی امروز", 5, IN, TODAY, "كارگاه مبل سازی".replace("ك", "ک"), None, None),
    ("کارگاه خیاطی 3 نفر خدماتی", 3, SE, None, "کارگاه خیاطی", None, None),
    (
        "20 شغل صنعت طرح توسعه کارخانه آجر رصد کد 99887766",
        20,
        IN,
        None,
        "توسعه کارخانه آجر",
        True,
        "99887766",
    ),
    ("رصد ۱۲۳۴۵۶ ۱۵ شغل خدمات طرح فروشگاه اینترنتی", 15, SE, None, "فروشگاه اینترنتی", True, "123456"),
    ("۷ شغل خدمات ثبت نشده طرح کافه کتاب", 7, SE, None, "کافه کتاب", False, None),
    ("تعداد ۴ کشاورزی طرح زنبورداری", 4, AG, None, "زنبورداری", None, None),
    (
        "30 jobs services project bakery 1405/9/1 tracking TR-5566",
        30,
        SE,
        D(2026, 11, 22),
        "bakery",
        True,
        "TR-5566",
    ),
    ("10 job agriculture greenhouse today", 10, AG, TODAY, "greenhouse", None, None),
    ("۲ شغل دامداری طرح پرواربندی گوساله", 2, AG, None, "پرواربندی گوساله", None, None),
    (
        "۱۰۰ شغل معدن طرح استخراج سنگ ساختمانی ۱۴۰۵-۷-۲۰",
        100,
        IN,
        D(2026, 10, 12),
        "استخراج سنگ ساختمانی",
        None,
        None,
    ),
    (
        "1,200 شغل خدمات طرح تسهیلات تبصره ۱۸",
        1200,
        SE,
        None,
        "تسهیلات تبصره ۱۸".replace("۱۸", "18"),
        None,
        None,
    ),
    ("۱٬۵۰۰ نفر صنایع دستی طرح فرش دستباف", 1500, IN, None, "فرش دستباف", None, None),
    ("6 شغل گردشگری اقامتگاه بوم گردی", 6, SE, None, "اقامتگاه بوم گردی", None, None),
    ("۹ شغل کشاورزی باغ پسته ثبت شده در رصد ۷۷۸۸۹۹", 9, AG, None, "باغ پسته", True, "778899"),
    ("۳ شغل کشاورزی رصد", 3, AG, None, None, True, None),
    ("طرح نانوایی صنعتی ۴ شغل", 4, IN, None, "نانوایی", None, None),
    ("  ۱۱  شغل   خدمات   طرح   آرایشگاه   ", 11, SE, None, "آرایشگاه", None, None),
    ("\u200f۵ شغل خدمات طرح تعمیرگاه خودرو\u200e", 5, SE, None, "تعمیرگاه خودرو", None, None),
    ("۸شغل خدمات طرح کتابفروشی", None, SE, None, ..., None, None),  # no space: the count is not separated
    ("شغل ۸ خدمات طرح کتابفروشی", 8, SE, None, "کتابفروشی", None, None),
    ("50 شغل شیلات طرح قفس دریایی 1405/12/01", 50, AG, None, "قفس دریایی", None, None),  # future date refused
    ("۱۲ شغل خدمات طرح دفتر خدمات ارتباطی ۱۴۰۴/۱۲/۱", 12, SE, None, ..., None, None),  # before the year
    ("15 شغل بازرگانی طرح صادرات زعفران", 15, SE, None, "صادرات زعفران", None, None),
    ("۴ شغل کشاورزى طرح گلخانه خیار", 4, AG, None, "گلخانه خیار", None, None),  # Arabic-style ya
    ("۲۵ نفر اشتغال خدمات طرح مرکز تماس", 25, SE, None, "مرکز تماس", None, None),
    ("project call center 40 jobs service", 40, SE, None, "call center", None, None),
    ("۳ شغل خدمات طرح کافی‌نت 9/5", 3, SE, D(2026, 11, 26), "کافی‌نت", None, None),
    ("۱ شغل صنعت طرح جوشکاری ۰۵/۹/۷", 1, IN, D(2026, 11, 28), "جوشکاری", None, None),
    ("٢٠ شغل كشاورزي طرح پرورش بلدرچين", 20, AG, None, "پرورش بلدرچین", None, None),
]

CASES += [
    ("۱۲ شغل خدمات طرح نانوایی ثبت در رصد ۱۴۰۵/۹/۲", 12, SE, D(2026, 11, 23), "نانوایی", True, None),
    ("رصد ۱۲۰۰ شغل خدمات طرح نانوایی", 1200, SE, None, "نانوایی", True, None),
]

AMBIGUOUS = [
    ("طرح توسعه گلخانه 12 5", [12, 5]),  # two bare numbers
    ("خدمات طرح گلخانه ۵۰۰۰ متری", [5000]),  # one bare number: confirmed, never taken silently
    ("۱۲ شغل طرح ۳ نفر", [12, 3]),  # two counts that disagree
    ("طرح فاز 2 مجتمع 40", [2, 40]),
    ("خدمات 10 20 30", [10, 20, 30]),
]

CONTRADICTORY_SECTORS = [
    "۱۰ شغل کشاورزی صنعت طرح دام",
    "5 jobs agriculture industry",
    "۳ شغل خدمات صنعتی طرح چاپخانه",
]

NOTHING = [
    "سلام",
    "گزارش دارم",
    "ممنون از پیگیری",
    "؟",
    "طرح",
    "09121234567",
    "۰۰۱۳۵۴۲۴۱۹",
    "12",
    "۱۲۳۴۵۶۷",
    "سلام، ۲ سوال دارم",
    "فردا ۳ نفر میان دفتر",
    "شماره من 0912 123 4567",
    "کد ملی 0013542419 و 0076229645",
    "ساعت ۱۰ جلسه داریم",
    "۱۲ شغل",
]


@pytest.mark.parametrize(("text", "jobs", "sector", "date", "title", "rasad", "tracking"), CASES)
def test_sentences(text, jobs, sector, date, title, rasad, tracking):
    got = parse(text, 1405, TODAY)
    assert got.jobs == jobs
    assert got.sector == sector
    assert got.date == date
    if title is not ...:
        assert got.title == title
    assert got.rasad is rasad
    assert got.tracking == tracking


@pytest.mark.parametrize(("text", "candidates"), AMBIGUOUS)
def test_numbers_without_a_unit_are_asked_never_guessed(text, candidates):
    got = parse(text, 1405, TODAY)
    assert got.jobs is None and got.job_candidates == candidates and got.understood


@pytest.mark.parametrize("text", CONTRADICTORY_SECTORS)
def test_contradictory_sectors_are_asked(text):
    got = parse(text, 1405, TODAY)
    assert got.sector is None and len(got.sectors_found) == 2


@pytest.mark.parametrize("text", NOTHING)
def test_chatter_is_not_a_report(text):
    assert not parse(text, 1405, TODAY).understood


def test_date_problems_are_reported():
    assert parse("۵ شغل طرح الف ۱۴۰۵/۱۳/۱", 1405, TODAY).date_error == "no_such_day"
    assert parse("۵ شغل طرح الف ۱۴۰۵/۱۲/۱", 1405, TODAY).date_error == "future"
    assert parse("۵ شغل طرح الف ۱۴۰۴/۱۲/۱", 1405, TODAY).date_error == "before_year"


def test_the_table_is_large():
    assert len(CASES) + len(AMBIGUOUS) + len(CONTRADICTORY_SECTORS) + len(NOTHING) >= 40
