"""Duplicate ids within one read: the first occurrence wins, every repeat is quarantined.

Repeats are quarantined rather than dropped so counts reconcile: records in = loaded +
quarantined. Only fixed-size digests are kept per id, so a million-record read stays small.
"""

from __future__ import annotations

import hashlib

from .base import FeedbackRecord, QuarantinedRecord, ReadResult
from .reasons import DUPLICATE_ID_DIFFERENT_CONTENT, EXACT_DUPLICATE


def text_digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


class DuplicateIdGuard:
    """Admits the first record per source_record_id; repeats come back quarantined."""

    def __init__(self) -> None:
        self._content_by_id: dict[int, int] = {}

    def admit(self, record: FeedbackRecord, raw_text: str, content_text: str | None = None) -> ReadResult:
        """``content_text`` is what "same content" compares; by default the raw record text."""
        id_key = text_digest(record.source_record_id)
        content = text_digest(raw_text if content_text is None else content_text)
        first_content = self._content_by_id.get(id_key)
        if first_content is None:
            self._content_by_id[id_key] = content
            return record
        reason = EXACT_DUPLICATE if first_content == content else DUPLICATE_ID_DIFFERENT_CONTENT
        return QuarantinedRecord(record.source, record.location, reason, raw_text, record.source_record_id)
