"""Importing agencies, commitments and people (models.roster_file reads the file). All or nothing: any
invalid row is reported with its sheet, row number and reason, and then nothing from the file is written.

Every import runs the same way, previewed or applied: resolve (agencies without a code matched by name
within their county, or given a new code), validate, then write in one transaction while recording each
change field by field and what deserves a warning. A preview rolls that transaction back; Apply may pass
the digest of the preview's changes and is rolled back, writing nothing, when the changes differ."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from locales import text
from models import audit, roster_file
from models.db import Database
from models.phone import normalize_phone
from models.roster_file import RosterRows, Skipped
from models.schema import ROLES, Agency, Commitment, CountyCommitment, Person, Region
from models.sheets import FileProblem
from models.textnorm import has_visible, search_key, to_ascii_digits

MAX_LENGTH = {"code": 40, "agency_code": 40, "name": 200, "county": 100, "province": 100, "scope": 110}
ACTIVE_VALUES = {
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
ROLE_ALIASES = {"نماینده": "rep", "ناظر": "supervisor", "معاون": "supervisor", "کارشناس": "supervisor"}
ROLE_ALIASES |= {"مدیر": "admin", **{r: r for r in ROLES}}
PROVINCE_PREFIXES = ("province:", "استان ")
COUNTY_PREFIXES = ("county:", "شهرستان ")
TARGET_MAX = 10_000_000
JUMP = 0.2  # a commitment changed by more than this share of its old value is a warning


def _english(key: str, values: dict[str, Any]) -> str:
    """Operators at the command line read English; chat users read their own language (locales/)."""
    return text("en", f"imports.{key}").format(**values)


@dataclass
class RowError:
    sheet: str
    row: int
    key: str  # imports.errors.<key> in locales
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        values = dict(self.values)
        if "column" in values:
            values["column"] = text("en", f"imports.columns.{values['column']}")
        return _english(f"errors.{self.key}", values)

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}: {self.reason}"


@dataclass(frozen=True)
class ScopeProblem:
    key: str  # unknown_scope | ambiguous_scope
    values: dict[str, Any]

    def __str__(self) -> str:
        return _english(f"errors.{self.key}", self.values)


@dataclass
class Change:
    """One record created or updated. `label` names it (code and name, person and phone…), `fields` are
    (field, before, after) as shown to people: names, not ids; before is None for a new record."""

    kind: str  # agency | commitment | county_commitment | person
    action: str  # create | update
    label: dict[str, Any]
    fields: list[tuple[str, Any, Any]]
    group: str = ""  # changes of one agency (its record and its commitments) share a group

    def as_json(self) -> list[Any]:
        return [self.kind, self.action, self.label, [list(f) for f in self.fields]]


@dataclass
class Warning:
    key: str  # imports.warnings.<key> in locales
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    new_codes: list[str] = field(default_factory=list)  # codes given to agencies the file named without one
    stale: bool = False  # Apply found other changes than the preview showed: nothing was written

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stale

    @property
    def digest(self) -> str:
        body = json.dumps(
            [c.as_json() for c in self.changes], ensure_ascii=False, sort_keys=True, default=str
        )
        return hashlib.sha256(body.encode()).hexdigest()


Row = tuple[str, int, dict[str, str]]
Rows = dict[str, list[Row]]


def _as_rows(rows: RosterRows | dict[str, list[Any]]) -> tuple[Rows, list[Skipped]]:
    """The rows by kind as (sheet, row, values); the import format's (row, values) pairs are accepted."""
    if isinstance(rows, RosterRows):
        return rows.rows, rows.skipped
    out: Rows = {}
    for kind, items in rows.items():
        out[kind] = [item if len(item) == 3 else (kind, item[0], item[1]) for item in items]
    return out, []


def read_file(path: Path, default_year: int | None = None) -> RosterRows:
    return roster_file.read(path.read_bytes(), path.name, default_year=default_year)


