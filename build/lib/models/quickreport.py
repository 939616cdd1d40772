"""One-message reports: read what a rep typed in one line into report fields, flagging what is missing,
ambiguous or contradictory. A plain function; nothing is guessed silently.

The line is cut into words, each with its place in the text. The parts recognised are taken out: the count
with its unit, the sector word, the date, the Rasad phrase and its code. The title is the rep's own text
between what was taken out, as typed (words, order, digits in their script). A sector word after a word of
the title belongs to the title («شهرک صنعتی»), and names the sector when no other word does. The words the
line is read by are in models/phrasebook.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import jdatetime

from models import phrasebook as pb
from models.jalali import DateError, check_report_date, parse_jalali
from models.textnorm import NumberError, clean_text, parse_int, to_ascii_digits

_DATE = re.compile(r"^(?:\d{2}|\d{4})[/\-.]\d{1,2}[/\-.]\d{1,2}$|^\d{1,2}/\d{1,2}$")
_NUMBER = re.compile(r"^\d{1,3}(?:[,٬]\d{3})+$|^\d+$")
_TRACKING = re.compile(r"^[A-Za-z0-9\-/]{4,30}$")
_WORD = re.compile(r"\S+")
# A number glued to a word («۸شغل», «اشتغال۱۲»): read as two words; the title keeps what was typed.
_GLUED = re.compile(r"^(\d+(?:[,٬]\d{3})*)([^\W\d_]{2,})$|^([^\W\d_]{2,})(\d+)$")
_EDGE = ".,،؛;:!?()[]«»\"'“”"
_TITLE_EDGE = ".,،؛;:!?-–|/ "
_PAIRS = (("«", "»"), ("(", ")"), ("[", "]"), ('"', '"'), ("“", "”"), ("'", "'"))
_LETTERS = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": None, "\u0654": None}
    | {chr(c): None for c in range(0x064B, 0x0653)}  # vowel marks: «لطفاً» is «لطفا»
)


def key_of(word: str) -> str:
    """How a word is matched: its edge punctuation off, digits in ASCII, letters normalised, no ZWNJ."""
    return to_ascii_digits(word.strip(_EDGE)).translate(_LETTERS).casefold()


@dataclass
class Word:
    text: str  # as typed
    key: str
    start: int  # its place in the cleaned line
    end: int
    role: str = ""  # what took it: count, unit, date, rasad, sector, marker, filler; "" for the title


@dataclass
class Parsed:
    jobs: int | None = None
    job_candidates: list[int] = field(default_factory=list)  # two or more: ask which is the count
    sector: str | None = None
    sectors_found: list[str] = field(default_factory=list)  # two or more: contradictory, ask
    date: dt.date | None = None
    date_error: str | None = None
    year_guessed: bool = False  # the date named no year: the reporting year's was taken (or the one before)
    title: str | None = None
    title_sure: bool = True  # False: the words left over were in pieces; the title is asked, shown
    rasad: bool | None = None
    tracking: str | None = None
    with_unit: bool = False  # the count came with شغل / نفر / jobs
    signal: bool = False  # a sector word, a date, رصد, a طرح/پروژه marker, or a count of jobs

    @property
    def understood(self) -> bool:
        """A report only when a number stands beside another report field: chat with a number in it
        ("۲ سوال دارم", a phone number, a national code) is not taken for one."""
        return self.signal and (self.jobs is not None or bool(self.job_candidates))


def _month_key(key: str) -> str:
    return key.removesuffix(pb.MONTH_WORD).replace("آ", "ا")  # «اذر» is typed for «آذر» on many phones


_MONTH_KEYS = {_month_key(name): month for name, month in pb.MONTHS.items()}
_DATE_PARTS = re.compile(r"[/\-]")
_SEPARATORS = ("،", "؛", ",", ";", "|", "-", ")")


def _pieces(token: str, start: int) -> list[tuple[str, int]]:
    """A word as typed, or its parts when it is a date written around a month's name («۸/آذر/۱۴۰۵»)."""
    parts = _DATE_PARTS.split(token)
    if len(parts) > 1 and any(_month_key(key_of(p)) in _MONTH_KEYS for p in parts):
        found, at = [], start
        for part in parts:
            if part:
                found.append((part, at))
            at += len(part) + 1
        return found
    return [(token, start)]


