"""Streaming readers for line-based exports (CSV, JSONL) that never load a whole file.

Each physical line is decoded as UTF-8 on its own (strictly), so one bad byte spoils only
the record it sits in. A UTF-8 byte-order mark on the first line is dropped; CRLF and LF
line endings are both accepted. A file that starts with a UTF-16 or UTF-32 byte-order mark
is quarantined once, as a whole: none of its lines could be read.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import QuarantinedRecord
from .reasons import (
    EMPTY_FILE,
    MALFORMED_JSON,
    MISSING_COLUMNS,
    NOT_A_JSON_OBJECT,
    UNDECODABLE_BYTES,
    UNREADABLE_CSV_ROW,
    WRONG_FIELD_COUNT,
)


@dataclass(frozen=True)
class DecodedLine:
    number: int  # 1-based physical line number
    text: str  # with its line ending; undecodable bytes replaced by U+FFFD
    is_valid_utf8: bool


# UTF-32 LE's mark starts with UTF-16 LE's, so it is tried first.
FOREIGN_BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
NESTED_TOO_DEEPLY = "nested too deeply"
NON_FINITE_NUMBER = f"{MALFORMED_JSON}: NaN or Infinity is not a JSON number"
UNPAIRED_SURROGATE = f"{UNDECODABLE_BYTES}: unpaired surrogate escape in JSON"
FOREIGN_ENCODING_PREVIEW_BYTES = 4096


def foreign_encoding(data: bytes) -> str | None:
    """The Unicode encoding whose byte-order mark opens the bytes, unless it is UTF-8's."""
    return next((encoding for mark, encoding in FOREIGN_BYTE_ORDER_MARKS if data.startswith(mark)), None)


def foreign_encoding_reason(encoding: str) -> str:
    return f"{UNDECODABLE_BYTES}: {encoding} byte-order mark"


def _foreign_file(path: Path) -> tuple[str, str] | None:
    """(reason, first line decoded in its own encoding) for a file in a foreign encoding."""
    with path.open("rb") as handle:
        preview = handle.read(FOREIGN_ENCODING_PREVIEW_BYTES)
    encoding = foreign_encoding(preview)
    if encoding is None:
        return None
    lines = preview.decode(encoding.lower(), errors="replace").splitlines()
    return foreign_encoding_reason(encoding), lines[0] if lines else ""


