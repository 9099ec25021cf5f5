"""The whole pipeline on the local task runner and on Dask, beside older code, on generated samples.

Generates N items with the seeded sample generator (the demo's generator and seed) once, or
takes a samples folder (--samples data/samples), then runs the flow from an empty warehouse in
a fresh process per run (cold model caches, a temporary Prefect server, as `voc run`):
"local" (the default runner), "dask" (`VOC_TASK_RUNNER=dask`: a LocalCluster of
--dask-workers worker processes of one thread each, started and stopped by the run) and, with
--baseline-src (e.g. ``git archive HEAD | tar -x -C /tmp/voc_head``), the older code on the
default runner. Reports each run's wall time and stage seconds, and which warehouse tables
differ from the local run's (run ids and landing times left out; embedding vectors by their
largest difference). Prints a table and writes benchmarks/results/task_runners.json.

    .venv/bin/python benchmarks/task_runners.py --items 3000 --baseline-src /tmp/voc_head
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUT = PROJECT_ROOT / "benchmarks" / "results" / "task_runners.json"
# Stamped per run, so never equal between two runs.
LANDING_TIME_COLUMNS = {"first_loaded_at", "last_changed_at"}
HEAVY_STAGES = ("embed", "enrich", "themes")


def _worker(db: Path, sources: Path, campaigns: Path) -> dict:
    """One timed run of the flow with whatever code `pipelines` resolves to."""
    import pipelines.flows as flows

    # Older code has no configured_pipeline: it only runs on the default runner.
    pipeline = flows.configured_pipeline() if hasattr(flows, "configured_pipeline") else flows.voc_pipeline
    began = time.perf_counter()
    report = pipeline(db_path=db, sources_path=sources, campaigns_path=campaigns)
    return {"wall_seconds": round(time.perf_counter() - began, 1), "stage_seconds": report.stage_seconds,
            "segments": report.understand["segments_total"], "texts_embedded": report.embed["embedded_now"]}


def _run(code_root: Path, run_dir: Path, sources: Path, campaigns: Path, environment: dict[str, str]) -> dict:
    run_dir.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(code_root), **environment}
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(run_dir / "voc.duckdb"), str(sources),
         str(campaigns)],
        cwd=code_root, env=env, check=True, capture_output=True, text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _table_checksums(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall() if t != "run_log"]
        checksums = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall() if not c.endswith("_run") and c not in LANDING_TIME_COLUMNS
                and not (table == "quarantine" and c == "first_seen_at")]
            kept = ", ".join(f'"{c}"' for c in columns)
            checksums[table] = con.execute(
                f'SELECT md5(coalesce(string_agg(t::VARCHAR, chr(30) ORDER BY t::VARCHAR), \'\')) '
                f'FROM (SELECT {kept} FROM "{table}") AS t'
            ).fetchall()[0][0]
        return checksums


def _largest_vector_difference(db: Path, reference: Path) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        # ATTACH takes no bound parameters: quote the path as a SQL string literal.
        path_literal = "'" + str(reference).replace("'", "''") + "'"
        con.execute("ATTACH " + path_literal + " AS reference (READ_ONLY)")
        pairs = con.execute(
            """SELECT mine.vector, theirs.vector FROM embedding_cache AS mine
               JOIN reference.embedding_cache AS theirs USING (model, text_hash)"""
        ).fetchall()
    return float(max((np.abs(np.asarray(a) - np.asarray(b)).max() for a, b in pairs), default=0.0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=3000, help="generated items (ignored with --samples)")
    parser.add_argument("--samples", type=Path, help="a samples folder laid out as data/samples")
    parser.add_argument("--dask-workers", type=int, default=2)
    parser.add_argument("--baseline-src", type=Path, help="a copy of older code to run on the default runner")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", nargs=3, type=Path, help=argparse.SUPPRESS)  # internal: db, sources, campaigns
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.samples:
            samples, campaigns = args.samples.resolve(), PROJECT_ROOT / "data" / "campaigns.csv"
        else:
            from samplegen import generate_samples

            samples, campaigns = tmp / "samples", tmp / "campaigns.csv"
            generate_samples(samples, campaigns, n_items=args.items, weeks=20, end_date=date(2026, 11, 15), seed=7)
        sources = tmp / "sources.yaml"
        sources.write_text((PROJECT_ROOT / "sources.yaml").read_text().replace("data/samples", str(samples)))
        plans = {"local": (PROJECT_ROOT, {"VOC_TASK_RUNNER": "local"}),
                 "dask": (PROJECT_ROOT, {"VOC_TASK_RUNNER": "dask", "VOC_DASK_WORKERS": str(args.dask_workers)})}
        if args.baseline_src:
            plans = {"baseline": (args.baseline_src.resolve(), {}), **plans}
        runs = {}
        for name, (root, environment) in plans.items():
            runs[name] = _run(root, tmp / name, sources, campaigns, environment)
            print(f"{name}: {runs[name]['wall_seconds']} s", flush=True)
        reference = _table_checksums(tmp / "local" / "voc.duckdb")
        for name in runs:
            checksums = _table_checksums(tmp / name / "voc.duckdb")
            runs[name]["tables_differing_from_local"] = sorted(t for t in reference if checksums.get(t) != reference[t])
            runs[name]["largest_vector_difference_from_local"] = _largest_vector_difference(
                tmp / name / "voc.duckdb", tmp / "local" / "voc.duckdb"
            )

    header = "".join(f"{stage + ' s':>10}" for stage in HEAVY_STAGES)
    print(f"{'run':<10}{'wall s':>8}{header}  tables differing from local")
    for name, run in runs.items():
        stages = "".join(f"{run['stage_seconds'].get(s, 0):>10}" for s in HEAVY_STAGES)
        print(f"{name:<10}{run['wall_seconds']:>8}{stages}  {', '.join(run['tables_differing_from_local']) or '-'}")
    result = {
        "samples": str(args.samples) if args.samples else f"generated {args.items} items, 20 weeks, seed 7",
        "segments": runs["local"]["segments"],
        "dask_workers": args.dask_workers,
        "runs": runs,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
