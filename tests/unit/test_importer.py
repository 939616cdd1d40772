from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models.importer import import_file, import_rows, read_file
from models.schema import Agency, AuditEvent, Commitment, Person, Region
from models.sheets import FileProblem
from tests.conftest import roster_rows


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


async def count(db, model) -> int:
    async with db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_xlsx_import_creates_regions_agencies_commitments_people(database, tmp_path):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        {
            "agencies": [
                ["code", "name", "county", "province"],
                [101, "جهاد كشاورزي", "مشهد", "خراسان رضوی"],
                ["102", "بانک ملی", "نیشابور", "خراسان رضوی"],
            ],
            "commitments": [["agency_code", "year", "target"], ["101", 1405, 500], ["102", "۱۴۰۵", "۳۰۰"]],
            "people": [
                ["name", "phone", "role", "agency_code", "scope"],
                ["مریم", "۰۹۱۲۱۱۱۱۱۱۱", "rep", "101", None],
                ["زهرا", "+989123333333", "supervisor", None, "شهرستان مشهد"],
                ["حسین", "9124444444", "ناظر", None, "خراسان رضوی"],
            ],
        },
    )
    result = await import_file(database, path)
    assert result.ok, result.errors
    assert (result.created["agency"], result.created["commitment"], result.created["person"]) == (2, 2, 3)
    async with database.session() as s:
        agency = (await s.execute(select(Agency).where(Agency.code == "101"))).scalar_one()
        assert agency.name == "جهاد کشاورزی"  # Arabic letters normalised
        regions = {(r.kind, r.name) for r in (await s.execute(select(Region))).scalars()}
        assert regions == {("province", "خراسان رضوی"), ("county", "مشهد"), ("county", "نیشابور")}
        people = {p.phone: p for p in (await s.execute(select(Person))).scalars()}
        assert people["+989121111111"].agency_id == agency.id
        scope = await s.get(Region, people["+989124444444"].scope_region_id)
        assert scope.kind == "province" and people["+989124444444"].role == "supervisor"
        targets = sorted((await s.execute(select(Commitment.target))).scalars())
        assert targets == [300, 500]
    assert await count(database, AuditEvent) == 7


async def test_reimport_updates_by_key_and_counts_unchanged(database):
    assert (await import_rows(database, roster_rows())).ok
    rows = roster_rows()
    rows["commitments"][0][1]["target"] = "650"
    rows["agencies"][1][1]["name"] = "بانک کشاورزی شعبه مرکزی"
    result = await import_rows(database, rows)
    assert result.ok
    assert result.updated["commitment"] == 1 and result.updated["agency"] == 1
    assert result.unchanged["commitment"] == 3 and result.created["agency"] == 0
    assert await count(database, Agency) == 4 and await count(database, Commitment) == 4
    async with database.session() as s:
        event = (
            await s.execute(select(AuditEvent).where(AuditEvent.action == "commitment.update"))
        ).scalar_one()
        assert event.before == {"target": 500} and event.after == {"target": 650}


async def test_any_invalid_row_writes_nothing_and_reports_every_reason(database):
    rows = roster_rows()
    rows["commitments"].append((6, {"agency_code": "999", "year": "1405", "target": "-5"}))
    rows["people"].append(
        (7, {"name": "x", "phone": "02112345678", "role": "boss", "agency_code": "", "scope": ""})
    )
    rows["people"].append(
        (8, {"name": "y", "phone": "09127777777", "role": "rep", "agency_code": "", "scope": ""})
    )
    rows["people"].append(
        (9, {"name": "z", "phone": "09128888888", "role": "supervisor", "agency_code": "", "scope": "تهران"})
    )
    result = await import_rows(database, rows)
    reasons = [str(e) for e in result.errors]
    assert "commitments row 6: unknown agency code '999'" in reasons
    assert "commitments row 6: target -5 must be 0 to 10000000" in reasons
    assert "people row 7: phone '02112345678' is not a mobile number" in reasons
    assert "people row 7: unknown role 'boss'" in reasons
    assert "people row 8: a rep needs an agency code or name" in reasons
    assert "people row 9: unknown county or province 'تهران'" in reasons
    assert await count(database, Agency) == 0 and await count(database, Person) == 0


async def test_ambiguous_scope_must_be_qualified(database):
    rows = {
        "agencies": [(2, {"code": "1", "name": "a", "county": "تهران", "province": "تهران"})],
        "people": [
            (
                2,
                {
                    "name": "s",
                    "phone": "09120000001",
                    "role": "supervisor",
                    "agency_code": "",
                    "scope": "تهران",
                },
            )
        ],
    }
    result = await import_rows(database, rows)
    assert [str(e) for e in result.errors] == [
        "people row 2: 'تهران' is ambiguous: write 'استان تهران' or 'شهرستان تهران'"
    ]
    rows["people"][0][1]["scope"] = "استان تهران"
    assert (await import_rows(database, rows)).ok


