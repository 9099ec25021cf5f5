"""Sentiment of feedback segments in every supported language: a score in [-1, 1] and a label.

Three signals are blended as class probabilities over (negative, neutral, positive):

1. Character probe (always): TF-IDF over character n-grams inside words + Complement Naive
   Bayes, fitted at load time (~0.15 s) on the hand-written multilingual seed
   ``nlp/data/sentiment_seed.jsonl`` (en, es, fr, de, ru, ro, zh). Needs no model weights,
   works on any script and scores thousands of texts per second.
2. Embedding probe (when the caller passes embeddings): logistic regression over the sentence
   embeddings the theme engine already computes, fitted on the seed texts' embeddings from the
   same model, and used only for the languages that model covers (minilm: English; e5: all).
3. Emoji: hand-assigned valences (``nlp/data/sentiment_emoji.tsv``); social posts often carry
   their whole mood in them ("@brand 🤬").

``score = P(positive) - P(negative)``; ``label`` is the most probable class.

Why this design (benchmarks/sentiment_quality.py has the figures): the e5 probe is the most
accurate in every language, the MiniLM probe only in English, and a lexicon (VADER) only in
English and below either probe; the character probe is the only cheap signal that works in
all seven languages, and adding it to either embedding probe does not hurt where the probe
is strong.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB

SentimentLabel = Literal["negative", "neutral", "positive"]
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SEED_PATH = DATA_DIR / "sentiment_seed.jsonl"
DEFAULT_EMOJI_PATH = DATA_DIR / "sentiment_emoji.tsv"
# Languages each embedding backend (nlp.embeddings) represents well; None = all of them.
# "bridged" gives English MiniLM's own vectors, so its probe is MiniLM's; other languages
# keep the character model (measured: the bridge does not help the probe there).
BACKEND_LANGUAGES: Mapping[str, tuple[str, ...] | None] = {"minilm": ("en",), "e5": None, "bridged": ("en",)}

# Links and @handles say nothing about mood and would dominate short posts' n-grams.
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|@\w+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Variation selectors, zero-width joiner, skin tones and gender signs only modify an emoji.
_EMOJI_MODIFIERS = frozenset("\ufe0e\ufe0f\u200d\u2640\u2642") | frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


@dataclass(frozen=True)
class Sentiment:
    score: float  # P(positive) - P(negative), in [-1, 1]
    label: SentimentLabel


@dataclass(frozen=True)
class SeedExample:
    text: str
    language: str
    label: SentimentLabel


@dataclass(frozen=True)
class SentimentConfig:
    char_ngram_range: tuple[int, int] = (1, 4)
    char_alpha: float = 0.3  # Complement NB smoothing
    embedding_c: float = 1.0  # inverse L2 strength of the embedding probe
    # Share of the embedding probe in the blend where it covers the text's language.
    embedding_weight: float = 0.6
    # Share of the emoji signal when a text has emoji with a known valence.
    emoji_weight: float = 0.35


def load_seed(path: Path | str = DEFAULT_SEED_PATH) -> list[SeedExample]:
    """The labelled seed: one JSON object per line with text, language and label."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["label"] not in LABELS:
                raise ValueError(f"{path}:{line_number}: unknown label {row['label']!r}")
            examples.append(SeedExample(row["text"], row["language"], row["label"]))
    return examples


def load_emoji_valences(path: Path | str = DEFAULT_EMOJI_PATH) -> dict[str, float]:
    """emoji → valence in [-1, 1], from a two-column TSV ('#' lines are comments)."""
    valences: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            emoji, valence = line.rstrip("\n").split("\t")
            valences[_strip_modifiers(emoji)] = max(-1.0, min(1.0, float(valence)))
    return valences


def _strip_modifiers(text: str) -> str:
    return "".join(ch for ch in text if ch not in _EMOJI_MODIFIERS)


def _char_text(text: str) -> str:
    return unicodedata.normalize("NFC", _URL_OR_HANDLE.sub(" ", text))


def emoji_valence(text: str, valences: Mapping[str, float]) -> float | None:
    """Mean valence of the known emoji in a text, or None when it has none."""
    found = [valences[ch] for ch in _strip_modifiers(text) if ch in valences]
    return float(np.mean(found)) if found else None


def _emoji_probabilities(valence: float) -> np.ndarray:
    """A valence as (negative, neutral, positive) probabilities: 😡 → mostly negative."""
    return np.array([max(-valence, 0.0), 1.0 - abs(valence), max(valence, 0.0)])


