"""Parsing of single field values: ids, timestamps, scores, durations, free text.

Every parser either returns a clean value or raises :class:`RecordProblem` whose reason
names the field and the offending value, so the caller can quarantine the record.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from nlp.clean import clean_text as clean_for_reading
from nlp.clean import strip_invisible

from .reasons import (
    DATE_OUT_OF_RANGE,
    INVALID_NUMBER,
    MISSING_DATE,
    MISSING_ID,
    NON_INTEGER_SCORE,
    NOT_TEXT,
    SCORE_OUT_OF_RANGE,
    TEXT_TOO_LONG,
    UNPARSEABLE_DATE,
    RecordProblem,
)

# Tried in order after ISO-8601 when no explicit date_format is configured. Slash dates
# are read month-first (US exports); configure date_format for day-first sources.
COMMON_DATE_FORMATS: tuple[str, ...] = (
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
)

NPS_RANGE = (0, 10)
CSAT_RANGE = (1, 5)
# Longer than any real message (a Zendesk comment stops at 64 KB): a pasted log or an export
# glitch, which would swamp segmentation, themes and the dashboard.
MAX_TEXT_CHARS = 100_000
# Feedback cannot predate the web shops it is about; 1970-01-01 is an unset Unix timestamp.
EARLIEST_DATE = datetime(2000, 1, 1)
# A naive local time east of UTC may read up to 14 hours ahead; beyond a day is no clock skew.
FUTURE_TOLERANCE = timedelta(days=1)
JSON_TYPE_NAMES = {dict: "an object", list: "an array", bool: "a boolean"}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any, field: str) -> str:
    """Free text with unified line endings and no surrounding whitespace ('' if absent).

    Numbers are written as text; objects, arrays and booleans are not text, and a text
    longer than MAX_TEXT_CHARS is not a message: both raise RecordProblem.
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        kind = JSON_TYPE_NAMES.get(type(value), f"a {type(value).__name__}")
        raise RecordProblem(NOT_TEXT, f"{field} is {kind}")
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TEXT_CHARS:
        raise RecordProblem(TEXT_TOO_LONG, f"{field} has {len(text):,} characters (limit {MAX_TEXT_CHARS:,})")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def has_content(text: str, channel: str) -> bool:
    """Whether anything readable is left once the text is cleaned as the pipeline will clean it
    (zero-width characters, NULs, empty markup or a lone <script> leave nothing)."""
    if text.isascii() and "<" not in text and "&" not in text:
        return has_visible_text(text)  # all the cleaner could remove here are controls and spaces
    return bool(clean_for_reading(text, channel).text)


def has_visible_text(text: str) -> bool:
    """Whether the text holds a character that is neither whitespace nor invisible."""
    return bool(strip_invisible(text).strip())


def optional_str(value: Any) -> str | None:
    """A scalar as a stripped string; None when blank. Containers are not scalars."""
    if is_blank(value) or isinstance(value, dict | list):
        return None
    return str(value).strip()


def require_id(value: Any, field: str) -> str:
    """A record id as text: strings and integers are accepted, booleans and blanks are not."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise RecordProblem(MISSING_ID, f"{field} {value!r} is not an id")
    text = optional_str(int(value) if isinstance(value, float) else value)
    if text is None:
        raise RecordProblem(MISSING_ID, field)
    return text


def to_naive_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC and drop the zone; naive values are taken as UTC.
    Raises OverflowError when the UTC time falls outside the years 1-9999."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _check_plausible(moment: datetime, field: str, value: str) -> datetime:
    if moment < EARLIEST_DATE:
        raise RecordProblem(DATE_OUT_OF_RANGE, f"{field} {value!r} is before {EARLIEST_DATE:%Y-%m-%d}")
    if moment > datetime.now(timezone.utc).replace(tzinfo=None) + FUTURE_TOLERANCE:
        raise RecordProblem(DATE_OUT_OF_RANGE, f"{field} {value!r} is in the future")
    return moment


def _parse_timestamp_text(text: str, date_format: str | None) -> datetime | None:
    if date_format:
        try:
            return datetime.strptime(text, date_format)
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for candidate in COMMON_DATE_FORMATS:
        try:
            return datetime.strptime(text, candidate)
        except ValueError:
            continue
    try:  # RFC 2822, as in e-mail headers and some legacy exports
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def parse_timestamp(value: Any, field: str, date_format: str | None = None) -> datetime:
    """A required timestamp as a timezone-naive UTC datetime, from 2000 up to now."""
    if is_blank(value):
        raise RecordProblem(MISSING_DATE, field)
    parsed = _parse_timestamp_text(value.strip(), date_format) if isinstance(value, str) else None
    if parsed is None:
        raise RecordProblem(UNPARSEABLE_DATE, f"{field} {value!r}")
    try:
        moment = to_naive_utc(parsed)
    except OverflowError:  # "0001-01-01T00:00:00+01:00" is before year 1 in UTC
        raise RecordProblem(DATE_OUT_OF_RANGE, f"{field} {value!r} is outside the calendar") from None
    return _check_plausible(moment, field, value)


def optional_timestamp(value: Any, field: str, date_format: str | None = None) -> datetime | None:
    """An optional timestamp: None when blank, quarantined when present but unparseable."""
    return None if is_blank(value) else parse_timestamp(value, field, date_format)


def _as_integer(value: Any) -> int | None:
    """The integer a score cell holds ('7', 7, '7.0'), or None if it is not integral."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def parse_score(value: Any, field: str, bounds: tuple[int, int]) -> int | None:
    """An optional integer score within inclusive bounds; None when blank."""
    if is_blank(value):
        return None
    score = _as_integer(value)
    if score is None:
        raise RecordProblem(NON_INTEGER_SCORE, f"{field} {value!r}")
    low, high = bounds
    if not low <= score <= high:
        raise RecordProblem(SCORE_OUT_OF_RANGE, f"{field} {value!r} (expected {low}-{high})")
    return score


def parse_seconds(value: Any, field: str) -> float | None:
    """An optional non-negative duration in seconds; None when blank."""
    if is_blank(value):
        return None
    try:
        seconds = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond any float
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds < 0:
        raise RecordProblem(INVALID_NUMBER, f"{field} {value!r} (expected seconds >= 0)")
    return seconds
