"""Reading spreadsheets people send (.xlsx, .csv) within budgets, so that no file can stall or exhaust the
bot: a row numbered two billion, a gigabyte of shared string or of blank rows in a small zip is refused
early with a reason, never expanded.

openpyxl believes the file (it yields every missing row up to the highest row number and loads every
shared string whole), so .xlsx is read here with expat, streaming each part out of the zip and counting as
it goes: only non-empty rows are kept, and the parse stops at the first budget passed. The zip's own
directory is checked before anything is decompressed. Dates are not converted: nothing read here needs
them, and their cells read as the number Excel stores."""

from __future__ import annotations

import bisect
import codecs
import csv
import functools
import io
import posixpath
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from models.textnorm import cell_text

CHUNK = 64 * 1024
MAX_TOKEN = 1024 * 1024  # bytes an XML token may span (a cell of 32,767 characters is ~130 KB)
MAX_CSV_FIELDS = 1000  # separators on one line of a CSV
MAX_SHEETS = 256  # sheets and relationships a workbook may list
# What a damaged or hostile zip or XML may raise while it is read: all of it is "not a readable file".
UNREADABLE = (
    expat.ExpatError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    OSError,
    MemoryError,
    OverflowError,
)


@dataclass(frozen=True)
class Limits:
    """What one file may hold. Defaults suit the largest legitimate file, a 20,000-row list."""

    max_bytes: int = 20 * 1024 * 1024  # the file as sent
    max_rows: int = 20_000  # non-empty rows kept, over all sheets read
    max_columns: int = 30  # cells further right are ignored
    max_row_number: int = 100_000  # a row numbered beyond this is refused, however empty the rest
    max_cells: int = 2_000_000  # <c> elements parsed, empty ones included
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_text_chars: int = 20_000_000  # all kept cells together (a cell may repeat a long shared string)
    max_entries: int = 500  # members of the zip
    max_part_bytes: int = 200 * 1024 * 1024  # one member, uncompressed
    max_total_bytes: int = 400 * 1024 * 1024  # every member, uncompressed
    max_ratio: int = 100  # uncompressed / compressed, for members over 1 MB uncompressed
    max_strings: int = 1_000_000  # shared strings
    max_string_chars: int = 10_000_000  # all shared strings together
    seconds: float = 60.0  # the whole read


class FileProblem(ValueError):
    """The file cannot be used as a whole. `reason` names the text (files.<reason> in locales); `values`
    fill it."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells), non-empty only
    merged: list[str] = field(default_factory=list)  # merged ranges ("C4:C12"), when asked for

    def table(self) -> list[list[str]]:
        return [cells for _, cells in self.rows]

    def fill_down(self, below: int, max_columns: int) -> None:
        """Each range merged over several rows read in every kept row it covers that is numbered after
        `below` (a header row, and ranges within one row such as a title, are left alone)."""
        _fill_down(self, self.merged, max_columns, below)


class _Budget:
    def __init__(self, limits: Limits, deadline: float | None) -> None:
        self.limits = limits
        self.deadline = deadline if deadline is not None else time.monotonic() + limits.seconds
        self.rows = 0
        self.cells = 0
        self.chars = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise FileProblem("too_slow")

    def keep_row(self) -> None:
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise FileProblem("too_many_rows", limit=self.limits.max_rows)

    def cell(self) -> None:
        self.cells += 1
        if self.cells > self.limits.max_cells:
            raise FileProblem("too_many_cells")

    def text(self, value: object) -> str:
        """A kept cell as clean text, counted against the budget of kept characters."""
        if isinstance(value, str) and len(value) > self.limits.max_cell_chars:
            raise FileProblem("cell_too_long", limit=self.limits.max_cell_chars)
        text = cell_text(value)
        self.chars += len(text)
        if self.chars > self.limits.max_text_chars:
            raise FileProblem("too_many_cells")
        return text


def read(
    content: bytes,
    file_name: str,
    limits: Limits = Limits(),  # frozen: one shared default is safe
    *,
    sheets: Callable[[list[str]], list[str]] | None = None,
    deadline: float | None = None,
    merged: bool = False,
) -> list[Sheet]:
    """The sheets of an .xlsx (`sheets` picks which by name; default the first) or the one table of a .csv.
    Cells are clean text (cell_text); rows with nothing in them are left out. With `merged`, each sheet's
    merged ranges are kept (`Sheet.fill_down` copies a cell merged down over several rows into each).
    Raises FileProblem."""
    if len(content) > limits.max_bytes:
        raise FileProblem("too_big", limit=limits.max_bytes // (1024 * 1024))
    budget = _Budget(limits, deadline)
    suffix = posixpath.splitext(file_name.lower())[1]
    if suffix == ".xlsx":
        return _Xlsx(content, budget, merged).read(sheets)
    if suffix == ".csv":
        return [_read_csv(content, budget, posixpath.splitext(posixpath.basename(file_name))[0] or "csv")]
    raise FileProblem("type")


def _check_entry_count(content: bytes, limit: int) -> None:
    """The zip's entry count from its end record, before Python's reader builds an object per entry."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if end < 0 or len(content) < end + 22:
        raise FileProblem("type")
    (entries,) = struct.unpack("<H", content[end + 10 : end + 12])
    if entries > limit:  # 0xFFFF (a ZIP64 archive) is past any limit here too
        raise FileProblem("archive")


