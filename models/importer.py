"""Importing agencies, commitments and people from .xlsx or .csv. All or nothing: any invalid row
is reported with its row number and reason, and then nothing from the file is written."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import text
from models import audit
from models.db import Database
from models.phone import normalize_phone
from models.schema import ROLES, Agency, Commitment, CountyCommitment, Person, Region
from models.textnorm import cell_text, search_key, to_ascii_digits

COLUMNS = {
    "agencies": ("code", "name", "county", "province"),
    "commitments": ("agency_code", "year", "target"),
    "people": ("name", "phone", "role", "agency_code", "scope", "active"),
    "county_commitments": ("county", "province", "year", "target"),
}
MAX_LENGTH = {"code": 40, "agency_code": 40, "name": 200, "county": 100, "province": 100, "scope": 110}
ACTIVE_VALUES = {
    "": True,
    "yes": True,
    "true": True,
    "1": True,
    "بله": True,
    "فعال": True,
    "no": False,
    "false": False,
    "0": False,
    "خیر": False,
    "غیرفعال": False,
}
REQUIRED = {
    "agencies": {"code", "name", "county", "province"},
    "commitments": {"agency_code", "year", "target"},
    "people": {"name", "phone", "role"},
    "county_commitments": {"county", "province", "year", "target"},
}
ROLE_ALIASES = {"نماینده": "rep", "ناظر": "supervisor", "معاون": "supervisor", "کارشناس": "supervisor"}
ROLE_ALIASES |= {"مدیر": "admin", **{r: r for r in ROLES}}
PROVINCE_PREFIXES = ("province:", "استان ")
COUNTY_PREFIXES = ("county:", "شهرستان ")
TARGET_MAX = 10_000_000


def _english(key: str, values: dict[str, Any]) -> str:
    """Operators at the command line read English; chat users read their own language (locales/)."""
    return text("en", f"imports.{key}").format(**values)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (type, sheets, headers); `key` names the text."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = key, values
        super().__init__(_english(f"file.{key}", values))


@dataclass
class RowError:
    sheet: str
    row: int
    key: str  # imports.errors.<key> in locales
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return _english(f"errors.{self.key}", self.values)

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}: {self.reason}"


@dataclass(frozen=True)
class ScopeProblem:
    key: str  # unknown_scope | ambiguous_scope
    values: dict[str, Any]

    def __str__(self) -> str:
        return _english(f"errors.{self.key}", self.values)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors


Rows = dict[str, list[tuple[int, dict[str, str]]]]


def _rows_from_table(table: list[list[Any]], sheet: str) -> list[tuple[int, dict[str, str]]]:
    if not table:
        return []
    header = [cell_text(h).lower() for h in table[0]]
    missing = REQUIRED[sheet] - set(header)
    if missing:
        raise ImportFileError("missing_columns", sheet=sheet, columns=", ".join(sorted(missing)))
    rows = []
    for number, values in enumerate(table[1:], start=2):
        row = {h: cell_text(v) for h, v in zip(header, values, strict=False) if h}
        if any(row.values()):
            rows.append((number, row))
    return rows


def read_file(path: Path) -> Rows:
    return read_bytes(path.read_bytes(), path.name)


def read_bytes(content: bytes, name: str) -> Rows:
    """Read an .xlsx (sheets named agencies / commitments / people) or a .csv (kind from its header)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise ImportFileError("not_xlsx", error=exc.__class__.__name__) from None
        rows: Rows = {}
        for sheet in workbook.sheetnames:
            kind = sheet.strip().lower()
            if kind in COLUMNS:
                rows[kind] = _rows_from_table(
                    [list(r) for r in workbook[sheet].iter_rows(values_only=True)], kind
                )
        workbook.close()
        if not rows:
            raise ImportFileError("no_sheets")
        return rows
    if suffix == ".csv":
        try:
            decoded = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("not_utf8") from None
        table = list(csv.reader(io.StringIO(decoded)))
        if not table:
            raise ImportFileError("empty")
        header = {cell_text(h).lower() for h in table[0]}
        for kind, required in REQUIRED.items():
            if (
                required <= header
                and (kind != "people" or "code" not in header)
                and (kind != "county_commitments" or "code" not in header)
            ):
                return {kind: _rows_from_table(table, kind)}
        raise ImportFileError("header", expected="; ".join(",".join(c) for c in COLUMNS.values()))
    raise ImportFileError("type")