def _aligned(probabilities: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Reorder a classifier's predict_proba columns to LABELS order."""
    order = [list(classes).index(label) for label in LABELS]
    return probabilities[:, order]


class SentimentModel:
    """A fitted scorer; build it with `fit_sentiment_model` or `load_sentiment_model`."""

    def __init__(
        self,
        char_vectorizer: TfidfVectorizer,
        char_classifier: ComplementNB,
        emoji_valences: Mapping[str, float],
        config: SentimentConfig,
        embedding_classifier: LogisticRegression | None = None,
        embedding_languages: frozenset[str] | None = None,
    ) -> None:
        self._char_vectorizer = char_vectorizer
        self._char_classifier = char_classifier
        self._emoji = dict(emoji_valences)
        self.config = config
        self._embedding_classifier = embedding_classifier
        # None: the embedding model covers every language.
        self.embedding_languages = embedding_languages

    @property
    def uses_embeddings(self) -> bool:
        return self._embedding_classifier is not None

    def _covers(self, language: str | None) -> bool:
        return self.embedding_languages is None or language in self.embedding_languages

    def class_probabilities(
        self, texts: Sequence[str], languages: Sequence[str | None], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """(len(texts), 3) probabilities in LABELS order, blended from the three signals."""
        if len(languages) != len(texts):
            raise ValueError(f"{len(languages)} languages for {len(texts)} texts")
        if not texts:
            return np.zeros((0, len(LABELS)))
        cleaned = [_char_text(t) if isinstance(t, str) else "" for t in texts]
        char_probabilities = self._char_classifier.predict_proba(self._char_vectorizer.transform(cleaned))
        probabilities = _aligned(char_probabilities, self._char_classifier.classes_)
        if embeddings is not None:
            probabilities = self._blend_embeddings(probabilities, languages, embeddings)
        return self._blend_emoji(probabilities, texts)

    def _blend_embeddings(
        self, probabilities: np.ndarray, languages: Sequence[str | None], embeddings: np.ndarray
    ) -> np.ndarray:
        if self._embedding_classifier is None:
            raise ValueError("embeddings given, but this model was fitted without an embedding probe")
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.shape != (len(probabilities), self._embedding_classifier.n_features_in_):
            raise ValueError(
                f"embeddings of shape {embeddings.shape}; expected ({len(probabilities)}, "
                f"{self._embedding_classifier.n_features_in_})"
            )
        covered = np.array([self._covers(language) for language in languages], dtype=bool)
        if covered.any():
            probe = _aligned(
                self._embedding_classifier.predict_proba(embeddings[covered]), self._embedding_classifier.classes_
            )
            weight = self.config.embedding_weight
            probabilities = probabilities.copy()
            probabilities[covered] = weight * probe + (1 - weight) * probabilities[covered]
        return probabilities

    def _blend_emoji(self, probabilities: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        blended = probabilities.copy()
        for i, text in enumerate(texts):
            valence = emoji_valence(text, self._emoji) if isinstance(text, str) else None
            if valence is None:
                continue
            # Without words ("@brand 🤬 ???") the emoji are the whole message.
            weight = self.config.emoji_weight if _LETTER.search(_char_text(text)) else 1.0
            blended[i] = (1 - weight) * probabilities[i] + weight * _emoji_probabilities(valence)
        return blended

    def score(
        self, texts: Sequence[str], languages: Sequence[str | None], embeddings: np.ndarray | None = None
    ) -> list[Sentiment]:
        probabilities = self.class_probabilities(texts, languages, embeddings)
        results = []
        for text, row in zip(texts, probabilities, strict=True):
            if not _has_signal(text, self._emoji):  # "", "123", "???": nothing to judge
                results.append(Sentiment(0.0, "neutral"))
                continue
            score = float(np.clip(row[2] - row[0], -1.0, 1.0))
            results.append(Sentiment(round(score, 4), LABELS[int(np.argmax(row))]))
        return results


def _has_signal(text: object, emoji: Mapping[str, float]) -> bool:
    if not isinstance(text, str):
        return False
    cleaned = _char_text(text)
    return bool(_LETTER.search(cleaned)) or emoji_valence(cleaned, emoji) is not None


def embedding_seed(seed: Sequence[SeedExample], languages: Collection[str] | None) -> list[SeedExample]:
    """The seed examples an embedding probe for a model covering `languages` is fitted on."""
    return [example for example in seed if languages is None or example.language in languages]


def fit_sentiment_model(
    seed: Sequence[SeedExample],
    seed_embeddings: np.ndarray | None = None,
    *,
    embedding_languages: Collection[str] | None = None,
    emoji_valences: Mapping[str, float] | None = None,
    config: SentimentConfig | None = None,
) -> SentimentModel:
    """Fit the character probe, and the embedding probe when seed embeddings are given.

    The embedding probe is fitted on the seed examples in `embedding_languages` only (None:
    all), since a model's vectors for languages it was not trained on carry little meaning:
    `seed_embeddings` row i embeds ``embedding_seed(seed, embedding_languages)[i]``, encoded
    by the model whose embeddings will later be scored.
    """
    config = config or SentimentConfig()
    if not seed:
        raise ValueError("empty sentiment seed")
    labels = [example.label for example in seed]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=config.char_ngram_range, sublinear_tf=True)
    features = vectorizer.fit_transform([_char_text(example.text) for example in seed])
    char_classifier = ComplementNB(alpha=config.char_alpha).fit(features, labels)

    embedding_classifier = None
    languages = frozenset(embedding_languages) if embedding_languages is not None else None
    if seed_embeddings is not None:
        seed_embeddings = np.asarray(seed_embeddings, dtype=np.float32)
        covered = embedding_seed(seed, languages)
        if len(seed_embeddings) != len(covered):
            raise ValueError(f"{len(seed_embeddings)} seed embeddings for {len(covered)} seed examples")
        covered_labels = [example.label for example in covered]
        if set(covered_labels) != set(LABELS):
            raise ValueError("the seed lacks examples of some label in the embedding model's languages")
        embedding_classifier = LogisticRegression(C=config.embedding_c, max_iter=2000).fit(
            seed_embeddings, covered_labels
        )
    return SentimentModel(
        vectorizer,
        char_classifier,
        emoji_valences if emoji_valences is not None else load_emoji_valences(),
        config,
        embedding_classifier,
        languages,
    )


def load_sentiment_model(
    backend: str | None = None,
    *,
    seed_path: Path | str = DEFAULT_SEED_PATH,
    emoji_path: Path | str = DEFAULT_EMOJI_PATH,
    config: SentimentConfig | None = None,
) -> SentimentModel:
    """A model for scoring embeddings from `backend` ("minilm", "e5", "bridged"), or text-only when None.

    Encodes the seed texts of the backend's languages with `nlp.embeddings.load_embedder`
    (a pipeline with an embedding cache can instead encode `embedding_seed(load_seed(),
    BACKEND_LANGUAGES[backend])` through that cache and call `fit_sentiment_model`).
    """
    seed = load_seed(seed_path)
    emoji = load_emoji_valences(emoji_path)
    if backend is None:
        return fit_sentiment_model(seed, emoji_valences=emoji, config=config)
    if backend not in BACKEND_LANGUAGES:
        raise ValueError(f"unknown embedding backend {backend!r}; expected one of {sorted(BACKEND_LANGUAGES)}")
    from nlp.embeddings import load_embedder

    languages = BACKEND_LANGUAGES[backend]
    vectors = load_embedder(backend).encode([example.text for example in embedding_seed(seed, languages)])
    return fit_sentiment_model(seed, vectors, embedding_languages=languages, emoji_valences=emoji, config=config)


@lru_cache(maxsize=1)
def default_sentiment_model() -> SentimentModel:
    """The text-only model (character probe + emoji) from the bundled seed; built once."""
    return load_sentiment_model(None)


def score_sentiment(
    texts: Sequence[str],
    languages: Sequence[str | None],
    embeddings: np.ndarray | None = None,
    model: SentimentModel | None = None,
) -> list[Sentiment]:
    """Score each text's sentiment; `languages` are ISO 639-1 codes (or None) per text.

    Without `embeddings` the text-only default model is used. With them (rows aligned with
    `texts`), pass the `model` fitted for the same embedding model, e.g.
    ``load_sentiment_model("e5")``.
    """
    if model is None:
        if embeddings is not None:
            raise ValueError("embeddings given without the SentimentModel fitted for their embedding model")
        model = default_sentiment_model()
    return model.score(texts, languages, embeddings)
