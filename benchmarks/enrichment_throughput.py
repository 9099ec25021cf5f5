"""Enrichment throughput (everything but theme embedding) on generated samples.

Generates N items with the seeded sample generator, reads them through the connectors, and
times each enrichment stage exactly as the pipeline calls it: clean + redact (sanitise),
language + segmentation, sentiment + key phrases, duplicates. Prints items/s and segments/s
per stage and overall, and writes benchmarks/results/enrichment_throughput.json.

    .venv/bin/python benchmarks/enrichment_throughput.py --items 100000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from nlp.config import load_nlp_config
from nlp.duplicates import find_duplicates
from nlp.keyphrases import key_phrases
from nlp.language import detect_languages
from nlp.segment import segment_items
from nlp.sentiment import load_sentiment_model
from pipelines.connectors.base import FeedbackRecord
from pipelines.connectors.registry import build_connector, load_sources
from pipelines.sanitise import sanitise_records
from pipelines.settings import PROJECT_ROOT, get_settings
from samplegen import generate_samples

OUT = PROJECT_ROOT / "benchmarks" / "results" / "enrichment_throughput.json"
BATCH = 2_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    config = load_nlp_config(get_settings().nlp_config_path)
    seconds: dict[str, float] = {}

    with tempfile.TemporaryDirectory() as tmp:
        samples = Path(tmp) / "samples"
        generate_samples(samples, Path(tmp) / "campaigns.csv", n_items=args.items, weeks=20,
                         end_date=date(2026, 11, 15), seed=7)
        sources = (PROJECT_ROOT / "sources.yaml").read_text().replace("data/samples", str(samples))
        (Path(tmp) / "sources.yaml").write_text(sources)
        records = [
            r for source in load_sources(Path(tmp) / "sources.yaml")
            for r in build_connector(source).read() if isinstance(r, FeedbackRecord)
        ]

    began = time.perf_counter()
    sanitised = [r for start in range(0, len(records), BATCH)
                 for r in sanitise_records(records[start : start + BATCH], config.redact)]
    seconds["clean_redact"] = time.perf_counter() - began

    items = pd.DataFrame({
        "feedback_id": [f"{r.source}:{r.source_record_id}" for r in sanitised],
        "channel": [r.channel for r in sanitised],
        "text": [r.text for r in sanitised],
        "turns": [[{"speaker": t.speaker, "char_start": t.char_start, "char_end": t.char_end} for t in r.turns]
                  for r in sanitised],
        "received_at": [r.received_at for r in sanitised],
        "customer_id": [r.customer_id for r in sanitised],
    })
    began = time.perf_counter()
    items["language"] = detect_languages(items["text"].tolist(), [r.language_hint for r in sanitised])
    segments = pd.concat([segment_items(items.iloc[s : s + BATCH], config.segment)
                          for s in range(0, len(items), BATCH)], ignore_index=True)
    seconds["language_segment"] = time.perf_counter() - began

    languages = segments["feedback_id"].map(dict(zip(items["feedback_id"], items["language"]))).tolist()
    sentiment = load_sentiment_model(None)  # the text model: embeddings are excluded here
    began = time.perf_counter()
    sentiment.score(segments["text"].tolist(), languages)
    seconds["sentiment"] = time.perf_counter() - began
    began = time.perf_counter()
    key_phrases(segments["text"].tolist(), languages)
    seconds["key_phrases"] = time.perf_counter() - began
    began = time.perf_counter()
    find_duplicates(items[["feedback_id", "text", "received_at", "customer_id"]])
    seconds["duplicates"] = time.perf_counter() - began

    total = sum(seconds.values())
    result = {
        "items": len(items),
        "segments": len(segments),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "items_per_second": {k: round(len(items) / v, 1) for k, v in seconds.items()},
        "total_seconds": round(total, 1),
        "total_items_per_second": round(len(items) / total, 1),
        "total_segments_per_second": round(len(segments) / total, 1),
        "target_items_per_second": 500,
    }
    print(json.dumps(result, indent=2))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
