"""Theme engine speed: fit time on N segments and assignment throughput for new batches,
beside BERTopic's defaults on the same data.

Data: the distinct segment texts of a warehouse built on the demo samples, with their
MiniLM embeddings read from its embedding cache (nothing is embedded here). The demo holds
about 16k distinct texts, so to reach N rows each row repeats a real text with its real
embedding plus small seeded Gaussian noise (σ = --noise per dimension, then re-normalised):
distinct points with the demo's theme structure. Fit and assign time depend on N, not on
the texts being new. BERTopic defaults run on the first --baseline-n rows (UMAP + HDBSCAN on
100k would take far longer than 10 minutes on 2 cores).

    .venv/bin/python benchmarks/themes_scale.py --db data/voc.duckdb [--n 100000] [--baseline-n 20000]

Writes benchmarks/results/themes_scale.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np

from nlp.config import load_nlp_config
from nlp.embeddings import l2_normalise
from nlp.themes import assign_to_themes, fit_themes
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.steps import cached_vectors

OUT = PROJECT_ROOT / "benchmarks" / "results" / "themes_scale.json"
ASSIGN_BATCH = 10_000


def load_real(db: Path, model_id: str) -> tuple[list[str], np.ndarray]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT ON (text_hash) text_hash, text FROM segments ORDER BY text_hash").fetchall()
        vectors = cached_vectors(con, model_id, [h for h, _ in rows])
    return [t for _, t in rows], vectors


def scaled(texts: list[str], vectors: np.ndarray, n: int, noise: float, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.permutation(len(texts)) for _ in range(-(-n // len(texts)))])[:n]
    jitter = rng.normal(0.0, noise, size=(n, vectors.shape[1])).astype(np.float32)
    return [texts[i] for i in rows], l2_normalise(vectors[rows] + jitter)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=get_settings().db_path)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--baseline-n", type=int, default=20_000)
    parser.add_argument("--noise", type=float, default=0.01)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    config = load_nlp_config(get_settings().nlp_config_path).themes
    from nlp.embeddings import load_embedder

    model_id = load_embedder(config.embedding_backend).model_id
    real_texts, real_vectors = load_real(args.db, model_id)
    texts, vectors = scaled(real_texts, real_vectors, args.n, args.noise, config.seed)

    began = time.perf_counter()
    fit = fit_themes(texts, vectors, config)
    fit_seconds = time.perf_counter() - began

    centroids = np.vstack(fit.themes["centroid"].to_list())
    new_batch = scaled(real_texts, real_vectors, ASSIGN_BATCH, args.noise, config.seed + 1)[1]
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        assign_to_themes(new_batch, centroids, config.assign_threshold)
        timings.append(time.perf_counter() - began)
    result = {
        "data": f"{len(real_texts)} distinct demo segment texts with cached {model_id} embeddings, "
                f"repeated with Gaussian noise sigma={args.noise} to {args.n} rows",
        "n_segments": args.n,
        "engine": {
            "fit_seconds": round(fit_seconds, 1),
            "n_themes": len(fit.themes),
            "unassigned_share": round(float(np.mean(fit.assignments < 0)), 4),
            "assign_batch": ASSIGN_BATCH,
            "assign_segments_per_second_median": round(ASSIGN_BATCH / float(np.median(timings))),
        },
    }
    print(json.dumps(result, indent=2))
    if not args.no_baseline:
        from bertopic import BERTopic

        n = min(args.baseline_n, args.n)
        began = time.perf_counter()
        model = BERTopic()
        topics, _ = model.fit_transform(texts[:n], embeddings=vectors[:n])
        baseline_fit = time.perf_counter() - began
        began = time.perf_counter()
        model.transform(texts[:ASSIGN_BATCH], embeddings=new_batch)
        baseline_assign = time.perf_counter() - began
        result["bertopic_defaults"] = {
            "n_segments": n,
            "fit_seconds": round(baseline_fit, 1),
            "n_topics": int(len(set(topics)) - (1 if -1 in topics else 0)),
            "outlier_share": round(float(np.mean(np.asarray(topics) == -1)), 4),
            "assign_segments_per_second": round(ASSIGN_BATCH / baseline_assign),
        }
        print(json.dumps(result["bertopic_defaults"], indent=2))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
