"""Theme-clustering experiments on BANKING77 (labels are used only to score).

Usage:
    python banking77_experiments.py DATASET_DIR CACHE_DIR GROUP [GROUP ...]

Needs the embedding caches written by embed_cache.py in CACHE_DIR.  Every run
appends one JSON line per configuration to CACHE_DIR/results.jsonl.  Scores:
NMI (arithmetic), ARI, themes found, % unassigned (label -1 counts as one extra
cluster when scoring, i.e. it is penalised, never dropped), wall seconds of the
clustering step (embedding time excluded; UMAP time included unless cached).
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

SEED = 42


# ---------------------------------------------------------------- data ----
def load_labels(dataset_dir: Path) -> np.ndarray:
    frames = [pd.read_csv(dataset_dir / name) for name in ("train.csv", "test.csv")]
    return pd.concat(frames, ignore_index=True)["category"].to_numpy()


def load_embeddings(cache_dir: Path, model: str) -> np.ndarray:
    """model is 'minilm', 'e5' or 'minilm+e5' (concatenation, re-normalised)."""
    parts = [np.load(cache_dir / f"banking77_{name}.npy") for name in model.split("+")]
    vectors = np.hstack(parts).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def normalise(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


# ----------------------------------------------------------- reduction ----
def umap_reduce(vectors: np.ndarray, n_neighbors: int, n_components: int, min_dist: float) -> np.ndarray:
    return umap_reduce_seeded(vectors, n_neighbors, n_components, min_dist, SEED)


def umap_reduce_seeded(vectors: np.ndarray, n_neighbors: int, n_components: int, min_dist: float, seed: int) -> np.ndarray:
    from umap import UMAP

    reducer = UMAP(
        n_neighbors=min(n_neighbors, len(vectors) - 1), n_components=n_components, min_dist=min_dist,
        metric="cosine", random_state=seed, low_memory=True,
    )
    return reducer.fit_transform(vectors).astype(np.float32)


def cached_umap(cache_dir: Path, vectors: np.ndarray, n_neighbors: int, n_components: int, min_dist: float,
                seed: int = SEED) -> np.ndarray:
    """UMAP is the slow step; key the cache on the exact input bytes + params."""
    digest = hashlib.sha1(vectors.tobytes()).hexdigest()[:12]
    suffix = "" if seed == SEED else f"_s{seed}"
    path = cache_dir / f"umap_{digest}_{n_neighbors}_{n_components}_{min_dist}{suffix}.npy"
    if path.exists():
        return np.load(path)
    reduced = umap_reduce_seeded(vectors, n_neighbors, n_components, min_dist, seed)
    np.save(path, reduced)
    return reduced


# ---------------------------------------------------------- clustering ----
def hdbscan_labels(space: np.ndarray, min_cluster_size: int, min_samples: int | None, method: str) -> np.ndarray:
    import hdbscan

    model = hdbscan.HDBSCAN(
        min_cluster_size=max(2, min_cluster_size), min_samples=min_samples,
        metric="euclidean", cluster_selection_method=method, core_dist_n_jobs=2,
    )
    return model.fit_predict(space)


def kmeans_labels(space: np.ndarray, k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=3, random_state=SEED).fit_predict(space)


def agglomerative_labels(space: np.ndarray, linkage: str, threshold: float, metric: str) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, linkage=linkage,
        metric="euclidean" if linkage == "ward" else metric,
    )
    return model.fit_predict(space)


def centroids_of(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length mean embedding of every non-outlier cluster, and the cluster ids."""
    ids = np.unique(labels[labels >= 0])
    centres = np.vstack([vectors[labels == i].mean(axis=0) for i in ids])
    return normalise(centres), ids


