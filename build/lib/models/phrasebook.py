"""The words a one-line report is read by, in one table: sectors, units of a count, numbers and ordinals
in words, month names, day words, Rasad phrases, title markers, and the small words trimmed from a
title's ends. Every entry is a matching key (models.quickreport.key_of: digits in ASCII, Arabic ي/ك as
Persian, no zero-width non-joiner, lower case), so «ثبت‌نشده» and «ثبتنشده» are one entry."""

from __future__ import annotations

SECTOR_WORDS = {
    "agriculture": (
        "کشاورزی",
        "زراعت",
        "زراعی",
        "دامداری",
        "دامپروری",
        "باغداری",
        "شیلات",
        "آبزیان",
        "agriculture",
        "agricultural",
        "agri",
        "farming",
    ),
    # Nouns that often sit inside project titles (کارخانه, تولیدی) are left out on purpose.
    "industry": ("صنعت", "صنعتی", "صنایع", "معدن", "معدنی", "industry", "industrial"),
    "services": ("خدمات", "خدماتی", "گردشگری", "بازرگانی", "services", "service"),
}

# A number beside one of these is a count of jobs. JOB_WORDS alone make a line a report («۱۲ شغل»);
# «نفر» (people) needs a creation verb or another report field («فردا ۳ نفر میان دفتر» is not one).
JOB_WORDS = ("شغل", "شغلی", "اشتغال", "jobs", "job")
PEOPLE_WORDS = ("نفر", "فرصت", "people", "persons")  # «۴۰ فرصت شغلی»
COUNTER = "تا"  # «۱۲ تا شغل»: a unit only before a job word («۳ تا گزارش» is no count)
# A number after one of these, or before one of those, is no count: «ساعت ۱۰», «سال ۱۴۰۵», «۲ بار»,
# «۲۰ درصد», «۲۰۰ متری» (unless a job word follows it: «... ۲ هکتاری ۱۰ شغل» counts the 10).
NOT_COUNTED_AFTER = ("ساعت", "سال", "تعهد")
NOT_COUNTED_BEFORE = (
    "بار",
    "درصد",
    "دقیقه",
    "ساعت",
    "تومان",
    "ریال",
    "هکتار",
    "هکتاری",
    "متر",
    "متری",
    "تن",
    "کیلو",
    "%",
)
# Outside the title, these make a line talk, not a report: always (a question, a mistake), or unless the
# line is plainly a report (a count of jobs with a title, sector, date or Rasad): «لطفا ۲ نفر با من تماس
# بگیرند» is talk, «۱۲ شغل طرح کارگاه خیاطی امروز ثبت شد لطفا تایید کنید» a report.
TALK_WORDS = frozenset(("سوال", "سؤال", "چرا", "چطور", "ایا", "آیا", "اشتباه", "why"))
CHAT_WORDS = frozenset(("لطفا", "تماس", "جلسه", "زنگ", "میفرستم", "میفرستیم", "بعدا", "فردا", "تعهد"))
UNITS = JOB_WORDS + PEOPLE_WORDS
# Said with a count: «۱۲ نفر استخدام شدند», «برای ۱۲ نفر شغل ایجاد شد», «اشتغال ۱۲ نفر».
CREATION_WORDS = (
    "ایجاد",
    "استخدام",
    "جذب",
    "بکارگیری",
    "کارگیری",
    "اشتغالزایی",
    "شد",
    "شدند",
    "شده",
    "گردید",
    "شدن",
    "کردیم",
    "created",
    "hired",
)
BEFORE_COUNT = ("تعداد", "برای", "اشتغال", "ایجاد")

