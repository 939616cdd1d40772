import pytest

from models.nationalcode import is_valid, normalize, split_codes
from models.people import format_invite, normalize_invite
from models.phone import mask_phone, normalize_phone


@pytest.mark.parametrize("code", ["0013542419", "0076229645", "1583250689", "3974017844", "7730942860"])
def test_valid_national_codes(code):
    assert is_valid(code)


@pytest.mark.parametrize(
    "code", ["1234567890", "1111111111", "0000000000", "001354241", "00135424190", "abcdefghij"]
)
def test_invalid_national_codes(code):
    assert not is_valid(code)


def test_codes_split_on_any_separator_and_digits_normalised():
    text = "۰۰۱۳۵۴۲۴۱۹، 0076229645\n1583250689;3974017844 ,7730942860"
    codes = [normalize(t) for t in split_codes(text)]
    assert codes == ["0013542419", "0076229645", "1583250689", "3974017844", "7730942860"]
    assert normalize("001-354241-9") == "0013542419"


@pytest.mark.parametrize(
    "raw",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "9121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        989121234567,
        "0912 123 4567",
    ],
)
def test_mobile_numbers_have_one_normal_form(raw):
    assert normalize_phone(raw) == "+989121234567"


@pytest.mark.parametrize("raw", ["02112345678", "0912123456", "+441234567890", "", None, "abc"])
def test_non_mobile_numbers_are_refused(raw):
    assert normalize_phone(raw) is None


def test_phone_masked_for_logs():
    assert mask_phone("+989121234567") == "+98912*****67"


def test_invite_codes_typed_in_any_script_with_separators():
    assert normalize_invite("۱۲۳۴۵-۶۷۸۹۰") == "1234567890"
    assert normalize_invite("12345 67890") == "1234567890"
    assert normalize_invite("123456789") is None
    assert normalize_invite("12345x67890") is None
    assert format_invite("1234567890") == "12345-67890"


def test_direction_marks_copied_from_spreadsheets_are_ignored():
    import datetime as dt

    from models.jalali import parse_jalali
    from models.reports import AnswerError, check_title, check_tracking

    assert parse_jalali("\u200f۱۴۰۵/۹/۸\u200e", 1405) == dt.date(2026, 11, 29)
    assert check_tracking("\u200eAB-1234\u200f") == "AB-1234"
    assert [normalize(t) for t in split_codes("\u200f0013542419\u200e")] == ["0013542419"]
    try:
        check_title("\u200c\u200c\u200c\u200f")
    except AnswerError as exc:
        assert exc.reason == "too_short"
    else:
        raise AssertionError("an invisible title was accepted")
