"""The one-message parser, on sentences written the way reps write them (typos, mixed scripts)."""

import datetime as dt

import jdatetime
import pytest

from models.quickreport import parse, read_count, read_date
from models.textnorm import NumberError

TODAY = dt.date(2026, 11, 29)  # 1405/09/08
D = dt.date
AG, IN, SE = "agriculture", "industry", "services"


def J(month: int, day: int, year: int = 1405) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


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
    ("1,200 شغل خدمات طرح تسهیلات تبصره ۱۸", 1200, SE, None, "تسهیلات تبصره ۱۸", None, None),
    ("۱٬۵۰۰ نفر صنایع دستی طرح فرش دستباف", 1500, IN, None, "فرش دستباف", None, None),
    ("6 شغل گردشگری اقامتگاه بوم گردی", 6, SE, None, "اقامتگاه بوم گردی", None, None),
    ("۹ شغل کشاورزی باغ پسته ثبت شده در رصد ۷۷۸۸۹۹", 9, AG, None, "باغ پسته", True, "778899"),
    ("۳ شغل کشاورزی رصد", 3, AG, None, None, True, None),
    ("طرح نانوایی صنعتی ۴ شغل", 4, IN, None, "نانوایی صنعتی", None, None),  # the title's word names it
    ("  ۱۱  شغل   خدمات   طرح   آرایشگاه   ", 11, SE, None, "آرایشگاه", None, None),
    ("\u200f۵ شغل خدمات طرح تعمیرگاه خودرو\u200e", 5, SE, None, "تعمیرگاه خودرو", None, None),
    ("۸شغل خدمات طرح کتابفروشی", 8, SE, None, "کتابفروشی", None, None),  # no space after the number
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

