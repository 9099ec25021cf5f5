"""The generic table connector: any CSV or JSONL export, mapped to feedback by configuration.

Example (a regulator's complaint database)::

    - name: cfpb_complaints
      kind: table
      path: exports/complaints.csv
      options:
        format: csv
        channel: ticket
        columns: {source_record_id: "Complaint ID", received_at: "Date received",
                  text: "Consumer complaint narrative", product: "Product", customer_id: null}
        metadata_columns: ["Issue", "Sub-issue", "State"]
        date_format: "%m/%d/%y"   # optional; default: ISO-8601 and common formats

``columns`` maps FeedbackRecord fields to source columns (null = not in this export). In
JSONL a column may be a dotted path into nested objects (``"user.id"``). Scores mapped to
``nps``/``csat`` are validated (0-10 / 1-5); text may be blank only when a score is present.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from .base import (
    CHANNELS,
    Channel,
    FeedbackRecord,
    QuarantinedRecord,
    ReadResult,
    SourceConfig,
)
from .dedup import DuplicateIdGuard
from .options import check_option_keys, config_error, optional_string_option, string_option
from .reasons import EMPTY_TEXT, EMPTY_TEXT_AND_NO_SCORE, RecordProblem
from .streams import CsvRow, iter_csv_rows, iter_jsonl
from .values import (
    CSAT_RANGE,
    NPS_RANGE,
    clean_text,
    has_content,
    optional_str,
    optional_timestamp,
    parse_score,
    parse_seconds,
    parse_timestamp,
    require_id,
)

TableFormat = Literal["csv", "jsonl"]
MAPPABLE_FIELDS: tuple[str, ...] = (
    "source_record_id",
    "received_at",
    "text",
    "customer_id",
    "updated_at",
    "nps",
    "csat",
    "product",
    "handle_time_s",
    "resolution_time_s",
    "language_hint",
)
REQUIRED_FIELDS: tuple[str, ...] = ("source_record_id", "received_at", "text")
TABLE_OPTIONS: tuple[str, ...] = (
    "format",
    "channel",
    "columns",
    "metadata_columns",
    "date_format",
    "delimiter",
)


@dataclass(frozen=True)
class TableLayout:
    format: TableFormat
    channel: Channel
    columns: dict[str, str]  # FeedbackRecord field -> source column (unmapped fields absent)
    metadata_columns: tuple[str, ...]
    date_format: str | None
    delimiter: str

    def source_columns(self) -> tuple[str, ...]:
        return (*self.columns.values(), *self.metadata_columns)


def _table_format(config: SourceConfig) -> TableFormat:
    default = "jsonl" if config.path.suffix.lower() in {".jsonl", ".ndjson"} else "csv"
    value = config.options.get("format", default)
    if value not in ("csv", "jsonl"):
        raise config_error(config, f"option 'format' must be 'csv' or 'jsonl', not {value!r}")
    return cast(TableFormat, value)


def _channel(config: SourceConfig) -> Channel:
    value = config.options.get("channel")
    if value not in CHANNELS:
        raise config_error(config, f"option 'channel' must be one of {list(CHANNELS)}, not {value!r}")
    return cast(Channel, value)


def _column_mapping(config: SourceConfig) -> dict[str, str]:
    columns = config.options.get("columns")
    if not isinstance(columns, dict):
        raise config_error(config, "option 'columns' must map record fields to source columns")
    unknown = sorted(set(columns) - set(MAPPABLE_FIELDS))
    if unknown:
        raise config_error(config, f"'columns' has unknown fields {unknown}; known: {list(MAPPABLE_FIELDS)}")
    mapping = {field: column for field, column in columns.items() if column is not None}
    if not all(isinstance(column, str) and column for column in mapping.values()):
        raise config_error(config, "every column in 'columns' must be a non-empty string or null")
    missing = [field for field in REQUIRED_FIELDS if field not in mapping]
    if missing:
        raise config_error(config, f"'columns' must map the required fields {missing}")
    return mapping


def _metadata_columns(config: SourceConfig) -> tuple[str, ...]:
    value = config.options.get("metadata_columns", [])
    if not isinstance(value, list) or not all(isinstance(column, str) and column for column in value):
        raise config_error(config, "option 'metadata_columns' must be a list of column names")
    return tuple(value)


def table_layout(config: SourceConfig) -> TableLayout:
    """Validate a table source's options (raising SourceConfigError) into a layout."""
    check_option_keys(config, TABLE_OPTIONS)
    delimiter = string_option(config, "delimiter", ",")
    if len(delimiter) != 1:
        raise config_error(config, "option 'delimiter' must be a single character")
    return TableLayout(
        format=_table_format(config),
        channel=_channel(config),
        columns=_column_mapping(config),
        metadata_columns=_metadata_columns(config),
        date_format=optional_string_option(config, "date_format"),
        delimiter=delimiter,
    )


