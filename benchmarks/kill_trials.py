"""Crash safety: SIGKILL `voc run` at random points and check the next run repairs everything.

Generates a small seeded sample, builds the reference warehouse with one uninterrupted run,
then for each trial, on a fresh folder: starts `voc run` as a process, kills its process group
with SIGKILL a random time into a stage (the stages take turns; the delay is drawn within
that stage's duration in the reference run), runs `voc run` again to completion and compares
the published warehouse with the reference: row count and content checksum of every
contracted table (run ids and landing times left out), contracts (no duplicated keys), and
run_log. Meanwhile a reader thread keeps opening the trial's published snapshot read-only,
as the dashboard does, and checks it is absent or complete, never half-written.

Prefect: with no server configured, each `voc run` starts a temporary one. By default the
script starts one `prefect server start` for all runs (`--prefect shared`); `--prefect
ephemeral` measures the other way. Each run's startup (spawn to "Beginning flow run") is
recorded either way.

    PREFECT_HOME=/tmp/ph .venv/bin/python benchmarks/kill_trials.py --trials 21
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

from pipelines.kill_trials import (
    STAGES,
    PipelineProcess,
    run_count,
    snapshot_problems,
    warehouse_fingerprints,
    write_sources_yaml,
)
from pipelines.settings import PROJECT_ROOT
from samplegen import generate_samples

OUT = PROJECT_ROOT / "benchmarks" / "results" / "kill_trials.json"
# Kills take turns over these stages (promotions, under a second, is left out).
TARGET_STAGES = ("collect", "segment", "embed", "enrich", "themes", "marts", "publish")
RUN_TIMEOUT_S = 900


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_prefect_server(env: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    """One local Prefect server for every run; returns it, its API URL and its startup seconds."""
    port = free_port()
    began = time.monotonic()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    while time.monotonic() - began < 120:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return server, api_url, time.monotonic() - began
        except OSError:
            time.sleep(0.2)  # not listening yet
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("the Prefect server did not come up within 120 s")


class SnapshotReader(threading.Thread):
    """Keeps opening the published snapshot of the current trial, as the dashboard would."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.db_path: Path | None = None
        self.checks = self.absent = self.complete = 0
        self.failures: list[str] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            db_path = self.db_path
            if db_path is None:
                self._stop_event.wait(0.05)
                continue
            problems = snapshot_problems(db_path)
            self.checks += 1
            if problems is None:
                self.absent += 1
            elif problems:
                self.failures.append(f"{db_path}: {problems}")
            else:
                self.complete += 1
            self._stop_event.wait(0.05)  # leave the cores to the pipeline

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_to_completion(db_path: Path, sources_path: Path, env: dict[str, str]) -> tuple[PipelineProcess, float]:
    run = PipelineProcess(db_path, sources_path, env)
    returncode = run.wait(RUN_TIMEOUT_S)
    if returncode != 0:
        raise RuntimeError(f"voc run failed ({returncode}):\n{run.output[-4000:]}")
    return run, time.monotonic() - run.spawned_at


