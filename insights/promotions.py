"""Promotions: which feedback mentions a campaign, and what confused customers about it.

- Mention: an item received within a campaign's window (``days_before_launch`` before its
  start to ``days_after_end`` after its end) mentions the campaign when its text contains
  the promo code or the campaign's full name (case-insensitive, whole words; codes survive
  redaction), or at least ``min_term_hits`` of the campaign's distinctive terms: word
  n-grams of its terms text that no other campaign's terms contain ("app only",
  "full-price apparel"), so a generic phrase alone never ties an item to a campaign.
- Campaign segments: the segments of a mentioning item that name the campaign themselves
  or carry a confusion type (a call's greeting does not; "it says I'm not eligible" does).
- Confusion types: transparent phrase rules from ``config/promotions.yaml`` (eligibility and
  terms, code not accepted, discount missing, expired); a segment gets every type one of
  whose phrases it contains.

Pure functions: frames and strings in, frames out; no database, orchestrator or UI imports.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd

CAMPAIGN_COLUMNS = ["campaign_id", "name", "promo_code", "start_date", "end_date", "terms"]
ITEM_COLUMNS = ["feedback_id", "received_at", "text"]
SEGMENT_COLUMNS = ["feedback_id", "ordinal", "text"]
WINDOW_COLUMNS = ["campaign_id", "window_start", "window_end"]
MENTION_COLUMNS = ["campaign_id", "feedback_id", "matched_by", "matched_text"]
CAMPAIGN_SEGMENT_COLUMNS = ["campaign_id", "feedback_id", "ordinal", "is_mention", "confusion_types"]
# How an item was tied to a campaign, strongest evidence first.
MATCHED_BY = ("code", "name", "terms")
# Words of a campaign's terms: "$75", "25%", "full-price", "kids'".
_TERM_TOKEN = re.compile(r"\$?\w+(?:[-']\w+)*%?")
_AMOUNT = re.compile(r"\$\d+|\d+%")
_CLAUSE_END = re.compile(r"[;,]")


@dataclass(frozen=True)
class ConfusionType:
    name: str  # stable key stored in the marts, e.g. "code_not_accepted"
    label: str  # what people read, e.g. "Code not accepted"
    phrases: tuple[str, ...]  # every language's phrases together


@dataclass(frozen=True)
class PromotionConfig:
    version: int
    days_before_launch: int
    days_after_end: int
    min_term_hits: int
    term_ngram_sizes: tuple[int, ...]
    term_edge_stopwords: frozenset[str]
    confusion_types: tuple[ConfusionType, ...]  # in display order

    def __post_init__(self) -> None:
        if self.days_before_launch < 1 or self.days_after_end < 0:
            raise ValueError("window: days_before_launch must be >= 1 and days_after_end >= 0")
        if self.min_term_hits < 1:
            raise ValueError("mention.min_term_hits must be >= 1")
        if not self.term_ngram_sizes or min(self.term_ngram_sizes) < 1:
            raise ValueError("mention.term_ngram_sizes must list sizes >= 1")
        if not self.confusion_types:
            raise ValueError("confusion_types must define at least one type")
        names = [t.name for t in self.confusion_types]
        if len(set(names)) != len(names):
            raise ValueError(f"confusion type names repeat: {names}")
        for confusion_type in self.confusion_types:
            if not confusion_type.phrases or any(not p.strip() for p in confusion_type.phrases):
                raise ValueError(f"confusion type {confusion_type.name!r} needs non-blank phrases")


def _require(section: Mapping[str, Any], keys: set[str], where: str) -> None:
    unknown, missing = set(section) - keys, keys - set(section)
    if unknown or missing:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")


def promotion_config(raw: Mapping[str, Any]) -> PromotionConfig:
    """Typed settings from the parsed ``config/promotions.yaml``; unknown or missing keys are errors."""
    _require(raw, {"version", "window", "mention", "confusion_types"}, "promotions config")
    window, mention = raw["window"], raw["mention"]
    _require(window, {"days_before_launch", "days_after_end"}, "window")
    _require(mention, {"min_term_hits", "term_ngram_sizes", "term_edge_stopwords"}, "mention")
    stopwords = mention["term_edge_stopwords"]
    # YAML reads a bare on/no/yes as a boolean: every word and phrase must be text.
    if not all(isinstance(w, str) for w in stopwords):
        raise ValueError("mention.term_edge_stopwords: quote words YAML reads as booleans or numbers")
    types = []
    for name, section in (raw["confusion_types"] or {}).items():
        _require(section, {"label", "phrases"}, f"confusion type {name!r}")
        phrases = tuple(p for by_language in section["phrases"].values() for p in by_language)
        if not all(isinstance(p, str) for p in phrases):
            raise ValueError(f"confusion type {name!r}: quote phrases YAML reads as booleans or numbers")
        types.append(ConfusionType(str(name), str(section["label"]), phrases))
    return PromotionConfig(
        version=int(raw["version"]),
        days_before_launch=int(window["days_before_launch"]),
        days_after_end=int(window["days_after_end"]),
        min_term_hits=int(mention["min_term_hits"]),
        term_ngram_sizes=tuple(int(n) for n in mention["term_ngram_sizes"]),
        term_edge_stopwords=frozenset(w.lower() for w in stopwords),
        confusion_types=tuple(types),
    )


# --- phrase rules ------------------------------------------------------------------------


def _is_unspaced_script(char: str) -> bool:
    # Han, kana and hangul write words without spaces, so word boundaries mean nothing there.
    return unicodedata.name(char, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


# A letter, digit or underscore of the Latin, Greek or Cyrillic script: what a whole word may
# not touch. Han, kana and hangul may ("优惠码SPRING25用不了" names the code SPRING25). Listed,
# not "\w but CJK": a negated Unicode class takes Python's re milliseconds to compile, and
# a run compiles hundreds of these patterns (case-sensitive here: the class has both cases).
_SPACED_WORD_CHAR = r"(?-i:[0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff])"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A case-insensitive pattern for a rule phrase: whole words, a * ending a word for any
    word ending ("only work* in the app"), any run of spaces between words."""
    text = phrase.strip()
    if not text or text == "*":
        raise ValueError(f"blank phrase: {phrase!r}")
    words = text.split()
    body = r"\s+".join(re.escape(word.removesuffix("*")) + (r"\w*" if word.endswith("*") else "") for word in words)
    core = text.removesuffix("*").strip()
    spaced = not any(_is_unspaced_script(c) for c in core)
    before = rf"(?<!{_SPACED_WORD_CHAR})" if spaced and core[0].isalnum() else ""
    after = rf"(?!{_SPACED_WORD_CHAR})" if spaced and core[-1].isalnum() and not text.endswith("*") else ""
    return re.compile(before + body + after, re.IGNORECASE)


