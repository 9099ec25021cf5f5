"""Per-language phrasebooks: every theme written natively in each language, not translated."""

from __future__ import annotations

from ..kinds import Language
from . import en, es, ro, ru, zh
from .types import Lexicon

LEXICONS: dict[Language, Lexicon] = {
    "en": en.LEXICON,
    "es": es.LEXICON,
    "ru": ru.LEXICON,
    "ro": ro.LEXICON,
    "zh": zh.LEXICON,
}


def lexicon_for(language: Language) -> Lexicon:
    return LEXICONS[language]
