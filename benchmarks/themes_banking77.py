"""Theme quality on all 13,083 BANKING77 queries, beside BERTopic's defaults.

Runs exactly what `voc themes-eval` runs and writes the JSON to
benchmarks/results/themes_banking77.json.

    .venv/bin/python benchmarks/themes_banking77.py [--no-baseline]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "datasets" / "banking77"
OUT = ROOT / "benchmarks" / "results" / "themes_banking77.json"


def main() -> None:
    command = [
        sys.executable, "-m", "pipelines.cli", "themes-eval",
        str(DATASET / "train.csv"), str(DATASET / "test.csv"),
        "--text-col", "text", "--label-col", "category", "--out", str(OUT), *sys.argv[1:],
    ]
    subprocess.run(command, check=True, cwd=ROOT)
    result = json.loads(OUT.read_text())
    bar = {"nmi": 0.80, "ari": 0.50}
    verdict = (
        result["nmi"] >= bar["nmi"] and result["ari"] >= bar["ari"]
        and result["unassigned_share"] <= 0.05 and 50 <= result["n_themes"] <= 120
    )
    print(f"bar (NMI >= 0.80, ARI >= 0.50, unassigned <= 5 %, 50-120 themes): {'met' if verdict else 'NOT met'}")


if __name__ == "__main__":
    main()
