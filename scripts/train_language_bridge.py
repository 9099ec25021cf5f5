"""Fit the language bridge of the "bridged" embedding backend (nlp/embeddings.py) and write
nlp/data/language_bridge.npz.

- Ridge map e5 -> MiniLM (its predictions rescaled to MiniLM's spread), fitted on English text: 5,000 distinct English segment texts of a
  demo warehouse (`make demo` builds data/voc.duckdb) and 4,000 BANKING77 training queries
  (real customer-service English, CC BY 4.0), both sampled with a fixed seed.
- Routing: lingua chooses between the pipeline's default languages (nlp.language).
- Language offsets: mean e5 vector of each language minus English's over the parallel
  sentences of nlp/data/sentiment_seed.jsonl (the same 64 sentences in en, es, fr, de, ru,
  ro, zh).

    .venv/bin/python scripts/train_language_bridge.py [--db data/voc.duckdb] [--banking77 CSV]

Prints the fit on held-out English (cosine of mapped e5 to MiniLM) and the bridge's id.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from nlp.embeddings import text_hash
from pipelines.steps import cache_embeddings, cached_vectors
from pipelines.warehouse.db import connect, init_schema

from nlp.embeddings import BRIDGE_PATH, fit_language_bridge, load_embedder
from nlp.language import DEFAULT_LANGUAGES
from nlp.sentiment import DEFAULT_SEED_PATH
from pipelines.settings import PROJECT_ROOT, get_settings

SEED = 7
DEMO_TEXTS = 5000
BANKING77_TEXTS = 4000
HELD_OUT = 0.1
RIDGE_LAMBDA = 1.0
DEFAULT_BANKING77 = Path(os.environ.get("VOC_BANKING77_DIR", PROJECT_ROOT.parent / "shared" / "datasets" / "banking77"))


def english_texts(db: Path, banking77_csv: Path, rng: np.random.Generator) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        demo = [r[0] for r in con.execute(
            """SELECT DISTINCT s.text FROM segments AS s JOIN feedback AS f USING (feedback_id)
               WHERE f.language = 'en' ORDER BY s.text"""
        ).fetchall()]
    banking = sorted(set(pd.read_csv(banking77_csv)["text"].astype(str)))
    return [demo[i] for i in sorted(rng.choice(len(demo), DEMO_TEXTS, replace=False))] + [
        banking[i] for i in sorted(rng.choice(len(banking), BANKING77_TEXTS, replace=False))
    ]


def parallel_sentences(seed_path: Path) -> dict[str, list[str]]:
    rows = [json.loads(line) for line in seed_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_language: dict[str, list[dict]] = {}
    for row in rows:
        by_language.setdefault(row["language"], []).append(row)
    labels = {language: [r["label"] for r in group] for language, group in by_language.items()}
    if len({tuple(v) for v in labels.values()}) != 1:
        raise ValueError(f"{seed_path} is not parallel: languages differ in size or label order")
    return {language: [r["text"] for r in group] for language, group in by_language.items()}


def embed(embedder, texts: list[str]) -> np.ndarray:
    """Encode through an embedding cache, so a re-run (e.g. another ridge penalty) is quick."""
    with connect(get_settings().cache_dir / "language_bridge.duckdb") as con:
        init_schema(con)
        hashes = [text_hash(t) for t in texts]
        cache_embeddings(con, embedder, pd.DataFrame({"text_hash": hashes, "text": texts}).drop_duplicates("text_hash"))
        return cached_vectors(con, embedder.model_id, hashes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=get_settings().db_path)
    parser.add_argument("--banking77", type=Path, default=DEFAULT_BANKING77 / "train.csv")
    parser.add_argument("--out", type=Path, default=BRIDGE_PATH)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    texts = english_texts(args.db, args.banking77, rng)
    minilm, e5 = load_embedder("minilm"), load_embedder("e5")
    english_e5, english_minilm = embed(e5, texts), embed(minilm, texts)
    held_out = rng.random(len(texts)) < HELD_OUT
    parallel = {language: embed(e5, sentences) for language, sentences in parallel_sentences(DEFAULT_SEED_PATH).items()}
    check = fit_language_bridge(english_e5[~held_out], english_minilm[~held_out], parallel, RIDGE_LAMBDA)
    cosine = np.sum(check.apply(english_e5[held_out], ["en"] * int(held_out.sum())) * english_minilm[held_out], axis=1)
    bridge = fit_language_bridge(english_e5, english_minilm, parallel, RIDGE_LAMBDA, DEFAULT_LANGUAGES)
    args.out.write_bytes(bridge.to_bytes())
    print(json.dumps({
        "english_texts": len(texts), "parallel_languages": sorted(parallel),
        "held_out_texts": int(held_out.sum()),
        "held_out_cosine_median": round(float(np.median(cosine)), 4),
        "held_out_cosine_p10": round(float(np.quantile(cosine, 0.1)), 4),
        "spread": round(bridge.spread, 4), "bridge": bridge.fingerprint(), "written": str(args.out),
    }, indent=2))


if __name__ == "__main__":
    main()