@dataclass
class _RegionIndex:
    """Provinces and counties known in the database plus those the file introduces."""

    provinces: dict[str, Region | str] = field(default_factory=dict)
    counties: dict[tuple[str, str], Region | str] = field(default_factory=dict)

    def resolve_scope(self, scope: str) -> tuple[str, tuple[str, ...]] | ScopeProblem:
        text = scope.strip()
        lowered = text.lower()
        kinds = ("province", "county")
        for prefixes, kind in ((PROVINCE_PREFIXES, "province"), (COUNTY_PREFIXES, "county")):
            for prefix in prefixes:
                if lowered.startswith(prefix):
                    text, kinds = text[len(prefix) :], (kind,)
        key = search_key(text)
        matches: list[tuple[str, tuple[str, ...]]] = []
        if "province" in kinds and key in self.provinces:
            matches.append(("province", (key,)))
        if "county" in kinds:
            matches += [("county", k) for k in self.counties if k[1] == key]
        if not matches:
            return ScopeProblem("unknown_scope", {"value": scope})
        if len(matches) > 1:
            return ScopeProblem("ambiguous_scope", {"value": scope, "name": text})
        return matches[0]


async def _region_index(session: AsyncSession) -> _RegionIndex:
    index = _RegionIndex()
    regions = (await session.execute(select(Region))).scalars().all()
    by_id = {r.id: r for r in regions}
    for region in regions:
        if region.kind == "province":
            index.provinces[region.name_key] = region
    for region in regions:
        if region.kind == "county" and region.parent_id in by_id:
            index.counties[(by_id[region.parent_id].name_key, region.name_key)] = region
    return index


def _int(value: str) -> int | None:
    raw = to_ascii_digits(value).replace(",", "").replace("٬", "").strip()
    return int(raw) if re.fullmatch(r"-?[0-9]{1,12}", raw) else None


def _length_errors(sheet: str, number: int, row: dict[str, str]) -> list[RowError]:
    return [
        RowError(sheet, number, "too_long", {"column": column, "limit": limit})
        for column, limit in MAX_LENGTH.items()
        if len(row.get(column, "")) > limit
    ]


