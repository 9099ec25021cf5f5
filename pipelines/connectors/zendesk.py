"""Zendesk incremental ticket export pages: ``{"tickets": [...], "count": n, "end_of_stream": b}``.

The source path is one page file or a folder of ``tickets_page_*.json`` read in page order.
Tickets exported with ``include=metric_sets`` carry a ``metric_set`` whose
``reply_time_in_minutes.calendar`` is the first-response time; it lands as
``metadata.first_response_time_s`` (absent when nobody had replied yet).
A page is small enough to load whole. Bytes that are not UTF-8 spoil only the tickets that
contain them: the page is decoded with ``surrogateescape`` so the rest still parses. A page
that is empty, in another Unicode encoding or not JSON is quarantined once, as a whole.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .base import Channel, FeedbackRecord, QuarantinedRecord, ReadResult, SourceConfig
from .dedup import DuplicateIdGuard
from .options import check_option_keys, config_error, string_option
from .reasons import (
    DATES_OUT_OF_ORDER,
    EMPTY_FILE,
    EMPTY_TEXT,
    INVALID_NUMBER,
    NOT_A_JSON_OBJECT,
    PAGE_WITHOUT_TICKETS,
    UNDECODABLE_BYTES,
    UNPARSEABLE_PAGE,
    RecordProblem,
)
from .streams import NESTED_TOO_DEEPLY, foreign_encoding, foreign_encoding_reason, json_storage_problem
from .values import (
    clean_text,
    has_content,
    optional_str,
    optional_timestamp,
    parse_seconds,
    parse_timestamp,
    require_id,
)

DEFAULT_PRODUCT_FIELD_ID = 360001
DEFAULT_PAGE_GLOB = "tickets_page_*.json"
# Zendesk rounds metric minutes, so a reply at the moment of solving may read a minute late.
REPLY_ROUNDING_S = 60.0


def _page_order(path: Path) -> tuple[int, str]:
    """Natural order, so page_10 follows page_9."""
    numbers = re.findall(r"\d+", path.stem)
    return (int(numbers[-1]) if numbers else -1, path.name)


def _custom_field(ticket: dict[str, Any], field_id: int) -> Any:
    fields = ticket.get("custom_fields")
    for entry in fields if isinstance(fields, list) else []:
        if isinstance(entry, dict) and entry.get("id") == field_id:
            return entry.get("value")
    return None


def _ticket_text(ticket: dict[str, Any]) -> str:
    parts = (clean_text(ticket.get("subject"), "subject"), clean_text(ticket.get("description"), "description"))
    return "\n\n".join(part for part in parts if part)


def _via_channel(ticket: dict[str, Any]) -> str | None:
    via = ticket.get("via")
    return optional_str(via.get("channel")) if isinstance(via, dict) else None


def _first_response_seconds(ticket: dict[str, Any]) -> float | None:
    """Seconds to the first agent reply from the sideloaded metric set; None if not replied."""
    metric_set = ticket.get("metric_set")
    if metric_set is None:
        return None
    if not isinstance(metric_set, dict):
        raise RecordProblem(INVALID_NUMBER, f"metric_set {metric_set!r} (expected an object)")
    reply_time = metric_set.get("reply_time_in_minutes")
    if reply_time is None:
        return None
    if not isinstance(reply_time, dict):
        raise RecordProblem(INVALID_NUMBER, f"metric_set.reply_time_in_minutes {reply_time!r} (expected an object)")
    minutes = reply_time.get("calendar")
    try:
        seconds = parse_seconds(minutes, "minutes")  # the same rules: a number >= 0, or blank
        if seconds is not None and not math.isfinite(seconds * 60):  # 1e308 minutes overflow
            raise RecordProblem(INVALID_NUMBER)
    except RecordProblem:
        raise RecordProblem(INVALID_NUMBER, f"metric_set.reply_time_in_minutes.calendar {minutes!r} "
                                            "(expected minutes >= 0)") from None
    return None if seconds is None else seconds * 60


# Surrogates other than surrogateescape's (U+DC80-U+DCFF, the undecodable bytes): lone
# surrogates the page itself escaped ("\ud83d"), which no UTF-8 text can hold.
_ESCAPED_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _raw_json(value: Any) -> tuple[str, bool]:
    """The value as JSON text, and whether it was valid UTF-8 (no bad bytes or lone surrogates)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _ESCAPED_SURROGATE.sub("\ufffd", text)
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), False
    return text, True


