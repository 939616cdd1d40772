"""One-message reports: read what a rep typed in one line into report fields, flagging what is missing,
ambiguous or contradictory. A plain function; nothing is guessed silently."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from models.jalali import DateError, check_report_date, parse_jalali
from models.textnorm import clean_text, to_ascii_digits

SECTOR_WORDS = {
    "agriculture": (
        "کشاورزی",
        "کشاورزي",
        "کشاورزى",
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
JOB_UNITS = ("شغل", "اشتغال", "نفر", "jobs", "job", "شغلی")
TRACKING_WORDS = ("رصد", "رهگیری", "tracking", "rasad")
TITLE_MARKERS = ("طرح", "پروژه", "project")
NOT_REGISTERED = ("ثبت نشده", "ثبت‌نشده", "هنوز ثبت نشده", "not registered", "unregistered")
FILLER = {
    "در",
    "و",
    "بخش",
    "تاریخ",
    "تعداد",
    "ایجاد",
    "شد",
    "شده",
    "با",
    "کد",
    "برای",
    "in",
    "on",
    "for",
    "the",
    "sector",
    "code",
    "date",
    "created",
    "of",
    "ثبت",
    "سامانه",
    "سامانهٔ",
    "را",
    "به",
    "از",
}
DAY_WORDS = {"امروز": 0, "today": 0, "دیروز": 1, "yesterday": 1}
_DATE = re.compile(r"^(?:\d{2}|\d{4})[/\-.]\d{1,2}[/\-.]\d{1,2}$|^\d{1,2}/\d{1,2}$")
_NUMBER = re.compile(r"^\d{1,3}(?:[,٬]\d{3})+$|^\d+$")
_TRACKING = re.compile(r"^[A-Za-z0-9\-/]{4,30}$")


@dataclass
class Parsed:
    jobs: int | None = None
    job_candidates: list[int] = field(default_factory=list)  # two or more: ask which is the count
    sector: str | None = None
    sectors_found: list[str] = field(default_factory=list)  # two or more: contradictory, ask
    date: dt.date | None = None
    date_error: str | None = None
    title: str | None = None
    rasad: bool | None = None
    tracking: str | None = None
    with_unit: bool = False  # the count came with شغل / نفر / jobs
    signal: bool = False  # a sector word, a date, رصد, or a طرح/پروژه marker

    @property
    def understood(self) -> bool:
        """A report only when a number stands beside another report field: chat with a number in it
        ("۲ سوال دارم", a phone number, a national code) is not taken for one."""
        return self.signal and (self.jobs is not None or bool(self.job_candidates))


def _strip(token: str) -> str:
    return token.strip(".,،؛;:!?()[]«»\"'")


def parse(text: str, year: int, today: dt.date) -> Parsed:
    result = Parsed()
    raw = clean_text(to_ascii_digits(text))  # keeps the zero-width non-joiner words need (قزل‌آلا)
    for phrase in NOT_REGISTERED:
        if phrase in raw.lower():
            result.rasad = False
            raw = re.sub(re.escape(phrase), " ", raw, flags=re.IGNORECASE)
    original: list[str] = raw.split()
    tokens = [_strip(t).lower() for t in original]
    used = [False] * len(tokens)

    for i, token in enumerate(tokens):  # tracking code after its keyword
        if token in TRACKING_WORDS and result.rasad is not False:
            used[i] = True
            j = i + 1
            while j < len(tokens) and tokens[j] in ("کد", "code", "شماره", ":"):
                used[j] = True
                j += 1
            following = tokens[j + 1] if j + 1 < len(tokens) else ""
            looks_like_code = (
                j < len(tokens)
                and _TRACKING.fullmatch(tokens[j])
                and any(c.isdigit() for c in tokens[j])
                and not _DATE.fullmatch(tokens[j])  # "رصد ۱۴۰۵/۹/۲" is a date
                and following not in JOB_UNITS  # "رصد ۱۲۰۰ شغل" is a count
            )
            if looks_like_code:
                result.rasad, result.tracking, used[j] = True, tokens[j].upper(), True
            else:
                result.rasad = True  # "registered in Rasad" without a code: the code is asked for

    for i, token in enumerate(tokens):  # a date, typed or as a word
        if used[i]:
            continue
        if _DATE.fullmatch(token) or token in DAY_WORDS:
            used[i] = True
            try:
                day = (
                    today - dt.timedelta(days=DAY_WORDS[token])
                    if token in DAY_WORDS
                    else parse_jalali(token, year)
                )
                result.date = check_report_date(day, year, today)
            except DateError as exc:
                result.date_error = exc.reason

    for i, token in enumerate(tokens):  # sectors
        for sector, synonyms in SECTOR_WORDS.items():
            if not used[i] and token in synonyms:
                used[i] = True
                if sector not in result.sectors_found:
                    result.sectors_found.append(sector)
    if len(result.sectors_found) == 1:
        result.sector = result.sectors_found[0]

    counted, bare = [], []  # numbers: with a unit ("12 شغل") they are counts; bare ones are candidates
    for i, token in enumerate(tokens):
        if used[i] or not _NUMBER.fullmatch(token):
            continue
        digits = token.replace(",", "").replace("٬", "")
        if len(digits) >= 7 or (len(digits) > 1 and digits.startswith("0")):
            continue  # phone numbers, national codes, codes with leading zeros: never a count
        value = int(digits)
        next_token = tokens[i + 1] if i + 1 < len(tokens) else ""
        previous = tokens[i - 1] if i > 0 else ""
        if next_token in JOB_UNITS or previous in ("تعداد", *JOB_UNITS):
            used[i] = True
            if next_token in JOB_UNITS:
                used[i + 1] = True
            counted.append(value)
        else:
            bare.append((i, value))
    result.with_unit = bool(counted)
    if len(set(counted)) == 1:
        result.jobs = counted[0]
    elif len(counted) > 1:
        result.job_candidates = list(dict.fromkeys(counted))
    elif bare:  # a number without its unit is offered for confirmation, never taken silently
        result.job_candidates = list(dict.fromkeys(v for _, v in bare))
        for i, _ in bare:
            used[i] = True

    # The title: what follows a marker (طرح / پروژه), else the words left over.
    words = list(original)
    marker = next((i for i, t in enumerate(tokens) if t in TITLE_MARKERS and not used[i]), None)
    if marker is not None:
        used[marker] = True
        span: list[int] = []
        for i in range(marker + 1, len(tokens)):
            if used[i]:
                if span:
                    break
                continue
            span.append(i)
        chosen = span
    else:
        chosen = [i for i in range(len(tokens)) if not used[i]]
    title_words = [_strip(words[i]) for i in chosen if tokens[i] not in JOB_UNITS and _strip(words[i])]
    while title_words and title_words[0].lower() in FILLER:
        title_words.pop(0)
    while title_words and title_words[-1].lower() in FILLER:
        title_words.pop()
    title = " ".join(title_words).strip()
    if len(title) >= 3:
        result.title = title[:200]
    result.signal = bool(
        result.sectors_found
        or result.date
        or result.date_error
        or result.rasad is not None
        or marker is not None
    )
    return result