def words_of(text: str) -> tuple[str, list[Word]]:
    line = clean_text(text)  # keeps digits as typed and the ZWNJ words need (قزل‌آلا)
    words: list[Word] = []
    for match in _WORD.finditer(line):
        for token, start in _pieces(match.group(), match.start()):
            _add_word(words, token, start)
    return line, words


def _add_word(words: list[Word], token: str, start: int) -> None:
    glued = _GLUED.match(key_of(token))
    core = token.strip(_EDGE)
    if glued and len(core) == len(key_of(token)):  # same length: the split falls at the same place
        offset = start + token.index(core)
        cut = len(glued.group(1) or glued.group(3))
        for piece, at in ((core[:cut], offset), (core[cut:], offset + cut)):
            words.append(Word(piece, key_of(piece), at, at + len(piece)))
        return
    words.append(Word(token, key_of(token), start, start + len(token)))


def number_in_words(keys: Sequence[str]) -> int | None:
    """«دوازده», «بیست و پنج», «صد و بیست», «دو هزار و پانصد»; None unless every word is part of it."""
    total, current, limit, seen = 0, 0, 10**6, False
    for i, k in enumerate(keys):
        if k == pb.AND:
            if i == 0 or i == len(keys) - 1 or keys[i - 1] == pb.AND:
                return None
            continue
        if k == pb.THOUSAND:
            if total:
                return None
            total, current, limit, seen = (current or 1) * 1000, 0, 1000, True
            continue
        value = pb.NUMBER_WORDS.get(k)
        if value is None or value >= limit:
            return None
        current += value
        limit = 100 if value >= 100 else 10 if value >= 20 else 0
        seen = True
    return total + current if seen else None


def _ordinal(keys: Sequence[str]) -> int | None:
    """A day said as an ordinal: «هشتم», «بیست و یکم», «سی و یکم»."""
    if len(keys) == 1:
        return pb.ORDINALS.get(keys[0])
    if len(keys) == 3 and keys[1] == pb.AND and keys[0] in ("بیست", "سی") and keys[2] in pb.ORDINALS:
        last = pb.ORDINALS[keys[2]]
        return pb.TENS[keys[0]] + last if last < 10 else None
    return None


def _month(key: str) -> int | None:
    return _MONTH_KEYS.get(_month_key(key)) if key else None


def _take(words: list[Word], start: int, end: int, role: str) -> None:
    for w in words[start:end]:
        w.role = role


def _free(words: list[Word], i: int) -> bool:
    return 0 <= i < len(words) and not words[i].role


def _phrase_at(words: list[Word], i: int, phrase: Sequence[str]) -> bool:
    return all(_free(words, i + n) and words[i + n].key == p for n, p in enumerate(phrase))


def _day_before(words: list[Word], month_at: int) -> tuple[int, int] | None:
    """The day of the month said before its name: (day, index of its first word)."""
    for length in (3, 2, 1):  # «بیست و یکم» before «یکم»
        first = month_at - length
        if first < 0 or not all(_free(words, i) for i in range(first, month_at)):
            continue
        keys = [w.key for w in words[first:month_at]]
        if keys[-1] in ("ام", "م") and length > 1:  # «۸ام», «سی ام»
            keys = [*keys[:-2], keys[-2] + "ام" if not keys[-2].isdigit() else keys[-2]]
        if len(keys) == 1 and keys[0].isdigit() and len(keys[0]) <= 2:
            return int(keys[0]), first
        day = _ordinal(keys)
        if day is not None:
            return day, first
    # «آذر ۸»: the day after the month's name
    after = month_at + 1
    if _free(words, after) and words[after].key.isdigit() and 1 <= int(words[after].key) <= 31:
        following = words[after + 1].key if after + 1 < len(words) else ""
        if following not in pb.UNITS:
            return int(words[after].key), -after
    return None


def _year_after(words: list[Word], i: int) -> tuple[int, int] | None:
    """A year after a month's name: (year, index after it); «۱۴۰۵» or «سال ۱۴۰۵»."""
    if _free(words, i) and words[i].key == pb.YEAR_WORD:
        i += 1
    if _free(words, i) and re.fullmatch(r"1[34]\d\d", words[i].key):
        return int(words[i].key), i + 1
    return None


class NamedDateError(DateError):
    """A day and a month's name that make no day («۳۱ اسفند»): where they are, taken out all the same."""

    def __init__(self, first: int, end: int) -> None:
        super().__init__("no_such_day")
        self.first, self.end = first, end


