import pytest

from models.textnorm import (
    NumberError,
    clean_text,
    named_reference,
    parse_int,
    search_key,
    to_ascii_digits,
    to_persian_digits,
)


def test_digits_in_every_script_become_ascii():
    assert to_ascii_digits("۱۲۳٤٥٦789") == "123456789"
    assert to_persian_digits("1405/9/8") == "۱۴۰۵/۹/۸"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12", 12), ("۱۲", 12), ("١٢", 12), (" ۱٬۲۰۰ ", 1200), ("1,200", 1200), ("+7", 7), ("100000", 100000)],
)
def test_parse_int_accepts_any_script_and_separators(typed, value):
    assert parse_int(typed, 1, 100_000) == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("دوازده", "not_a_number"),
        ("12a", "not_a_number"),
        ("", "not_a_number"),
        ("1,20", "not_a_number"),
        ("2.5", "not_whole"),
        ("۲٫۵", "not_whole"),
        ("0", "too_small"),
        ("-5", "too_small"),
        ("100001", "too_large"),
        ("99999999999999999999", "too_large"),
    ],
)
def test_parse_int_refuses_with_a_reason(typed, reason):
    with pytest.raises(NumberError) as info:
        parse_int(typed, 1, 100_000)
    assert info.value.reason == reason


def test_arabic_letters_are_normalised_for_storage_and_search():
    assert clean_text("  كميته   امداد\u200f ") == "کمیته امداد"
    assert search_key("نیشابور") == search_key("نيشابور ")
    assert search_key("خراسان\u200cرضوی") == search_key("خراسان رضوی")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("مانع ۱۲", ("obstacle", 12)),
        ("مانع #۱۲", ("obstacle", 12)),
        ("برنامهٔ ۳", ("plan", 3)),
        ("برنامه‌ی 3", ("plan", 3)),
        ("برنامه ی ۳", ("plan", 3)),
        ("برنامۀ ۳", ("plan", 3)),  # the precomposed letter of Android keyboards
        ("برنامه ي ۳", ("plan", 3)),  # Arabic yeh
        ("Plan 4", ("plan", 4)),
        ("obstacle12", ("obstacle", 12)),
        ("گزارش #۱۲", ("report", 12)),
        ("گزارش ۱۲", None),  # may begin a report of 12 jobs
        ("مانع بانک", None),
        ("برنامه ۱۲ شغل", None),
        ("برنامه", None),
    ],
)
def test_a_record_named_with_its_kind(typed, expected):
    assert named_reference(typed) == expected
