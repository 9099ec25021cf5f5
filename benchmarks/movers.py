"""Time of the movers test (insights/movers.py: two passes, dispersion estimate, beta-binomial
tails summed per theme-week) and what it finds, on the bundled demo warehouse and at the scale
of the dashboard benchmark (1M items: 150 themes x 26 weeks).

The demo's theme_week_counts are read from data/voc.duckdb (read-only; skipped if absent).
The large frame is synthesised: theme sizes from a seeded Dirichlet, weekly counts negative
binomial with 1.3 times the Poisson variance, so the estimate has something to find.

    .venv/bin/python benchmarks/movers.py [--repeats 5]

Prints a table and writes benchmarks/results/movers.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from insights.movers import theme_flags  # noqa: E402
from pipelines.insights_step import THEME_WEEK_COUNTS_SQL  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "movers.json"
DEMO_DB = ROOT / "data" / "voc.duckdb"
LARGE = {"items": 1_000_000, "themes": 150, "weeks": 26, "themed_share": 0.6, "dispersion": 1.3, "seed": 0}


def large_counts() -> pd.DataFrame:
    """Theme x week counts of a 1M-item warehouse: every theme present from the first week."""
    rng = np.random.default_rng(LARGE["seed"])
    weekly_items = LARGE["items"] / LARGE["weeks"]
    means = rng.dirichlet(np.full(LARGE["themes"], 0.7)) * weekly_items * LARGE["themed_share"]
    phi = LARGE["dispersion"]
    # negative binomial with variance phi x mean: n = mean / (phi - 1), p = 1 / phi
    counts = stats.nbinom.rvs(means / (phi - 1), 1 / phi, size=(LARGE["weeks"], LARGE["themes"]), random_state=rng)
    first_monday = date(2026, 5, 4)
    totals = np.maximum(counts.sum(axis=1), np.rint(weekly_items).astype(int))
    return pd.DataFrame(
        [
            (f"T{theme:04d}", first_monday + timedelta(weeks=week), int(counts[week, theme]), int(totals[week]))
            for week in range(LARGE["weeks"])
            for theme in range(LARGE["themes"])
        ],
        columns=["theme_id", "week_start", "count_items", "count_all_items"],
    )


def measure(counts: pd.DataFrame, repeats: int) -> dict:
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        flags = theme_flags(counts)
        seconds.append(time.perf_counter() - began)
    return {
        "rows": len(counts),
        "max_items_per_theme_week": int(counts["count_items"].max()),
        "seconds_p50": round(statistics.median(seconds), 3),
        "seconds_max": round(max(seconds), 3),
        "dispersion": float(flags["dispersion"].iloc[0]),
        "new": int(flags["is_new"].sum()),
        "spiking": int(flags["is_spiking"].sum()),
        "falling": int(flags["is_falling"].sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = {"benchmark": "movers", "repeats": args.repeats, "large_setup": LARGE, "frames": {}}
    if DEMO_DB.exists():
        with duckdb.connect(str(DEMO_DB), read_only=True) as con:
            demo = con.execute(THEME_WEEK_COUNTS_SQL).df()
        results["frames"]["demo_warehouse"] = measure(demo, args.repeats)
    results["frames"]["synthetic_1m_items"] = measure(large_counts(), args.repeats)
    print(pd.DataFrame(results["frames"]).T.to_string())
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
