"""X (Twitter) API v2 post objects, one per line (JSONL), streamed.

Lines may also be stream envelopes ``{"data": {...post...}, "includes": ...}``, as the
filtered-stream endpoint writes them. Long posts keep their full text in ``note_tweet.text``
(``text`` is then truncated), so that is preferred when present.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Channel, FeedbackRecord, QuarantinedRecord, ReadResult, SourceConfig
from .dedup import DuplicateIdGuard
from .options import check_option_keys
from .reasons import EMPTY_TEXT, RecordProblem
from .streams import JsonLine, iter_jsonl
from .values import clean_text, has_content, is_blank, optional_str, parse_timestamp, require_id

UNDETERMINED_LANGUAGE = "und"


def unwrap_post(value: dict[str, Any]) -> dict[str, Any]:
    data = value.get("data")
    return data if "id" not in value and isinstance(data, dict) else value


def _full_text(post: dict[str, Any]) -> str:
    note = post.get("note_tweet")
    if isinstance(note, dict) and not is_blank(note.get("text")):
        return clean_text(note.get("text"), "note_tweet.text")
    return clean_text(post.get("text"), "text")


def _referenced(post: dict[str, Any]) -> list[dict[str, Any]]:
    references = post.get("referenced_tweets")
    return [ref for ref in references if isinstance(ref, dict)] if isinstance(references, list) else []


def _reach(public_metrics: Any) -> int | None:
    impressions = public_metrics.get("impression_count") if isinstance(public_metrics, dict) else None
    return impressions if isinstance(impressions, int) and not isinstance(impressions, bool) else None


def _language_hint(post: dict[str, Any]) -> str | None:
    lang = optional_str(post.get("lang"))
    return None if lang == UNDETERMINED_LANGUAGE else lang


class XPostsConnector:
    channel: Channel = "social"
    path_kind = "file"

    def __init__(self, config: SourceConfig) -> None:
        check_option_keys(config, ())
        self.config = config

    def read(self) -> Iterator[ReadResult]:
        duplicates = DuplicateIdGuard()
        for line in iter_jsonl(self.config.path):
            yield self._line_result(line, duplicates)

    def _line_result(self, line: JsonLine, duplicates: DuplicateIdGuard) -> ReadResult:
        if line.value is None:
            return QuarantinedRecord(self.config.name, line.location, line.problem or "", line.raw_text)
        post = unwrap_post(line.value)
        try:
            return duplicates.admit(self._post_record(post, line.location), line.raw_text)
        except RecordProblem as problem:
            record_id = optional_str(post.get("id"))
            return QuarantinedRecord(
                self.config.name, line.location, problem.reason, line.raw_text, record_id
            )

    def _post_record(self, post: dict[str, Any], location: str) -> FeedbackRecord:
        record_id = require_id(post.get("id"), "id")
        created_at = parse_timestamp(post.get("created_at"), "created_at")
        text = _full_text(post)
        if not has_content(text, self.channel):
            raise RecordProblem(EMPTY_TEXT, "text")
        referenced = _referenced(post)
        return FeedbackRecord(
            source=self.config.name,
            source_record_id=record_id,
            channel=self.channel,
            received_at=created_at,
            text=text,
            location=location,
            payload=post,
            customer_id=optional_str(post.get("author_id")),
            language_hint=_language_hint(post),
            metadata={
                "public_metrics": post.get("public_metrics") or {},
                "referenced_tweets": referenced,
                "conversation_id": optional_str(post.get("conversation_id")),
                "is_repost": any(ref.get("type") == "retweeted" for ref in referenced),
                "reach": _reach(post.get("public_metrics")),
            },
        )
