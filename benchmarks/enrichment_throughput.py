"""Enrichment throughput (everything but theme embedding) on generated samples, beside a baseline.

Generates N items with the seeded sample generator once, then, in a fresh process per run,
reads them through the connectors and times each enrichment stage as the pipeline calls it:
clean, language, redact (the sanitise step before landing), segment, sentiment, key phrases,
duplicates. With --baseline-src (a copy of older code, e.g. made by
``git archive HEAD | tar -x -C /tmp/voc_head``) the same runs are made with that code on the
same samples, alternating with the current code, and the ratio is reported. Older code that
sanitises in one call reports it as clean_redact, and its second language pass on its own.

Wall time is what counts; CPU time is printed beside it because the machine may be shared
(lingua detects on both cores, so CPU can exceed wall). Medians over --repeats runs.
Prints a table and writes benchmarks/results/enrichment_throughput.json.

    .venv/bin/python benchmarks/enrichment_throughput.py --items 100000 --baseline-src /tmp/voc_head
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUT = PROJECT_ROOT / "benchmarks" / "results" / "enrichment_throughput.json"
BATCH = 2_000  # items per call, as pipelines/steps.py batches them
WARM_UP_ITEMS = 200  # loads every model (spaCy, lingua per language) before timing
TARGET_ITEMS_PER_SECOND = 500


class _StageClock:
    """Accumulates wall and CPU seconds per stage across batches."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def run(self, stage: str, call: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        self.wall[stage] = self.wall.get(stage, 0.0) + time.perf_counter() - wall
        self.cpu[stage] = self.cpu.get(stage, 0.0) + time.process_time() - cpu
        return result


def _worker(samples: Path) -> dict:
    """One timed pass over the samples with whatever code `nlp` and `pipelines` resolve to."""
    import pandas as pd

    import pipelines.sanitise as sanitise
    from nlp.config import load_nlp_config
    from nlp.duplicates import find_duplicates
    from nlp.keyphrases import key_phrases
    from nlp.language import detect_languages
    from nlp.segment import segment_items
    from nlp.sentiment import load_sentiment_model
    from pipelines.connectors.base import FeedbackRecord
    from pipelines.connectors.registry import build_connector, load_sources
    from pipelines.settings import get_settings

    config = load_nlp_config(get_settings().nlp_config_path)
    records = [
        r for source in load_sources(samples.parent / "sources.yaml")
        for r in build_connector(source).read() if isinstance(r, FeedbackRecord)
    ]
    sentiment = load_sentiment_model(None)  # the text model: embeddings are excluded here
    splits_sanitise = hasattr(sanitise, "record_languages")  # current code: language once, in sanitise

    def enrich(batch_records: list, clock: _StageClock) -> tuple[int, int]:
        if splits_sanitise:
            cleaned = clock.run("clean", lambda: sanitise.clean_records(batch_records))
            languages = clock.run("language", lambda: sanitise.record_languages(batch_records, cleaned))
            landed = clock.run("redact", lambda: sanitise.redact_records(batch_records, cleaned, languages, config.redact))
        else:
            landed = clock.run("clean_redact", lambda: sanitise.sanitise_records(batch_records, config.redact))
            hints = [r.language_hint for r in landed]
            languages = clock.run("language", lambda: detect_languages([r.text for r in landed], hints))
        items = pd.DataFrame({
            "feedback_id": [f"{r.source}:{r.source_record_id}" for r in landed],
            "channel": [r.channel for r in landed],
            "text": [r.text for r in landed],
            "language": languages,
            "turns": [[{"speaker": t.speaker, "char_start": t.char_start, "char_end": t.char_end} for t in r.turns]
                      for r in landed],
        })
        segments = clock.run("segment", lambda: segment_items(items, config.segment))
        language_of = dict(zip(items["feedback_id"], items["language"]))
        texts, segment_languages = segments["text"].tolist(), segments["feedback_id"].map(language_of).tolist()
        clock.run("sentiment", lambda: sentiment.score(texts, segment_languages))
        clock.run("key_phrases", lambda: key_phrases(texts, segment_languages))
        return len(landed), len(segments)

    enrich(records[:WARM_UP_ITEMS], _StageClock())
    clock = _StageClock()
    n_items = n_segments = 0
    for start in range(0, len(records), BATCH):
        items_done, segments_done = enrich(records[start : start + BATCH], clock)
        n_items += items_done
        n_segments += segments_done
    # Duplicates run once over all current items, as in the pipeline.
    all_items = pd.DataFrame({
        "feedback_id": [f"{r.source}:{r.source_record_id}" for r in records],
        "text": [r.text for r in records],
        "received_at": [r.received_at for r in records],
        "customer_id": [r.customer_id for r in records],
    })
    clock.run("duplicates", lambda: find_duplicates(all_items))
    return {"items": n_items, "segments": n_segments, "wall": clock.wall, "cpu": clock.cpu}


