"""Clean and redact records before anything is stored.

No raw personal data may reach the warehouse, so every text a connector yields (the feedback
text, the free-text values of its payload, and the payload of a quarantined record) goes
through ``nlp.clean`` and ``nlp.redact`` here, before landing. Call transcripts are cleaned
and redacted turn by turn and re-rendered, so turn offsets stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from nlp.clean import clean_text
from nlp.language import detect_languages
from nlp.redact import RedactConfig, redact_batch
from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, Turn

SPEAKER_LABELS = {"agent": "Agent", "customer": "Customer", "unknown": "Speaker"}


def _is_free_text(value: str) -> bool:
    # Ids, timestamps and codes have no spaces; free text and e-mail addresses do or have "@".
    return " " in value.strip() or "@" in value


class _Redactor:
    """Redacts many strings in one batched pass, each distinct (text, language) once."""

    def __init__(self, config: RedactConfig) -> None:
        self.config = config
        self.pending: dict[tuple[str, str | None], str | None] = {}

    def want(self, text: str, language: str | None) -> None:
        self.pending.setdefault((text, language), None)

    def run(self) -> None:
        keys = [key for key, value in self.pending.items() if value is None]
        results = redact_batch([k[0] for k in keys], [k[1] for k in keys], self.config)
        for key, result in zip(keys, results, strict=True):
            self.pending[key] = result.text

    def get(self, text: str, language: str | None) -> str:
        redacted = self.pending[(text, language)]
        assert redacted is not None, "run() first"
        return redacted


def _string_leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if _is_free_text(value) else []
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _string_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _string_leaves(item)]
    return []


def _replace_leaves(value: Any, redactor: _Redactor, language: str | None) -> Any:
    if isinstance(value, str):
        return redactor.get(value, language) if _is_free_text(value) else value
    if isinstance(value, dict):
        return {key: _replace_leaves(item, redactor, language) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_leaves(item, redactor, language) for item in value]
    return value


def _cleaned_turn_bodies(record: FeedbackRecord) -> list[tuple[Turn, str]]:
    """Each turn that survives cleaning, with its cleaned words."""
    cleaned = clean_text(record.text, "call")
    bodies = []
    for turn, span in zip(record.turns, cleaned.turn_spans, strict=False):
        if span is not None and span[1] > span[0]:
            bodies.append((turn, cleaned.text[span[0] : span[1]]))
    return bodies


def _render_turns(turns_and_bodies: Sequence[tuple[Turn, str]]) -> tuple[str, tuple[Turn, ...]]:
    lines, turns, offset = [], [], 0
    for turn, body in turns_and_bodies:
        prefix = f"{SPEAKER_LABELS.get(turn.speaker, 'Speaker')}: "
        start = offset + len(prefix)
        turns.append(replace(turn, char_start=start, char_end=start + len(body)))
        lines.append(prefix + body)
        offset = start + len(body) + 1
    return "\n".join(lines), tuple(turns)


def sanitise_records(records: Sequence[FeedbackRecord], config: RedactConfig) -> list[FeedbackRecord]:
    """Clean each record's text and redact personal data from it and from its payload."""
    cleaned_texts: list[str] = []
    # Per record: its surviving turns with cleaned words (calls), or None (other channels).
    call_bodies: list[list[tuple[Turn, str]] | None] = []
    for record in records:
        if record.channel == "call" and record.turns:
            bodies = _cleaned_turn_bodies(record)
            call_bodies.append(bodies)
            cleaned_texts.append("\n".join(body for _, body in bodies))
        else:
            call_bodies.append(None)
            cleaned_texts.append(clean_text(record.text, record.channel).text)
    # Redaction picks phone regions and name models by language.
    languages = detect_languages(cleaned_texts, [r.language_hint for r in records])

    redactor = _Redactor(config)
    for record, text, bodies, language in zip(records, cleaned_texts, call_bodies, languages, strict=True):
        for _, body in bodies or []:
            redactor.want(body, language)
        if bodies is None:
            redactor.want(text, language)
        for leaf in _string_leaves(record.payload) + _string_leaves(record.metadata):
            redactor.want(leaf, language)
    redactor.run()

    sanitised = []
    for record, text, bodies, language in zip(records, cleaned_texts, call_bodies, languages, strict=True):
        if bodies is not None:
            new_text, turns = _render_turns([(turn, redactor.get(body, language)) for turn, body in bodies])
        else:
            new_text, turns = redactor.get(text, language), record.turns
        sanitised.append(
            replace(
                record,
                text=new_text,
                turns=turns,
                payload=_replace_leaves(record.payload, redactor, language),
                metadata=_replace_leaves(record.metadata, redactor, language),
            )
        )
    return sanitised


def sanitise_rejections(rejected: Sequence[QuarantinedRecord], config: RedactConfig) -> list[QuarantinedRecord]:
    """Redact personal data from quarantined payloads (they are stored and shown too)."""
    results = redact_batch([r.raw_payload for r in rejected], [None] * len(rejected), config)
    return [replace(r, raw_payload=result.text) for r, result in zip(rejected, results, strict=True)]
