"""The closed vocabularies shared by every part of the generator and its ground truth."""

from __future__ import annotations

from typing import Literal

Channel = Literal["ticket", "survey", "call", "social"]
CHANNELS: tuple[Channel, ...] = ("ticket", "survey", "call", "social")

Language = Literal["en", "es", "ru", "ro", "zh", "und"]
WRITTEN_LANGUAGES: tuple[Language, ...] = ("en", "es", "ru", "ro", "zh")

DuplicateKind = Literal["double_submit", "repost", "template_copy"]
DUPLICATE_KINDS: tuple[DuplicateKind, ...] = ("double_submit", "repost", "template_copy")

PiiKind = Literal["email", "phone", "card", "iban"]
PII_KINDS: tuple[PiiKind, ...] = ("email", "phone", "card", "iban")

# Why a planted record is malformed (the ground truth's malformed_reason column).
UNPARSEABLE_DATE = "unparseable_date"
MISSING_DATE = "missing_date"
EMPTY_TEXT = "empty_text"
NPS_OUT_OF_RANGE = "nps_out_of_range"
UNDECODABLE_BYTES = "undecodable_bytes"
WRONG_FIELD_COUNT = "wrong_field_count"
TRUNCATED_JSON = "truncated_json"
VTT_NO_SPEAKER_TAGS = "vtt_no_speaker_tags"
MISSING_TRANSCRIPT = "missing_transcript"

# Which channels each kind of damage can hit.
MALFORMED_CHANNELS: dict[str, tuple[Channel, ...]] = {
    UNPARSEABLE_DATE: ("ticket", "survey", "social", "call"),
    MISSING_DATE: ("ticket", "survey", "call"),
    EMPTY_TEXT: ("ticket", "survey", "social"),
    NPS_OUT_OF_RANGE: ("survey",),
    UNDECODABLE_BYTES: ("survey",),
    WRONG_FIELD_COUNT: ("survey", "call"),
    TRUNCATED_JSON: ("social",),
    VTT_NO_SPEAKER_TAGS: ("call",),
    MISSING_TRANSCRIPT: ("call",),
}
MALFORMED_REASONS: tuple[str, ...] = tuple(MALFORMED_CHANNELS)