# --- csv --------------------------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1256: what Excel saves on a Persian
    Windows ("CSV" without "UTF-8")."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem("encoding") from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1256")
    except UnicodeDecodeError:
        raise FileProblem("encoding") from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "،")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(content: bytes, budget: _Budget, name: str) -> Sheet:
    text = decode_text(content).replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac lines
    if "\x00" in text:
        raise FileProblem("type")
    limits = budget.limits
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    if max((line.count(delimiter) for line in text.split("\n")), default=0) > MAX_CSV_FIELDS:
        raise FileProblem("too_many_cells")  # the csv module would build the whole row first
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    sheet = Sheet(name)
    csv.field_size_limit(limits.max_cell_chars + 1)
    try:
        for row in reader:
            if reader.line_num > limits.max_row_number:
                raise FileProblem("rows_too_far", limit=limits.max_row_number)
            if reader.line_num % 1000 == 0:
                budget.tick()
            cells = [budget.text(value) for value in row[: limits.max_columns]]
            if any(cells):
                budget.keep_row()
                sheet.rows.append((reader.line_num, cells))
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise FileProblem("cell_too_long", limit=limits.max_cell_chars) from None
        raise FileProblem("type") from None
    return sheet


# --- xlsx -------------------------------------------------------------------------------------------

_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


@functools.lru_cache(maxsize=256)
def _local(name: str) -> str:
    """An element's name without its namespace (a workbook uses a few dozen names, read a million times)."""
    return name.rsplit(" ", 1)[-1]


class _Parser:
    """An expat parser that streams one zip member through handlers, refusing DTDs and entities."""

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.ExternalEntityRefHandler = self._refuse
        self.parser.buffer_text = True

    @staticmethod
    def _refuse(*_: object) -> int:
        raise FileProblem("type")

    def run(self, archive: zipfile.ZipFile, member: str) -> None:
        fed = 0
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    self.budget.tick()
                    self.parser.Parse(chunk, False)
                    fed += len(chunk)
                    # expat keeps an unfinished token (a comment, an attribute) whole and scans it again
                    # with every chunk: a token this long is no spreadsheet's.
                    if fed - max(self.parser.CurrentByteIndex, 0) > MAX_TOKEN:
                        raise FileProblem("archive")
                self.parser.Parse(b"", True)
        except FileProblem:
            raise
        except UNREADABLE:
            raise FileProblem("type") from None


