"""The one small interface every channel connector implements.

A connector reads one declared source (files on disk for the bundled samples and tests;
a live API client would implement the same interface) and yields, per source record,
either a normalised :class:`FeedbackRecord` or a :class:`QuarantinedRecord` saying why
the record could not be loaded. Connectors never raise for a bad record: one bad record
never stops the rest, and nothing is silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

Channel = Literal["ticket", "survey", "call", "social"]
CHANNELS: tuple[Channel, ...] = ("ticket", "survey", "call", "social")


@dataclass(frozen=True)
class Turn:
    """One speaker turn of a call; offsets index into the record's ``text``."""

    speaker: Literal["agent", "customer", "unknown"]
    start_ms: int
    end_ms: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class FeedbackRecord:
    source: str  # the source name declared in sources.yaml
    source_record_id: str  # the id the source system gave the record
    channel: Channel
    received_at: datetime  # timezone-naive, in UTC
    text: str  # full customer-facing text; for calls the rendered transcript
    location: str  # where it came from: "tickets/page_001.json#17", "survey.csv:42"
    payload: dict[str, Any]  # the record as the source exported it (JSON-serialisable)
    customer_id: str | None = None
    updated_at: datetime | None = None
    nps: int | None = None  # 0-10
    csat: int | None = None  # 1-5
    product: str | None = None
    handle_time_s: float | None = None  # calls: talk + wrap time
    resolution_time_s: float | None = None  # tickets: solved_at - created_at
    # What the source claims (e.g. X's "lang"); pipelines/sanitise.py replaces it with the
    # detected language, which is what lands (the claim stays when detection is unsure).
    language_hint: str | None = None
    turns: tuple[Turn, ...] = ()  # calls only
    metadata: dict[str, Any] = field(default_factory=dict)  # subject, tags, status, reach…


# The start of a bigger payload (a 10 MB text) is evidence enough; keeping all of it would
# cost redaction time and warehouse space for nothing anyone reads.
MAX_RAW_PAYLOAD_CHARS = 200_000


@dataclass(frozen=True)
class QuarantinedRecord:
    source: str
    location: str
    reason: str  # short, human-readable: "unparseable date 'yesterday' in created_at"
    raw_payload: str  # the bytes as received (decoded with replacement if needed), cut when huge
    source_record_id: str | None = None

    def __post_init__(self) -> None:
        omitted = len(self.raw_payload) - MAX_RAW_PAYLOAD_CHARS
        if omitted > 0:
            kept = f"{self.raw_payload[:MAX_RAW_PAYLOAD_CHARS]}… [{omitted:,} more characters not kept]"
            object.__setattr__(self, "raw_payload", kept)


ReadResult = FeedbackRecord | QuarantinedRecord


@dataclass(frozen=True)
class SourceConfig:
    """One entry of sources.yaml."""

    name: str
    kind: str  # zendesk | survey_csv | webvtt_calls | x_posts | table
    path: Path  # a file or a folder, resolved against sources.yaml's folder
    options: dict[str, Any] = field(default_factory=dict)


class SourceConfigError(ValueError):
    """A source declaration (or a connector's options) is invalid; the message names the entry."""


class Connector(Protocol):
    channel: Channel

    def read(self) -> Iterator[ReadResult]:
        """Yield one result per source record, in source order."""
        ...


def payload_json(payload: dict[str, Any]) -> str:
    """Stable JSON text of a payload: the raw layer stores and hashes this."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