def _named_date(
    words: list[Word], month_at: int, year: int, today: dt.date
) -> tuple[dt.date, bool, int, int] | None:
    """«۸ آذر», «هشتم آذر ماه ۱۴۰۵»: (the day, whether its year was guessed, first and end index)."""
    month = _month(words[month_at].key)
    day_found = _day_before(words, month_at) if month else None
    if month is None or day_found is None:
        return None
    day, first = day_found
    end = month_at + 1
    if first < 0:  # the day came after the month's name
        first, end = month_at, -first + 1
    if _free(words, end) and words[end].key == pb.MONTH_WORD:
        end += 1
    said = _year_after(words, end)
    if said is not None:
        y, end = said
        guessed = False
    else:
        y, guessed = year, True
    try:
        found = jdatetime.date(y, month, day).togregorian()
        if guessed and found > today:  # «۲۰ اسفند» said in Azar: the Esfand just past
            found = jdatetime.date(y - 1, month, day).togregorian()
    except ValueError:
        raise NamedDateError(first, end) from None
    return found, guessed, first, end


def _read_dates(words: list[Word], result: Parsed, year: int, today: dt.date) -> None:
    def found(day: dt.date, guessed: bool = False) -> None:
        if result.date is not None or result.date_error is not None:
            return
        try:
            result.date = check_report_date(day, year, today)
            result.year_guessed = guessed
        except DateError as exc:
            result.date_error = exc.reason

    for i, w in enumerate(words):
        if not _free(words, i):
            continue
        if _month(w.key):
            try:
                named = _named_date(words, i, year, today)
            except NamedDateError as exc:
                _take(words, exc.first, exc.end, "date")
                result.date_error = result.date_error or exc.reason
                continue
            if named is not None:
                day, guessed, first, end = named
                _take(words, first, end, "date")
                found(day, guessed)
    for i, w in enumerate(words):
        if not _free(words, i):
            continue
        if w.key in pb.DAY_WORDS:
            w.role = "date"
            found(today - dt.timedelta(days=pb.DAY_WORDS[w.key]))
        elif _DATE.fullmatch(w.key):
            w.role = "date"
            try:
                day = parse_jalali(w.key, year)
            except DateError as exc:
                result.date_error = result.date_error or exc.reason
                continue
            found(day, guessed=w.key.count("/") + w.key.count("-") + w.key.count(".") == 1)


def _read_rasad(words: list[Word], result: Parsed) -> None:
    for i in range(len(words)):
        for phrase in pb.NOT_REGISTERED:
            if _phrase_at(words, i, phrase):
                _take(words, i, i + len(phrase), "rasad")
                result.rasad = False
    for i, w in enumerate(words):
        if not _free(words, i) or w.key not in pb.RASAD_WORDS:
            continue
        w.role = "rasad"
        back = i - 1
        while _free(words, back) and words[back].key in pb.BEFORE_RASAD:
            words[back].role = "rasad"
            back -= 1
        if result.rasad is False:
            continue  # «در رصد ثبت نشده»
        j = i + 1
        while _free(words, j) and words[j].key in pb.CODE_WORDS:
            words[j].role = "rasad"
            j += 1
        following = words[j + 1].key if j + 1 < len(words) else ""
        looks_like_code = (
            _free(words, j)
            and _TRACKING.fullmatch(words[j].key)
            and any(c.isdigit() for c in words[j].key)
            and not _DATE.fullmatch(words[j].key)  # «رصد ۱۴۰۵/۹/۲» is a date
            and following not in pb.UNITS  # «رصد ۱۲۰۰ شغل» is a count
        )
        if looks_like_code:
            words[j].role = "rasad"
            result.rasad, result.tracking = True, words[j].key.upper()
        else:
            result.rasad = True  # registered in Rasad without a code: the code is asked for


def _number_at(words: list[Word], i: int) -> tuple[int, int] | None:
    """A number starting at word i: (its value, index after it); digits, or words («بیست و پنج»)."""
    if not _free(words, i):
        return None
    key = words[i].key
    if _NUMBER.fullmatch(key):
        digits = key.replace(",", "").replace("٬", "")
        if len(digits) >= 7 or (len(digits) > 1 and digits.startswith("0")):
            return None  # phone numbers, national codes, codes with leading zeros: never a count
        if _free(words, i + 1) and words[i + 1].key == pb.THOUSAND:  # «۲ هزار»
            return int(digits) * 1000, i + 2
        return int(digits), i + 1
    best = None
    for end in range(i + 1, min(i + 8, len(words)) + 1):
        if not _free(words, end - 1):
            break
        value = number_in_words([w.key for w in words[i:end]])
        if value is not None:
            best = (value, end)
    return best