@dataclass
class _RegionIndex:
    """Provinces and counties known in the database plus those the file introduces."""

    provinces: dict[str, Region | str] = field(default_factory=dict)
    counties: dict[tuple[str, str], Region | str] = field(default_factory=dict)

    def resolve_scope(self, scope: str) -> tuple[str, tuple[str, ...]] | ScopeProblem:
        raw = scope.strip()
        lowered = raw.lower()
        kinds: tuple[str, ...] = ("province", "county")
        for prefixes, kind in ((PROVINCE_PREFIXES, "province"), (COUNTY_PREFIXES, "county")):
            for prefix in prefixes:
                if lowered.startswith(prefix):
                    raw, kinds = raw[len(prefix) :], (kind,)
        key = search_key(raw)
        matches: list[tuple[str, tuple[str, ...]]] = []
        if "province" in kinds and key in self.provinces:
            matches.append(("province", (key,)))
        if "county" in kinds:
            matches += [("county", k) for k in self.counties if k[1] == key]
        if not matches:
            return ScopeProblem("unknown_scope", {"value": scope})
        if len(matches) > 1:
            return ScopeProblem("ambiguous_scope", {"value": scope, "name": raw})
        return matches[0]

    def provinces_of_county(self, county: str) -> list[str]:
        key = search_key(county)
        return [_name(self.provinces[p]) for p, c in self.counties if c == key and p in self.provinces]


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
    """A whole number as offices type it: any digits, thousands separators, «۳۵۰ نفر»."""
    raw = to_ascii_digits(value).replace(",", "").replace("٬", "").strip()
    for unit in ("نفر", "شغل"):
        raw = raw.removesuffix(unit).strip()
    return int(raw) if re.fullmatch(r"-?[0-9]{1,12}", raw) else None


_FILLERS = ("ادارهکل", "اداره", "سازمان", "شعبه", "مدیریت", "شهرستان", "شهرداری")


def _loose_key(name: str, county_key: str) -> str:
    """A name without its county and the words offices add or drop («اداره جهاد کشاورزی» and «جهاد
    کشاورزی نیشابور» alike), to match an agency whose name the sheet writes otherwise."""
    key = search_key(name).replace(county_key, "")
    for word in _FILLERS:
        key = key.replace(word, "")
    return key


class _Codes:
    """New agencies' codes, shaped like their county's codes (N01…N12 → N13; 201, 202 → 203), else after
    every numeric code; never one taken. Each county's shape is worked out once."""

    def __init__(self, taken: set[str], by_county: dict[str, list[str]]) -> None:
        self.taken = taken
        self.numeric = max((int(c) for c in taken if c.isdigit() and len(c) <= 12), default=0)
        self.shapes: dict[str, tuple[str, int, int]] = {}
        for county, codes in by_county.items():
            found = Counter((m.group(1), len(m.group(2))) for c in codes if (m := _CODE.fullmatch(c)))
            if found:
                (prefix, width), _ = max(found.items(), key=lambda item: (item[1], item[0]))
                top = max(
                    int(m.group(2)) for c in codes if (m := _CODE.fullmatch(c)) and m.group(1) == prefix
                )
                self.shapes[county] = (prefix, width, top)

    def next(self, county: str) -> str:
        prefix, width, top = self.shapes.get(county, ("", 0, self.numeric))
        number = top + 1
        while (code := f"{prefix}{number:0{width}d}") in self.taken:
            number += 1
        self.taken.add(code)
        if county in self.shapes:
            self.shapes[county] = (prefix, width, number)
        else:
            self.numeric = max(self.numeric, number)
        return code


_CODE = re.compile(r"([^0-9]*)([0-9]{1,12})")


def _next_code(taken: set[str], county_codes: list[str]) -> str:
    return _Codes(set(taken), {"": county_codes}).next("")


