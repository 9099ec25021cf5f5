"""Duplicate marking at scale: a full pass, then a weekly increment, beside a baseline revision.

The pipeline's `mark_duplicates` step on a real warehouse of generated items, each pass in its
own process (wall time, CPU time, peak RSS):

1. prepare (once per --work folder, reused after): samplegen's N items and a weekly increment
   built as in pipeline_scale.py (seed + 1, one week later, ticket ids shifted past the base's),
   the base collected into `base.duckdb` by the pipeline's own collect step;
2. for this checkout and, with --baseline-rev REV, for that git revision (a temporary worktree):
   a copy of the base warehouse, a full pass, the increment collected, an incremental pass;
3. for this checkout, a second copy of the base warehouse with the increment collected, marked in
   one full pass: its nlp_duplicates must equal the incremental result row for row.

    .venv/bin/python benchmarks/duplicates_scale.py --items 100000 --work /tmp/dups100k
        [--baseline-rev b55f8f8]

Prints the figures and writes benchmarks/results/duplicates_scale.json (one entry per size).
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Only this script's folder: a child imports the project from PYTHONPATH (this checkout or the
# baseline's worktree), which putting this checkout first would silently override.
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from pipeline_scale import (  # noqa: E402
    END_DATE, INCREMENT_MAX_ITEMS, SAMPLEGEN_MIN_WEEKS, max_ticket_id, shift_ticket_ids, write_sources,
)

OUT = PROJECT_ROOT / "benchmarks" / "results" / "duplicates_scale.json"
TABLE_SQL = "SELECT * FROM nlp_duplicates ORDER BY feedback_id"


def collect(db: Path, samples: Path, sources_yaml: Path) -> int:
    """Land a sample folder with the pipeline's collect step; returns the items in the warehouse."""
    from nlp.config import load_nlp_config
    from pipelines.connectors.registry import load_sources
    from pipelines.settings import get_settings
    from pipelines.steps import collect_source
    from pipelines.warehouse.db import connect, fetch_row, init_schema
    from pipelines.worker_pool import on_worker_processes

    redact = load_nlp_config(get_settings().nlp_config_path).redact
    landed_at = datetime.now(UTC).replace(tzinfo=None)
    map_batches = on_worker_processes(os.cpu_count() or 1)
    with connect(db) as con:
        init_schema(con)
        for source in load_sources(write_sources(sources_yaml, samples)):
            collect_source(con, source, landed_at, redact, map_batches)
        return fetch_row(con, "SELECT count(*) FROM stg_feedback")[0]