# The five sentences of issue 19, then reps' sentences by what they vary. Titles verbatim: the rep's words,
# order and digits; only Arabic ي/ك become Persian and spaces are collapsed, as for every stored title.
CASES += [
    (
        "۱۵ نفر پروژه مجتمع خدمات رفاهی بین راهی دیروز",
        15,
        SE,
        J(9, 7),
        "مجتمع خدمات رفاهی بین راهی",
        None,
        None,
    ),
    ("۱۰ شغل صنعت طرح فاز ۲ شهرک صنعتی امروز", 10, IN, TODAY, "فاز ۲ شهرک صنعتی", None, None),
    ("۱۲ شغل ایجاد شد", 12, None, None, None, None, None),
    ("۱۲ نفر استخدام شدند", 12, None, None, None, None, None),
    ("اشتغال ۱۲ نفر کشاورزی", 12, AG, None, None, None, None),
    ("برای ۱۲ نفر شغل ایجاد شد", 12, None, None, None, None, None),
    # counts as people say them
    ("دوازده نفر کشاورزی طرح گلخانه", 12, AG, None, "گلخانه", None, None),
    ("بیست و پنج شغل خدمات طرح رستوران سنتی", 25, SE, None, "رستوران سنتی", None, None),
    ("صد و بیست شغل صنعت طرح کارخانه کاشی", 120, IN, None, "کارخانه کاشی", None, None),
    ("سه نفر خدمات طرح آرایشگاه زنانه امروز", 3, SE, TODAY, "آرایشگاه زنانه", None, None),
    ("یک شغل کشاورزی طرح زنبورداری دیروز", 1, AG, J(9, 7), "زنبورداری", None, None),
    ("دو هزار و پانصد شغل صنعت طرح پتروشیمی", 2500, IN, None, "پتروشیمی", None, None),
    ("پونزده نفر خدمات طرح مهدکودک", 15, SE, None, "مهدکودک", None, None),
    ("۱۲ تا شغل کشاورزی طرح گلخانه", 12, AG, None, "گلخانه", None, None),
    ("12شغل خدمات طرح کافه", 12, SE, None, "کافه", None, None),
    ("۷نفر صنعت طرح ریخته گری", 7, IN, None, "ریخته گری", None, None),
    ("اشتغال۹ نفر کشاورزی طرح پسته", 9, AG, None, "پسته", None, None),
    ("تعداد 6 نفر خدمات طرح تاکسی اینترنتی", 6, SE, None, "تاکسی اینترنتی", None, None),
    ("۴۰ فرصت شغلی صنعت طرح نساجی", 40, IN, None, "نساجی", None, None),
    ("۳٫۰۰۰ شغل خدمات طرح مرز", None, SE, None, ..., None, None),  # a decimal point: no count is taken
    ("۱٬۲۰۰ نفر صنعت طرح معدن مس", 1200, IN, None, "معدن مس", None, None),
    ("۸ jobs agriculture project fish farm", 8, AG, None, "fish farm", None, None),
    ("15 people services project hotel", 15, SE, None, "hotel", None, None),
    # sectors, as written
    ("۵ شغل زراعت طرح گندم دیم", 5, AG, None, "گندم دیم", None, None),
    ("۵ شغل زراعی طرح کلزا", 5, AG, None, "کلزا", None, None),
    ("۶ شغل دامپروری طرح گاوداری شیری", 6, AG, None, "گاوداری شیری", None, None),
    ("۴ شغل باغداری طرح باغ سیب", 4, AG, None, "باغ سیب", None, None),
    ("۱۰ شغل آبزیان طرح پرورش میگو", 10, AG, None, "پرورش میگو", None, None),
    ("۳ شغل معدنی طرح سنگ شکن", 3, IN, None, "سنگ شکن", None, None),
    ("۲ شغل صنايع طرح قطعه سازي", 2, IN, None, "قطعه سازی", None, None),
    ("۹ شغل خدماتي طرح باربري", 9, SE, None, "باربری", None, None),
    ("۱۱ شغل بازرگانی طرح صادرات خرما", 11, SE, None, "صادرات خرما", None, None),
    ("20 jobs industrial project cement plant", 20, IN, None, "cement plant", None, None),
    ("۲ شغل طرح گلخانه کشاورزی", 2, AG, None, "گلخانه کشاورزی", None, None),  # named by the title's word
    ("۵ نفر طرح مجتمع گردشگری ساحلی", 5, SE, None, "مجتمع گردشگری ساحلی", None, None),
    ("۳ شغل صنعتی طرح شهرک صنعتی", 3, IN, None, "شهرک صنعتی", None, None),
    ("کشاورزی ۴ شغل طرح پرورش قارچ", 4, AG, None, "پرورش قارچ", None, None),
    # dates, as said
    ("۵ شغل خدمات طرح نانوایی ۸ آذر", 5, SE, TODAY, "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۸ آذر ۱۴۰۵", 5, SE, TODAY, "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی هشتم آذر", 5, SE, TODAY, "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۷ آذر ماه", 5, SE, J(9, 7), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۷ آذرماه", 5, SE, J(9, 7), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۱۵ آبان ۱۴۰۵", 5, SE, J(8, 15), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی پانزدهم آبان", 5, SE, J(8, 15), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی بیست و چهارم آبان", 5, SE, J(8, 24), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی سی و یکم شهریور", 5, SE, J(6, 31), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی اول مهر", 5, SE, J(7, 1), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۱ فروردین ۱۴۰۵", 5, SE, J(1, 1), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۱۰ مرداد", 5, SE, J(5, 10), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۲۰ اردیبهشت", 5, SE, J(2, 20), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۴ تیر", 5, SE, J(4, 4), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۱۵ خرداد", 5, SE, J(3, 15), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی پریروز", 5, SE, J(9, 6), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی 1405-9-3", 5, SE, J(9, 3), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۱۴۰۵.۹.۱", 5, SE, J(9, 1), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۸/۱", 5, SE, J(8, 1), "نانوایی", None, None),
    ("۵ شغل خدمات طرح نانوایی ۲۰ اسفند", 5, SE, None, "نانوایی", None, None),  # last Esfand: before the year
    ("۵ شغل خدمات طرح نانوایی ۳۱ مهر", 5, SE, None, "نانوایی", None, None),  # no such day
    ("yesterday 4 jobs services project print shop", 4, SE, J(9, 7), "print shop", None, None),
    ("امروز ۶ نفر کشاورزی طرح گلخانه توت فرنگی", 6, AG, TODAY, "گلخانه توت فرنگی", None, None),
    ("دیروز برای ۸ نفر شغل ایجاد شد خدمات طرح کارواش", 8, SE, J(9, 7), "کارواش", None, None),
    # Rasad, said every way
    ("۷ شغل خدمات طرح کارواش کد رهگیری ۵۵۶۶۷۷", 7, SE, None, "کارواش", True, "556677"),
    ("۷ شغل خدمات طرح کارواش رهگیری: ۵۵۶۶۷۷", 7, SE, None, "کارواش", True, "556677"),
    ("۷ شغل خدمات طرح کارواش ثبت شده در سامانه رصد با کد ۵۵۶۶۷۷", 7, SE, None, "کارواش", True, "556677"),
    ("۷ شغل خدمات طرح کارواش در رصد ثبت نشده", 7, SE, None, "کارواش", False, None),
    ("۷ شغل خدمات طرح کارواش هنوز ثبت نشده", 7, SE, None, "کارواش", False, None),
    ("۷ شغل خدمات طرح کارواش ثبت‌نشده", 7, SE, None, "کارواش", False, None),
    ("۷ شغل خدمات طرح کارواش ثبتنشده", 7, SE, None, "کارواش", False, None),
    ("۷ شغل خدمات طرح کارواش رصد شماره R-4411", 7, SE, None, "کارواش", True, "R-4411"),
    ("7 jobs services project car wash tracking code ab-1234", 7, SE, None, "car wash", True, "AB-1234"),
    ("7 jobs services project car wash not registered", 7, SE, None, "car wash", False, None),
    ("رصد: ۹۹۸۸۷۷ ۵ شغل صنعت طرح آهنگری", 5, IN, None, "آهنگری", True, "998877"),
    ("۵ شغل صنعت طرح آهنگری رصد", 5, IN, None, "آهنگری", True, None),
    # titles: kept whole, with their digits, half-spaces, brackets and sector words
    ("۱۸ شغل خدمات طرح مرکز نوآوری ۲ دانشگاه", 18, SE, None, "مرکز نوآوری ۲ دانشگاه", None, None),
    ("۴ شغل صنعت طرح خط تولید شماره 3", 4, IN, None, "خط تولید شماره 3", None, None),
    ("۴ شغل صنعت طرح خط ۳ تولید امروز", 4, IN, TODAY, "خط ۳ تولید", None, None),
    ("۲ شغل خدمات طرح کافی‌نت (شعبه ۲)", 2, SE, None, "کافی‌نت (شعبه ۲)", None, None),
    ("۲ شغل خدمات طرح «کافه کتاب»", 2, SE, None, "کافه کتاب", None, None),
    ("۲ شغل خدمات طرح نانوایی «برکت» امروز", 2, SE, TODAY, "نانوایی «برکت»", None, None),
    ('۲ شغل خدمات طرح "کافه کتاب"', 2, SE, None, "کافه کتاب", None, None),
    ("۲ شغل خدمات طرح: کافه کتاب", 2, SE, None, "کافه کتاب", None, None),
    ("۳ شغل خدمات پروژه بازسازی بازار سنتی", 3, SE, None, "بازسازی بازار سنتی", None, None),
    ("۳ شغل خدمات عنوان بازارچه محلی", 3, SE, None, "بازارچه محلی", None, None),
    ("۶ شغل کشاورزی طرح ایجاد گلخانه هیدروپونیک", 6, AG, None, "ایجاد گلخانه هیدروپونیک", None, None),
    ("۶ شغل کشاورزی طرح گلخانه هیدروپونیک ایجاد شد", 6, AG, None, "گلخانه هیدروپونیک", None, None),
    ("۶ شغل در بخش کشاورزی طرح گلخانه", 6, AG, None, "گلخانه", None, None),
    (
        "۹ شغل کشاورزی پرورش ماهی قزل‌آلا در استخر بتنی",
        9,
        AG,
        None,
        "پرورش ماهی قزل‌آلا در استخر بتنی",
        None,
        None,
    ),
    ("۹ شغل کشاورزي پرورش ماهي قزل آلا", 9, AG, None, "پرورش ماهی قزل آلا", None, None),
    ("۵ نفر صنعت تولید پوشاک بانوان امروز", 5, IN, TODAY, "تولید پوشاک بانوان", None, None),
    (
        "۱۰ شغل خدمات احداث اقامتگاه بومگردی روستای ۳ چشمه",
        10,
        SE,
        None,
        "احداث اقامتگاه بومگردی روستای ۳ چشمه",
        None,
        None,
    ),
    ("۳ شغل صنعت طرح بسته بندی حبوبات ۱۴۰۵/۸/۱", 3, IN, J(8, 1), "بسته بندی حبوبات", None, None),
    ("طرح تولید ماکارونی ۱۴ شغل صنعت دیروز", 14, IN, J(9, 7), "تولید ماکارونی", None, None),
    ("پروژه انبار سرد میوه 30 نفر کشاورزی", 30, AG, None, "انبار سرد میوه", None, None),
    ("۱ شغل خدمات طرح خیاطی خانگی بانو احمدی", 1, SE, None, "خیاطی خانگی بانو احمدی", None, None),
    ("۲ شغل خدمات طرح تعمیرات موبایل و لپ تاپ", 2, SE, None, "تعمیرات موبایل و لپ تاپ", None, None),
    ("۲ شغل خدمات طرح Web design studio", 2, SE, None, "Web design studio", None, None),
    # digits of every script, Arabic letters, marks and spaces
    ("٣ شغل خدمات طرح دفتر پیشخوان", 3, SE, None, "دفتر پیشخوان", None, None),
    ("3 شغل خدمات طرح دفتر پیشخوان ۱۴۰۵/۹/۱", 3, SE, J(9, 1), "دفتر پیشخوان", None, None),
    ("۳ شغل خدمات طرح دفتر پیشخوان 1405/09/01", 3, SE, J(9, 1), "دفتر پیشخوان", None, None),
    ("‏۳ شغل‌ خدمات طرح دفتر پیشخوان", 3, SE, None, "دفتر پیشخوان", None, None),
    ("۳   شغل\nخدمات\tطرح دفتر   پیشخوان", 3, SE, None, "دفتر پیشخوان", None, None),
    ("۳ شغل، خدمات، طرح دفتر پیشخوان.", 3, SE, None, "دفتر پیشخوان", None, None),
    ("۴ شغل كشاورزي طرح پرورش كبك", 4, AG, None, "پرورش کبک", None, None),
    ("۴ شغل کشاورزی طرح پرورش ۱۰۰ راس گوسفند", 4, AG, None, "پرورش ۱۰۰ راس گوسفند", None, None),
    ("Services 12 jobs project bakery today", 12, SE, TODAY, "bakery", None, None),
    ("SERVICES 12 JOBS PROJECT BAKERY", 12, SE, None, "BAKERY", None, None),
    # more of what offices write
    ("سلام. ۴ شغل کشاورزی طرح گلخانه امروز", 4, AG, TODAY, "گلخانه", None, None),
    ("گزارش: ۱۰ شغل صنعت طرح کارگاه مبل", 10, IN, None, "کارگاه مبل", None, None),
    ("۲۲ شغل خدمات طرح مشاغل خانگی (۲۲ نفر)", 22, SE, None, "مشاغل خانگی", None, None),
    ("۵ شغل صنعت کارگاه ۵ نفره جوشکاری", 5, IN, None, "کارگاه ۵ نفره جوشکاری", None, None),
    (
        "۳ شغل خدمات طرح تعمیرگاه خودرو سنگین دیروز ثبت نشده",
        3,
        SE,
        J(9, 7),
        "تعمیرگاه خودرو سنگین",
        False,
        None,
    ),
    ("۱۲ شغل کشاورزی طرح پرورش شترمرغ ۱۴۰۵/۸/۱ رصد ۱۲۳۴۵۶", 12, AG, J(8, 1), "پرورش شترمرغ", True, "123456"),
    ("۱۲ شغل کشاورزی طرح پرورش شترمرغ اول آبان رصد ۱۲۳۴۵۶", 12, AG, J(8, 1), "پرورش شترمرغ", True, "123456"),
]

# What a review of the parser found reps writing.
CASES += [
    ("۲ هزار شغل صنعت طرح فولاد", 2000, IN, None, "فولاد", None, None),
    ("۱۰ هزار نفر خدمات طرح مشاغل خانگی", 10000, SE, None, "مشاغل خانگی", None, None),
    ("۵ شغل خدمات طرح کافی نت بدون رصد", 5, SE, None, "کافی نت", False, None),
    ("۵ شغل خدمات طرح کافی نت رصد ندارد", 5, SE, None, "کافی نت", False, None),
    ("سلام ۱۲ شغل کشاورزی گلخانه خیار", 12, AG, None, "گلخانه خیار", None, None),
    ("۱۲ شغل کشاورزی گلخانه خیار با تشکر", 12, AG, None, "گلخانه خیار", None, None),
    ("۱۵ نفر در شهرک صنعتی شماره ۲ مشغول شدند", 15, IN, None, "شهرک صنعتی شماره ۲", None, None),
    (
        "سلام و عرض ادب، برای ۸ نفر در طرح زعفران کاری شغل ایجاد شد. با تشکر",
        8,
        None,
        None,
        "زعفران کاری",
        None,
        None,
    ),
    ("۵ شغل خدمات طرح کافی نت مورخ ۱۴۰۵/۹/۸", 5, SE, TODAY, "کافی نت", None, None),
    (
        "۵ شغل کشاورزی طرح احداث سردخانه، کشاورزی، کد رهگیری ۱۲۳۴۵",
        5,
        AG,
        None,
        "احداث سردخانه",
        True,
        "12345",
    ),
    ("۵ شغل خدمات طرح کافی نت ۸ اذر", 5, SE, TODAY, "کافی نت", None, None),
    ("۵ شغل خدمات طرح کافی نت سی ام مهر", 5, SE, J(7, 30), "کافی نت", None, None),
    ("۵ شغل خدمات طرح کافی نت ۸ام آذر", 5, SE, TODAY, "کافی نت", None, None),
    ("۵ شغل خدمات طرح کافی نت ۸/آذر/۱۴۰۵", 5, SE, TODAY, "کافی نت", None, None),
    ("۵ شغل خدمات طرح کافی نت آذر ۸", 5, SE, TODAY, "کافی نت", None, None),
    ("۵ شغل خدمات عنوان طرح: پرورش قارچ", 5, SE, None, "پرورش قارچ", None, None),
    ("۵ شغل خدمات - طرح کافی نت - رصد ۱۲۳۴۵۶", 5, SE, None, "کافی نت", True, "123456"),
    (
        "سلام وقت بخیر، ۸ نفر در طرح پرورش قارچ دکمه ای ۸ اذر مشغول به کار شدند. با تشکر",
        8,
        None,
        TODAY,
        "پرورش قارچ دکمه ای",
        None,
        None,
    ),
    ("۵ نفر طرح کارگاه خیاطی امروز به کار گرفته شدند", 5, None, TODAY, "کارگاه خیاطی", None, None),
]

# A second review: measures beside a count, requests inside a title, verbs after it.
CASES += [
    ("طرح گلخانه ۲ هکتاری ۱۰ شغل کشاورزی", 10, AG, None, "گلخانه ۲ هکتاری", None, None),
    ("طرح کارگاه ۲۰۰ متری ۵ شغل", 5, None, None, "کارگاه ۲۰۰ متری", None, None),
    ("طرح سالن ۱۰۰۰ متری ۹ نفر استخدام شدند", 9, None, None, "سالن ۱۰۰۰ متری", None, None),
    ("طرح تولید ۵۰۰ تن ۱۲ شغل صنعتی", 12, IN, None, "تولید ۵۰۰ تن", None, None),
    ("برای اولین بار ۱۰ شغل در طرح پرورش میگو ایجاد شد", 10, None, None, "پرورش میگو", None, None),
    ("هشتم آذر ماه ۱۲ شغل طرح کافی نت", 12, None, TODAY, "کافی نت", None, None),
    ("۲۰ شغل خدمات طرح مرکز تماس", 20, SE, None, "مرکز تماس", None, None),
    ("۱۲ شغل طرح سالن جلسه و همایش", 12, None, None, "سالن جلسه و همایش", None, None),
    ("۱۲ شغل در راستای تعهد امسال طرح کارگاه خیاطی", 12, None, None, "کارگاه خیاطی", None, None),
    ("۱۲ شغل طرح کارگاه خیاطی امروز ثبت شد لطفا تایید کنید", 12, None, TODAY, "کارگاه خیاطی", None, None),
    ("کارگاه ۳۰۰ متری خیاطی ۸ نفر استخدام شدند", 8, None, None, "کارگاه ۳۰۰ متری خیاطی", None, None),
    ("طرح کارگاه کفاشی ۱۲ شغل ایجاد شده است", 12, None, None, "کارگاه کفاشی", None, None),
    ("۸ شغل طرح کارگاه سنگبری در رصد ثبت شده است", 8, None, None, "کارگاه سنگبری", True, None),
    ("طرح کافی نت ۱۲ شغل خدمات رصد شده کد 99887766", 12, SE, None, "کافی نت", True, "99887766"),
]

# A title that goes on past a word read as something else: the whole stretch, asked (and no date from it).
UNSURE = [
    ("۱۲ شغل کشاورزی طرح گلخانه ۱/۵ هکتاری", 12, "گلخانه ۱/۵ هکتاری"),
    ("۱۲ شغل کشاورزی طرح گلخانه ۱/۵ هکتاری دیروز", 12, "گلخانه ۱/۵ هکتاری"),
    ("۱۲ شغل طرح فاز ۲/۱ شهرک صنعتی", 12, "فاز ۲/۱ شهرک صنعتی"),
    ("۸ شغل طرح نصب ۳۰ تیر برق روستایی", 8, "نصب ۳۰ تیر برق روستایی"),
    ("۵ شغل طرح تعاونی ۲۲ بهمن شهرستان بم", 5, "تعاونی ۲۲ بهمن شهرستان بم"),
    ("۸ شغل طرح احیای قنات امروز روستای قلعه نو", 8, "احیای قنات امروز روستای قلعه نو"),
    ("۱ شغل خدمات طرح آرایشگاه کد ملی ۰۰۱۲۳۴۵۶۷۸", 1, "آرایشگاه کد ملی ۰۰۱۲۳۴۵۶۷۸"),  # not published unasked
    ("۵ شغل کارگاه خیاطی امروز بخش خدمات سرمایه گذاری خصوصی", 5, "کارگاه خیاطی"),
]


@pytest.mark.parametrize(("text", "jobs", "title"), UNSURE)
def test_a_title_past_other_words_is_asked_whole(text, jobs, title):
    got = parse(text, 1405, TODAY)
    assert (got.jobs, got.title, got.title_sure) == (jobs, title, False)
    said = J(9, 7) if text.endswith("دیروز") else TODAY if "امروز" in text and "امروز" not in title else None
    assert got.date == said  # a date inside the title is the title's; one outside it still counts


AMBIGUOUS = [
    ("۱۲ الی ۱۵ شغل خدمات طرح کافه", [12, 15]),
    ("۱۲ تا ۱۵ شغل کشاورزی طرح گلخانه", [12, 15]),
    ("۲۰ و ۳۰ شغل صنعت کارگاه مبل", [20, 30]),  # two counts joined by «و»: asked, never added
    ("۲۰ یا ۳۰ شغل صنعت کارگاه مبل", [20, 30]),
    ("طرح توسعه گلخانه 12 5", [12, 5]),  # two bare numbers
    ("خدمات طرح گلخانه ۵۰ نفری", [50]),  # one bare number: confirmed, never taken silently
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
    "۳ نفر از همکاران فردا میان",
    "فردا ساعت ۹",
    "۲ تا سوال",
    "بیست و پنج",
    "سلام، تعداد ۲ نامه فرستادم",
    "۱۰ آذر جلسه داریم ساعت ۹",
    "تعهد ما امسال ۵۰۰ شغل است",
    "چرا آمار ما ۱۲۰ شغل نشون میده؟",
    "سلام امروز ۳ تا گزارش دارم",
    "سلام، دیروز ۲ بار زنگ زدم جواب ندادید",
    "امروز ساعت ۱۰ جلسه کشاورزی داریم",
    "لطفا ۲ نفر از بخش خدمات با من تماس بگیرند",
    "سال ۱۴۰۵ صنعت ۲۰ درصد رشد داشت",
    "گزارش ۱۲ شغل دیروز رو اشتباه زدم",
    "ممنون بابت پیگیری، ۲ شغل دیگه هم داریم که فردا میفرستم",
    "خدمات طرح گلخانه ۵۰۰۰ متری",
]


@pytest.mark.parametrize(("text", "jobs", "sector", "date", "title", "rasad", "tracking"), CASES)
def test_sentences(text, jobs, sector, date, title, rasad, tracking):
    got = parse(text, 1405, TODAY)
    assert got.jobs == jobs
    assert got.understood is (jobs is not None)  # a report, started; or (no count taken) nothing
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


COUNTS = [
    ("۱۲", 12),
    ("12", 12),
    ("١٢", 12),
    ("۱۲ نفر", 12),
    ("۱۲ شغل", 12),
    ("۱۲ تا", 12),
    ("۱۲ نفر استخدام شدند", 12),
    ("۱۲ شغل ایجاد شد", 12),
    ("اشتغال ۱۲ نفر", 12),
    ("دوازده", 12),
    ("دوازده نفر", 12),
    ("بیست و پنج", 25),
    ("صد و بیست", 120),
    ("یکصد و بیست و سه", 123),
    ("دو هزار و پانصد", 2500),
    ("هزار", 1000),
    ("1,200", 1200),
]
BAD_COUNTS = [
    ("سلام", "not_a_number"),
    ("۲۰ و ۳۰", "two_numbers"),
    ("۲۰ یا ۳۰ نفر", "two_numbers"),
    ("بیست سی", "not_a_number"),
    ("پنج بیست", "not_a_number"),
    ("۲٫۵", "not_whole"),
    ("۰", "too_small"),
    ("200000", "too_large"),
    ("چند نفر", "not_a_number"),
]
DATES = [
    ("امروز", TODAY, False),
    ("دیروز", J(9, 7), False),
    ("پریروز", J(9, 6), False),
    ("۸ آذر", TODAY, True),
    ("8 آذر", TODAY, True),
    ("۸ آذر ۱۴۰۵", TODAY, False),
    ("هشتم آذر", TODAY, True),
    ("هشتم آذر ماه ۱۴۰۵", TODAY, False),
    ("بیست و یکم مهر", J(7, 21), True),
    ("۱۴۰۵/۹/۸", TODAY, False),
    ("۹/۸", TODAY, True),
    ("۲۰ اسفند", J(12, 20, 1404), True),  # no year, and this year's is ahead: the one just past
]


@pytest.mark.parametrize(("text", "value"), COUNTS)
def test_counts_at_the_count_step(text, value):
    assert read_count(text, 1, 100_000) == value


@pytest.mark.parametrize(("text", "reason"), BAD_COUNTS)
def test_counts_refused_with_their_reason(text, reason):
    with pytest.raises(NumberError) as caught:
        read_count(text, 1, 100_000)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "day", "guessed"), DATES)
def test_dates_at_the_date_step(text, day, guessed):
    assert read_date(text, 1405, TODAY) == (day, guessed)


def test_a_title_in_pieces_is_not_sure_and_a_month_name_without_its_year_says_so():
    got = parse("۵ شغل کارگاه خیاطی امروز بخش خدمات سرمایه گذاری خصوصی", 1405, TODAY)
    assert (got.title, got.title_sure, got.sector) == ("کارگاه خیاطی", False, SE)
    assert parse("۵ شغل خدمات طرح نانوایی ۸ آذر", 1405, TODAY).year_guessed
    assert not parse("۵ شغل خدمات طرح نانوایی ۸ آذر ۱۴۰۵", 1405, TODAY).year_guessed
    assert parse("۵ شغل طرح الف ۳۱ مهر", 1405, TODAY).date_error == "no_such_day"


def test_the_table_is_large():
    assert len(CASES) + len(UNSURE) + len(AMBIGUOUS) + len(CONTRADICTORY_SECTORS) + len(NOTHING) >= 150