def _read_counts(words: list[Word], result: Parsed) -> tuple[list[int], list[tuple[int, int]], bool]:
    """Counts said with a unit («۱۲ شغل», «اشتغال ۱۲ نفر», «۲۰ و ۳۰ شغل»), the bare numbers left (digits
    only) and whether a job word or a creation verb came with a count."""
    counted: list[int] = []
    job_said = False
    i = 0
    while i < len(words):
        number = _number_at(words, i)
        if number is None:
            i += 1
            continue
        values, end = [number[0]], number[1]
        before = words[i - 1].key if _free(words, i - 1) else ""
        after = words[end].key if end < len(words) else ""
        if before in pb.NOT_COUNTED_AFTER or after in pb.NOT_COUNTED_BEFORE:  # «ساعت ۱۰», «۲۰ درصد»
            _take(words, i, end, "other")
            i = end
            continue
        if _free(words, end) and words[end].key == pb.COUNTER and end + 1 < len(words):
            if words[end + 1].key in pb.JOB_WORDS:  # «۱۲ تا شغل»
                words[end].role = "unit"
                end += 1
        # «۲۰ و ۳۰ شغل»: two numbers joined by «و» before one unit are two candidates
        second = _number_at(words, end + 1) if _free(words, end) and words[end].key in pb.EITHER else None
        if second is not None and _free(words, second[1]) and words[second[1]].key in pb.UNITS:
            values.append(second[0])
            end = second[1]
        unit_after = _free(words, end) and words[end].key in pb.UNITS
        unit_before = _free(words, i - 1) and words[i - 1].key in (*pb.UNITS, *pb.BEFORE_COUNT)
        digits = _NUMBER.fullmatch(words[i].key) is not None
        if not (unit_after or unit_before):
            i = end
            continue
        if not digits and not unit_after and words[i - 1].key not in pb.UNITS:
            i = end  # «تعداد دو» alone is too weak for a number in words
            continue
        _take(words, i, end, "count")
        stop = end
        while _free(words, stop) and words[stop].key in (*pb.UNITS, *pb.CREATION_WORDS):
            job_said |= words[stop].key in (*pb.JOB_WORDS, *pb.CREATION_WORDS)
            words[stop].role = "unit"
            stop += 1
        start = i
        while _free(words, start - 1) and words[start - 1].key in (*pb.UNITS, *pb.BEFORE_COUNT):
            job_said |= words[start - 1].key in (*pb.JOB_WORDS, *pb.CREATION_WORDS)
            words[start - 1].role = "unit"
            start -= 1
        counted += values
        i = stop
    bare = [
        (i, int(w.key.replace(",", "").replace("٬", "")))
        for i, w in enumerate(words)
        if _free(words, i) and _number_at(words, i) is not None and _NUMBER.fullmatch(w.key)
    ]
    return counted, bare, job_said


def _runs(words: list[Word], start: int = 0, stop: int | None = None) -> list[list[int]]:
    """Stretches of free words (between the words taken)."""
    runs: list[list[int]] = [[]]
    for i in range(start, len(words) if stop is None else stop):
        if words[i].role and words[i].role not in ("sector", "other"):  # «کارگاه ۳۰۰ متری» is one stretch
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(i)
    return [r for r in runs if r]


def _is_title_word(w: Word, bare: set[int], i: int, marked: bool) -> bool:
    return w.key not in pb.LEAD_TRIM and (marked or w.role != "sector") and i not in bare and bool(w.key)


def _title_span(words: list[Word], run: list[int], bare: set[int], marked: bool = False) -> list[int]:
    """A stretch trimmed to its title: small words before the first word of the title go (and sector words,
    unless a marker said where the title begins), and small words (and bare numbers asked as the count)
    after its last."""
    first = next((n for n, i in enumerate(run) if _is_title_word(words[i], bare, i, marked)), None)
    if first is None:
        return []
    span = run[first:]
    trimmed = True
    while span and trimmed:
        trimmed = False
        while span and (words[span[-1]].key in pb.TRAIL_TRIM or span[-1] in bare):
            span.pop()
            trimmed = True
        for phrase in pb.TRAIL_PHRASES:
            if len(span) >= len(phrase) and [words[i].key for i in span[-len(phrase) :]] == list(phrase):
                del span[-len(phrase) :]
                trimmed = True
    return span