def prepare(work: Path, n_items: int, weeks: int, seed: int) -> dict[str, Any]:
    from samplegen import generate_samples

    manifest = work / "prepared.json"
    if manifest.exists():
        return json.loads(manifest.read_text())
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    generate_samples(work / "samples", work / "campaigns.csv", n_items=n_items, weeks=weeks,
                     end_date=END_DATE, seed=seed)
    increment_items = min(n_items // weeks, INCREMENT_MAX_ITEMS)
    generate_samples(work / "increment", work / "increment_campaigns.csv", n_items=increment_items,
                     weeks=SAMPLEGEN_MIN_WEEKS, end_date=END_DATE + timedelta(weeks=1), seed=seed + 1)
    shift_ticket_ids(work / "increment", max_ticket_id(work / "samples"))
    generated = time.perf_counter() - began
    stored = collect(work / "base.duckdb", work / "samples", work / "sources.yaml")
    facts = {"items": n_items, "weeks": weeks, "seed": seed, "increment_items": increment_items,
             "items_in_warehouse": stored, "generate_seconds": round(generated, 1),
             "collect_seconds": round(time.perf_counter() - began - generated, 1)}
    manifest.write_text(json.dumps(facts))
    return facts


def child_mark(db: Path, out: Path) -> None:
    """One mark_duplicates pass, as the pipeline's enrich task runs it."""
    from nlp.config import load_nlp_config
    from pipelines.settings import get_settings
    from pipelines.warehouse.db import connect, init_schema

    try:
        from pipelines.duplicate_marking import mark_duplicates
    except ImportError:  # a baseline revision from before incremental marking
        from pipelines.steps import mark_duplicates

    config = load_nlp_config(get_settings().nlp_config_path).duplicates
    with connect(db) as con:
        init_schema(con)
        began, began_cpu = time.perf_counter(), time.process_time()
        marking = mark_duplicates(con, config)
        seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    # A baseline revision from before MarkingReport returns (exact, near).
    exact, near, decided = (*marking, None) if isinstance(marking, tuple) else (
        marking.exact, marking.near, marking.decided)
    out.write_text(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                               "exact": exact, "near": near, "decided": decided,
                               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def child_collect(db: Path, samples: Path, sources_yaml: Path, out: Path) -> None:
    out.write_text(json.dumps({"items_in_warehouse": collect(db, samples, sources_yaml)}))


def run_child(source_root: Path, args: list[str], out: Path) -> dict[str, Any]:
    """This script's child mode under the code at source_root (this checkout or a worktree)."""
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    command = [sys.executable, str(Path(__file__).resolve()), *args, "--child-out", str(out)]
    subprocess.run(command, cwd=source_root, env=env, check=True)
    return json.loads(out.read_text())


def full_then_increment(source_root: Path, work: Path, label: str) -> dict[str, Any]:
    db = work / f"{label}.duckdb"
    shutil.copyfile(work / "base.duckdb", db)
    full = run_child(source_root, ["--child", "mark", "--db", str(db)], work / f"{label}_full.json")
    print(f"[{label}] full pass: {full}", flush=True)
    run_child(source_root, ["--child", "collect", "--db", str(db), "--samples", str(work / "increment")],
              work / f"{label}_collect.json")
    increment = run_child(source_root, ["--child", "mark", "--db", str(db)], work / f"{label}_increment.json")
    print(f"[{label}] increment: {increment}", flush=True)
    return {"full": full, "increment": increment}


def table_of(db: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(TABLE_SQL).fetchall()


def agreement(ours: Path, theirs: Path) -> dict[str, Any]:
    """How often two warehouses give an item the same canonical and kind."""
    ours_rows = {row[0]: row[1:3] for row in table_of(ours)}
    theirs_rows = {row[0]: row[1:3] for row in table_of(theirs)}
    shared = ours_rows.keys() & theirs_rows.keys()
    same = sum(ours_rows[feedback_id] == theirs_rows[feedback_id] for feedback_id in shared)
    return {"items_same": same, "items": len(shared),
            "duplicates_ours": sum(ours_rows[f][1] is not None for f in shared),
            "duplicates_baseline": sum(theirs_rows[f][1] is not None for f in shared),
            "share_same": round(same / len(shared), 4) if shared else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=62)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, required=False)
    parser.add_argument("--baseline-rev", help="git revision to measure beside this checkout")
    parser.add_argument("--child", choices=("mark", "collect"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "mark":
        child_mark(args.db, args.child_out)
        return
    if args.child == "collect":
        child_collect(args.db, args.samples, args.child_out.with_suffix(".yaml"), args.child_out)
        return

    work = args.work or Path(f"/tmp/voc_duplicates_{args.items}")
    facts = prepare(work, args.items, args.weeks, args.seed)
    print(f"prepared: {facts}", flush=True)
    result: dict[str, Any] = {**facts, "date": date.today().isoformat(), "machine": platform.node(),
                              "load_average": os.getloadavg()}
    result["this_checkout"] = full_then_increment(PROJECT_ROOT, work, "ours")

    # The same items in one full pass: incremental marking must give the identical table.
    scratch = work / "scratch.duckdb"
    shutil.copyfile(work / "base.duckdb", scratch)
    run_child(PROJECT_ROOT, ["--child", "collect", "--db", str(scratch), "--samples", str(work / "increment")],
              work / "scratch_collect.json")
    result["full_pass_with_increment"] = run_child(
        PROJECT_ROOT, ["--child", "mark", "--db", str(scratch)], work / "scratch_full.json"
    )
    result["incremental_equals_full_pass"] = table_of(work / "ours.duckdb") == table_of(scratch)
    print(f"incremental equals one full pass: {result['incremental_equals_full_pass']}", flush=True)

    if args.baseline_rev:
        tree = work / "baseline_src"
        if not tree.exists():
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline_rev],
                           cwd=PROJECT_ROOT, check=True)
        result["baseline"] = {"rev": args.baseline_rev, **full_then_increment(tree, work, "baseline")}
        result["agreement_with_baseline"] = agreement(work / "ours.duckdb", work / "baseline.duckdb")
        ours, theirs = result["this_checkout"], result["baseline"]
        result["ratios"] = {
            phase: {
                "seconds_baseline_over_ours": round(theirs[phase]["seconds"] / ours[phase]["seconds"], 2),
                "peak_rss_baseline_over_ours": round(theirs[phase]["peak_rss_mb"] / ours[phase]["peak_rss_mb"], 2),
            }
            for phase in ("full", "increment")
        }
    print(json.dumps(result, indent=2))
    saved = json.loads(OUT.read_text()) if OUT.exists() else {}
    saved[str(args.items)] = result
    OUT.write_text(json.dumps(saved, indent=2) + "\n")


if __name__ == "__main__":
    main()
