"""Does a configuration depend on n, on the UMAP seed, or on fitting everything at once?

Usage:
    python scale_checks.py DATASET_DIR CACHE_DIR [--model=minilm] CHECK [CHECK ...]
CHECK: subsample | subsample_ward | seeds | fit_sample | adaptive | assign_threshold

- subsample: the candidates on random subsets of 2,000 and 5,000 texts (3 draws each).
- subsample_ward: Ward cut-height sensitivity (0.05..0.09 * sqrt(n)) on the same subsets.
- seeds: the full 13,083 texts with UMAP random_state 1 and 2 (42 is in banking77_experiments).
- fit_sample: fit on a random 5,000 (and 8,000), assign the rest to the nearest theme
  centroid (cosine) without refitting, score on all 13,083 - the "new batch" path.
- adaptive: Ward + silhouette-chosen k on full n (3 seeds) and on the subsets.
- assign_threshold: share of not-fitted texts below the product's assign threshold.
Note: subsample/seeds were run when CANDIDATES held the Ward 0.07, HDBSCAN and
product entries only; the two later entries are measured by subsample_ward/adaptive.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import banking77_experiments as bx

Candidate = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(embeddings, umap_space) -> labels; the UMAP space is computed once per subset and seed."""

WARD_C = 0.07  # cut height = WARD_C * sqrt(n) (8.0 at n = 13,083)


def hdbscan_relative(vectors: np.ndarray, space: np.ndarray) -> np.ndarray:
    """HDBSCAN(mcs = max(10, 0.3 % of n), eom) -> outliers to nearest centroid."""
    labels = bx.hdbscan_labels(space, max(10, int(round(0.003 * len(vectors)))), None, "eom")
    return bx.assign_outliers(vectors, labels)


def ward_relative(vectors: np.ndarray, space: np.ndarray, c: float = WARD_C) -> np.ndarray:
    """Ward on the UMAP space, cut at c * sqrt(n)."""
    return bx.agglomerative_labels(space, "ward", c * np.sqrt(len(space)), metric="euclidean")