def _any_phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{phrase_pattern(p).pattern})" for p in phrases), re.IGNORECASE)


def classify_confusion(texts: Sequence[str], config: PromotionConfig) -> list[tuple[str, ...]]:
    """The confusion types (config order) each text shows; () when none."""
    patterns = [(t.name, _any_phrase_pattern(t.phrases)) for t in config.confusion_types]
    return [tuple(name for name, pattern in patterns if pattern.search(text or "")) for text in texts]


# --- campaigns and mentions ----------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def campaign_windows(campaigns: pd.DataFrame, config: PromotionConfig) -> pd.DataFrame:
    """Each campaign's mention window (dates, inclusive)."""
    _check_columns(campaigns, CAMPAIGN_COLUMNS, "campaigns")
    starts = pd.to_datetime(campaigns["start_date"]).dt.date
    ends = pd.to_datetime(campaigns["end_date"]).dt.date
    if (ends < starts).any():
        raise ValueError("a campaign ends before it starts")
    return pd.DataFrame(
        {
            "campaign_id": campaigns["campaign_id"].to_numpy(),
            "window_start": [d - timedelta(days=config.days_before_launch) for d in starts],
            "window_end": [d + timedelta(days=config.days_after_end) for d in ends],
        },
        columns=WINDOW_COLUMNS,
    )


def _term_ngrams(terms: str, config: PromotionConfig) -> set[str]:
    grams: set[str] = set()
    for clause in _CLAUSE_END.split(terms or ""):
        grams |= _clause_ngrams([t.lower() for t in _TERM_TOKEN.findall(clause)], config)
    return grams


def _clause_ngrams(tokens: list[str], config: PromotionConfig) -> set[str]:
    grams = set()
    for size in config.term_ngram_sizes:
        for start in range(len(tokens) - size + 1):
            gram = tokens[start : start + size]
            if gram[0] in config.term_edge_stopwords or gram[-1] in config.term_edge_stopwords:
                continue
            # Dates and times ("2026-10-04", "23") say nothing about the offer; amounts do.
            if any(any(c.isdigit() for c in t) and not _AMOUNT.fullmatch(t) for t in gram):
                continue
            grams.add(" ".join(gram))
    return grams


