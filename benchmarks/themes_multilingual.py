"""Does the same complaint in another language land in the theme of its English version?

tests/data/themes_multilingual.csv holds 12 retail complaints × 2 phrasings, written in
English and translated into es, ru, ro, zh, fr and de (144 non-English texts). For each
embedding backend (minilm, e5, and bridged: MiniLM for English, e5 through the language
bridge for the rest; the background texts are routed the same way) the engine
(config/nlp.yaml, that backend's thresholds) is fitted on the parallel set alone, and on
the parallel set mixed into a seeded sample of real segment texts from a demo warehouse (the
realistic case: themes come from a big, mostly English corpus). Score: the share of non-English texts whose theme is their English
counterpart's (bar: >= 80 %), per background sample (three seeded samples by default) and
their mean. Embedding speed (sentences/s) is timed on 256 background texts, so it is only a
rough guide (benchmarks/pipeline_scale.py times embedding properly).

    .venv/bin/python benchmarks/themes_multilingual.py --db data/voc.duckdb [--background 3000] [--background-samples 3]

Writes benchmarks/results/themes_multilingual.json. Embeddings are cached by text hash in
.cache/themes_benchmarks.duckdb, so a re-run only times the encoders.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from nlp.config import parse_nlp_config
from nlp.embeddings import load_embedder, text_hash
from nlp.themes import ThemeConfig, fit_themes
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.steps import cache_embeddings, cached_vectors
from pipelines.themes_eval import counterpart_agreement, read_parallel_csv
from pipelines.warehouse.db import connect, init_schema

PARALLEL = PROJECT_ROOT / "tests" / "data" / "themes_multilingual.csv"
OUT = PROJECT_ROOT / "benchmarks" / "results" / "themes_multilingual.json"
BAR = 0.80
SPEED_TEXTS = 256


def config_for(backend: str) -> ThemeConfig:
    """config/nlp.yaml with `backend` selected (and its own thresholds)."""
    document = yaml.safe_load(get_settings().nlp_config_path.read_text(encoding="utf-8"))
    document["themes"]["embedding_backend"] = backend
    return parse_nlp_config(document).themes


def background_texts(db: Path, n: int, seed: int) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        texts = [r[0] for r in con.execute("SELECT DISTINCT text FROM segments ORDER BY text").fetchall()]
    rng = np.random.default_rng(seed)
    return [texts[i] for i in sorted(rng.choice(len(texts), size=min(n, len(texts)), replace=False))]


def embed(embedder, texts: list[str]) -> np.ndarray:
    with connect(get_settings().cache_dir / "themes_benchmarks.duckdb") as con:
        init_schema(con)
        cache_embeddings(con, embedder, pd.DataFrame({"text_hash": [text_hash(t) for t in texts], "text": texts}))
        return cached_vectors(con, embedder.model_id, [text_hash(t) for t in texts])


def sentences_per_second(embedder, texts: list[str]) -> float:
    began = time.perf_counter()
    embedder.encode(texts)
    return round(len(texts) / (time.perf_counter() - began), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=get_settings().db_path, help="a warehouse for background texts")
    parser.add_argument("--background", type=int, default=3000)
    parser.add_argument("--backends", nargs="+", default=["minilm", "e5", "bridged"])
    # One background sample is one draw: which English text ends up beside which demo theme
    # varies with it, so the score is given per sample and as their mean.
    parser.add_argument("--background-samples", type=int, default=3)
    args = parser.parse_args()
    parallel = read_parallel_csv(PARALLEL)
    texts = parallel["text"].tolist()
    results: dict = {"n_parallel_texts": len(parallel), "bar": BAR, "backends": {}}
    for backend in args.backends:
        config = config_for(backend)
        embedder = load_embedder(backend)
        speed = sentences_per_second(embedder, background_texts(args.db, SPEED_TEXTS, config.seed))
        alone = fit_themes(texts, embed(embedder, texts), config)
        samples = []
        for sample in range(args.background_samples):
            background = background_texts(args.db, args.background, config.seed + sample)
            mixed_texts = texts + background
            mixed = fit_themes(mixed_texts, embed(embedder, mixed_texts), config)
            samples.append({
                **counterpart_agreement(parallel, mixed.assignments[: len(parallel)]),
                "n_themes": len(mixed.themes), "n_background_texts": len(background),
                "background_seed": config.seed + sample,
            })
        results["backends"][backend] = {
            "embedding_model": embedder.model_id,
            "sentences_per_second": speed,
            "parallel_alone": {**counterpart_agreement(parallel, alone.assignments), "n_themes": len(alone.themes)},
            "with_background": {
                "share_with_english_counterpart": round(
                    float(np.mean([s["share_with_english_counterpart"] for s in samples])), 4),
                "by_sample": samples,
            },
        }
        print(backend, json.dumps(results["backends"][backend], ensure_ascii=False))
    results["background_db"] = str(args.db)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for backend, result in results["backends"].items():
        share = result["with_background"]["share_with_english_counterpart"]
        each = ", ".join(f"{s['share_with_english_counterpart']:.1%}" for s in result["with_background"]["by_sample"])
        print(f"{backend}: {share:.1%} of non-English texts with their English counterpart, mean over "
              f"background samples ({each}); alone {result['parallel_alone']['share_with_english_counterpart']:.1%} "
              f"(bar {BAR:.0%}: {'met' if share >= BAR else 'NOT met'}), {result['sentences_per_second']} sentences/s")


if __name__ == "__main__":
    main()