class ZendeskTicketsConnector:
    channel: Channel = "ticket"
    path_kind = "file_or_dir"

    def __init__(self, config: SourceConfig) -> None:
        check_option_keys(config, ("product_field_id", "page_glob"))
        product_field_id = config.options.get("product_field_id", DEFAULT_PRODUCT_FIELD_ID)
        if not isinstance(product_field_id, int) or isinstance(product_field_id, bool):
            raise config_error(config, "option 'product_field_id' must be an integer")
        self.config = config
        self.product_field_id = product_field_id
        self.page_glob = string_option(config, "page_glob", DEFAULT_PAGE_GLOB)

    def read(self) -> Iterator[ReadResult]:
        duplicates = DuplicateIdGuard()
        for page in self.page_files():
            yield from self._read_page(page, duplicates)

    def page_files(self) -> list[Path]:
        path = self.config.path
        return sorted(path.glob(self.page_glob), key=_page_order) if path.is_dir() else [path]

    def _read_page(self, page: Path, duplicates: DuplicateIdGuard) -> Iterator[ReadResult]:
        data = page.read_bytes().removeprefix(codecs.BOM_UTF8)
        if not data.strip():
            yield self._quarantine(page.name, EMPTY_FILE, data.decode("utf-8", errors="replace"))
            return
        encoding = foreign_encoding(data)
        if encoding is not None:
            raw = data.decode(encoding.lower(), errors="replace")
            yield self._quarantine(page.name, foreign_encoding_reason(encoding), raw)
            return
        try:
            # strict=False: a raw tab or NUL inside a string is kept for the cleaner to remove
            document = json.loads(data.decode("utf-8", errors="surrogateescape"), strict=False)
        except (json.JSONDecodeError, RecursionError) as error:
            detail = NESTED_TOO_DEEPLY if isinstance(error, RecursionError) else str(error)
            raw = data.decode("utf-8", errors="replace")
            yield self._quarantine(page.name, f"{UNPARSEABLE_PAGE}: {detail}", raw)
            return
        tickets = document.get("tickets") if isinstance(document, dict) else None
        if not isinstance(tickets, list):
            raw, _ = _raw_json(document)
            yield self._quarantine(page.name, PAGE_WITHOUT_TICKETS, raw)
            return
        for index, ticket in enumerate(tickets):
            yield self._ticket_result(ticket, f"{page.name}#{index}", duplicates)

    def _ticket_result(self, ticket: Any, location: str, duplicates: DuplicateIdGuard) -> ReadResult:
        raw, is_valid_utf8 = _raw_json(ticket)
        record_id = optional_str(ticket.get("id")) if isinstance(ticket, dict) else None
        if not is_valid_utf8:
            return self._quarantine(location, UNDECODABLE_BYTES, raw, record_id)
        if not isinstance(ticket, dict):
            return self._quarantine(location, f"{NOT_A_JSON_OBJECT}: found {type(ticket).__name__}", raw)
        storage_problem = json_storage_problem(ticket)
        if storage_problem:
            return self._quarantine(location, storage_problem, raw, record_id)
        try:
            return duplicates.admit(self._ticket_record(ticket, location), raw)
        except RecordProblem as problem:
            return self._quarantine(location, problem.reason, raw, record_id)

    def _ticket_record(self, ticket: dict[str, Any], location: str) -> FeedbackRecord:
        record_id = require_id(ticket.get("id"), "id")
        created_at = parse_timestamp(ticket.get("created_at"), "created_at")
        updated_at = optional_timestamp(ticket.get("updated_at"), "updated_at")
        solved_at = optional_timestamp(ticket.get("solved_at"), "solved_at")
        if solved_at is not None and solved_at < created_at:
            raise RecordProblem(DATES_OUT_OF_ORDER, f"solved_at {ticket['solved_at']!r} is before created_at")
        first_response_s = _first_response_seconds(ticket)
        if (first_response_s is not None and solved_at is not None
                and first_response_s > (solved_at - created_at).total_seconds() + REPLY_ROUNDING_S):
            raise RecordProblem(DATES_OUT_OF_ORDER, f"first reply after {first_response_s:.0f} s is after solved_at")
        text = _ticket_text(ticket)
        if not has_content(text, self.channel):
            raise RecordProblem(EMPTY_TEXT, "subject and description")
        return FeedbackRecord(
            source=self.config.name,
            source_record_id=record_id,
            channel=self.channel,
            received_at=created_at,
            text=text,
            location=location,
            payload=ticket,
            customer_id=optional_str(ticket.get("requester_id")),
            updated_at=updated_at,
            product=optional_str(_custom_field(ticket, self.product_field_id)),
            resolution_time_s=(solved_at - created_at).total_seconds() if solved_at else None,
            metadata={
                "subject": optional_str(ticket.get("subject")),
                "tags": ticket.get("tags") if isinstance(ticket.get("tags"), list) else [],
                "status": optional_str(ticket.get("status")),
                "via_channel": _via_channel(ticket),
                # Only when replied: exports without metric sets keep their metadata (and hash).
                **({"first_response_time_s": first_response_s} if first_response_s is not None else {}),
            },
        )

    def _quarantine(
        self, location: str, reason: str, raw: str, record_id: str | None = None
    ) -> QuarantinedRecord:
        return QuarantinedRecord(self.config.name, location, reason, raw, record_id)
