"""Collecting the same exports again (cumulative exports), beside a baseline revision.

Each pass is the pipeline's collect step (every source, cleaning and redaction on one worker
process per core) in its own process, timed with wall time, CPU time and peak RSS:

1. first pass: a new warehouse, every record sanitised and landed;
2. second pass: the same exports again into that warehouse.

For this checkout and, with --baseline-rev REV, for that git revision (a temporary worktree).
The second pass must leave raw_records and quarantine as the first left them.

    .venv/bin/python benchmarks/recollect.py [--samples data/samples] [--baseline-rev fee5ab0]

Prints the figures and writes benchmarks/results/recollect.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# The child imports the project from PYTHONPATH (this checkout or the baseline's worktree), so
# nothing here puts this checkout on sys.path for it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUT = PROJECT_ROOT / "benchmarks" / "results" / "recollect.json"
LANDED_TABLES = ["raw_records", "quarantine"]


def child_collect(db: Path, sources_yaml: Path, out: Path) -> None:
    """One collect pass of every source in `sources_yaml` into `db`; figures to `out`."""
    from nlp.config import load_nlp_config
    from pipelines.connectors.registry import load_sources
    from pipelines.settings import get_settings
    from pipelines.steps import collect_source
    from pipelines.warehouse.db import RERUN_STAMPED_COLUMNS, connect, init_schema, table_fingerprints
    from pipelines.worker_pool import on_worker_processes, stop_worker_processes

    redact = load_nlp_config(get_settings().nlp_config_path).redact
    map_batches = on_worker_processes(os.cpu_count() or 1)
    began, began_cpu = time.perf_counter(), time.process_time()
    with connect(db) as con:
        init_schema(con)
        landed_at = datetime.now(UTC).replace(tzinfo=None)
        reports = [collect_source(con, source, landed_at, redact, map_batches)
                   for source in load_sources(sources_yaml)]
        seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        landed = table_fingerprints(con, LANDED_TABLES, RERUN_STAMPED_COLUMNS)
    stop_worker_processes()
    counts = {key: sum(asdict(r.counts)[key] for r in reports) for key in ("inserted", "updated", "unchanged")}
    out.write_text(json.dumps({
        "seconds": round(seconds, 2),
        "cpu_seconds_this_process": round(cpu, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "records_read": sum(r.read for r in reports),
        "quarantined": sum(r.quarantined for r in reports),
        **counts,
        "landed_fingerprints": landed,
    }))


def run_child(source_root: Path, db: Path, sources_yaml: Path, out: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--db", str(db),
               "--sources", str(sources_yaml), "--child-out", str(out)]
    subprocess.run(command, cwd=source_root, env=env, check=True)
    return json.loads(out.read_text())


def two_passes(source_root: Path, sources_yaml: Path, work: Path, label: str) -> dict[str, Any]:
    db = work / f"{label}.duckdb"
    db.unlink(missing_ok=True)
    passes = {}
    for name in ("first", "second"):
        passes[name] = run_child(source_root, db, sources_yaml, work / f"{label}_{name}.json")
        shown = {key: value for key, value in passes[name].items() if key != "landed_fingerprints"}
        print(f"[{label}] {name} pass: {shown}", flush=True)
    landed_same = passes["first"].pop("landed_fingerprints") == passes["second"].pop("landed_fingerprints")
    return {**passes, "second_pass_left_landed_tables_alone": landed_same,
            "second_over_first": round(passes["second"]["seconds"] / passes["first"]["seconds"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=Path, default=PROJECT_ROOT / "data" / "samples")
    parser.add_argument("--work", type=Path, default=Path("/tmp/voc_recollect"))
    parser.add_argument("--baseline-rev", help="git revision to measure beside this checkout")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sources", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_collect(args.db, args.sources, args.child_out)
        return

    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    from pipeline_scale import write_sources

    args.work.mkdir(parents=True, exist_ok=True)
    samples = args.samples.resolve()
    sources_yaml = write_sources(args.work / "sources.yaml", samples)
    result: dict[str, Any] = {"samples": str(samples), "date": date.today().isoformat(),
                              "machine": platform.node(), "cores": os.cpu_count()}
    result["this_checkout"] = two_passes(PROJECT_ROOT, sources_yaml, args.work, "ours")
    if args.baseline_rev:
        tree = args.work / "baseline_src"
        if tree.exists():
            shutil.rmtree(tree)
            subprocess.run(["git", "worktree", "prune"], cwd=PROJECT_ROOT, check=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline_rev],
                       cwd=PROJECT_ROOT, check=True)
        result["baseline"] = {"rev": args.baseline_rev, **two_passes(tree, sources_yaml, args.work, "baseline")}
        result["second_pass_baseline_over_ours"] = round(
            result["baseline"]["second"]["seconds"] / result["this_checkout"]["second"]["seconds"], 2
        )
    result["load_average"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    OUT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