def _run_worker(code_root: Path, samples: Path) -> dict:
    """A fresh process (cold caches, as a pipeline run) importing the code under code_root."""
    environment = {**os.environ, "PYTHONPATH": str(code_root)}
    environment.pop("VOC_NLP_CONFIG_PATH", None)  # each tree reads its own config/nlp.yaml
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(samples)],
        cwd=code_root, env=environment, check=True, capture_output=True, text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> dict:
    items, segments = runs[0]["items"], runs[0]["segments"]
    stages = list(runs[0]["wall"])
    wall = {s: statistics.median(r["wall"][s] for r in runs) for s in stages}
    cpu = {s: statistics.median(r["cpu"][s] for r in runs) for s in stages}
    total_wall = statistics.median(sum(r["wall"].values()) for r in runs)
    total_cpu = statistics.median(sum(r["cpu"].values()) for r in runs)
    return {
        "items": items,
        "segments": segments,
        "runs": len(runs),
        "wall_seconds": {s: round(v, 2) for s, v in wall.items()},
        "cpu_seconds": {s: round(v, 2) for s, v in cpu.items()},
        "items_per_second": {s: round(items / v, 1) for s, v in wall.items()},
        "segments_per_second": {s: round(segments / v, 1) for s, v in wall.items()},
        "total_wall_seconds": round(total_wall, 1),
        "total_cpu_seconds": round(total_cpu, 1),
        "total_items_per_second": round(items / total_wall, 1),
        "total_segments_per_second": round(segments / total_wall, 1),
        "total_items_per_cpu_second": round(items / total_cpu, 1),
    }


def _print_table(current: dict, baseline: dict | None) -> None:
    stages = list(dict.fromkeys([*(baseline["wall_seconds"] if baseline else {}), *current["wall_seconds"]]))
    print(f"{'stage':<14}{'items/s':>10}{'segs/s':>10}{'cpu s':>8}" + (f"{'base items/s':>14}{'base cpu s':>11}" if baseline else ""))
    for stage in stages:
        line = f"{stage:<14}"
        line += (f"{current['items_per_second'][stage]:>10}{current['segments_per_second'][stage]:>10}"
                 f"{current['cpu_seconds'][stage]:>8}" if stage in current["wall_seconds"] else " " * 28)
        if baseline and stage in baseline["wall_seconds"]:
            line += f"{baseline['items_per_second'][stage]:>14}{baseline['cpu_seconds'][stage]:>11}"
        print(line)
    print(f"{'total':<14}{current['total_items_per_second']:>10}{current['total_segments_per_second']:>10}"
          f"{current['total_cpu_seconds']:>8}" + (f"{baseline['total_items_per_second']:>14}"
                                                  f"{baseline['total_cpu_seconds']:>11}" if baseline else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1, help="runs per code tree; medians are reported")
    parser.add_argument("--baseline-src", type=Path, help="a copy of the code to compare against")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: samples folder
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker)))
        return

    from samplegen import generate_samples

    with tempfile.TemporaryDirectory() as tmp:
        samples = Path(tmp) / "samples"
        generate_samples(samples, Path(tmp) / "campaigns.csv", n_items=args.items, weeks=20,
                         end_date=date(2026, 11, 15), seed=7)
        sources = (PROJECT_ROOT / "sources.yaml").read_text().replace("data/samples", str(samples))
        (Path(tmp) / "sources.yaml").write_text(sources)
        trees = {"current": PROJECT_ROOT} | ({"baseline": args.baseline_src.resolve()} if args.baseline_src else {})
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for _ in range(args.repeats):  # alternate, so load from other work hits both alike
            for name, root in trees.items():
                runs[name].append(_run_worker(root, samples))

    current = _summary(runs["current"])
    baseline = _summary(runs["baseline"]) if args.baseline_src else None
    _print_table(current, baseline)
    result: dict[str, Any] = {
        "generated_items": args.items,
        "current": current,
        "target_items_per_second": TARGET_ITEMS_PER_SECOND,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if baseline:
        result["baseline"] = baseline
        result["speedup_wall"] = round(current["total_items_per_second"] / baseline["total_items_per_second"], 2)
        result["speedup_cpu"] = round(current["total_items_per_cpu_second"] / baseline["total_items_per_cpu_second"], 2)
        print(f"speed-up: {result['speedup_wall']}x wall, {result['speedup_cpu']}x CPU")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
