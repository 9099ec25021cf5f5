"""Peak memory of a themes refit on a large warehouse, beside the same refit by another commit.

Runs steps.update_themes(refit=True) on a copy of a warehouse file (e.g. the 1M-item one that
`pipeline_scale.py --keep DIR` keeps as DIR/1000000/before_increment.voc.duckdb) and records
the process's peak RSS (VmHWM, Linux), the time, and a checksum of the text → theme
assignments, so two commits can be compared on memory with the same result. For a baseline,
run this file from a worktree of the older commit with that tree first on PYTHONPATH:

    git worktree add /tmp/base <commit>
    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/refit_memory.py WAREHOUSE --label baseline
    .venv/bin/python benchmarks/refit_memory.py WAREHOUSE --label current

Each label's figures go to benchmarks/results/refit_memory.json (other labels are kept).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from nlp.config import load_nlp_config
from pipelines import steps
from pipelines.process_memory import peak_rss_mb, reset_peak_rss
from pipelines.settings import get_settings
from pipelines.warehouse.db import connect, fetch_row

OUT = Path(__file__).resolve().parent / "results" / "refit_memory.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--label", required=True)
    args = parser.parse_args()
    settings = get_settings()
    config = load_nlp_config(settings.nlp_config_path).themes
    code_dir = Path(steps.__file__).resolve().parent.parent
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(code_dir), *args], capture_output=True, text=True, check=False).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() + ("+uncommitted" if git("status", "--porcelain").strip() else "")
    with tempfile.TemporaryDirectory(prefix="refit_memory_") as temp:
        db = Path(temp) / "warehouse.duckdb"
        shutil.copyfile(args.warehouse, db)
        with connect(db, memory_limit=settings.warehouse_memory_limit) as con:
            model_id = fetch_row(con, "SELECT min(model) FROM embedding_cache")[0]
            reset_peak_rss()
            began = time.perf_counter()
            report = steps.update_themes(
                con, config, model_id, "run_refit_memory", refit=True, compiled_code_cache=settings.cache_dir
            )
            seconds = time.perf_counter() - began
            peak = peak_rss_mb()
            rows, themes, checksum = fetch_row(
                con,
                """SELECT count(*), count(DISTINCT theme_id),
                          sum(hash(text_hash || coalesce(theme_id, '')))::VARCHAR FROM segment_theme""",
            )
    figures = {
        "code": str(code_dir), "commit": commit, "warehouse": str(args.warehouse),
        "duckdb_memory_limit": settings.warehouse_memory_limit, "refit_peak_rss_mb": peak,
        "refit_seconds": round(seconds, 1), "texts": report.texts, "themes_active": report.themes_active,
        "assignments": rows, "themes_assigned": themes, "assignment_checksum": checksum,
        "measured_on": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(figures, indent=2))
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results[args.label] = figures
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