def distinctive_terms(campaigns: pd.DataFrame, config: PromotionConfig) -> dict[str, tuple[str, ...]]:
    """Per campaign id, the n-grams of its terms that no other campaign's terms contain (sorted)."""
    _check_columns(campaigns, CAMPAIGN_COLUMNS, "campaigns")
    grams = {
        cid: _term_ngrams(terms if isinstance(terms, str) else "", config)
        for cid, terms in zip(campaigns["campaign_id"], campaigns["terms"], strict=True)
    }
    return {
        cid: tuple(sorted(g for g in own if not any(g in grams[other] for other in grams if other != cid)))
        for cid, own in grams.items()
    }


@dataclass(frozen=True)
class _CampaignMatcher:
    campaign_id: str
    code: re.Pattern[str] | None
    name: re.Pattern[str]
    terms: tuple[re.Pattern[str], ...]
    min_term_hits: int

    def item_match(self, text: str) -> tuple[str, str] | None:
        """(matched_by, matched text) for the strongest evidence in ``text``, or None."""
        for matched_by, pattern in (("code", self.code), ("name", self.name)):
            found = pattern.search(text) if pattern is not None else None
            if found:
                return matched_by, found.group(0)
        hits = [found.group(0) for p in self.terms if (found := p.search(text))]
        if len(hits) >= self.min_term_hits:
            return "terms", "; ".join(hits)
        return None

    def names_campaign(self, text: str) -> bool:
        """Whether a segment itself names the campaign (code, name or any distinctive term)."""
        return any(p.search(text) for p in (self.code, self.name, *self.terms) if p is not None)


def _matchers(campaigns: pd.DataFrame, config: PromotionConfig) -> dict[str, _CampaignMatcher]:
    terms = distinctive_terms(campaigns, config)
    matchers = {}
    for row in campaigns.itertuples():
        code = row.promo_code if isinstance(row.promo_code, str) and row.promo_code.strip() else None
        matchers[row.campaign_id] = _CampaignMatcher(
            campaign_id=row.campaign_id,
            code=phrase_pattern(code) if code else None,
            name=phrase_pattern(row.name),
            terms=tuple(phrase_pattern(t) for t in terms[row.campaign_id]),
            min_term_hits=config.min_term_hits,
        )
    return matchers


def find_mentions(items: pd.DataFrame, campaigns: pd.DataFrame, config: PromotionConfig) -> pd.DataFrame:
    """One row per (campaign, item received within its window) that mentions the campaign.

    ``items``: feedback_id, received_at, text. Columns out: campaign_id, feedback_id,
    matched_by ('code' | 'name' | 'terms'), matched_text (as written in the item).
    """
    _check_columns(items, ITEM_COLUMNS, "items")
    windows = campaign_windows(campaigns, config)
    matchers = _matchers(campaigns, config)
    received = pd.to_datetime(items["received_at"]).dt.date
    rows = []
    for window in windows.itertuples():
        matcher = matchers[window.campaign_id]
        in_window = items[(received >= window.window_start) & (received <= window.window_end)]
        for feedback_id, text in zip(in_window["feedback_id"], in_window["text"], strict=True):
            match = matcher.item_match(text if isinstance(text, str) else "")
            if match:
                rows.append((window.campaign_id, feedback_id, *match))
    return pd.DataFrame(rows, columns=MENTION_COLUMNS)


def campaign_segments(
    segments: pd.DataFrame, mentions: pd.DataFrame, campaigns: pd.DataFrame, config: PromotionConfig
) -> pd.DataFrame:
    """The segments of mentioning items that name the campaign or show a confusion type.

    ``segments``: feedback_id, ordinal, text; ``mentions``: find_mentions' output. Columns
    out: campaign_id, feedback_id, ordinal, is_mention (the segment itself names the
    campaign), confusion_types (list, config order; may be empty when is_mention).
    """
    _check_columns(segments, SEGMENT_COLUMNS, "segments")
    _check_columns(mentions, MENTION_COLUMNS, "mentions")
    matchers = _matchers(campaigns, config)
    candidates = mentions[["campaign_id", "feedback_id"]].merge(segments[SEGMENT_COLUMNS], on="feedback_id")
    texts = [t if isinstance(t, str) else "" for t in candidates["text"]]
    types = classify_confusion(texts, config)
    is_mention = [matchers[cid].names_campaign(t) for cid, t in zip(candidates["campaign_id"], texts, strict=True)]
    result = candidates.assign(is_mention=is_mention, confusion_types=[list(t) for t in types])
    keep = result["is_mention"] | result["confusion_types"].map(bool)
    return result.loc[keep, CAMPAIGN_SEGMENT_COLUMNS].reset_index(drop=True)
