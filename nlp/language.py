"""Language identification for feedback items (ISO 639-1 codes).

lingua is accurate on short texts but slow to build, so one detector per configuration is
built lazily and reused. It is restricted to the languages we support: fewer candidates
means fewer confusions (e.g. "ok" is not Polish) and less memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "ru", "ro", "zh", "it", "pt", "nl")

# Letters of any script; digits, punctuation, emoji and URLs carry no language signal.
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class LanguageConfig:
    """When to trust the detector; below these bars the caller's hint (or None) is used."""

    supported: tuple[str, ...] = DEFAULT_LANGUAGES
    # Top confidence must reach this value...
    min_confidence: float = 0.4
    # ...and be this many times the runner-up's (short texts spread confidence thinly).
    min_ratio: float = 2.0
    # Texts with fewer letters than this are not detected ("ok", "lol", "👍").
    min_letters: int = 8
    # Han characters carry more signal each, so CJK text needs fewer of them.
    min_han_chars: int = 2


def normalise_language_code(code: object) -> str | None:
    """'en-US' → 'en'; 'und', '', None and NaN → None. The X API and survey tools use such tags."""
    if not isinstance(code, str) or not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if len(base) != 2 or not base.isalpha():
        return None
    return base


@lru_cache(maxsize=4)
def _detector(supported: tuple[str, ...]) -> LanguageDetector:
    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in supported]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _has_enough_signal(text: str, config: LanguageConfig) -> bool:
    if len(_HAN.findall(text)) >= config.min_han_chars:
        return True
    return len(_LETTER.findall(text)) >= config.min_letters


def _confident_code(confidences: Sequence, config: LanguageConfig) -> str | None:
    """ISO code of the top candidate if it is confident and clearly ahead, else None."""
    if not confidences:
        return None
    top = confidences[0]
    runner_up = confidences[1].value if len(confidences) > 1 else 0.0
    if top.value < config.min_confidence or top.value < config.min_ratio * runner_up:
        return None
    return top.language.iso_code_639_1.name.lower()


def detect_languages(
    texts: Sequence[str],
    hints: Sequence[str | None] | None = None,
    config: LanguageConfig | None = None,
) -> list[str | None]:
    """Detect the language of each text; fall back to its hint when detection is unsure.

    `hints` are source-provided tags (e.g. the X API `lang`), normalised to ISO 639-1.
    A confident detection wins over the hint, because source tags are often wrong for
    short or mixed posts; a too-short or ambiguous text gets the hint, or None.
    """
    config = config or LanguageConfig()
    if hints is not None and len(hints) != len(texts):
        raise ValueError(f"{len(hints)} hints for {len(texts)} texts")
    hint_codes = [normalise_language_code(h) for h in hints] if hints is not None else [None] * len(texts)

    cleaned = [_URL_OR_HANDLE.sub(" ", text) if isinstance(text, str) else "" for text in texts]
    # Each distinct text once: reposts and templated complaints repeat.
    to_detect = list(dict.fromkeys(text for text in cleaned if _has_enough_signal(text, config)))
    detected: dict[str, str | None] = {}
    if to_detect:
        detector = _detector(tuple(config.supported))
        all_confidences = detector.compute_language_confidence_values_in_parallel(to_detect)
        for text, confidences in zip(to_detect, all_confidences, strict=True):
            detected[text] = _confident_code(confidences, config)

    return [detected.get(text) or hint for text, hint in zip(cleaned, hint_codes, strict=True)]