def _validate(rows: Rows, known_agencies: set[str], index: _RegionIndex) -> list[RowError]:
    errors: list[RowError] = []
    file_agencies: set[str] = set()
    for sheet, sheet_rows in rows.items():
        for number, row in sheet_rows:
            errors += _length_errors(sheet, number, row)
    for number, row in rows.get("agencies", []):
        code = to_ascii_digits(row.get("code", ""))
        for column in ("code", "name", "county", "province"):
            if not row.get(column):
                errors.append(RowError("agencies", number, "empty", {"column": column}))
        if code and code in file_agencies:
            errors.append(RowError("agencies", number, "agency_twice", {"code": code}))
        if code:
            file_agencies.add(code)
        if row.get("county") and row.get("province"):
            pkey = search_key(row["province"])
            index.provinces.setdefault(pkey, row["province"])
            index.counties.setdefault((pkey, search_key(row["county"])), row["county"])
    agencies = known_agencies | file_agencies
    seen_commitments: set[tuple[str, int]] = set()
    for number, row in rows.get("commitments", []):
        code = to_ascii_digits(row.get("agency_code", ""))
        year, target = _int(row.get("year", "")), _int(row.get("target", ""))
        if code not in agencies:
            errors.append(RowError("commitments", number, "unknown_agency", {"code": code}))
        if year is None or not 1390 <= year <= 1500:
            errors.append(RowError("commitments", number, "bad_year", {"value": row.get("year", "")}))
        if target is None:
            errors.append(RowError("commitments", number, "bad_target", {"value": row.get("target", "")}))
        elif not 0 <= target <= TARGET_MAX:
            errors.append(
                RowError("commitments", number, "target_range", {"target": target, "maximum": TARGET_MAX})
            )
        if year is not None and (code, year) in seen_commitments:
            errors.append(RowError("commitments", number, "commitment_twice", {"code": code, "year": year}))
        seen_commitments.add((code, year or 0))
    seen_counties: set[tuple[str, str, int]] = set()
    for number, row in rows.get("county_commitments", []):
        key = (search_key(row.get("province", "")), search_key(row.get("county", "")))
        year, target = _int(row.get("year", "")), _int(row.get("target", ""))
        if key not in index.counties:
            errors.append(
                RowError(
                    "county_commitments",
                    number,
                    "unknown_county",
                    {"county": row.get("county", ""), "province": row.get("province", "")},
                )
            )
        if year is None or not 1390 <= year <= 1500:
            errors.append(RowError("county_commitments", number, "bad_year", {"value": row.get("year", "")}))
        if target is None or not 0 <= target <= TARGET_MAX:
            errors.append(
                RowError("county_commitments", number, "county_target", {"value": row.get("target", "")})
            )
        if (*key, year or 0) in seen_counties:
            errors.append(RowError("county_commitments", number, "county_twice"))
        seen_counties.add((*key, year or 0))
    phones: set[str] = set()
    for number, row in rows.get("people", []):
        if not row.get("name"):
            errors.append(RowError("people", number, "empty", {"column": "name"}))
        phone = normalize_phone(row.get("phone", ""))
        if phone is None:
            errors.append(RowError("people", number, "bad_phone", {"value": row.get("phone", "")}))
        elif phone in phones:
            errors.append(RowError("people", number, "phone_twice"))
        else:
            phones.add(phone)
        role = ROLE_ALIASES.get(row.get("role", "").lower())
        if role is None:
            errors.append(RowError("people", number, "unknown_role", {"value": row.get("role", "")}))
        if row.get("active", "").lower() not in ACTIVE_VALUES:
            errors.append(RowError("people", number, "bad_active", {"value": row["active"]}))
        code = to_ascii_digits(row.get("agency_code", ""))
        if role == "rep" and code not in agencies:
            if code:
                errors.append(RowError("people", number, "unknown_agency", {"code": code}))
            else:
                errors.append(RowError("people", number, "rep_needs_agency"))
        if role == "supervisor" and not row.get("scope"):
            errors.append(RowError("people", number, "supervisor_needs_scope"))
        if role in ("supervisor", "admin") and row.get("scope"):
            resolved = index.resolve_scope(row["scope"])
            if isinstance(resolved, ScopeProblem):
                errors.append(RowError("people", number, resolved.key, resolved.values))
    return errors


async def _region(session: AsyncSession, index: _RegionIndex, province: str, county: str | None) -> Region:
    pkey = search_key(province)
    found = index.provinces.get(pkey)
    if not isinstance(found, Region):
        found = Region(kind="province", name=province, name_key=pkey)
        session.add(found)
        await session.flush()
        index.provinces[pkey] = found
    if county is None:
        return found
    ckey = (pkey, search_key(county))
    region = index.counties.get(ckey)
    if not isinstance(region, Region):
        region = Region(kind="county", name=county, name_key=ckey[1], parent_id=found.id)
        session.add(region)
        await session.flush()
        index.counties[ckey] = region
    return region


def _changes(entity: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(entity, k) for k, v in values.items() if getattr(entity, k) != v}


class _DryRun(Exception):
    """Raised inside a preview's transaction so that it is rolled back."""


async def import_rows(
    db: Database, rows: Rows, actor: str = "cli:import", *, dry_run: bool = False
) -> ImportResult:
    """Validate, then write everything in one transaction (nothing when any row is invalid). With
    dry_run, the same counts of what would be created, updated or left unchanged, and nothing kept."""
    result = ImportResult()
    try:
        await _import(db, rows, actor, result, dry_run)
    except _DryRun:
        pass
    return result