def assign_outliers(vectors: np.ndarray, labels: np.ndarray, min_similarity: float = -1.0) -> np.ndarray:
    """Give every -1 the cluster with the most similar centroid (cosine, full embedding),
    unless even that similarity is below min_similarity (then it stays unassigned)."""
    out = labels.copy()
    mask = out < 0
    if mask.any() and (~mask).any():
        centres, ids = centroids_of(vectors, out)
        sims = vectors[mask] @ centres.T
        best = np.argmax(sims, axis=1)
        ok = sims[np.arange(len(best)), best] >= min_similarity
        out[np.flatnonzero(mask)[ok]] = ids[best[ok]]
    return out


def merge_by_centroid_threshold(vectors: np.ndarray, labels: np.ndarray, max_distance: float) -> np.ndarray:
    """Average-linkage merge of clusters whose centroids are within max_distance (cosine)."""
    from sklearn.cluster import AgglomerativeClustering

    centres, ids = centroids_of(vectors, labels)
    if len(ids) < 2:
        return labels
    groups = AgglomerativeClustering(
        n_clusters=None, distance_threshold=max_distance, linkage="average", metric="cosine",
    ).fit_predict(centres)
    mapping = dict(zip(ids.tolist(), groups.tolist()))
    return np.array([mapping.get(int(x), -1) for x in labels])


def merge_by_cohesion(vectors: np.ndarray, labels: np.ndarray, ratio: float) -> np.ndarray:
    """Scale-free merge: repeatedly join the closest pair of clusters while their
    centroid similarity is at least `ratio` x the smaller of the two clusters'
    own cohesion (mean member-to-centroid cosine).  No absolute threshold, so it
    does not depend on the embedding model's similarity range or on n."""
    out = labels.copy()
    while True:
        centres, ids = centroids_of(vectors, out)
        if len(ids) < 2:
            return out
        raw = np.vstack([vectors[out == i].mean(axis=0) for i in ids])
        cohesion = np.linalg.norm(raw, axis=1)  # = mean cosine of members to their unit centroid
        sims = centres @ centres.T
        np.fill_diagonal(sims, -np.inf)
        need = ratio * np.minimum.outer(cohesion, cohesion)
        score = sims - need
        a, b = np.unravel_index(np.argmax(score), score.shape)
        if score[a, b] < 0:
            return out
        out[out == ids[b]] = ids[a]


# ------------------------------------------------------------- scoring ----
@dataclass
class Result:
    name: str
    model: str
    n: int
    nmi: float
    ari: float
    n_themes: int
    unassigned_pct: float
    seconds: float
    extra: dict = field(default_factory=dict)


def score(name: str, model: str, truth: np.ndarray, labels: np.ndarray, seconds: float, **extra: object) -> Result:
    return Result(
        name=name, model=model, n=len(truth),
        nmi=round(float(normalized_mutual_info_score(truth, labels)), 4),
        ari=round(float(adjusted_rand_score(truth, labels)), 4),
        n_themes=int(len(np.unique(labels[labels >= 0]))),
        unassigned_pct=round(100.0 * float(np.mean(labels < 0)), 2),
        seconds=round(seconds, 1), extra=dict(extra),
    )


def record(cache_dir: Path, result: Result) -> None:
    line = json.dumps(result.__dict__)
    print(line, flush=True)
    with open(cache_dir / "results.jsonl", "a") as handle:
        handle.write(line + "\n")


# ------------------------------------------------------------- configs ----
Pipeline = Callable[[np.ndarray, Path], np.ndarray]


def umap_hdbscan(nn: int, dims: int, mcs_frac: float, method: str, min_samples: int | None = None,
                 reassign: bool = True, min_dist: float = 0.0) -> Pipeline:
    """UMAP -> HDBSCAN with min_cluster_size = mcs_frac * n -> optional outlier reassignment."""
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        space = cached_umap(cache_dir, vectors, nn, dims, min_dist)
        mcs = int(round(mcs_frac * len(vectors)))
        labels = hdbscan_labels(space, mcs, min_samples, method)
        return assign_outliers(vectors, labels) if reassign else labels
    return run