def _trimmed(title: str) -> str:
    """A title's ends without stray punctuation: a quote or bracket goes when it wraps the whole title or
    has lost its other half («کافه کتاب» -> کافه کتاب, «... (۲۲ نفر)» without its count -> ...), and stays
    inside it (نانوایی «برکت», کافی‌نت (شعبه ۲))."""
    for _ in range(3):
        title = title.strip(_TITLE_EDGE)
        for opener, closer in _PAIRS:
            wraps = len(title) > 1 and title[0] == opener and title[-1] == closer
            if wraps and title.count(opener) + title.count(closer) == 2 and opener != closer:
                title = title[1:-1]
            elif wraps and opener == closer and title.count(opener) == 2:
                title = title[1:-1]
            if title.startswith(opener) and closer not in title[1:]:
                title = title[1:]
            if title.endswith(closer) and opener not in title[:-1]:
                title = title[:-1]
            if opener != closer and title.endswith(opener):
                title = title[:-1]
            if opener != closer and title.startswith(closer):
                title = title[1:]
    return title.strip(_TITLE_EDGE)


def parse(text: str, year: int, today: dt.date) -> Parsed:
    result = Parsed()
    line, words = words_of(text)
    _read_rasad(words, result)
    _read_dates(words, result, year, today)
    for i, w in enumerate(words):
        if not w.role and any(w.key in synonyms for synonyms in pb.SECTOR_WORDS.values()):
            # set apart by punctuation («طرح سردخانه، کشاورزی»), a sector word is the sector, not the title's
            apart = (i > 0 and words[i - 1].text.endswith(_SEPARATORS)) or w.text.endswith(_SEPARATORS)
            w.role = "sector_said" if apart else "sector"
    counted, bare_numbers, job_said = _read_counts(words, result)
    result.with_unit = bool(counted)
    if len(set(counted)) == 1:
        result.jobs = counted[0]
    elif len(counted) > 1:
        result.job_candidates = list(dict.fromkeys(counted))
    elif bare_numbers:  # a number without its unit is offered for confirmation, never taken silently
        result.job_candidates = list(dict.fromkeys(v for _, v in bare_numbers))
    asked = {i for i, _ in bare_numbers} if not counted else set()

    # The title: what follows a marker (طرح / پروژه) up to the next word taken, else the words left over.
    marker = next((i for i, w in enumerate(words) if not w.role and w.key in pb.TITLE_MARKERS), None)
    if marker is not None:
        words[marker].role = "marker"
        while _free(words, marker + 1) and words[marker + 1].key in pb.TITLE_MARKERS:  # «عنوان طرح:»
            marker += 1
            words[marker].role = "marker"
        runs = _runs(words, marker + 1)
        first_run = [p for p in (_title_span(words, run, asked, marked=True) for run in runs[:1]) if p]
        # past the first stretch, a sector word alone is the sector («طرح قارچ ۸ نفر کشاورزی»)
        later = [
            p for p in (_title_span(words, run, asked) for run in runs[1:]) if p and _substantial(words, p)
        ]
        after = first_run + later
        span = after[0] if after else []
        if len(after) > 1 or (span and span[0] != marker + 1 and not _only_small(words, marker + 1, span[0])):
            # the title goes on past a word read as something else («طرح گلخانه ۱/۵ هکتاری»), or does not
            # begin right after its marker: the whole stretch is offered, to be confirmed or typed
            span = list(range(span[0], after[-1][-1] + 1)) if len(after) > 1 else span
            result.title_sure = False
    else:
        pieces = [s for s in (_title_span(words, run, asked) for run in _runs(words)) if s]
        span = pieces[0] if pieces else []  # a title usually comes first; asked when there are others
        result.title_sure = len(pieces) <= 1
    in_title = set(range(span[0], span[-1] + 1)) if span else set()
    if span:
        title = _trimmed(line[words[span[0]].start : words[span[-1]].end])
        if len(title) >= 3:
            result.title = title[:200]
        if any(_phone_or_code(words[i].key) for i in in_title):
            result.title_sure = False  # a phone number or a national code in a title: asked, not published
        if any(words[i].role == "date" for i in in_title):  # «گلخانه ۱/۵ هکتاری»: the title's, not a date
            result.date, result.date_error, result.year_guessed = None, None, False
            for i, w in enumerate(words):  # read again, without the title's words («... دیروز» still counts)
                if w.role == "date":
                    w.role = "title" if i in in_title else ""
            _read_dates(words, result, year, today)

    outside = [w.key for i, w in enumerate(words) if w.role.startswith("sector") and i not in in_title]
    inside = [w.key for i, w in enumerate(words) if w.role.startswith("sector") and i in in_title]
    for key in outside or inside:  # a sector word of the title names it only when no other word does
        sector = next(s for s, synonyms in pb.SECTOR_WORDS.items() if key in synonyms)
        if sector not in result.sectors_found:
            result.sectors_found.append(sector)
    if len(result.sectors_found) == 1:
        result.sector = result.sectors_found[0]
    dated = bool(result.date or result.date_error) and bool(counted)  # a date and a bare number: no report
    result.signal = bool(
        result.sectors_found or dated or result.rasad is not None or marker is not None or job_said
    )
    # outside a title its marker announced («طرح مرکز تماس» is a title, not a request to call)
    said = [w.key for i, w in enumerate(words) if marker is None or i not in in_title]
    plain_report = job_said and bool(
        marker is not None or result.sectors_found or result.rasad is not None or dated
    )
    talk = (
        text.rstrip().endswith(("?", "؟"))
        or any(k in pb.TALK_WORDS for k in said)
        or (any(k in pb.CHAT_WORDS for k in said) and not plain_report)
    )
    if talk:  # a question or a request with a number in it
        result.signal = False
    return result