async def _import(db: Database, rows: Rows, actor: str, result: ImportResult, dry_run: bool) -> None:
    async with db.write() as session:
        agencies = {a.code: a for a in (await session.execute(select(Agency))).scalars()}
        index = await _region_index(session)
        result.errors = _validate(rows, set(agencies), index)
        if result.errors:
            return  # nothing written: the transaction ends without changes

        async def upsert(kind: str, entity: Any, key: dict[str, Any], values: dict[str, Any]) -> Any:
            if entity is None:
                model = {
                    "agency": Agency,
                    "commitment": Commitment,
                    "person": Person,
                    "county_commitment": CountyCommitment,
                }[kind]
                entity = model(**key, **values)
                session.add(entity)
                await session.flush()
                result.created[kind] += 1
                audit.record(
                    session,
                    actor=actor,
                    action=f"{kind}.create",
                    entity=kind,
                    entity_id=getattr(entity, "id", None),
                    after={**key, **values},
                )
                return entity
            before = _changes(entity, values)
            if not before:
                result.unchanged[kind] += 1
                return entity
            for name, value in values.items():
                setattr(entity, name, value)
            result.updated[kind] += 1
            audit.record(
                session,
                actor=actor,
                action=f"{kind}.update",
                entity=kind,
                entity_id=getattr(entity, "id", None),
                before=before,
                after={k: values[k] for k in before},
            )
            return entity

        for _, row in rows.get("agencies", []):
            code = to_ascii_digits(row["code"])
            county = await _region(session, index, row["province"], row["county"])
            values = {"name": row["name"], "county_id": county.id}
            agencies[code] = await upsert("agency", agencies.get(code), {"code": code}, values)

        for _, row in rows.get("commitments", []):
            agency = agencies[to_ascii_digits(row["agency_code"])]
            year, target = _int(row["year"]), _int(row["target"])
            existing = (
                await session.execute(
                    select(Commitment).where(Commitment.agency_id == agency.id, Commitment.year == year)
                )
            ).scalar_one_or_none()
            await upsert("commitment", existing, {"agency_id": agency.id, "year": year}, {"target": target})

        for _, row in rows.get("county_commitments", []):
            county = await _region(session, index, row["province"], row["county"])
            year = _int(row["year"])
            existing = await session.get(CountyCommitment, (county.id, year))
            await upsert(
                "county_commitment",
                existing,
                {"region_id": county.id, "year": year},
                {"target": _int(row["target"])},
            )

        for _, row in rows.get("people", []):
            phone = normalize_phone(row["phone"])
            role = ROLE_ALIASES[row["role"].lower()]
            code = to_ascii_digits(row.get("agency_code", ""))
            scope_id = None
            if role in ("supervisor", "admin") and row.get("scope"):
                kind, key = index.resolve_scope(row["scope"])  # type: ignore[misc]
                if kind == "province":
                    scope_id = (await _region(session, index, _name(index.provinces[key[0]]), None)).id
                else:
                    pkey, ckey = key
                    province, county = index.provinces[pkey], index.counties[(pkey, ckey)]
                    scope_id = (await _region(session, index, _name(province), _name(county))).id
            values = {
                "name": row["name"],
                "role": role,
                "agency_id": agencies[code].id if role == "rep" else None,
                "scope_region_id": scope_id,
                "active": ACTIVE_VALUES[row.get("active", "").lower()],
            }
            existing = (
                await session.execute(select(Person).where(Person.phone == phone))
            ).scalar_one_or_none()
            await upsert("person", existing, {"phone": phone}, values)
        if dry_run:
            raise _DryRun


def _name(region: Region | str) -> str:
    return region.name if isinstance(region, Region) else region


async def import_file(db: Database, path: Path, actor: str = "cli:import") -> ImportResult:
    return await import_rows(db, read_file(path), actor)