def json_storage_problem(value: Any) -> str | None:
    """Why a parsed JSON value cannot be stored as JSON text in UTF-8, or None.

    Python's parser accepts NaN, Infinity and numbers beyond a double (read as infinity), and
    an escaped lone surrogate ("\\ud83d"); none of them can be written back as JSON in UTF-8.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return NON_FINITE_NUMBER
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return UNPAIRED_SURROGATE
    return None


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), False


def iter_decoded_lines(path: Path) -> Iterator[DecodedLine]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text, is_valid_utf8 = _decode(raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw)
            yield DecodedLine(number, text, is_valid_utf8)


def _strip_line_ending(text: str) -> str:
    return text.removesuffix("\n").removesuffix("\r")


# ---------------------------------------------------------------- JSON Lines

JSON_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class JsonLine:
    location: str
    raw_text: str
    value: dict[str, Any] | None  # None when `problem` says why the line is unusable
    problem: str | None


def _json_problem(line: DecodedLine) -> tuple[dict[str, Any] | None, str | None]:
    if not line.is_valid_utf8:
        return None, UNDECODABLE_BYTES
    try:
        # strict=False: a raw tab or NUL inside a string is kept for the cleaner to remove
        value = json.loads(_strip_line_ending(line.text), strict=False)
    except json.JSONDecodeError as error:
        return None, f"{MALFORMED_JSON}: {error}"
    except RecursionError:
        return None, f"{MALFORMED_JSON}: {NESTED_TOO_DEEPLY}"
    if not isinstance(value, dict):
        return None, f"{NOT_A_JSON_OBJECT}: found {type(value).__name__}"
    problem = json_storage_problem(value)
    return (None, problem) if problem else (value, None)


def iter_jsonl(path: Path) -> Iterator[JsonLine]:
    """One entry per non-blank line: the parsed object, or the reason it is unusable."""
    foreign = _foreign_file(path)
    if foreign is not None:
        reason, first_line = foreign
        yield JsonLine(path.name, first_line, None, reason)
        return
    for line in iter_decoded_lines(path):
        if not line.text.strip(JSON_WHITESPACE):
            continue
        value, problem = _json_problem(line)
        yield JsonLine(f"{path.name}:{line.number}", _strip_line_ending(line.text), value, problem)


# ---------------------------------------------------------------- CSV


@dataclass(frozen=True)
class CsvRecord:
    first_line: int
    raw_text: str  # the physical line(s) the record spans, as received
    fields: list[str]
    problem: str | None  # undecodable bytes or a csv module error


def iter_csv_records(path: Path, delimiter: str = ",") -> Iterator[CsvRecord]:
    """CSV records (a quoted field may span lines), each with the raw text it came from.

    ``csv.reader`` pulls exactly the lines one record needs, so the lines pulled since the
    previous record are this record's raw text. Blank lines are not records.
    """
    consumed: list[DecodedLine] = []

    def feed() -> Iterator[str]:
        for line in iter_decoded_lines(path):
            consumed.append(line)
            yield line.text

    reader = csv.reader(feed(), delimiter=delimiter)
    while True:
        problem: str | None = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            fields, problem = [], f"{UNREADABLE_CSV_ROW}: {error}"
        lines, consumed[:] = list(consumed), []
        if not lines or (not fields and problem is None):
            continue
        if problem is None and not all(line.is_valid_utf8 for line in lines):
            problem = UNDECODABLE_BYTES
        raw_text = _strip_line_ending("".join(line.text for line in lines))
        yield CsvRecord(lines[0].number, raw_text, fields, problem)


@dataclass(frozen=True)
class CsvRow:
    location: str
    raw_text: str
    values: dict[str, str]  # header -> cell


def iter_csv_rows(
    path: Path,
    source: str,
    required_columns: tuple[str, ...],
    delimiter: str = ",",
    id_column: str | None = None,
) -> Iterator[CsvRow | QuarantinedRecord]:
    """Rows of a headed CSV as dicts; unusable rows (and unusable files) come out quarantined.

    A quarantined row carries the cell under ``id_column`` as its source_record_id when the
    row has that many fields: a best guess that keeps the row traceable.

    A file whose header lacks a required column is quarantined once, as a whole: every row
    would fail the same way, and one entry says so more clearly than thousands. So is a file
    in a foreign encoding, and one with nothing but whitespace.
    """
    foreign = _foreign_file(path)
    if foreign is not None:
        reason, first_line = foreign
        yield QuarantinedRecord(source, path.name, reason, first_line)
        return
    records = iter_csv_records(path, delimiter)
    header_record = next(records, None)
    while header_record is not None and not header_record.problem and not "".join(header_record.fields).strip():
        header_record = next(records, None)  # lines of spaces before the header are not records
    if header_record is None:
        yield QuarantinedRecord(source, path.name, EMPTY_FILE, "")
        return
    header = [name.strip() for name in header_record.fields]
    missing = ", ".join(repr(column) for column in required_columns if column not in header)
    if header_record.problem or missing:
        reason = header_record.problem or f"{MISSING_COLUMNS}: {missing}"
        header_location = f"{path.name}:{header_record.first_line}"
        yield QuarantinedRecord(source, header_location, reason, header_record.raw_text)
        return
    id_index = header.index(id_column) if id_column in header else None
    for record in records:
        location = f"{path.name}:{record.first_line}"
        id_guess = _cell_at(record.fields, id_index)
        if record.problem:
            yield QuarantinedRecord(source, location, record.problem, record.raw_text, id_guess)
        elif len(record.fields) != len(header):
            reason = f"{WRONG_FIELD_COUNT}: expected {len(header)}, found {len(record.fields)}"
            yield QuarantinedRecord(source, location, reason, record.raw_text, id_guess)
        else:
            yield CsvRow(location, record.raw_text, dict(zip(header, record.fields, strict=True)))


def _cell_at(fields: list[str], index: int | None) -> str | None:
    cell = fields[index].strip() if index is not None and index < len(fields) else ""
    return cell or None