class _Xlsx:
    def __init__(self, content: bytes, budget: _Budget, merged: bool = False) -> None:
        self.budget, self.limits, self.merged = budget, budget.limits, merged
        _check_entry_count(content, self.limits.max_entries)
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(content))
            infos = self.archive.infolist()
        except UNREADABLE:
            raise FileProblem("type") from None
        self._check_archive(infos)
        self.names = {info.filename for info in infos}

    def _check_archive(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        if len(infos) > limits.max_entries:
            raise FileProblem("archive")
        total = 0
        for info in infos:
            # Only deflate bounds its output by the declared size as it goes; bzip2 and LZMA would unpack a
            # member whole first. Excel writes deflate (and stores some parts); encryption is no workbook's.
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
                raise FileProblem("archive")
            size, packed = info.file_size, max(info.compress_size, 1)
            total += size
            if size > limits.max_part_bytes or total > limits.max_total_bytes:
                raise FileProblem("archive")
            if size > 1024 * 1024 and size / packed > limits.max_ratio:
                raise FileProblem("archive")

    def read(self, choose: Callable[[list[str]], list[str]] | None) -> list[Sheet]:
        workbook = self._sheet_paths()
        names = [name for name, _ in workbook]
        wanted = choose(names) if choose is not None else names[:1]
        strings = self._shared_strings()
        paths = dict(workbook)
        return [self._sheet(name, paths[name], strings) for name in wanted]

    def _xml(
        self,
        member: str,
        start: Callable[..., None],
        end: Callable[..., None] | None = None,
        data: Callable[[str], None] | None = None,
    ) -> None:
        parser = _Parser(self.budget)
        parser.parser.StartElementHandler = start
        if end is not None:
            parser.parser.EndElementHandler = end
        if data is not None:
            parser.parser.CharacterDataHandler = data
        parser.run(self.archive, member)

    def _sheet_paths(self) -> list[tuple[str, str]]:
        """(sheet name, member) in the workbook's order."""
        if "xl/workbook.xml" not in self.names:
            raise FileProblem("type")
        targets: dict[str, str] = {}
        sheets: list[tuple[str, str]] = []

        def relation(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
                if len(targets) >= MAX_SHEETS:
                    raise FileProblem("archive")
                target = attrs["Target"]
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[attrs["Id"]] = path

        def sheet(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "sheet":
                if len(sheets) >= MAX_SHEETS:
                    raise FileProblem("archive")
                if attrs.get("state", "visible") == "visible":  # a hidden sheet holds lookups, not data
                    sheets.append((attrs.get("name", ""), attrs.get(f"{_REL_NS} id", "")))

        if "xl/_rels/workbook.xml.rels" in self.names:
            self._xml("xl/_rels/workbook.xml.rels", relation)
        self._xml("xl/workbook.xml", sheet)
        found = [(name, targets.get(rid, "")) for name, rid in sheets]
        found = list(dict.fromkeys((name, path) for name, path in found if path in self.names))
        if not found:
            raise FileProblem("type")
        return found

    def _shared_strings(self) -> list[str]:
        member = "xl/sharedStrings.xml"
        if member not in self.names:
            return []
        limits = self.limits
        strings: list[str] = []
        parts: list[str] = []
        state = {"in_t": False, "skip": 0, "chars": 0, "current": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "si":
                parts.clear()
                state["current"] = 0
            elif local in ("rPh", "phoneticPr"):
                state["skip"] += 1
            elif local == "t" and not state["skip"]:
                state["in_t"] = True

        def end(name: str) -> None:
            local = _local(name)
            if local == "t":
                state["in_t"] = False
            elif local in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif local == "si":
                strings.append("".join(parts))
                if len(strings) > limits.max_strings:
                    raise FileProblem("too_many_cells")

        def data(text: str) -> None:
            if state["in_t"]:
                state["current"] += len(text)
                state["chars"] += len(text)
                if state["current"] > limits.max_cell_chars:
                    raise FileProblem("cell_too_long", limit=limits.max_cell_chars)
                if state["chars"] > limits.max_string_chars:
                    raise FileProblem("archive")
                parts.append(text)

        self._xml(member, start, end, data)
        return strings

    def _sheet(self, sheet_name: str, member: str, strings: list[str]) -> Sheet:
        limits, budget = self.limits, self.budget
        sheet = Sheet(sheet_name)
        row: dict[int, object] = {}
        cell: dict[str, object] = {}
        text: list[str] = []
        state = {"row": 0, "column": -1, "collect": False, "in_is": False, "length": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "row":
                number = int(attrs["r"]) if attrs.get("r", "").isdigit() else state["row"] + 1
                if number > limits.max_row_number or number <= 0:
                    raise FileProblem("rows_too_far", limit=limits.max_row_number)
                state["row"], state["column"] = number, -1
                row.clear()
            elif local == "c":
                budget.cell()
                match = _CELL_REF.match(attrs.get("r", ""))
                state["column"] = _column_index(match.group(1)) if match else state["column"] + 1
                cell.clear()
                cell["type"] = attrs.get("t", "n")
                text.clear()
                state["length"] = 0
            elif local == "is":
                state["in_is"] = True
            elif local in ("v", "t") and (local == "v" or state["in_is"]):
                state["collect"] = True
            elif local == "dimension":
                _check_dimension(attrs.get("ref", ""))
            elif local == "mergeCell" and self.merged:
                sheet.merged.append(attrs.get("ref", ""))
                if len(sheet.merged) > MAX_MERGED:
                    raise FileProblem("too_many_cells")

        def end(name: str) -> None:
            local = _local(name)
            if local in ("v", "t"):
                state["collect"] = False
            elif local == "is":
                state["in_is"] = False
            elif local == "c":
                column = state["column"]
                if 0 <= column < limits.max_columns:
                    value = _value(str(cell["type"]), "".join(text), strings)
                    if value not in ("", None):
                        row[column] = value
            elif local == "row":
                if row:
                    width = max(row) + 1
                    cells = [budget.text(row.get(i)) for i in range(width)]
                    if any(cells):
                        budget.keep_row()
                        sheet.rows.append((state["row"], cells))

        def data(chunk: str) -> None:
            if state["collect"]:
                state["length"] += len(chunk)
                if state["length"] > limits.max_cell_chars:
                    raise FileProblem("cell_too_long", limit=limits.max_cell_chars)
                text.append(chunk)

        def _check_dimension(ref: str) -> None:
            """The declared range is never used to size anything; an impossible one marks a forged file."""
            last = ref.split(":")[-1]
            match = _CELL_REF.match(last)
            if match and (int(match.group(2)) > 1_048_576 or _column_index(match.group(1)) >= 16_384):
                raise FileProblem("type")

        self._xml(member, start, end, data)
        return sheet


MAX_MERGED = 10_000
MAX_FILLS = 1_000_000


def _fill_down(sheet: Sheet, refs: list[str], max_columns: int, below: int = 0) -> None:
    """Copy the value of each range merged over several rows into the kept rows it covers (ranges within
    one row, such as a title across the columns, are left alone). Work is bounded by the kept rows."""
    rows = dict(sheet.rows)
    numbers = sorted(rows)
    work = 0
    for ref in refs:
        first, _, last = ref.partition(":")
        a, b = _CELL_REF.match(first), _CELL_REF.match(last)
        if a is None or b is None:
            continue
        top, bottom = int(a.group(2)), int(b.group(2))
        left, right = _column_index(a.group(1)), min(_column_index(b.group(1)), max_columns - 1)
        source = rows.get(top)
        if bottom <= top or source is None:
            continue
        index = bisect.bisect_right(numbers, max(top, below))
        while index < len(numbers) and numbers[index] <= bottom:
            cells = rows[numbers[index]]
            index += 1
            for column in range(left, right + 1):
                work += 1
                if work > MAX_FILLS:
                    raise FileProblem("too_many_cells")
                if column < len(source) and source[column]:
                    cells.extend([""] * (column + 1 - len(cells)))
                    if not cells[column]:
                        cells[column] = source[column]


def _value(kind: str, raw: str, strings: list[str]) -> object:
    if kind == "s":
        if not raw.strip().isdigit():
            return ""
        index = int(raw)
        return strings[index] if index < len(strings) else ""
    if kind in ("inlineStr", "str", "e", "d"):
        return raw
    if kind == "b":
        return raw.strip() == "1"
    raw = raw.strip()
    if not raw:
        return ""
    try:
        number = float(raw)
    except ValueError:
        return raw
    if number.is_integer() and abs(number) < 1e16:
        return int(number)
    return number


def iter_rows(sheets: list[Sheet]) -> Iterator[tuple[str, int, list[str]]]:
    for sheet in sheets:
        for number, cells in sheet.rows:
            yield sheet.name, number, cells
