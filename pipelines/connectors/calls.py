"""Call recordings' transcripts: ``call_metadata.csv`` plus ``transcripts/<call_id>.vtt``.

One record per metadata row, joined to its WebVTT transcript. The record's text is the
rendered transcript (``Agent: …`` / ``Customer: …``, one turn per line) and ``turns`` give
each turn's character span, so downstream stages can keep only what the customer said.
Transcripts with no metadata row are quarantined after the metadata has been read. A metadata
row repeated byte for byte is an exact duplicate whatever became of the first (its transcript
is not read again).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from .base import Channel, FeedbackRecord, QuarantinedRecord, ReadResult, SourceConfig, payload_json
from .dedup import DuplicateIdGuard, text_digest
from .options import check_option_keys, config_error, string_list_option, string_option
from .reasons import (
    EMPTY_TEXT,
    EXACT_DUPLICATE,
    INVALID_CALL_ID,
    MALFORMED_WEBVTT,
    METADATA_WITHOUT_TRANSCRIPT,
    NO_CUSTOMER_TURN,
    NO_SPEAKER_TAGS,
    TRANSCRIPT_WITHOUT_METADATA,
    UNDECODABLE_BYTES,
    RecordProblem,
)
from .streams import CsvRow, foreign_encoding, foreign_encoding_reason, iter_csv_rows
from .values import has_visible_text, optional_str, parse_seconds, parse_timestamp, require_id
from .webvtt import SpeakerRoles, Transcript, WebVttError, has_voice_tags, parse_webvtt, render_transcript

CALL_OPTIONS = ("metadata_file", "transcripts_dir", "agent_speakers", "customer_speakers")
REQUIRED_METADATA_COLUMNS = ("call_id", "started_at")
# Call ids become file names: nothing that could climb out of the transcripts folder.
_SAFE_CALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class TranscriptProblem(RecordProblem):
    """A problem with the transcript file rather than the metadata row."""


def _speaker_roles(config: SourceConfig) -> SpeakerRoles:
    agent = string_list_option(config, "agent_speakers", ["Agent"])
    customer = string_list_option(config, "customer_speakers", ["Customer"])
    roles = SpeakerRoles.from_names(agent, customer)
    if roles.agent_names & roles.customer_names:
        raise config_error(config, "a speaker name cannot be both agent and customer")
    return roles


def decode_transcript(data: bytes) -> str:
    encoding = foreign_encoding(data)
    if encoding is not None:
        raise TranscriptProblem(foreign_encoding_reason(encoding))
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranscriptProblem(UNDECODABLE_BYTES, f"at byte {error.start}") from error


class WebVttCallsConnector:
    channel: Channel = "call"
    path_kind = "dir"

    def __init__(self, config: SourceConfig) -> None:
        check_option_keys(config, CALL_OPTIONS)
        self.config = config
        self.roles = _speaker_roles(config)
        self.metadata_path = config.path / string_option(config, "metadata_file", "call_metadata.csv")
        self.transcripts_dir = config.path / string_option(config, "transcripts_dir", "transcripts")

    def read(self) -> Iterator[ReadResult]:
        described: set[str] = set()  # call ids with a metadata row, even an unusable one
        rows_read: set[int] = set()  # digests of the usable rows' text
        duplicates = DuplicateIdGuard()
        if self.metadata_path.is_file():
            rows = iter_csv_rows(
                self.metadata_path, self.config.name, REQUIRED_METADATA_COLUMNS, id_column="call_id"
            )
            for row in rows:
                if isinstance(row, QuarantinedRecord):
                    described.add(row.source_record_id or "")
                    yield row
                    continue
                described.add((row.values.get("call_id") or "").strip())
                row_digest = text_digest(row.raw_text)
                if row_digest in rows_read:
                    record_id = optional_str(row.values.get("call_id"))
                    yield QuarantinedRecord(self.config.name, row.location, EXACT_DUPLICATE, row.raw_text, record_id)
                    continue
                rows_read.add(row_digest)
                yield self._call_result(row, duplicates)
        yield from self._transcripts_without_metadata(described)

    def _transcript_location(self, path: Path) -> str:
        if path.is_relative_to(self.config.path):
            return path.relative_to(self.config.path).as_posix()
        return path.name

    def _transcripts_without_metadata(self, described: set[str]) -> Iterator[QuarantinedRecord]:
        orphans = sorted(p for p in self.transcripts_dir.glob("*.vtt") if p.stem not in described)
        for path in orphans:
            raw = path.read_bytes().decode("utf-8", errors="replace")
            location = self._transcript_location(path)
            yield QuarantinedRecord(self.config.name, location, TRANSCRIPT_WITHOUT_METADATA, raw, path.stem)

    def _call_result(self, row: CsvRow, duplicates: DuplicateIdGuard) -> ReadResult:
        transcript_path: Path | None = None
        try:
            call_id = require_id(row.values.get("call_id"), "call_id")
            if not _SAFE_CALL_ID.fullmatch(call_id):
                raise RecordProblem(INVALID_CALL_ID, repr(call_id))
            transcript_path = self.transcripts_dir / f"{call_id}.vtt"
            record = self._call_record(row, call_id, transcript_path)
            # the same row with a changed transcript is different content
            return duplicates.admit(record, row.raw_text, payload_json(record.payload))
        except RecordProblem as problem:
            return self._quarantine(row, problem, transcript_path)

    def _quarantine(
        self, row: CsvRow, problem: RecordProblem, transcript_path: Path | None
    ) -> QuarantinedRecord:
        """Transcript problems point at the transcript and carry its text after the row."""
        location, raw = row.location, row.raw_text
        if isinstance(problem, TranscriptProblem) and transcript_path is not None:
            location = self._transcript_location(transcript_path)
            raw = f"{row.raw_text}\n\n{transcript_path.read_bytes().decode('utf-8', errors='replace')}"
        record_id = optional_str(row.values.get("call_id"))
        return QuarantinedRecord(self.config.name, location, problem.reason, raw, record_id)

    def _transcript(self, vtt_text: str) -> Transcript:
        try:
            cues = parse_webvtt(vtt_text)
        except WebVttError as error:
            raise TranscriptProblem(MALFORMED_WEBVTT, str(error)) from error
        if not any(has_visible_text(span.text) for cue in cues for span in cue.spans):
            raise TranscriptProblem(EMPTY_TEXT, "transcript has no cue text")
        if not has_voice_tags(cues):
            raise TranscriptProblem(NO_SPEAKER_TAGS)
        transcript = render_transcript(cues, self.roles)
        is_customer_heard = any(turn.speaker == "customer" for turn in transcript.turns)
        if not is_customer_heard and transcript.unrecognised_speakers:
            names = ", ".join(repr(name) for name in transcript.unrecognised_speakers)
            raise TranscriptProblem(NO_CUSTOMER_TURN, f"{names} (see customer_speakers option)")
        return transcript

    def _call_record(self, row: CsvRow, call_id: str, transcript_path: Path) -> FeedbackRecord:
        values = row.values
        started_at = parse_timestamp(values.get("started_at"), "started_at")
        handle_time_s = parse_seconds(values.get("handle_time_seconds"), "handle_time_seconds")
        if not transcript_path.is_file():
            raise RecordProblem(METADATA_WITHOUT_TRANSCRIPT, self._transcript_location(transcript_path))
        vtt_text = decode_transcript(transcript_path.read_bytes())
        transcript = self._transcript(vtt_text)
        transcript_file = self._transcript_location(transcript_path)
        return FeedbackRecord(
            source=self.config.name,
            source_record_id=call_id,
            channel=self.channel,
            received_at=started_at,
            text=transcript.text,
            location=row.location,
            payload={"metadata": values, "transcript_file": transcript_file, "transcript_vtt": vtt_text},
            customer_id=optional_str(values.get("customer_id")),
            handle_time_s=handle_time_s,
            turns=transcript.turns,
            metadata={
                "queue": optional_str(values.get("queue")),
                "agent_id": optional_str(values.get("agent_id")),
                "transcript_file": transcript_file,
            },
        )