def _resolve(
    rows: Rows,
    agencies: dict[str, Agency],
    index: _RegionIndex,
    counties: dict[str, tuple[str, str]],
    rep_agency: dict[str, str],
) -> tuple[list[str], list[Warning]]:
    """Fill what office sheets leave out, in place. A known code without a county keeps its county. An
    agency's province comes from its county when only one province has a county of that name. An agency
    without a code is the one of the same name in its county, else the one its rep already belongs to, else
    the one whose name differs only by the county and words such as «اداره» (its name then stays as it
    is), else a new one with a new code. Commitments and people of a row take their agency's code.
    Returns the codes given and what deserves a word in the preview."""
    warnings: list[Warning] = []
    by_name: dict[tuple[str, str], str] = {}
    loose: dict[tuple[str, str], list[str]] = {}
    by_county: dict[str, list[str]] = {}
    for code in sorted(agencies, key=lambda c: agencies[c].id or 0):
        county_key = search_key(counties[code][0]) if code in counties else ""
        by_name.setdefault((county_key, search_key(agencies[code].name)), code)
        loose.setdefault((county_key, _loose_key(agencies[code].name, county_key)), []).append(code)
        by_county.setdefault(county_key, []).append(code)
    taken = set(agencies) | {to_ascii_digits(v.get("code", "")) for _, _, v in rows.get("agencies", [])}
    codes = _Codes(taken, by_county)
    phones_of_row: dict[str, list[str]] = {}
    for _, _, values in rows.get("people", []):
        phone = normalize_phone(values.get("phone", ""))
        if phone and values.get("agency_row"):
            phones_of_row.setdefault(values["agency_row"], []).append(phone)
    given: list[str] = []
    codes_of_rows: dict[str, str] = {}
    for sheet, number, values in rows.get("agencies", []):
        code = to_ascii_digits(values.get("code", ""))
        if code in counties and not values.get("county"):
            values["county"], values["province"] = counties[code]
        if code in agencies and not values.get("name"):  # a sheet of codes and commitments
            values["name"] = agencies[code].name
        if not values.get("county") and values.get("county_hint"):
            values["county"] = _county_in_title(values["county_hint"], index)
        if values.get("county") and not values.get("province"):
            provinces = index.provinces_of_county(values["county"])
            if len(set(provinces)) == 1:
                values["province"] = provinces[0]
        if not code and values.get("name") and values.get("county"):
            county_key = search_key(values["county"])
            key = (county_key, search_key(values["name"]))
            found = by_name.get(key)
            if found is None:
                found = _matched(
                    values,
                    county_key,
                    phones_of_row.get(f"{sheet}:{number}", []),
                    rep_agency,
                    counties,
                    loose,
                    agencies,
                    warnings,
                )
                if found is None:
                    found = codes.next(county_key)
                    given.append(found)
                by_name[key] = found
            values["code"] = code = found
        codes_of_rows[f"{sheet}:{number}"] = values.get("code", "")
    for kind in ("commitments", "people"):
        for _, _, values in rows.get(kind, []):
            if not values.get("agency_code") and values.get("agency_row"):
                values["agency_code"] = codes_of_rows.get(values["agency_row"], "")
    return given, warnings


def _matched(
    values: dict[str, str],
    county_key: str,
    phones: list[str],
    rep_agency: dict[str, str],
    counties: dict[str, tuple[str, str]],
    loose: dict[tuple[str, str], list[str]],
    agencies: dict[str, Agency],
    warnings: list[Warning],
) -> str | None:
    """An existing agency the row means though its name differs: its rep's, or the one whose name differs
    only by the county and words such as «اداره». Its stored name is kept, and the preview says so."""
    found = None
    for phone in phones:
        code = rep_agency.get(phone)
        if code is not None and code in counties and search_key(counties[code][0]) == county_key:
            found = code
            break
    if found is None:
        candidates = loose.get((county_key, _loose_key(values["name"], county_key)), [])
        found = candidates[0] if len(candidates) == 1 else None
    if found is not None:
        warnings.append(
            Warning("matched", {"code": found, "name": agencies[found].name, "written": values["name"]})
        )
        values["name"] = agencies[found].name
    return found


def _county_in_title(words: str, index: _RegionIndex) -> str:
    """The first one to three words of a title after «شهرستان» that name a known county; else all of them
    (the reader has cut the title's own words and the year: «تربت حیدریه»)."""
    parts = words.split()
    known = {county for _, county in index.counties}
    for count in (3, 2, 1):
        candidate = " ".join(parts[:count])
        if len(parts) >= count and search_key(candidate) in known:
            return candidate
    return " ".join(parts)


# What a row's column is called in messages (imports.columns.<name>): "name" is an agency's or a person's.
COLUMN_NAMES = {
    ("agencies", "name"): "agency_name",
    ("people", "name"): "person_name",
    ("agencies", "code"): "code",
    ("commitments", "agency_code"): "code",
    ("people", "agency_code"): "code",
}


