"""Load config/nlp.yaml into typed, frozen settings for each NLP stage.

Unknown keys inside the language, segment, themes, redact, sentiment, key_phrases and
duplicates sections are errors (a typo must not silently fall back to a default); other
top-level sections belong to other modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from nlp.duplicates import DuplicateConfig
from nlp.keyphrases import KeyPhraseConfig
from nlp.language import LanguageConfig
from nlp.redact import RedactConfig
from nlp.segment import ContentRule, SegmentConfig
from nlp.sentiment import SentimentConfig
from nlp.themes import ThemeConfig, UmapConfig, VectorizerConfig

T = TypeVar("T")


@dataclass(frozen=True)
class NlpConfig:
    version: int
    language: LanguageConfig
    segment: SegmentConfig
    themes: ThemeConfig
    redact: RedactConfig
    sentiment: SentimentConfig
    key_phrases: KeyPhraseConfig
    duplicates: DuplicateConfig


def _build(cls: type[T], section: Mapping[str, Any], **converted: Any) -> T:
    """Instantiate a dataclass from a YAML mapping, rejecting unknown keys; lists become tuples."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(section) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} settings: {sorted(unknown)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}
    values.update(converted)
    return cls(**values)


def _words(section: Mapping[str, Any], key: str) -> list[str]:
    """A list of words, lowercased. YAML reads a bare yes, no, on or off as a boolean: refused,
    since the word would silently become "true"."""
    words = section.get(key, [])
    not_words = [w for w in words if not isinstance(w, str)]
    if not_words:
        raise ValueError(f"{key}: {not_words} are not words; quote them (YAML reads a bare yes/no as a boolean)")
    return [w.lower() for w in words]


def _content_rule(section: Mapping[str, Any]) -> ContentRule:
    return _build(
        ContentRule,
        section,
        phatic_words=frozenset(_words(section, "phatic_words")),
        filler_words=frozenset(_words(section, "filler_words")),
    )


def _segment_config(section: Mapping[str, Any]) -> SegmentConfig:
    return _build(
        SegmentConfig,
        section,
        trained_pipelines=dict(section.get("trained_pipelines", {})),
        content=_content_rule(section.get("content", {})),
    )


_THRESHOLD_FIELDS = {"match": "match_threshold", "assign": "assign_threshold"}


def _backend_thresholds(section: Mapping[str, Any]) -> dict[str, float]:
    """The selected embedding backend's cosine thresholds, as ThemeConfig fields."""
    by_backend = section.get("thresholds")
    if by_backend is None:
        return {}
    backend = section.get("embedding_backend", ThemeConfig.embedding_backend)
    if backend not in by_backend:
        raise ValueError(f"themes.thresholds has no entry for embedding backend {backend!r}")
    chosen = by_backend[backend]
    unknown = set(chosen) - set(_THRESHOLD_FIELDS)
    if unknown:
        raise ValueError(f"unknown theme thresholds: {sorted(unknown)}")
    return {_THRESHOLD_FIELDS[k]: float(v) for k, v in chosen.items()}


def _theme_config(section: Mapping[str, Any]) -> ThemeConfig:
    return _build(
        ThemeConfig,
        {k: v for k, v in section.items() if k != "thresholds"},
        umap=_build(UmapConfig, section.get("umap", {})),
        vectorizer=_build(VectorizerConfig, section.get("vectorizer", {})),
        keyword_ignore_words=tuple(_words(section, "keyword_ignore_words")),
        **_backend_thresholds(section),
    )


def parse_nlp_config(document: Mapping[str, Any]) -> NlpConfig:
    return NlpConfig(
        version=int(document["version"]),
        language=_build(LanguageConfig, document.get("language", {})),
        segment=_segment_config(document.get("segment", {})),
        themes=_theme_config(document.get("themes", {})),
        redact=_build(RedactConfig, document.get("redact", {})),
        sentiment=_build(SentimentConfig, document.get("sentiment", {})),
        key_phrases=_build(KeyPhraseConfig, document.get("key_phrases", {})),
        duplicates=_build(DuplicateConfig, document.get("duplicates", {})),
    )


def load_nlp_config(path: Path | str) -> NlpConfig:
    """Read and validate the NLP settings file (e.g. Settings.nlp_config_path)."""
    with open(path, encoding="utf-8") as handle:
        return parse_nlp_config(yaml.safe_load(handle))