def umap_kmeans(nn: int, dims: int, k: int) -> Pipeline:
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        return kmeans_labels(cached_umap(cache_dir, vectors, nn, dims, 0.0), k)
    return run


def raw_kmeans(k: int) -> Pipeline:
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        return kmeans_labels(vectors, k)
    return run


def agglo(linkage: str, threshold: float, space: str = "raw", nn: int = 15, dims: int = 5) -> Pipeline:
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        x = vectors if space == "raw" else cached_umap(cache_dir, vectors, nn, dims, 0.0)
        return agglomerative_labels(x, linkage, threshold, metric="cosine")
    return run


def over_then_merge(base: Pipeline, merge: str, value: float) -> Pipeline:
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        labels = assign_outliers(vectors, base(vectors, cache_dir))
        if merge == "threshold":
            return merge_by_centroid_threshold(vectors, labels, value)
        return merge_by_cohesion(vectors, labels, value)
    return run


def ward_relative(c: float, nn: int = 15, dims: int = 5) -> Pipeline:
    """Ward on the UMAP space cut at distance c * sqrt(n): Ward's merge cost between two
    clusters that each hold a fixed share of the data grows like sqrt(n), so this cut
    means the same thing at any n."""
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        x = cached_umap(cache_dir, vectors, nn, dims, 0.0)
        return agglomerative_labels(x, "ward", c * np.sqrt(len(x)), metric="euclidean")
    return run


def kmeans_over(k_per_sqrt_n: float, space: str = "raw", nn: int = 15, dims: int = 5) -> Pipeline:
    """KMeans over-clustering with k = k_per_sqrt_n * sqrt(n)."""
    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        x = vectors if space == "raw" else cached_umap(cache_dir, vectors, nn, dims, 0.0)
        return kmeans_labels(x, int(round(k_per_sqrt_n * np.sqrt(len(vectors)))))
    return run