def _length_errors(kind: str, sheet: str, number: int, row: dict[str, str]) -> list[RowError]:
    return [
        RowError(
            sheet, number, "too_long", {"column": COLUMN_NAMES.get((kind, column), column), "limit": limit}
        )
        for column, limit in MAX_LENGTH.items()
        if len(row.get(column, "")) > limit
    ]


def _validate(rows: Rows, known_agencies: set[str], index: _RegionIndex) -> list[RowError]:
    errors: list[RowError] = []
    file_agencies: dict[str, tuple[str, ...]] = {}
    for kind, sheet_rows in rows.items():
        for sheet, number, row in sheet_rows:
            errors += _length_errors(kind, sheet, number, row)
    for sheet, number, row in rows.get("agencies", []):
        code = to_ascii_digits(row.get("code", ""))
        if not row.get("name") or not has_visible(row["name"]):
            errors.append(RowError(sheet, number, "empty", {"column": "agency_name"}))
        if not row.get("county"):
            errors.append(RowError(sheet, number, "no_county"))
        elif not row.get("province"):
            errors.append(RowError(sheet, number, "no_province", {"county": row["county"]}))
        if not code and row.get("name") and row.get("county"):
            errors.append(RowError(sheet, number, "empty", {"column": "code"}))
        same = tuple(search_key(row.get(k, "")) for k in ("name", "county", "province"))
        if code and code in file_agencies and file_agencies[code] != same:
            errors.append(RowError(sheet, number, "agency_twice", {"code": code}))
        if code:
            file_agencies[code] = same
        if row.get("county") and row.get("province"):
            pkey = search_key(row["province"])
            index.provinces.setdefault(pkey, row["province"])
            index.counties.setdefault((pkey, search_key(row["county"])), row["county"])
    agencies = known_agencies | set(file_agencies)
    seen_commitments: dict[tuple[str, int], int | None] = {}
    for sheet, number, row in rows.get("commitments", []):
        code = to_ascii_digits(row.get("agency_code", ""))
        year, target = _int(row.get("year", "")), _int(row.get("target", ""))
        if code not in agencies:
            errors.append(RowError(sheet, number, "unknown_agency", {"code": code}))
        if year is None or not 1390 <= year <= 1500:
            errors.append(RowError(sheet, number, "bad_year", {"value": row.get("year", "")}))
        if target is None:
            errors.append(RowError(sheet, number, "bad_target", {"value": row.get("target", "")}))
        elif not 0 <= target <= TARGET_MAX:
            errors.append(RowError(sheet, number, "target_range", {"target": target, "maximum": TARGET_MAX}))
        seen_key = (code, year or 0)
        if year is not None and seen_key in seen_commitments and seen_commitments[seen_key] != target:
            errors.append(RowError(sheet, number, "commitment_twice", {"code": code, "year": year}))
        seen_commitments[seen_key] = target
    seen_counties: set[tuple[str, str, int]] = set()
    for sheet, number, row in rows.get("county_commitments", []):
        county_key = (search_key(row.get("province", "")), search_key(row.get("county", "")))
        year, target = _int(row.get("year", "")), _int(row.get("target", ""))
        if county_key not in index.counties:
            errors.append(
                RowError(
                    sheet,
                    number,
                    "unknown_county",
                    {"county": row.get("county", ""), "province": row.get("province", "")},
                )
            )
        if year is None or not 1390 <= year <= 1500:
            errors.append(RowError(sheet, number, "bad_year", {"value": row.get("year", "")}))
        if target is None or not 0 <= target <= TARGET_MAX:
            errors.append(RowError(sheet, number, "county_target", {"value": row.get("target", "")}))
        if (*county_key, year or 0) in seen_counties:
            errors.append(RowError(sheet, number, "county_twice"))
        seen_counties.add((*county_key, year or 0))
    phones: dict[str, tuple[str, str]] = {}
    for sheet, number, row in rows.get("people", []):
        if not row.get("name") or not has_visible(row["name"]):
            errors.append(RowError(sheet, number, "empty", {"column": "person_name"}))
        phone = normalize_phone(row.get("phone", ""))
        if phone is None:
            errors.append(RowError(sheet, number, "bad_phone", {"value": row.get("phone", "")}))
        else:
            same = (search_key(row.get("name", "")), to_ascii_digits(row.get("agency_code", "")))
            if phone in phones and phones[phone] != same:  # one person twice is fine, two people are not
                errors.append(RowError(sheet, number, "phone_twice", {"value": row.get("phone", "")}))
            phones.setdefault(phone, same)
        role = ROLE_ALIASES.get(search_key(row.get("role", "")))
        if role is None:
            errors.append(RowError(sheet, number, "unknown_role", {"value": row.get("role", "")}))
        if search_key(row.get("active", "")) not in ("", *ACTIVE_VALUES):
            errors.append(RowError(sheet, number, "bad_active", {"value": row["active"]}))
        code = to_ascii_digits(row.get("agency_code", ""))
        if role == "rep" and code not in agencies:
            if code:
                errors.append(RowError(sheet, number, "unknown_agency", {"code": code}))
            else:
                errors.append(RowError(sheet, number, "rep_needs_agency"))
        if role == "supervisor" and not row.get("scope"):
            errors.append(RowError(sheet, number, "supervisor_needs_scope"))
        if role in ("supervisor", "admin") and row.get("scope"):
            resolved = index.resolve_scope(row["scope"])
            if isinstance(resolved, ScopeProblem):
                errors.append(RowError(sheet, number, resolved.key, resolved.values))
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


