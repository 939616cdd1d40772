import pytest

from models.beneficiary_file import MAX_BYTES, MAX_ROWS, FileProblem, _columns, read_table


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("big.csv", b"x" * (MAX_BYTES + 1), "too_big"),
        ("rows.csv", ("code\n" + "0013542419\n" * (MAX_ROWS + 1)).encode(), "too_many_rows"),
        ("list.txt", b"code\n1\n", "type"),
        ("latin1.csv", "کد ملی\n".encode("utf-16"), "type"),
        ("blank.csv", b"\n\n", "empty"),
    ],
)
def test_files_refused_as_a_whole(name, content, reason):
    with pytest.raises(FileProblem) as info:
        read_table(content, name)
    assert info.value.reason == reason


def test_headers_in_persian_or_english_with_spacing_variants():
    assert _columns(["کد ملی", "نام", "تلفن همراه", "جنسیت"]) == {
        "code": 0,
        "name": 1,
        "mobile": 2,
        "gender": 3,
    }
    assert _columns(["National Code", "Mobile", "Job Title"]) == {"code": 0, "mobile": 1, "job_title": 2}
    with pytest.raises(FileProblem, match="no_code_column"):
        _columns(["نام", "موبایل"])