ONES = {"یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6, "هفت": 7, "هشت": 8, "نه": 9}
TEENS = {
    "ده": 10,
    "یازده": 11,
    "دوازده": 12,
    "سیزده": 13,
    "چهارده": 14,
    "پانزده": 15,
    "پونزده": 15,
    "شانزده": 16,
    "شونزده": 16,
    "هفده": 17,
    "هیفده": 17,
    "هجده": 18,
    "هیجده": 18,
    "نوزده": 19,
}
TENS = {"بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90}
HUNDREDS = {
    "صد": 100,
    "یکصد": 100,
    "دویست": 200,
    "سیصد": 300,
    "چهارصد": 400,
    "پانصد": 500,
    "پونصد": 500,
    "ششصد": 600,
    "هفتصد": 700,
    "هشتصد": 800,
    "نهصد": 900,
}
THOUSAND = "هزار"
NUMBER_WORDS = {**ONES, **TEENS, **TENS, **HUNDREDS}
AND = "و"
EITHER = ("و", "یا", "الی", "تا", "or", "and", "to", "-")  # «۲۰ و ۳۰ شغل», «۱۲ الی ۱۵ شغل»: two candidates

# The last word of a day of the month said as an ordinal: «هشتم», «بیست و یکم», «سی‌ام».
ORDINALS = {
    "یکم": 1,
    "اول": 1,
    "دوم": 2,
    "سوم": 3,
    "چهارم": 4,
    "پنجم": 5,
    "ششم": 6,
    "هفتم": 7,
    "هشتم": 8,
    "نهم": 9,
    "دهم": 10,
    "یازدهم": 11,
    "دوازدهم": 12,
    "سیزدهم": 13,
    "چهاردهم": 14,
    "پانزدهم": 15,
    "شانزدهم": 16,
    "هفدهم": 17,
    "هجدهم": 18,
    "هیجدهم": 18,
    "نوزدهم": 19,
    "بیستم": 20,
    "سیام": 30,
    "سیم": 30,
}
MONTHS = {
    "فروردین": 1,
    "اردیبهشت": 2,
    "خرداد": 3,
    "تیر": 4,
    "مرداد": 5,
    "امرداد": 5,
    "شهریور": 6,
    "مهر": 7,
    "آبان": 8,
    "آذر": 9,
    "دی": 10,
    "بهمن": 11,
    "اسفند": 12,
}
MONTH_WORD = "ماه"  # «۸ آذر ماه», «۸ آذرماه»
YEAR_WORD = "سال"
DAY_WORDS = {"امروز": 0, "today": 0, "دیروز": 1, "yesterday": 1, "پریروز": 2}

RASAD_WORDS = ("رصد", "رهگیری", "tracking", "rasad")
BEFORE_RASAD = ("ثبت", "شده", "در", "سامانه", "کد", "شماره", "با")  # «ثبت شده در سامانه رصد»
CODE_WORDS = ("کد", "code", "شماره", "با", "ثبت", "شده", ":")
NOT_REGISTERED = (
    ("هنوز", "ثبت", "نشده"),
    ("ثبت", "نشده"),
    ("ثبتنشده",),
    ("بدون", "رصد"),
    ("رصد", "ندارد"),
    ("رصد", "نشده"),
    ("رصد", "خیر"),
    ("رصد", "نه"),
    ("ثبت", "رصد", "انجام", "نشده"),
    ("انجام", "نشده"),
    ("not", "registered"),
    ("unregistered",),
)
TITLE_MARKERS = ("طرح", "پروژه", "project", "عنوان")
YES = frozenset(("بله", "بلی", "آره", "اره", "درسته", "درست", "است", "صحیح", "تایید", "yes", "ok", "اوکی"))
NO = frozenset(("نه", "خیر", "نخیر", "no", "اشتباه"))
GREETINGS = ("سلام", "درود", "وقت", "بخیر", "عرض", "ادب", "احتراما", "خسته", "نباشید", "hello", "hi")
SIGN_OFFS = ("تشکر", "ممنون", "سپاس", "متشکرم", "باتشکر", "thanks")

# Small words a title does not begin with, or end with: «... طرح گلخانه ایجاد شد» is «گلخانه».
LEAD_TRIM = frozenset(("در", "و", "با", "برای", "به", "از", "بخش", "تاریخ", "تعداد", "کد")).union(
    ("in", "on", "at", "for", "the", "of", "sector", "date", "code")
)
LEAD_TRIM = LEAD_TRIM | frozenset(GREETINGS)
TRAIL_TRIM = LEAD_TRIM | frozenset(
    ("ایجاد", "شد", "شده", "شدند", "گردید", "ثبت", "سامانه", "را", "created", "registered", "استخدام")
).union(("مشغول", "بکار", "مورخ", "روز", "هنوز", "شغل", "اشتغال", "نفر", "است", "هست", "میباشد", "شدن"))
TRAIL_TRIM = TRAIL_TRIM.union(("رو", "کردیم", "کارگیری", "لطفا", "تایید", "کنید", "بفرمایید", *SIGN_OFFS))
TRAIL_PHRASES = (("مشغول", "به", "کار"), ("کار", "گرفته"), ("بکار", "گرفته"))  # «... مشغول به کار شدند»