IMPORT_LOCK = 0x52415344  # the advisory lock of imports on PostgreSQL ("RASD")


def _outside(
    rows: Rows, within: frozenset[int], agencies: dict[str, Agency], index: _RegionIndex
) -> list[RowError]:
    """An admin of a county or province imports within it: agencies of its counties, reps of them,
    supervisors of its regions, and no admin."""
    errors = []
    for sheet, number, row in rows.get("agencies", []):
        region = index.counties.get((search_key(row.get("province", "")), search_key(row.get("county", ""))))
        if not isinstance(region, Region) or region.id not in within:
            errors.append(RowError(sheet, number, "outside_scope", {"value": row.get("county", "")}))
    for kind in ("commitments", "people"):
        for sheet, number, row in rows.get(kind, []):
            agency = agencies.get(to_ascii_digits(row.get("agency_code", "")))
            if agency is not None and agency.county_id not in within:
                errors.append(RowError(sheet, number, "outside_scope", {"value": agency.name}))
    for sheet, number, row in rows.get("people", []):
        role = ROLE_ALIASES.get(search_key(row.get("role", "")))
        scope = (
            index.resolve_scope(row["scope"])
            if role in ("supervisor", "admin") and row.get("scope")
            else None
        )
        region = None
        if isinstance(scope, tuple):
            kind, key = scope
            found = (
                index.provinces.get(key[0]) if kind == "province" else index.counties.get((key[0], key[-1]))
            )
            region = found if isinstance(found, Region) else None
        if role == "admin" or (
            scope is not None and (not isinstance(region, Region) or region.id not in within)
        ):
            errors.append(
                RowError(
                    sheet, number, "outside_scope", {"value": row.get("scope", "") or row.get("role", "")}
                )
            )
    return errors


class _DryRun(Exception):
    """Raised inside a preview's transaction so that it is rolled back."""


class _Stale(Exception):
    """Raised inside Apply's transaction when its changes differ from the preview's."""


async def import_rows(
    db: Database,
    rows: RosterRows | dict[str, list[Any]],
    actor: str = "cli:import",
    *,
    dry_run: bool = False,
    expect: str | None = None,
    year: int | None = None,
    within: frozenset[int] | None = None,
) -> ImportResult:
    """Validate, then write everything in one transaction (nothing when any row is invalid). With dry_run,
    the same changes, counts and warnings, and nothing kept. With `expect` (a preview's digest), nothing is
    kept either unless the changes are the ones that preview showed (`stale` tells). `year`: the reporting
    year (a commitment for another year is pointed out); `within`: the county ids an admin with a scope
    may import into (None: anywhere)."""
    by_kind, skipped = _as_rows(rows)
    result = ImportResult(skipped=list(skipped))
    try:
        await _import(db, by_kind, actor, result, dry_run, expect, year, within)
    except _DryRun:
        pass
    except _Stale:
        result.stale = True
    return result


