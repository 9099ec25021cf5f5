"""The compositional grammar: pick phrasings, expand alternations, add human noise, fill slots.

Work happens on *templates* (text with ``{slot}`` placeholders) until the very end, so typos
and casing never touch order numbers, codes or personal data; ``render`` fills the slots.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from .kinds import Language, PiiKind
from .lexicon.types import Lexicon, ThemeText

_ALTERNATION = re.compile(r"\[([^\[\]]*)\]")
_PLACEHOLDER = re.compile(r"(\{[a-z_0-9]+\})")
_WORD = re.compile(r"[^\W\d_]{4,}")
_SINGLE_QUOTED = re.compile(r"(?<![^\W\d_])'([^'\n]{2,60}?)'(?![^\W\d_])")
# Names we keep intact so the planted findings stay findable.
_PROTECTED_WORDS = frozenset({"Larkspur", "ParcelPoint", "Columbus", "LarkspurHelp", "Plus"})
# Per-message typo rates: many clean messages, some sloppy ones; about 3% of words overall.
_TYPO_RATES = (0.0, 0.0, 0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.08, 0.09)
_KEYBOARD_NEIGHBOURS = {
    "a": "sq", "s": "ad", "d": "sf", "e": "wr", "r": "et", "t": "ry", "i": "uo", "o": "ip", "n": "bm", "m": "n",
    "l": "k", "h": "gj", "c": "xv", "u": "yi", "g": "fh",
}


def expand_alternations(template: str, rng: random.Random) -> str:
    """``[a|b|c]`` -> one of a, b, c (an empty option drops the group)."""
    return _ALTERNATION.sub(lambda m: rng.choice(m.group(1).split("|")), template)


def map_outside_placeholders(template: str, transform: Callable[[str], str]) -> str:
    parts = _PLACEHOLDER.split(template)
    return "".join(part if _PLACEHOLDER.fullmatch(part) else transform(part) for part in parts)


def _misspell(word: str, rng: random.Random) -> str:
    kind = rng.random()
    i = rng.randrange(1, len(word) - 1)
    if kind < 0.35:  # swap two neighbouring letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind < 0.65:  # drop one
        return word[:i] + word[i + 1:]
    if kind < 0.85:  # double one
        return word[:i] + word[i] + word[i:]
    neighbours = _KEYBOARD_NEIGHBOURS.get(word[i].lower())
    return word[:i] + rng.choice(neighbours) + word[i + 1:] if neighbours else word[:i] + word[i + 1:]


def add_typos(template: str, rng: random.Random, rate: float) -> str:
    if rate <= 0:
        return template

    def noisy(part: str) -> str:
        return _WORD.sub(
            lambda m: m.group(0) if m.group(0) in _PROTECTED_WORDS or rng.random() >= rate
            else _misspell(m.group(0), rng), part)

    return map_outside_placeholders(template, noisy)


def typo_rate(rng: random.Random, language: Language) -> float:
    return 0.0 if language == "zh" else rng.choice(_TYPO_RATES)


def lowercase(template: str) -> str:
    return map_outside_placeholders(template, str.lower)


def shout(template: str) -> str:
    return map_outside_placeholders(template, str.upper)


def double_quotes_for_single(template: str) -> str:
    """Some people quote with ' and some with \" (which then needs CSV/JSON escaping)."""
    return _SINGLE_QUOTED.sub(r'"\1"', template)


def continue_sentence(template: str, language: Language) -> str:
    """Lower-case the first letter when a sentence is joined after a connector ("Also, ...")."""
    if language == "zh" or not template:
        return template
    first_word = template.split(" ", 1)[0]
    if first_word.startswith("{") or first_word.rstrip(",.") in {"I", "I'm", "I've", "I'd", "I'll"}:
        return template
    if first_word.rstrip(",.:!?") in _PROTECTED_WORDS or first_word[:1] in "¿¡":
        return template
    return template[:1].lower() + template[1:]


def join_sentences(sentences: list[str], language: Language) -> str:
    return ("" if language == "zh" else " ").join(s for s in sentences if s)


def render(template: str, slots: dict) -> str:
    return template.format_map(slots)


@dataclass(frozen=True)
class Issue:
    """What one record says about one theme, still as templates."""

    theme: str
    sentences: tuple[str, ...]


def pick_issue(
    lexicon: Lexicon, theme: str, rng: random.Random, is_story: bool, max_details: int
) -> Issue:
    text: ThemeText = lexicon.themes[theme]
    use_story_core = is_story and text.story_core and rng.random() < 0.75
    core = rng.choice(text.story_core if use_story_core else text.core)
    pool = text.story_details if is_story and text.story_details and rng.random() < 0.6 else text.details
    n_details = min(len(pool), rng.randint(0, max_details)) if max_details > 0 else 0
    details = rng.sample(pool, n_details) if n_details else []
    return Issue(theme, tuple(expand_alternations(s, rng) for s in (core, *details)))


def pii_sentence(lexicon: Lexicon, kind: PiiKind, rng: random.Random) -> str:
    return rng.choice(getattr(lexicon.pii, kind))
