"""Why a record was quarantined: stable reason kinds, shared by every connector.

A quarantine reason is either exactly one of these kinds or ``"<kind>: <detail>"`` (the
detail names the field and the offending value), so reasons can be grouped by kind.
"""

from __future__ import annotations

UNDECODABLE_BYTES = "undecodable bytes (not UTF-8)"
MALFORMED_JSON = "malformed JSON"
NOT_A_JSON_OBJECT = "not a JSON object"
UNPARSEABLE_PAGE = "unparseable JSON page"
PAGE_WITHOUT_TICKETS = "page has no 'tickets' list"
EMPTY_FILE = "empty file"
MISSING_COLUMNS = "header lacks mapped columns"
WRONG_FIELD_COUNT = "wrong field count"
UNREADABLE_CSV_ROW = "unreadable CSV row"
MISSING_ID = "missing id"
MISSING_DATE = "missing date"
UNPARSEABLE_DATE = "unparseable date"
DATE_OUT_OF_RANGE = "date out of range"
DATES_OUT_OF_ORDER = "dates out of order"
EMPTY_TEXT = "empty text"
NOT_TEXT = "text is not a string"
TEXT_TOO_LONG = "text too long"
EMPTY_TEXT_AND_NO_SCORE = "empty text and no score"
SCORE_OUT_OF_RANGE = "score out of range"
NON_INTEGER_SCORE = "non-integer score"
INVALID_NUMBER = "invalid number"
MALFORMED_WEBVTT = "malformed WebVTT"
NO_SPEAKER_TAGS = "no speaker tags in transcript"
NO_CUSTOMER_TURN = "no customer turn; unrecognised speakers"
TRANSCRIPT_WITHOUT_METADATA = "transcript without metadata row"
METADATA_WITHOUT_TRANSCRIPT = "metadata row without transcript"
INVALID_CALL_ID = "invalid call id"
DUPLICATE_ID_DIFFERENT_CONTENT = "duplicate id with different content"
EXACT_DUPLICATE = "exact duplicate record"

QUARANTINE_REASON_KINDS: tuple[str, ...] = (
    UNDECODABLE_BYTES,
    MALFORMED_JSON,
    NOT_A_JSON_OBJECT,
    UNPARSEABLE_PAGE,
    PAGE_WITHOUT_TICKETS,
    EMPTY_FILE,
    MISSING_COLUMNS,
    WRONG_FIELD_COUNT,
    UNREADABLE_CSV_ROW,
    MISSING_ID,
    MISSING_DATE,
    UNPARSEABLE_DATE,
    DATE_OUT_OF_RANGE,
    DATES_OUT_OF_ORDER,
    EMPTY_TEXT,
    NOT_TEXT,
    TEXT_TOO_LONG,
    EMPTY_TEXT_AND_NO_SCORE,
    SCORE_OUT_OF_RANGE,
    NON_INTEGER_SCORE,
    INVALID_NUMBER,
    MALFORMED_WEBVTT,
    NO_SPEAKER_TAGS,
    NO_CUSTOMER_TURN,
    TRANSCRIPT_WITHOUT_METADATA,
    METADATA_WITHOUT_TRANSCRIPT,
    INVALID_CALL_ID,
    DUPLICATE_ID_DIFFERENT_CONTENT,
    EXACT_DUPLICATE,
)


def reason_kind(reason: str) -> str:
    """The stable kind of a reason string (the part before ``": "``)."""
    return reason.split(": ", 1)[0]


class RecordProblem(Exception):
    """Raised while normalising one record; the connector turns it into a quarantine entry."""

    def __init__(self, kind: str, detail: str | None = None) -> None:
        self.reason = f"{kind}: {detail}" if detail else kind
        super().__init__(self.reason)