class _Writer:
    """The upserts of one import, recording what each changes."""

    def __init__(self, session: AsyncSession, actor: str, result: ImportResult) -> None:
        self.session, self.actor, self.result = session, actor, result
        self._created: list[tuple[str, Any, dict[str, Any]]] = []

    async def flush(self) -> None:
        """Write what was created (one statement batch, not a round trip per row) and audit it with its id."""
        await self.session.flush()
        for kind, entity, after in self._created:
            audit.record(
                self.session,
                actor=self.actor,
                action=f"{kind}.create",
                entity=kind,
                entity_id=getattr(entity, "id", None),
                after=after,
            )
        self._created.clear()

    async def upsert(
        self,
        kind: str,
        entity: Any,
        key: dict[str, Any],
        values: dict[str, Any],
        label: dict[str, Any],
        shown: dict[str, tuple[Any, Any]],
        group: str = "",
    ) -> Any:
        """Create or update; `shown` gives each field's (before, after) as people read it."""
        model = {
            "agency": Agency,
            "commitment": Commitment,
            "person": Person,
            "county_commitment": CountyCommitment,
        }
        if entity is None:
            entity = model[kind](**key, **values)
            self.session.add(entity)
            self._created.append((kind, entity, {**key, **values}))
            self.result.created[kind] += 1
            fields = [(name, None, after) for name, (_, after) in shown.items() if after not in (None, "")]
            self.result.changes.append(Change(kind, "create", label, fields, group))
            return entity
        before = {k: getattr(entity, k) for k, v in values.items() if getattr(entity, k) != v}
        if not before:
            self.result.unchanged[kind] += 1
            return entity
        for name, value in values.items():
            setattr(entity, name, value)
        self.result.updated[kind] += 1
        audit.record(
            self.session,
            actor=self.actor,
            action=f"{kind}.update",
            entity=kind,
            entity_id=getattr(entity, "id", None),
            before=before,
            after={k: values[k] for k in before},
        )
        fields = [(name, b, a) for name, (b, a) in shown.items() if b != a]
        self.result.changes.append(Change(kind, "update", label, fields, group))
        return entity


