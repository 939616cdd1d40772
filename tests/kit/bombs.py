"""Hostile spreadsheets, built in memory and tiny on disk: the files an adversarial rep could send.

A `Repeated` member is a real deflate stream of `times` copies of `block`, made by compressing two
copies with sync flushes and repeating the second one's compressed bytes (before each copy the window
holds the end of the copy before, as it did when the second was compressed), so a gigabyte of XML costs
about a megabyte and no time to build. The zip is written by hand around it, with true sizes and CRC:
exactly what a reader would get from a real bomb."""

from __future__ import annotations

import functools
import struct
import zlib
from dataclasses import dataclass

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


@dataclass(frozen=True)
class Repeated:
    head: bytes
    block: bytes
    times: int
    tail: bytes


@dataclass(frozen=True)
class Raw:
    """A member written as given: its bytes, compression method, declared size, CRC and flag bits (a
    size that lies, bzip2, the encrypted flag)."""

    data: bytes
    method: int
    size: int
    crc: int = 0
    flags: int = 0


def _deflate(member: bytes | Repeated) -> tuple[bytes, int, int]:
    """(compressed, uncompressed size, crc32)."""
    if isinstance(member, bytes):
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return packer.compress(member) + packer.flush(), len(member), zlib.crc32(member)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(member.head) + packer.flush(zlib.Z_SYNC_FLUSH)
    first = packer.compress(member.block) + packer.flush(zlib.Z_SYNC_FLUSH)
    # From the second copy on, the window before each copy is the end of the one before: the same bytes.
    again = packer.compress(member.block) + packer.flush(zlib.Z_SYNC_FLUSH)
    tail = packer.compress(member.tail) + packer.flush()
    data = head + first + again * (member.times - 1) + tail
    crc = zlib.crc32(member.head)
    for _ in range(member.times):
        crc = zlib.crc32(member.block, crc)
    crc = zlib.crc32(member.tail, crc)
    size = len(member.head) + len(member.block) * member.times + len(member.tail)
    return data, size, crc


def xlsx(
    sheet: bytes | Repeated | Raw,
    shared_strings: bytes | Repeated | None = None,
    workbook: bytes | Raw = WORKBOOK,
    rels: bytes = RELS,
) -> bytes:
    members: dict[str, bytes | Repeated | Raw] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": rels,
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    return _zip(members)


def _zip(members: dict[str, bytes | Repeated | Raw]) -> bytes:
    out, central = bytearray(), bytearray()
    for name, member in members.items():
        method, flags = 8, 0
        if isinstance(member, Raw):
            data, size, crc, method, flags = member.data, member.size, member.crc, member.method, member.flags
        else:
            data, size, crc = _deflate(member)
        encoded = name.encode()
        zip64 = size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if zip64 else b""
        shown_size, shown_packed = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (size, len(data))
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            45,
            flags,
            method,
            0,
            0,
            crc,
            shown_packed,
            shown_size,
            len(encoded),
            len(extra),
        )
        out += encoded + extra + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            45,
            45,
            flags,
            method,
            0,
            0,
            crc,
            shown_packed,
            shown_size,
            len(encoded),
            len(extra),
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded + extra
    start = len(out)
    out += central
    count = min(len(members), 0xFFFF)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    return bytes(out)


@functools.cache
def tall_row(number: int = 2_000_000_000) -> bytes:
    """One header row, then one row numbered `number`: openpyxl yields every row in between."""
    return xlsx(
        SHEET_HEAD
        + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        + f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>'.encode()
        + b"</sheetData></worksheet>"
    )


@functools.cache
def declared_everything(row: int = 1_000_000) -> bytes:
    """A dimension of the whole grid and one row far down (the roster import's hole)."""
    return xlsx(
        SHEET_HEAD
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        + f'<row r="{row}"><c r="XFD{row}"><v>1</v></c></row>'.encode()
        + b"</sheetData></worksheet>"
    )


@functools.cache
def huge_shared_string(gib: float = 1.0) -> bytes:
    """One shared string of `gib` gibibytes in about a megabyte."""
    block = b"A" * (1024 * 1024)
    strings = Repeated(
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>",
        block,
        int(gib * 1024),
        b"</t></si></sst>",
    )
    sheet = SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    return xlsx(sheet, strings)


@functools.cache
def blank_rows(gigabytes: float = 2.0) -> bytes:
    """Gigabytes of empty rows (numbered in order, so no single row is far off)."""
    block = b"<row/>" * 100_000  # rows without r: each is the next number
    return xlsx(
        Repeated(
            SHEET_HEAD + b"<sheetData>", block, int(gigabytes * 1e9 / len(block)), b"</sheetData></worksheet>"
        )
    )


def many_rows(rows: int, cells: int = 1) -> bytes:
    """Rows numbered in order, each of `cells` short cells: ordinary XML that passes the archive checks."""
    body = b"".join(
        f'<row r="{n}">'.encode()
        + b"".join(f"<c><v>{n * 7 + i}</v></c>".encode() for i in range(cells))
        + b"</row>"
        for n in range(1, rows + 1)
    )
    return xlsx(SHEET_HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>")


def bzip2_lie(megabytes: int = 50) -> bytes:
    """The workbook part as bzip2 declaring 100 bytes: Python unpacks bzip2 and LZMA whole before cutting
    to the declared size, so a kilobyte file would take gigabytes."""
    import bz2

    packer = bz2.BZ2Compressor(9)
    data = b"".join(packer.compress(b" " * (1 << 20)) for _ in range(megabytes)) + packer.flush()
    return xlsx(SHEET_HEAD + b"<sheetData/></worksheet>", workbook=Raw(data, 12, 100))


def encrypted() -> bytes:
    return xlsx(Raw(b"\x00" * 64, 8, 64, flags=1))


def corrupt_deflate() -> bytes:
    return xlsx(Raw(b"\xff" * 64, 8, 1000, crc=1))


def many_sheets(count: int = 300) -> bytes:
    """A workbook listing `count` sheets, all the same part."""
    listed = b"".join(f'<sheet name="s{n}" sheetId="{n}" r:id="rId1"/>'.encode() for n in range(count))
    workbook = WORKBOOK.replace(b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', listed)
    return xlsx(SHEET_HEAD + b"<sheetData/></worksheet>", workbook=workbook)


def long_comment(megabytes: int = 5) -> bytes:
    """One XML comment of megabytes (ordinary XML otherwise): expat would hold and rescan it."""
    return xlsx(Repeated(SHEET_HEAD + b"<!--", b"x" * (1 << 20), megabytes, b"--><sheetData/></worksheet>"))


def huge_merge_ref() -> bytes:
    return xlsx(
        SHEET_HEAD
        + b'<sheetData><row r="1"><c t="inlineStr"><is><t>a</t></is></c></row></sheetData>'
        + b'<mergeCells><mergeCell ref="A1:A'
        + b"9" * 5000
        + b'"/></mergeCells></worksheet>'
    )
