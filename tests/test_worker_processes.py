"""Pure-Python stages (cleaning and redaction while collecting, segmenting) on worker processes.

A local run hands these batches to `compute.on_worker_processes`, one process per core. What
lands must not depend on where a batch ran: the same rows, in the same order of landing, as in
one process. The batch sizes are made small here so a few hundred items make many batches.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psutil
import pytest

from nlp.config import load_nlp_config
from pipelines import steps
from pipelines.compute import MapBatches, map_in_process
from pipelines.connectors.registry import load_sources
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.warehouse.db import connect, init_schema, table_fingerprints
from pipelines.worker_pool import on_worker_processes, start_worker_processes, stop_worker_processes

from conftest import write_sources_yaml

LANDED_AT = datetime(2026, 11, 20, 9, 0)
TABLES = ["raw_records", "quarantine", "stg_feedback", "nlp_items", "nlp_segments"]


def test_batches_run_on_other_processes_and_come_back_in_order():
    start_worker_processes(2, "os")
    map_batches = on_worker_processes(2)
    pids = list(map_batches(os.getpid, [()] * 8))
    assert os.getpid() not in pids
    assert len(set(pids)) >= 1
    assert list(map_batches(pow, [(2, n) for n in range(20)])) == [2**n for n in range(20)]
    stop_worker_processes()
    assert all(not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE for pid in pids)
    start_worker_processes(2, "os")
    restarted = set(map_batches(os.getpid, [()] * 8))
    assert os.getpid() not in restarted and restarted.isdisjoint(pids)


def test_batches_run_in_this_process_while_the_processes_start():
    stop_worker_processes()
    assert list(on_worker_processes(2)(os.getpid, [()] * 50)) == [os.getpid()] * 50
    stop_worker_processes()
    # Workers import this test module (several seconds) before they take over.
    pids = list(on_worker_processes(2)(sleep_and_tell_pid, [(0.5,)] * 24))
    here = [pid == os.getpid() for pid in pids]
    assert here[0] and not here[-1]
    assert here == sorted(here, reverse=True)  # once the workers take over, they keep every batch


def test_each_worker_warms_up_before_its_first_batch():
    stop_worker_processes()
    start_worker_processes(2, "os", note_warm_up, wait=False)
    start_worker_processes(2, "os")  # the pool already starting: waits for it
    results = list(on_worker_processes(2)(tell_warm_up, [(0.05,)] * 40))
    assert all(pid != os.getpid() and warmed_up_in == str(pid) for pid, warmed_up_in in results)
    stop_worker_processes()


def note_warm_up() -> None:
    os.environ["VOC_TEST_WARMED_UP_IN"] = str(os.getpid())


def tell_warm_up(seconds: float) -> tuple[int, str | None]:
    time.sleep(seconds)
    return os.getpid(), os.environ.get("VOC_TEST_WARMED_UP_IN")


def sleep_and_tell_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def land_and_segment(db: Path, sources_path: Path, map_batches: MapBatches) -> dict[str, tuple[int, str]]:
    config = load_nlp_config(get_settings().nlp_config_path)
    with connect(db) as con:
        init_schema(con)
        for source in load_sources(sources_path):
            steps.collect_source(con, source, LANDED_AT, config.redact, map_batches)
        report = steps.understand_items(con, config.segment, map_batches=map_batches)
        assert report.items_processed > 0
        return table_fingerprints(con, TABLES)


def test_collect_and_segment_on_worker_processes_land_what_one_process_lands(
    small_samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(steps, "LANDING_BATCH", 40)
    monkeypatch.setattr(steps, "SANITISE_BATCH", 40)
    monkeypatch.setattr(steps, "NLP_BATCH", 40)
    sources_path = write_sources_yaml(tmp_path / "sources.yaml", small_samples)
    in_process = land_and_segment(tmp_path / "one.duckdb", sources_path, map_in_process)
    # On the workers, each landing batch is sanitised in three chunks (15, 15, 10 records).
    monkeypatch.setattr(steps, "SANITISE_BATCH", 15)
    start_worker_processes(2, "pipelines.steps")
    on_workers = land_and_segment(tmp_path / "workers.duckdb", sources_path, on_worker_processes(2))
    assert in_process["nlp_segments"][0] > 500
    assert on_workers == in_process


KILLED_PARENT = """
import os, sys, time
from pipelines.worker_pool import on_worker_processes, start_worker_processes, stop_worker_processes

if __name__ == "__main__":
    start_worker_processes(2, "time")
    results = on_worker_processes(2)(time.sleep, [(1,)] * 40)
    next(results)
    print("ready", flush=True)
    next(results)
    time.sleep(600)
"""


def test_workers_go_when_the_run_is_killed(tmp_path: Path):
    script = tmp_path / "parent.py"
    script.write_text(KILLED_PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert parent.stdout.readline().strip() == "ready"
        descendants = psutil.Process(parent.pid).children(recursive=True)
        assert len(descendants) >= 2  # the fork server and its workers
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in descendants):
            assert time.monotonic() < deadline, "worker processes outlived the killed run"
            time.sleep(0.2)
    finally:
        parent.kill()