def stage_windows(run: PipelineProcess) -> dict[str, float]:
    """Seconds from each stage's start to the next's, as the kills see them (from the log)."""
    began = run.stage_began
    reached = [stage for stage in STAGES if stage in began]
    return {stage: round(began[after] - began[stage], 2) for stage, after in zip(reached, reached[1:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=21)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11, help="sample and kill-time seed")
    parser.add_argument("--prefect", choices=("shared", "ephemeral"), default="shared")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="kill_trials_"))
    samples_dir = root / "samples"
    generate_samples(
        samples_dir, root / "campaigns.csv", n_items=args.items, weeks=args.weeks,
        end_date=date(2026, 11, 15), seed=args.seed,
    )
    sources_path = write_sources_yaml(root / "sources.yaml", samples_dir)
    env = {
        **os.environ, "VOC_CAMPAIGNS_PATH": str(root / "campaigns.csv"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    }
    env.pop("VOC_ALERT_WEBHOOK_URL", None)
    env.pop("PREFECT_API_URL", None)
    server, server_start_s = None, None
    if args.prefect == "shared":
        server, env["PREFECT_API_URL"], server_start_s = start_prefect_server(env)
        print(f"Prefect server up in {server_start_s:.1f} s at {env['PREFECT_API_URL']}")
    reader = SnapshotReader()
    reader.start()
    rng = random.Random(args.seed)
    trials = []
    try:
        reference_db = root / "reference" / "voc.duckdb"
        reader.db_path = reference_db
        reference_run, reference_s = run_to_completion(reference_db, sources_path, env)
        reference = warehouse_fingerprints(reference_db)
        reference_stages = stage_windows(reference_run)
        print(f"reference run: {reference_s:.1f} s, startup {reference_run.stage_began['collect']:.1f} s, "
              f"{len(reference)} tables; stages {reference_stages}")
        for number in range(args.trials):
            target = TARGET_STAGES[number % len(TARGET_STAGES)]
            delay = rng.uniform(0.0, reference_stages[target])
            db_path = root / f"trial_{number:02d}" / "voc.duckdb"
            reader.db_path = db_path
            began = time.monotonic()
            killed = PipelineProcess(db_path, sources_path, env)
            if not killed.wait_for_stage(target, RUN_TIMEOUT_S):
                raise RuntimeError(f"trial {number}: the run never reached {target}:\n{killed.output[-4000:]}")
            time.sleep(delay)  # the random point inside the stage
            stage_hit = killed.kill()
            killed_after_s = time.monotonic() - killed.spawned_at
            published_by_killed = db_path.exists()
            leftovers = sorted(p.name for p in db_path.parent.iterdir() if p.name.endswith((".publishing", ".running", ".wal")))
            rerun, rerun_s = run_to_completion(db_path, sources_path, env)
            fingerprints = warehouse_fingerprints(db_path)
            different = sorted(t for t in reference if fingerprints.get(t) != reference[t])
            problems = snapshot_problems(db_path)
            trial = {
                "trial": number, "target_stage": target, "delay_s": round(delay, 2), "stage_hit": stage_hit,
                "killed_after_s": round(killed_after_s, 2), "published_before_kill": published_by_killed,
                "left_by_kill": leftovers, "rerun_rolled_back": "did not publish" in rerun.output,
                "rerun_s": round(rerun_s, 1), "rerun_startup_s": round(rerun.stage_began["collect"], 1), "trial_s": round(time.monotonic() - began, 1),
                "equal_to_reference": not different, "different_tables": different,
                "snapshot_problems": problems, "runs_logged": run_count(db_path),
                "left_after_rerun": sorted(
                    p.name for p in db_path.parent.iterdir() if p.name.endswith((".publishing", ".running", ".wal"))
                ),
            }
            trials.append(trial)
            print(json.dumps(trial))
            shutil.rmtree(db_path.parent)
    finally:
        reader.stop()
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    result = {
        "benchmark": "kill_trials",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "sample": {"items": args.items, "weeks": args.weeks, "seed": args.seed},
        "prefect": {
            "mode": args.prefect,
            "server_start_s": round(server_start_s, 1) if server_start_s is not None else None,
            # spawn to "Beginning flow run": imports, plus a temporary server in ephemeral mode
            "run_startup_s_median": round(statistics.median(
                [reference_run.stage_began["collect"]] + [t["rerun_startup_s"] for t in trials]), 1),
        },
        "reference_run_s": round(reference_s, 1),
        "reference_stage_seconds": reference_stages,
        "trials": len(trials),
        "equal": sum(t["equal_to_reference"] for t in trials),
        "different": sum(not t["equal_to_reference"] for t in trials),
        "snapshot_problems_after_rerun": sum(bool(t["snapshot_problems"]) for t in trials),
        "stages_hit": {s: sum(t["stage_hit"] == s for t in trials) for s in dict.fromkeys(t["stage_hit"] for t in trials)},
        "trial_s_median": round(statistics.median(t["trial_s"] for t in trials), 1) if trials else None,
        "rerun_s_median": round(statistics.median(t["rerun_s"] for t in trials), 1) if trials else None,
        "reader": {
            "checks": reader.checks, "absent": reader.absent, "complete": reader.complete,
            "half_published": len(reader.failures), "failures": reader.failures[:10],
        },
        "trial_details": trials,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "trial_details"}
    print(json.dumps(summary, indent=2))
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