def test_csv_kind_is_told_by_its_header(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("agency_code,year,target\n101,1405,500\n", encoding="utf-8")
    assert read_file(path).rows == {
        "commitments": [("commitments", 2, {"agency_code": "101", "year": "1405", "target": "500"})]
    }
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(FileProblem, match="no_roster"):
        read_file(path)
    bad = tmp_path / "x.txt"
    bad.write_text("hello")
    with pytest.raises(FileProblem, match="type"):
        read_file(bad)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(FileProblem, match="type"):
        read_file(junk)


def test_xlsx_sheet_missing_columns(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", {"agencies": [["code", "name"], ["1", "a"]]})
    with pytest.raises(FileProblem, match="missing_columns") as info:
        read_file(path)
    assert info.value.values == {"sheet": "agencies", "columns": "county, province"}


def test_example_files_are_valid():
    examples = Path(__file__).resolve().parents[2] / "examples"
    rows = read_file(examples / "roster.xlsx").rows
    assert set(rows) == {"agencies", "commitments", "people"}
    assert read_file(examples / "agencies.csv").rows.keys() == {"agencies"}


async def test_lengths_numbers_and_active_flag_are_validated(database):
    rows = roster_rows()
    rows["agencies"][0][1]["name"] = "x" * 201
    rows["commitments"][0][1]["target"] = "--5"
    rows["commitments"][1][1]["target"] = "²"
    rows["people"][0][1]["active"] = "maybe"
    result = await import_rows(database, rows)
    reasons = [str(e) for e in result.errors]
    assert reasons == [
        "agencies row 2: the agency's name is longer than 200 characters",
        "commitments row 2: target '--5' is not a number",
        "commitments row 3: target '²' is not a number",
        "people row 2: active: “maybe” must be yes or no",
    ]
    assert await count(database, Agency) == 0


async def test_people_can_be_deactivated_by_reimport(database):
    assert (await import_rows(database, roster_rows())).ok
    rows = {
        "people": [
            (
                2,
                {
                    "name": "مریم احمدی",
                    "phone": "09121111111",
                    "role": "rep",
                    "agency_code": "101",
                    "active": "خیر",
                },
            )
        ]
    }
    result = await import_rows(database, rows)
    assert result.ok and result.updated["person"] == 1
    async with database.session() as s:
        person = (await s.execute(select(Person).where(Person.phone == "+989121111111"))).scalar_one()
        assert person.active is False


async def test_county_commitments_are_imported_and_rank_counties(database):
    import datetime as dt

    from models.stats import county_ranking, scope_named

    assert (await import_rows(database, roster_rows())).ok
    rows = {
        "county_commitments": [
            (2, {"county": "مشهد", "province": "خراسان رضوی", "year": "1405", "target": "2000"}),
            (3, {"county": "قوچان", "province": "خراسان رضوی", "year": "1405", "target": "5"}),
        ]
    }
    result = await import_rows(database, rows)
    assert [str(e) for e in result.errors] == [
        "county_commitments row 3: unknown county 'قوچان' in 'خراسان رضوی'"
    ]
    rows["county_commitments"].pop()
    assert (await import_rows(database, rows)).ok
    async with database.session() as s:
        scope = await scope_named(s, "استان خراسان رضوی")
        page = await county_ranking(s, scope, 1405, dt.date(2026, 11, 29))
    targets = {row.name: row.target for row in page.rows}
    assert targets == {"مشهد": 2000, "نیشابور": 400}  # imported for Mashhad; Neyshabur's agencies' sum


def test_a_new_agency_code_follows_its_countys_codes():
    from models.importer import _next_code

    assert _next_code({"N01", "N12", "101"}, ["N01", "N12"]) == "N13"
    assert _next_code({"201", "202", "999"}, ["201", "202"]) == "203"
    assert _next_code({"201", "999", "A7"}, []) == "1000"  # a new county: after every numeric code
    assert _next_code({"N13", "N12"}, ["N12"]) == "N14"  # never one that is taken


def _office(rows: list[list[object]], header: list[str] | None = None, title: str = "Sheet1") -> object:
    import io as _io

    from models import roster_file

    wb = Workbook()
    wb.active.title = title
    wb.active.append(header or ["نام دستگاه", "شهرستان", "تعهد ۱۴۰۵", "نماینده", "تلفن همراه"])
    for row in rows:
        wb.active.append(row)
    out = _io.BytesIO()
    wb.save(out)
    return roster_file.read(out.getvalue(), "x.xlsx", 1405)


async def _agencies(db) -> dict[str, tuple[str, int]]:
    async with db.session() as s:
        rows = await s.execute(select(Agency.code, Agency.name, Agency.county_id))
        return {code: (name, county) for code, name, county in rows}


async def test_known_codes_need_no_county_and_names_written_otherwise_find_their_agency(seeded):
    by_code = _office([["101", "", 520]], header=["کد دستگاه", "نام دستگاه", "تعهد ۱۴۰۵"])
    result = await import_rows(seeded, by_code)
    assert result.ok, result.errors
    assert result.updated["commitment"] == 1 and result.created["agency"] == 0
    before = await _agencies(seeded)
    # «اداره جهاد کشاورزی» is «جهاد کشاورزی نیشابور» (county and «اداره» aside); «بانک ک» is found by its rep.
    loose = _office(
        [
            ["اداره جهاد کشاورزی", "نیشابور", 400, "رضا کریمی", "09125555555"],
            ["شعبه بانک کشاورزی", "مشهد", 300, "علی رضایی", "09122222222"],
        ]
    )
    result = await import_rows(seeded, loose, dry_run=True)
    assert result.ok and result.created["agency"] == 0, [c.label for c in result.changes]
    assert [w.key for w in result.warnings] == ["matched", "matched"]
    assert await _agencies(seeded) == before  # nothing renamed, nothing added


async def test_one_rep_on_a_sheet_per_year_is_one_person_and_two_people_on_one_phone_are_refused(seeded):
    import io as _io

    from models import roster_file

    wb = Workbook()
    wb.remove(wb.active)
    for year in ("۱۴۰۵", "۱۴۰۶"):
        sheet = wb.create_sheet(year)
        sheet.append(["نام دستگاه", "شهرستان", f"تعهد {year}", "نماینده", "تلفن همراه"])
        sheet.append(["جهاد کشاورزی مشهد", "مشهد", 500, "مریم احمدی", "09121111111"])
    out = _io.BytesIO()
    wb.save(out)
    result = await import_rows(seeded, roster_file.read(out.getvalue(), "x.xlsx", 1405), year=1405)
    assert result.ok, [str(e) for e in result.errors]
    assert [w.key for w in result.warnings] == ["other_year"]  # 1406 is not the reporting year
    two = _office(
        [
            ["جهاد کشاورزی مشهد", "مشهد", 500, "مریم", "09121111111"],
            ["بانک کشاورزی مشهد", "مشهد", 300, "علی", "09121111111"],
        ]
    )
    result = await import_rows(seeded, two)
    assert [e.key for e in result.errors] == ["phone_twice"]


async def test_an_admin_with_a_scope_imports_within_it(seeded):
    async with seeded.session() as s:
        mashhad = (await s.execute(select(Region.id).where(Region.name == "مشهد"))).scalar_one()
    rows = _office(
        [
            ["جهاد کشاورزی مشهد", "مشهد", 510, None, None],
            ["جهاد کشاورزی نیشابور", "نیشابور", 450, None, None],
        ]
    )
    result = await import_rows(seeded, rows, within=frozenset({mashhad}))
    assert [(e.key, e.row) for e in result.errors] == [("outside_scope", 3)]
    assert await count(seeded, Commitment) == 4 and result.created["commitment"] == 0


async def test_three_thousand_new_agencies_are_resolved_at_once(seeded):
    from models.importer import _Codes

    codes = _Codes({"101", "201"}, {"مشهد": ["101"], "نیشابور": ["201"]})
    made = [codes.next("مشهد") for _ in range(3000)]
    assert made[:2] == ["102", "103"] and len(set(made)) == 3000 and "201" not in made
    rows = _office(
        [[f"دستگاه {n}", "مشهد", n] for n in range(1, 3001)], header=["نام دستگاه", "شهرستان", "تعهد"]
    )
    result = await import_rows(seeded, rows, dry_run=True)
    assert result.ok and result.created["agency"] == 3000


async def test_two_imports_at_once_give_distinct_codes_and_one_province(seeded):
    import asyncio

    first = _office([["شیلات سبزوار", "سبزوار", 60, None, None]], title="a")
    second = _office([["منابع طبیعی سبزوار", "سبزوار", 70, None, None]], title="b")
    for rows in (first, second):  # a new county of a province named by its county alone: add the province
        for _, _, values in rows.rows["agencies"]:
            values["province"] = "خراسان رضوی"
    results = await asyncio.gather(import_rows(seeded, first), import_rows(seeded, second))
    assert all(r.ok for r in results), [[str(e) for e in r.errors] for r in results]
    codes = [c for r in results for c in r.new_codes]
    assert len(set(codes)) == 2
    async with seeded.session() as s:
        provinces = (await s.execute(select(Region).where(Region.kind == "province"))).scalars().all()
        counties = (await s.execute(select(Region).where(Region.name == "سبزوار"))).scalars().all()
    assert len(provinces) == 1 and len(counties) == 1
