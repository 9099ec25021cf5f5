"""Collect and segment on worker processes against one process, on the same generated items.

The pipeline's own steps (`collect_source` with cleaning, redaction and language detection;
`understand_items`), each pass in a fresh process (so each loads its models, as a run does) into
a fresh warehouse: with every batch in that process (as before `cpu_workers`), and on
`--workers` worker processes (the default, one per core), their start-up included. Alternating the order per repeat keeps a slow spell of a shared machine from
landing on one side only. Reports each side's median seconds per stage, the ratio, and whether
both warehouses hold the same rows (row counts and checksums of every table the steps write).

    .venv/bin/python benchmarks/worker_pool.py --items 100000 [--repeats 1] [--work /tmp/voc_pool]

Writes benchmarks/results/worker_pool.json (one entry per size).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

OUT = PROJECT_ROOT / "benchmarks" / "results" / "worker_pool.json"
LANDED_AT = datetime(2026, 11, 20, 9, 0)
TABLES = ["raw_records", "quarantine", "stg_feedback", "nlp_items", "nlp_segments"]


def one_pass(db: Path, sources_yaml: Path, samples: Path, workers: int) -> dict[str, Any]:
    from nlp.config import load_nlp_config
    from pipeline_scale import write_sources
    from pipelines import steps
    from pipelines.connectors.registry import load_sources
    from pipelines.settings import get_settings
    from pipelines.warehouse.db import connect, init_schema, table_fingerprints
    from pipelines.worker_pool import on_worker_processes

    config = load_nlp_config(get_settings().nlp_config_path)
    map_batches = on_worker_processes(workers)
    db.unlink(missing_ok=True)
    with connect(db) as con:
        init_schema(con)
        began = time.perf_counter()
        for source in load_sources(write_sources(sources_yaml, samples)):
            steps.collect_source(con, source, LANDED_AT, config.redact, map_batches)
        collected = time.perf_counter()
        steps.understand_items(con, config.segment, map_batches=map_batches)
        segmented = time.perf_counter()
        return {
            "collect_seconds": round(collected - began, 1),
            "segment_seconds": round(segmented - collected, 1),
            "fingerprints": {t: list(f) for t, f in table_fingerprints(con, TABLES).items()},
        }


def measured_pass(db: Path, samples: Path, workers: int) -> dict[str, Any]:
    out = db.with_suffix(".json")
    subprocess.run([sys.executable, __file__, "--child-db", str(db), "--samples", str(samples),
                    "--workers", str(workers)], check=True, cwd=PROJECT_ROOT)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=62)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--child-db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_db:
        run = one_pass(args.child_db, args.child_db.with_suffix(".yaml"), args.samples, args.workers)
        args.child_db.with_suffix(".json").write_text(json.dumps(run))
        return

    from pipeline_scale import END_DATE
    from samplegen import generate_samples

    work = args.work or Path(f"/tmp/voc_pool_{args.items}")
    samples = work / "samples"
    if not samples.exists():
        generate_samples(samples, work / "campaigns.csv", n_items=args.items, weeks=args.weeks,
                         end_date=END_DATE, seed=args.seed)
    runs: dict[str, list[dict[str, Any]]] = {"one_process": [], "worker_processes": []}
    for repeat in range(args.repeats):
        order = [("one_process", 1), ("worker_processes", args.workers)]
        for label, workers in order if repeat % 2 == 0 else reversed(order):
            run = measured_pass(work / f"{label}.duckdb", samples, workers)
            print(f"{label}: collect {run['collect_seconds']} s, segment {run['segment_seconds']} s", flush=True)
            runs[label].append(run)

    def median(label: str, stage: str) -> float:
        return round(statistics.median(r[f"{stage}_seconds"] for r in runs[label]), 1)

    result = {
        "items": args.items, "workers": args.workers, "repeats": args.repeats,
        "date": date.today().isoformat(), "load_average_after": os.getloadavg(),
        "rows": {table: rows for table, (rows, _) in runs["one_process"][0]["fingerprints"].items()},
        "same_rows": all(r["fingerprints"] == runs["one_process"][0]["fingerprints"]
                         for label in runs for r in runs[label]),
    }
    for stage in ("collect", "segment"):
        one, many = median("one_process", stage), median("worker_processes", stage)
        result[stage] = {"one_process_seconds": one, "worker_processes_seconds": many,
                         "one_over_workers": round(one / many, 2)}
    print(json.dumps(result, indent=2))
    saved = json.loads(OUT.read_text()) if OUT.exists() else {}
    saved[str(args.items)] = result
    OUT.write_text(json.dumps(saved, indent=2) + "\n")


if __name__ == "__main__":
    main()