def product_current(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
    """Replica of nlp/themes.py defaults at the time of writing: fixed min_cluster_size 15,
    min_samples 5, eom; merge centroids at cosine similarity >= 0.7; outliers join the
    nearest theme if similarity >= 0.3."""
    space = cached_umap(cache_dir, vectors, 15, 5, 0.0)
    labels = hdbscan_labels(space, 15, 5, "eom")
    keep = labels >= 0
    labels[keep] = merge_by_centroid_threshold(vectors[keep], labels[keep], 0.3)
    return assign_outliers(vectors, labels, min_similarity=0.3)


def kmeans_silhouette(k_grid_over_sqrt_n: tuple[float, ...], space: str = "umap", sample: int = 5000) -> Pipeline:
    """Pick k by the best (sampled) silhouette over a grid of k = c * sqrt(n)."""
    from sklearn.metrics import silhouette_score

    def run(vectors: np.ndarray, cache_dir: Path) -> np.ndarray:
        x = vectors if space == "raw" else cached_umap(cache_dir, vectors, 15, 5, 0.0)
        best: tuple[float, np.ndarray] | None = None
        for c in k_grid_over_sqrt_n:
            labels = kmeans_labels(x, int(round(c * np.sqrt(len(x)))))
            sil = silhouette_score(x, labels, sample_size=min(sample, len(x)), random_state=SEED)
            print(f"  k={len(np.unique(labels))} silhouette={sil:.4f}", flush=True)
            if best is None or sil > best[0]:
                best = (sil, labels)
        return best[1]
    return run


GROUPS: dict[str, dict[str, Pipeline]] = {
    "models": {
        "umap15x5_kmeans_k77(reference)": umap_kmeans(15, 5, 77),
        "umap15x5_hdbscan_mcs0.003_eom_reassign": umap_hdbscan(15, 5, 0.003, "eom"),
        "hdbscan_eom_mcs0.003+merge_thresh0.15": over_then_merge(umap_hdbscan(15, 5, 0.003, "eom", reassign=False), "threshold", 0.15),
        "agglo_ward_umap15x5_t8.0": agglo("ward", 8.0, space="umap"),
    },
    "ward": {f"ward_umap15x5_t{c}sqrtn": ward_relative(c) for c in (0.06, 0.08, 0.1)},
    "ward_merge": {
        "ward_umap15x5_t0.07sqrtn+merge_thresh0.3(product merge step)": over_then_merge(ward_relative(0.07), "threshold", 0.3),
        "ward_umap15x5_t0.07sqrtn+merge_thresh0.2": over_then_merge(ward_relative(0.07), "threshold", 0.2),
    },
    "round2": {
        "product_current(mcs15_ms5_eom+merge0.3+reassign>=0.3)": product_current,
        **{f"umap15x5_hdbscan_mcs0.003_ms{ms}_eom_reassign": umap_hdbscan(15, 5, 0.003, "eom", min_samples=ms) for ms in (5, 10)},
        **{f"umap15x5_hdbscan_mcs{f}_eom_reassign": umap_hdbscan(15, 5, f, "eom") for f in (0.0025, 0.004)},
        **{f"hdbscan_eom_mcs{f}+merge_thresh{t}": over_then_merge(umap_hdbscan(15, 5, f, "eom", reassign=False), "threshold", t)
           for f in (0.002, 0.003) for t in (0.15, 0.2)},
        "kmeans_umap_silhouette": kmeans_silhouette((0.3, 0.45, 0.6, 0.75, 0.9, 1.2, 1.5)),
    },
    "baseline": {
        "kmeans_raw_k77(reference)": raw_kmeans(77),
        "umap15x5_kmeans_k77(reference)": umap_kmeans(15, 5, 77),
        "umap15x5_hdbscan_mcs10_eom(bertopic-default)": lambda v, c: hdbscan_labels(cached_umap(c, v, 15, 5, 0.0), 10, None, "eom"),
    },
    "hdbscan": {
        f"umap15x5_hdbscan_mcs{f}_{m}_reassign": umap_hdbscan(15, 5, f, m)
        for f in (0.001, 0.002, 0.003, 0.005) for m in ("eom", "leaf")
    },
    "hdbscan_dims": {
        f"umap{nn}x{d}_hdbscan_mcs0.002_leaf_reassign": umap_hdbscan(nn, d, 0.002, "leaf")
        for nn, d in ((15, 10), (30, 5), (10, 5))
    },
    "agglo": {
        **{f"agglo_ward_umap15x5_t{t}": agglo("ward", t, space="umap") for t in (4.0, 6.0, 8.0)},
        **{f"agglo_average_cosine_raw_t{t}": agglo("average", t) for t in (0.45, 0.55, 0.65)},
    },
    "merge": {
        **{f"kmeans_umap_over1.5sqrtn+merge_thresh{t}": over_then_merge(kmeans_over(1.5, "umap"), "threshold", t) for t in (0.2, 0.25, 0.3)},
        **{f"kmeans_umap_over1.5sqrtn+merge_cohesion{r}": over_then_merge(kmeans_over(1.5, "umap"), "cohesion", r) for r in (0.9, 1.0, 1.1)},
    },
}


def run_groups(dataset_dir: Path, cache_dir: Path, groups: list[str], model: str = "minilm") -> None:
    truth = load_labels(dataset_dir)
    vectors = load_embeddings(cache_dir, model)
    for group in groups:
        for name, pipeline in GROUPS[group].items():
            start = time.perf_counter()
            labels = pipeline(vectors, cache_dir)
            record(cache_dir, score(name, model, truth, labels, time.perf_counter() - start, group=group))


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen_model = "minilm"
    if args and args[0].startswith("--model="):
        chosen_model = args.pop(0).split("=", 1)[1]
    run_groups(Path(args[0]), Path(args[1]), args[2:], chosen_model)
