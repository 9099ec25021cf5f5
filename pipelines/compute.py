"""The pipeline's heavy compute as pure batch functions that a task runner may run elsewhere.

Steps in ``pipelines.steps`` read their inputs from the warehouse, hand batches to a
``MapBatches`` (in this process by default; on Dask workers when the flow runs on Dask, see
``pipelines.flows``) and write the results back. So everything here takes and returns plain,
picklable values (lists, arrays, frames, small frozen references to models), never a DuckDB
connection, and models are loaded once per process, however many batches it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pandas as pd

from nlp.embeddings import Embedder, load_embedder
from nlp.keyphrases import KeyPhraseConfig, key_phrases
from nlp.sentiment import (
    BACKEND_LANGUAGES, Sentiment, SentimentConfig, SentimentModel, embedding_seed, fit_sentiment_model, load_seed,
)
from nlp.themes import TaxonomyRules, assign_to_themes, settle_theme_ids

R = TypeVar("R")
# Applies a function to each tuple of arguments and yields the results in batch order.
MapBatches = Callable[[Callable[..., R], Iterable[tuple]], Iterator[R]]


def map_in_process(fn: Callable[..., R], batches: Iterable[tuple]) -> Iterator[R]:
    """Each batch in turn, in this process, as it is asked for (the single-process run)."""
    return (fn(*args) for args in batches)


# --- models, by reference -------------------------------------------------------------


def embedding_model_id(backend: str) -> str:
    """The model id of a backend as installed where this runs (loads the model)."""
    return load_embedder(backend).model_id


@dataclass(frozen=True)
class EmbedderRef:
    """An Embedder that pickles as its name: each process encodes with its own cached model."""

    backend: str
    model_id: str

    def encode(self, texts: list[str]) -> np.ndarray:
        embedder = load_embedder(self.backend)
        if embedder.model_id != self.model_id:
            # Vectors are cached under the run's model id; another version would poison the cache.
            raise RuntimeError(
                f"this process embeds with {embedder.model_id}, the run with {self.model_id}: "
                "install the same requirements.lock on every Dask worker"
            )
        return embedder.encode(texts)


def sentiment_seed_texts(backend: str) -> list[str]:
    """The seed texts whose embeddings the sentiment model of `backend` is fitted on."""
    return [example.text for example in embedding_seed(load_seed(), BACKEND_LANGUAGES[backend])]


@lru_cache(maxsize=4)
def sentiment_model(backend: str, config: SentimentConfig, seed_vectors: bytes) -> SentimentModel:
    """The sentiment model for embeddings of `backend`, fitted once per process, config and
    seed embeddings (float32 rows of `sentiment_seed_texts`, as bytes)."""
    seed = load_seed()
    languages = BACKEND_LANGUAGES[backend]
    vectors = np.frombuffer(seed_vectors, dtype=np.float32).reshape(len(embedding_seed(seed, languages)), -1)
    return fit_sentiment_model(seed, vectors, embedding_languages=languages, config=config)


@dataclass(frozen=True)
class SentimentRef:
    """A SentimentModel that pickles as its backend, config and seed embeddings (~100 KB),
    fitted where it is used. The seed is embedded through the run's embedding cache, so no
    process loads an embedding model just to fit it."""

    backend: str
    config: SentimentConfig
    seed_vectors: bytes

    def score(self, texts: Sequence[str], languages: Sequence[str | None], embeddings: np.ndarray) -> list[Sentiment]:
        return sentiment_model(self.backend, self.config, self.seed_vectors).score(texts, languages, embeddings)


# --- batch functions ------------------------------------------------------------------


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    return embedder.encode(texts)


def enrich_texts(
    sentiment: SentimentRef | SentimentModel,
    key_phrase_config: KeyPhraseConfig | None,
    texts: list[str],
    languages: list[str | None],
    vectors: np.ndarray,
) -> pd.DataFrame:
    """Sentiment and key phrases per text: columns sentiment_score, sentiment_label, key_phrases."""
    scores = sentiment.score(texts, languages, vectors)
    return pd.DataFrame(
        {
            "sentiment_score": [s.score for s in scores],
            "sentiment_label": [s.label for s in scores],
            "key_phrases": key_phrases(texts, languages, config=key_phrase_config),
        }
    )


@dataclass(frozen=True)
class ThemeTargets:
    """What texts are assigned against: candidate themes' centroids (rows), the edits, and
    the active themes' centroids the stored similarity is measured to."""

    candidate_ids: list[str]
    candidate_centroids: np.ndarray
    threshold: float
    rules: TaxonomyRules
    active_centroids: dict[str, np.ndarray]


def assign_texts(vectors: np.ndarray, targets: ThemeTargets) -> tuple[list[str | None], np.ndarray]:
    """Each text's theme (None when none is near enough) and its similarity to that theme."""
    nearest = assign_to_themes(vectors, targets.candidate_centroids, targets.threshold)
    theme_ids = settle_theme_ids(
        [targets.candidate_ids[i] if i >= 0 else None for i in nearest], vectors, targets.rules
    )
    return theme_ids, similarity_to(vectors, theme_ids, targets.active_centroids)


def similarity_to(vectors: np.ndarray, theme_ids: list[str | None], centroid_of: dict[str, np.ndarray]) -> np.ndarray:
    return np.array(
        [float(vectors[row] @ centroid_of[t]) if t is not None else np.nan for row, t in enumerate(theme_ids)]
    )