async def _import(
    db: Database,
    rows: Rows,
    actor: str,
    result: ImportResult,
    dry_run: bool,
    expect: str | None,
    year: int | None,
    within: frozenset[int] | None,
) -> None:
    async with db.write() as session:
        if not db.is_sqlite:  # one import at a time: two would give the same new code or region twice
            await session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
        agencies = {a.code: a for a in (await session.execute(select(Agency).order_by(Agency.id))).scalars()}
        index = await _region_index(session)
        regions = {r.id: r for r in (await session.execute(select(Region))).scalars()}
        counties = {
            code: (regions[a.county_id].name, regions[parent].name)
            for code, a in agencies.items()
            if a.county_id in regions
            and (parent := regions[a.county_id].parent_id) is not None
            and parent in regions
        }
        code_of = {a.id: code for code, a in agencies.items()}
        rep_agency = {
            phone: code_of[agency_id]
            for phone, agency_id in await session.execute(
                select(Person.phone, Person.agency_id).where(
                    Person.role == "rep", Person.agency_id.is_not(None)
                )
            )
            if phone and agency_id in code_of
        }
        result.new_codes, matched = _resolve(rows, agencies, index, counties, rep_agency)
        result.warnings += matched
        result.errors = _validate(rows, set(agencies), index)
        if within is not None:
            outside = {(e.sheet, e.row): e for e in _outside(rows, within, agencies, index)}
            result.errors += outside.values()
        result.errors.sort(key=lambda e: (e.sheet, e.row))
        if result.errors:
            return  # nothing written: the transaction ends without changes
        writer = _Writer(session, actor, result)
        warn = result.warnings.append

        def region_name(region_id: int | None) -> str | None:
            return regions[region_id].name if region_id in regions else None

        done: set[str] = set()
        for _, _, row in rows.get("agencies", []):
            code = to_ascii_digits(row["code"])
            if code in done:
                continue  # the same agency on another row (a second rep): written once
            done.add(code)
            county = await _region(session, index, row["province"], row["county"])
            regions[county.id] = county
            existing = agencies.get(code)
            old_name = existing.name if existing else None
            old_county = region_name(existing.county_id) if existing else None
            agencies[code] = await writer.upsert(
                "agency",
                existing,
                {"code": code},
                {"name": row["name"], "county_id": county.id},
                {"code": code, "name": row["name"]},
                {"name": (old_name, row["name"]), "county": (old_county, county.name)},
                group=code,
            )
            if existing is not None and search_key(old_name or "") != search_key(row["name"]):
                warn(Warning("renamed", {"code": code, "before": old_name, "after": row["name"]}))
            if existing is not None and old_county is not None and old_county != county.name:
                warn(
                    Warning(
                        "moved",
                        {"code": code, "name": row["name"], "before": old_county, "after": county.name},
                    )
                )

        commitments = {
            (c.agency_id, c.year): c for c in (await session.execute(select(Commitment))).scalars()
        }
        seen: set[tuple[str, int | None]] = set()
        other_years: set[int] = set()
        for _, _, row in rows.get("commitments", []):
            code = to_ascii_digits(row["agency_code"])
            agency = agencies[code]
            target_year, target = _int(row["year"]), _int(row["target"])
            if (code, target_year) in seen:
                continue  # the agency on another row (a second rep): its commitment once
            seen.add((code, target_year))
            if year is not None and target_year is not None and target_year != year:
                other_years.add(target_year)
            commitment = commitments.get((agency.id, target_year or 0))
            before = commitment.target if commitment else None
            if commitment is not None and before == target:
                result.unchanged["commitment"] += 1
                continue
            await writer.upsert(
                "commitment",
                commitment,
                {"agency_id": agency.id, "year": target_year},
                {"target": target},
                {"code": code, "name": agency.name, "year": target_year},
                {"target": (before, target)},
                group=code,
            )
            if before and target is not None and abs(target - before) > before * JUMP:
                values = {
                    "code": code,
                    "name": agency.name,
                    "year": target_year,
                    "before": before,
                    "after": target,
                }
                warn(Warning("target_jump", values))
        for other in sorted(other_years):
            warn(Warning("other_year", {"year": other, "current": year}))

        for _, _, row in rows.get("county_commitments", []):
            county = await _region(session, index, row["province"], row["county"])
            year, target = _int(row["year"]), _int(row["target"])
            county_target = await session.get(CountyCommitment, (county.id, year))
            await writer.upsert(
                "county_commitment",
                county_target,
                {"region_id": county.id, "year": year},
                {"target": target},
                {"name": county.name, "year": year},
                {"target": (county_target.target if county_target else None, target)},
            )

        await _people(session, writer, rows, agencies, index, regions, result)
        await writer.flush()
        _same_names(agencies, regions, result)
        if expect is not None and result.digest != expect:
            raise _Stale
        if dry_run:
            raise _DryRun