def lookup(row: Mapping[str, Any], column: str) -> Any:
    """A row's value for a column; a dotted column walks nested objects when not a plain key."""
    if column in row:
        return row[column]
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


@dataclass(frozen=True)
class TableRow:
    location: str
    raw_text: str
    values: dict[str, Any]


class TableConnector:
    """Reads a CSV or JSONL export whose columns are mapped to FeedbackRecord fields."""

    path_kind = "file"

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.layout = table_layout(config)
        self.channel: Channel = self.layout.channel

    def read(self) -> Iterator[ReadResult]:
        duplicates = DuplicateIdGuard()
        for row in self._iter_table_rows():
            if isinstance(row, QuarantinedRecord):
                yield row
                continue
            try:
                yield duplicates.admit(self._record_from_row(row), row.raw_text)
            except RecordProblem as problem:
                record_id = optional_str(self._cell(row.values, "source_record_id"))
                yield QuarantinedRecord(
                    self.config.name, row.location, problem.reason, row.raw_text, record_id
                )

    def _iter_table_rows(self) -> Iterator[TableRow | QuarantinedRecord]:
        source, path = self.config.name, self.config.path
        if self.layout.format == "jsonl":
            for line in iter_jsonl(path):
                if line.value is None:
                    yield QuarantinedRecord(source, line.location, line.problem or "", line.raw_text)
                else:
                    yield TableRow(line.location, line.raw_text, line.value)
            return
        columns, id_column = self.layout.source_columns(), self.layout.columns["source_record_id"]
        for item in iter_csv_rows(path, source, columns, self.layout.delimiter, id_column):
            yield TableRow(item.location, item.raw_text, item.values) if isinstance(item, CsvRow) else item

    def _cell(self, values: Mapping[str, Any], field: str) -> Any:
        column = self.layout.columns.get(field)
        return None if column is None else lookup(values, column)

    def _column(self, field: str) -> str:
        return self.layout.columns.get(field, field)

    def _record_from_row(self, row: TableRow) -> FeedbackRecord:
        column, date_format = self._column, self.layout.date_format

        def cell(field: str) -> Any:
            return self._cell(row.values, field)

        record_id = require_id(cell("source_record_id"), column("source_record_id"))
        received_at = parse_timestamp(cell("received_at"), column("received_at"), date_format)
        updated_at = optional_timestamp(cell("updated_at"), column("updated_at"), date_format)
        nps = parse_score(cell("nps"), column("nps"), NPS_RANGE)
        csat = parse_score(cell("csat"), column("csat"), CSAT_RANGE)
        text = clean_text(cell("text"), column("text"))
        self._check_text_or_score(text, nps, csat)
        return FeedbackRecord(
            source=self.config.name,
            source_record_id=record_id,
            channel=self.channel,
            received_at=received_at,
            text=text,
            location=row.location,
            payload=row.values,
            customer_id=optional_str(cell("customer_id")),
            updated_at=updated_at,
            nps=nps,
            csat=csat,
            product=optional_str(cell("product")),
            handle_time_s=parse_seconds(cell("handle_time_s"), column("handle_time_s")),
            resolution_time_s=parse_seconds(cell("resolution_time_s"), column("resolution_time_s")),
            language_hint=optional_str(cell("language_hint")),
            metadata={
                name: _metadata_value(lookup(row.values, name)) for name in self.layout.metadata_columns
            },
        )

    def _check_text_or_score(self, text: str, nps: int | None, csat: int | None) -> None:
        """Text with nothing left once cleaned is allowed only for a scored response (a survey
        answered without comment)."""
        if nps is not None or csat is not None or has_content(text, self.channel):
            return
        has_scores = "nps" in self.layout.columns or "csat" in self.layout.columns
        raise RecordProblem(EMPTY_TEXT_AND_NO_SCORE if has_scores else EMPTY_TEXT, self._column("text"))


def _metadata_value(value: Any) -> Any:
    """Blank cells become None; anything else is kept as exported."""
    return None if isinstance(value, str) and not value.strip() else value
