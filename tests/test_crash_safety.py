"""Crash safety: `voc run` killed with SIGKILL inside a stage; the next run repairs everything.

Real `voc run` processes (on the test Prefect server), killed with a real SIGKILL as a stage
begins; the repairing run is the real flow in this process, and the reference is the
session's warehouse built by one uninterrupted run on the same inputs.
benchmarks/kill_trials.py does the same at random points, 21 times.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from conftest import BuiltWarehouse

from pipelines.kill_trials import PipelineProcess, run_count, snapshot_problems, warehouse_fingerprints
from pipelines.settings import get_settings

KILL_TIMEOUT_S = 300


def kill_in_stage(db_path: Path, built: BuiltWarehouse, stage: str) -> None:
    """Start `voc run` in a process and SIGKILL it as soon as ``stage`` begins."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    run = PipelineProcess(db_path, built.sources_path, env)
    reached = run.wait_for_stage(stage, KILL_TIMEOUT_S)
    killed_in = run.kill()
    assert reached and killed_in == stage, run.output[-3000:]
    # A reader (the dashboard) finds no snapshot, or a complete one: never a half-published file.
    assert snapshot_problems(db_path) in (None, [])


def marked_owner(db_path: Path) -> str:
    """The flow run id a killed run left in its mark on the work file."""
    work_db = get_settings().work_db_path(db_path)
    return work_db.with_name(f"{work_db.name}.running").read_text().splitlines()[1]


def flow_run_state(flow_run_id: str) -> str:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(uuid.UUID(flow_run_id)).state.type.value


def rerun(db_path: Path, built: BuiltWarehouse):
    from pipelines.flows import voc_pipeline

    return voc_pipeline(db_path=db_path, sources_path=built.sources_path)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".running", ".publishing", ".restoring")))


def test_runs_killed_mid_way_leave_no_trace_once_a_run_completes(built_warehouse, tmp_path):
    db_path = tmp_path / "voc.duckdb"
    # Killed with the sources landed but not segmented, then again with embeddings cached
    # but no sentiment, key phrases or themes.
    kill_in_stage(db_path, built_warehouse, "segment")
    assert leftovers(tmp_path) == [".voc.work.duckdb.running"]
    killed_first = marked_owner(db_path)
    assert flow_run_state(killed_first) == "RUNNING"  # a killed process never reports its end
    kill_in_stage(db_path, built_warehouse, "enrich")
    killed_second = marked_owner(db_path)
    report = rerun(db_path, built_warehouse)
    # Each run that rolled back a killed one marked it Crashed in Prefect.
    assert [flow_run_state(killed_first), flow_run_state(killed_second)] == ["CRASHED", "CRASHED"]

    # The killed runs' writes were rolled back, except the embeddings they had cached.
    assert report.understand["items_processed"] == report.understand["items_total"] > 0
    assert report.embed["embedded_now"] == 0 and report.embed["from_cache"] > 0
    assert report.themes["mode"] == "fit"
    assert warehouse_fingerprints(db_path) == warehouse_fingerprints(built_warehouse.db_path)
    assert snapshot_problems(db_path) == []
    assert run_count(db_path) == 1
    assert leftovers(tmp_path) == []


def test_run_killed_while_publishing_leaves_the_published_snapshot_whole(built_warehouse, tmp_path):
    db_path = tmp_path / "voc.duckdb"
    shutil.copyfile(built_warehouse.db_path, db_path)
    shutil.copyfile(get_settings().work_db_path(built_warehouse.db_path), get_settings().work_db_path(db_path))

    kill_in_stage(db_path, built_warehouse, "publish")
    # The kill may land just before or just after the rename: either way one whole snapshot.
    runs_published = run_count(db_path)
    assert runs_published in (1, 2)
    rerun(db_path, built_warehouse)

    assert warehouse_fingerprints(db_path) == warehouse_fingerprints(built_warehouse.db_path)
    assert snapshot_problems(db_path) == []
    assert run_count(db_path) == runs_published + 1
    assert leftovers(tmp_path) == []


def test_only_a_run_prefect_still_has_running_is_marked_crashed(prefect_harness):
    """A run that ended (completed or failed) reported its own end and keeps it; ids Prefect
    does not know, or that are not ids, are logged and left alone."""
    import logging

    from prefect import flow, get_client
    from prefect.states import Running

    from pipelines.flows import mark_crashed

    @flow
    def finishes() -> None:
        return None

    @flow
    def fails() -> None:
        raise RuntimeError("planned failure")

    completed = finishes(return_state=True).state_details.flow_run_id
    failed = fails(return_state=True).state_details.flow_run_id
    with get_client(sync_client=True) as client:
        running = client.create_flow_run(finishes, state=Running()).id

    logger = logging.getLogger("test_mark_crashed")
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    logger.addHandler(handler)
    for flow_run_id in (completed, failed, running, uuid.uuid4(), "not-an-id"):
        mark_crashed(str(flow_run_id), logger)
    assert [flow_run_state(str(i)) for i in (completed, failed, running)] == ["COMPLETED", "FAILED", "CRASHED"]
    logger.removeHandler(handler)
    assert len(warnings) == 3 and sum("could not mark" in w for w in warnings) == 2, warnings