async def _people(
    session: AsyncSession,
    writer: _Writer,
    rows: Rows,
    agencies: dict[str, Agency],
    index: _RegionIndex,
    regions: dict[int, Region],
    result: ImportResult,
) -> None:
    by_id = {a.id: a for a in agencies.values()}

    def agency_label(agency_id: int | None) -> str | None:
        agency = by_id.get(agency_id) if agency_id is not None else None
        return f"{agency.code} {agency.name}" if agency is not None else None

    seen: set[str] = set()
    people = {p.phone: p for p in (await session.execute(select(Person))).scalars()}
    for _, _, row in rows.get("people", []):
        phone = normalize_phone(row["phone"])
        assert phone is not None  # validated
        if phone in seen:
            continue  # the same person on another sheet or row (validated: the same name and agency)
        seen.add(phone)
        existing = people.get(phone)
        role = ROLE_ALIASES[search_key(row["role"])]
        code = to_ascii_digits(row.get("agency_code", ""))
        if (
            existing is not None
            and existing.role != role
            and row.get("agency_row")
            and not row.get("role_given")
        ):
            # An office sheet lists people as its agencies' reps; it does not demote a supervisor.
            result.warnings.append(Warning("kept_role", {"name": existing.name, "role": existing.role}))
            result.unchanged["person"] += 1
            continue
        scope_id = None
        if role in ("supervisor", "admin") and row.get("scope"):
            kind, key = index.resolve_scope(row["scope"])  # type: ignore[misc]  # validated: not a problem
            if kind == "province":
                scope_id = (await _region(session, index, _name(index.provinces[key[0]]), None)).id
            else:
                pkey, ckey = key
                province, county = index.provinces[pkey], index.counties[(pkey, ckey)]
                scope_id = (await _region(session, index, _name(province), _name(county))).id
            scope_region = await session.get(Region, scope_id)
            if scope_region is not None:
                regions.setdefault(scope_id, scope_region)
        typed_active = search_key(row.get("active", ""))
        if typed_active:
            active = ACTIVE_VALUES[typed_active]
        else:  # no value: a new person is active, a deactivated one stays so
            active = existing.active if existing is not None else True
            if existing is not None and not existing.active:
                result.warnings.append(Warning("stays_inactive", {"name": existing.name, "phone": phone}))
        agency_id = agencies[code].id if role == "rep" else None
        values = {
            "name": row["name"],
            "role": role,
            "agency_id": agency_id,
            "scope_region_id": scope_id,
            "active": active,
        }
        old = existing
        shown: dict[str, tuple[Any, Any]] = {
            "name": (old.name if old else None, values["name"]),
            "role": (old.role if old else None, role),
            "agency": (agency_label(old.agency_id) if old else None, agency_label(agency_id)),
            "scope": (
                regions[old.scope_region_id].name if old and old.scope_region_id in regions else None,
                regions[scope_id].name if scope_id in regions else None,
            ),
            "active": (old.active if old else None, active),
        }
        if old is None:  # a new person is active, and most are reps: only what is not so is said
            shown = {
                k: v
                for k, v in shown.items()
                if not (k == "active" and active) and not (k == "role" and role == "rep")
            }
        if old is not None:
            if search_key(old.name) != search_key(row["name"]):
                result.warnings.append(
                    Warning("phone_taken", {"phone": phone, "before": old.name, "after": row["name"]})
                )
            if old.role == "rep" and role == "rep" and old.agency_id != values["agency_id"]:
                result.warnings.append(
                    Warning(
                        "person_moved",
                        {
                            "name": row["name"],
                            "before": shown["agency"][0] or "-",
                            "after": shown["agency"][1] or "-",
                        },
                    )
                )
            if old.role != role:
                result.warnings.append(
                    Warning("role_changed", {"name": row["name"], "before": old.role, "after": role})
                )
            if not old.active and active:
                result.warnings.append(Warning("reactivated", {"name": row["name"], "phone": phone}))
        await writer.upsert(
            "person",
            existing,
            {"phone": phone},
            values,
            {"name": row["name"], "phone": phone},
            shown,
        )


def _same_names(agencies: dict[str, Agency], regions: dict[int, Region], result: ImportResult) -> None:
    """Two agencies of one county with the same name after this import (one of them created or changed by
    it): a ranking would show both."""
    touched = {c.label.get("code") for c in result.changes if c.kind == "agency"}
    seen: dict[tuple[int, str], list[str]] = {}
    for code, agency in agencies.items():
        seen.setdefault((agency.county_id, search_key(agency.name)), []).append(code)
    for (county_id, _), codes in seen.items():
        if len(codes) > 1 and touched.intersection(codes):
            agency = agencies[codes[0]]
            county = regions[county_id].name if county_id in regions else "-"
            result.warnings.append(
                Warning(
                    "same_name", {"name": agency.name, "county": county, "codes": "، ".join(sorted(codes))}
                )
            )


def _name(region: Region | str) -> str:
    return region.name if isinstance(region, Region) else region


async def import_file(
    db: Database,
    path: Path,
    actor: str = "cli:import",
    *,
    dry_run: bool = False,
    default_year: int | None = None,
    year: int | None = None,
) -> ImportResult:
    return await import_rows(db, read_file(path, default_year), actor, dry_run=dry_run, year=year)


__all__ = ["FileProblem", "ImportResult", "RowError", "import_file", "import_rows", "read_file"]