def ward_silhouette(vectors: np.ndarray, space: np.ndarray, max_themes: int = 150) -> np.ndarray:
    """Ward tree on the UMAP space, cut at the number of themes with the best silhouette
    (UMAP space, seeded sample of 4,000) over ~40 log-spaced k in [5, k_max],
    k_max = min(max_themes, n / 20): on average at least 20 texts per theme."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    n = len(space)
    k_max = int(min(max_themes, n // 20))
    tree = linkage(space, method="ward")
    rows = np.random.default_rng(bx.SEED).choice(n, size=min(4000, n), replace=False)
    best: tuple[float, np.ndarray] | None = None
    for k in np.unique(np.round(np.geomspace(5, k_max, 40)).astype(int)):
        labels = fcluster(tree, k, criterion="maxclust") - 1
        sil = float(silhouette_score(space[rows], labels[rows]))
        if best is None or sil > best[0]:
            best = (sil, labels)
    return best[1]


def product_current(vectors: np.ndarray, space: np.ndarray) -> np.ndarray:
    labels = bx.hdbscan_labels(space, 15, 5, "eom")
    keep = labels >= 0
    labels[keep] = bx.merge_by_centroid_threshold(vectors[keep], labels[keep], 0.3)
    return bx.assign_outliers(vectors, labels, min_similarity=0.3)


CANDIDATES: dict[str, Candidate] = {
    f"ward_umap15x5_t{WARD_C}sqrtn": ward_relative,
    "ward_umap15x5_silhouette_k": ward_silhouette,
    "ward_umap15x5_t0.09sqrtn": lambda vectors, space: ward_relative(vectors, space, 0.09),
    "hdbscan_mcs0.003n_eom_reassign": hdbscan_relative,
    "product_current": product_current,
}


def run_all(cache_dir: Path, model: str, check: str, truth: np.ndarray, vectors: np.ndarray, seed: int,
            **extra: object) -> None:
    space = bx.cached_umap(cache_dir, vectors, 15, 5, 0.0, seed)
    for name, candidate in CANDIDATES.items():
        start = time.perf_counter()
        labels = candidate(vectors, space)
        bx.record(cache_dir, bx.score(name, model, truth, labels, time.perf_counter() - start,
                                      group=check, seed=seed, **extra))


def check_subsample(cache_dir: Path, model: str, truth: np.ndarray, vectors: np.ndarray) -> None:
    for size in (2000, 5000):
        for draw in range(3):
            rows = np.sort(np.random.default_rng(draw).choice(len(vectors), size=size, replace=False))
            run_all(cache_dir, model, "subsample", truth[rows], vectors[rows], bx.SEED, draw=draw)


def check_seeds(cache_dir: Path, model: str, truth: np.ndarray, vectors: np.ndarray) -> None:
    for seed in (1, 2):
        run_all(cache_dir, model, "seeds", truth, vectors, seed)


def check_fit_sample(cache_dir: Path, model: str, truth: np.ndarray, vectors: np.ndarray) -> None:
    """Fit on a sample, then every other text joins its nearest theme centroid - no refit."""
    for size in (5000, 8000):
        rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=size, replace=False))
        rest = np.setdiff1d(np.arange(len(vectors)), rows)
        space = bx.cached_umap(cache_dir, vectors[rows], 15, 5, 0.0, bx.SEED)
        for name in (f"ward_umap15x5_t{WARD_C}sqrtn", "hdbscan_mcs0.003n_eom_reassign"):
            candidate = CANDIDATES[name]
            start = time.perf_counter()
            fitted = candidate(vectors[rows], space)
            centres, ids = bx.centroids_of(vectors[rows], fitted)
            labels = np.empty(len(vectors), dtype=np.int64)
            labels[rows] = fitted
            labels[rest] = ids[np.argmax(vectors[rest] @ centres.T, axis=1)]
            bx.record(cache_dir, bx.score(f"{name}|fit{size}+assign_rest", model, truth, labels,
                                          time.perf_counter() - start, group="fit_sample", sample=size))


def check_subsample_ward(cache_dir: Path, model: str, truth: np.ndarray, vectors: np.ndarray) -> None:
    """Cut-height sensitivity on the subsets (reuses the cached UMAP spaces)."""
    for size in (2000, 5000):
        for draw in range(3):
            rows = np.sort(np.random.default_rng(draw).choice(len(vectors), size=size, replace=False))
            space = bx.cached_umap(cache_dir, vectors[rows], 15, 5, 0.0, bx.SEED)
            for c in (0.05, 0.06, 0.08, 0.09):
                start = time.perf_counter()
                labels = ward_relative(vectors[rows], space, c)
                bx.record(cache_dir, bx.score(f"ward_umap15x5_t{c}sqrtn", model, truth[rows], labels,
                                              time.perf_counter() - start, group="subsample", seed=bx.SEED, draw=draw))


def check_adaptive(cache_dir: Path, model: str, truth: np.ndarray, vectors: np.ndarray) -> None:
    """ward_silhouette on every cached space: full n (3 UMAP seeds), subsets of 2,000 / 5,000."""
    settings = [("seeds", np.arange(len(vectors)), seed, {}) for seed in (bx.SEED, 1, 2)]
    for size in (2000, 5000):
        for draw in range(3):
            rows = np.sort(np.random.default_rng(draw).choice(len(vectors), size=size, replace=False))
            settings.append(("subsample", rows, bx.SEED, {"draw": draw}))
    for check, rows, seed, extra in settings:
        space = bx.cached_umap(cache_dir, vectors[rows], 15, 5, 0.0, seed)
        start = time.perf_counter()
        labels = ward_silhouette(vectors[rows], space)
        bx.record(cache_dir, bx.score("ward_umap15x5_silhouette_k", model, truth[rows], labels,
                                      time.perf_counter() - start, group=check, seed=seed, **extra))


def check_assign_threshold(cache_dir: Path, model: str, truth: np.ndarray, vectors: np.ndarray) -> None:
    """How many not-fitted texts would nlp/themes.py's assign_threshold (0.4) leave unassigned?"""
    for size in (5000, 8000):
        rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=size, replace=False))
        rest = np.setdiff1d(np.arange(len(vectors)), rows)
        fitted = ward_relative(vectors[rows], bx.cached_umap(cache_dir, vectors[rows], 15, 5, 0.0))
        centres, _ = bx.centroids_of(vectors[rows], fitted)
        best = (vectors[rest] @ centres.T).max(axis=1)
        print(f"fit {size}: best-centroid similarity of the other {len(rest)} texts < 0.4: "
              f"{100 * np.mean(best < 0.4):.2f} %, < 0.5: {100 * np.mean(best < 0.5):.2f} %, "
              f"median {np.median(best):.3f}", flush=True)


CHECKS = {"assign_threshold": check_assign_threshold, "adaptive": check_adaptive, "subsample_ward": check_subsample_ward, "subsample": check_subsample, "seeds": check_seeds, "fit_sample": check_fit_sample}


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen_model = "minilm"
    if args and args[0].startswith("--model="):
        chosen_model = args.pop(0).split("=", 1)[1]
    dataset_dir, cache = Path(args[0]), Path(args[1])
    labels_all = bx.load_labels(dataset_dir)
    vectors_all = bx.load_embeddings(cache, chosen_model)
    for check_name in args[2:]:
        CHECKS[check_name](cache, chosen_model, labels_all, vectors_all)