def _phone_or_code(key: str) -> bool:
    digits = sum(c.isdigit() for c in key)
    return digits >= 10 or (digits >= 7 and key.startswith("0"))


def _substantial(words: list[Word], span: list[int]) -> bool:
    """Whether a stretch has a word of a title, not only verbs and Rasad's words («ایجاد شده است»)."""
    plain = (*pb.CREATION_WORDS, *pb.BEFORE_RASAD, *pb.RASAD_WORDS, *pb.UNITS)
    return any(words[i].key not in pb.TRAIL_TRIM and words[i].key not in plain for i in span)


def _only_small(words: list[Word], start: int, stop: int) -> bool:
    return all(words[i].key in pb.LEAD_TRIM or not words[i].key for i in range(start, stop))


def read_count(text: str, minimum: int, maximum: int) -> int:
    """The count step's answer: «۱۲», «۱۲ نفر», «دوازده نفر استخدام شدند», «بیست و پنج»."""
    try:
        return parse_int(text, minimum, maximum)
    except NumberError as exc:
        if exc.reason != "not_a_number":
            raise
    _, words = words_of(text)
    ignored = (*pb.UNITS, pb.COUNTER, *pb.CREATION_WORDS, *pb.BEFORE_COUNT)
    keys = [w.key for w in words if w.key and w.key not in ignored]
    if len(keys) == 1 and _NUMBER.fullmatch(keys[0]):
        return parse_int(keys[0], minimum, maximum)
    if len(keys) == 2 and _NUMBER.fullmatch(keys[0]) and keys[1] == pb.THOUSAND:  # «۲ هزار»
        return parse_int(str(int(keys[0].replace(",", "").replace("٬", "")) * 1000), minimum, maximum)
    if sum(1 for k in keys if _NUMBER.fullmatch(k)) > 1:
        raise NumberError("two_numbers")  # «۲۰ و ۳۰»: asked, never added or picked
    value = number_in_words(keys) if keys else None
    if value is None:
        raise NumberError("not_a_number")
    return parse_int(str(value), minimum, maximum)


def read_date(text: str, year: int, today: dt.date) -> tuple[dt.date, bool]:
    """The date step's answer: «۱۴۰۵/۹/۸», «۹/۸», «امروز», «پریروز», «۸ آذر», «هشتم آذر ۱۴۰۵»; the day and
    whether its year was guessed. Not checked against the reporting year here."""
    try:
        raw = to_ascii_digits(text).strip()
        return parse_jalali(text, year), raw.count("/") + raw.count("-") + raw.count(".") == 1
    except DateError as exc:
        if exc.reason != "format":
            raise
    _, words = words_of(text)
    keys = [w.key for w in words if w.key]
    if len(keys) == 1 and keys[0] in pb.DAY_WORDS:
        return today - dt.timedelta(days=pb.DAY_WORDS[keys[0]]), False
    for i, w in enumerate(words):
        if _month(w.key):
            named = _named_date(words, i, year, today)
            if named is not None and named[2] == 0 and named[3] == len(words):
                return named[0], named[1]
    raise DateError("format")
