"""Crash trials: run `voc run` as a process, SIGKILL it inside a chosen stage, and check what
it leaves. Used by benchmarks/kill_trials.py (many trials) and tests/test_crash_safety.py.

Prefect logs only when a task finishes, so a stage is taken to start when the flow begins
(collect) or when the task before it finishes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import yaml

from pipelines.settings import PROJECT_ROOT
from pipelines.warehouse.db import RUN_STAMPED_COLUMNS, check_contracts, load_contracts, table_fingerprints

VOC = Path(sys.executable).with_name("voc")
# The stages a kill can land in, in the order a run goes through them.
STAGES = ("collect", "segment", "embed", "enrich", "themes", "promotions", "marts", "publish", "published")
# Which stage begins when this task finishes.
_STAGE_AFTER_TASK = {
    "collect_campaigns": "segment",
    "understand": "embed",
    "embed": "enrich",
    "enrich": "themes",
    "themes": "promotions",
    "match_promotions": "marts",
    "build_marts": "publish",
    "publish": "published",
}
_TASK_FINISHED = re.compile(r"Task run '(\w+)-\w+' - Finished in state Completed")
_FLOW_BEGAN = "Beginning flow run"
# The counts the flow reports after building the marts, as written in run_log.
_REPORTED_COUNT_SQL = {
    "feedback": "SELECT count(*) FROM feedback",
    "segments": "SELECT count(*) FROM segments",
    "themes": "SELECT count(*) FROM themes",
    "theme_weekly": "SELECT count(*) FROM theme_weekly",
    "quarantine": "SELECT count(*) FROM quarantine",
    "channels": "SELECT count(DISTINCT channel) FROM feedback",
}


def write_sources_yaml(path: Path, samples_dir: Path) -> Path:
    """The bundled sources.yaml, pointing at another sample folder."""
    bundled = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    for source in bundled["sources"]:
        source["path"] = str(samples_dir / Path(source["path"]).relative_to("data/samples"))
    path.write_text(yaml.safe_dump(bundled, sort_keys=False), encoding="utf-8")
    return path


class PipelineProcess:
    """`voc run` in its own process group, its output read line by line as it comes."""

    def __init__(self, db_path: Path, sources_path: Path, env: dict[str, str]) -> None:
        self.spawned_at = time.monotonic()
        self.stage: str | None = None  # the stage running now, from the lines read so far
        self.stage_began: dict[str, float] = {}  # seconds after spawning
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [str(VOC), "run", "--db", str(db_path), "--sources", str(sources_path)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=True,  # a temporary Prefect server it starts dies with it
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            finished = _TASK_FINISHED.search(line)
            stage = None
            if _FLOW_BEGAN in line:
                stage = "collect"
            elif finished:
                stage = _STAGE_AFTER_TASK.get(finished[1])
            with self._changed:
                self.lines.append(line)
                if stage:
                    self.stage = stage
                    self.stage_began[stage] = time.monotonic() - self.spawned_at
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_stage(self, stage: str, timeout: float) -> bool:
        """Wait until the run reaches ``stage``; False if it ended or timed out first."""
        with self._changed:
            self._changed.wait_for(
                lambda: stage in self.stage_began or not self._reader.is_alive(), timeout=timeout
            )
            return stage in self.stage_began

    def kill(self) -> str | None:
        """SIGKILL the whole process group; returns the stage it was in."""
        with self._changed:
            stage = self.stage
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join()
        return stage

    def wait(self, timeout: float) -> int:
        returncode = self.process.wait(timeout=timeout)
        self._reader.join()
        return returncode

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)


def snapshot_problems(db_path: Path) -> list[str] | None:
    """What is wrong with a published snapshot, as a reader opens it: None when there is
    none yet, [] when it is complete (contracts hold, and its last run_log row reports the
    counts it holds)."""
    if not db_path.exists():
        return None
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            problems = check_contracts(con)
            runs = con.execute(
                "SELECT report->'warehouse' FROM run_log ORDER BY finished_at DESC LIMIT 1"
            ).fetchall()
            if not runs:
                return [*problems, "run_log is empty"]
            reported = json.loads(runs[0][0])
            for name, sql in _REPORTED_COUNT_SQL.items():
                held = con.execute(sql).fetchall()[0][0]
                if reported.get(name) != held:
                    problems.append(f"run_log reports {name}={reported.get(name)}, the snapshot holds {held}")
            return problems
    except (duckdb.Error, OSError) as error:
        return [f"cannot read the snapshot: {error}"]


def warehouse_fingerprints(db_path: Path) -> dict[str, tuple[int, str]]:
    """Row count and content checksum of every contracted table, without run stamps, so
    warehouses built by different runs from the same inputs compare equal."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return table_fingerprints(con, load_contracts(), RUN_STAMPED_COLUMNS)


def run_count(db_path: Path) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM run_log").fetchall()[0][0]
