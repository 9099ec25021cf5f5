"""Print results.jsonl (written by the experiment scripts) as a markdown table.

Usage: python summarize_results.py CACHE_DIR/results.jsonl [GROUP ...]
A row passes the bar when NMI >= 0.80, ARI >= 0.50, unassigned <= 5 % and 50..120 themes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def passes(row: dict) -> bool:
    return row["nmi"] >= 0.80 and row["ari"] >= 0.50 and row["unassigned_pct"] <= 5 and 50 <= row["n_themes"] <= 120


def to_markdown(rows: list[dict]) -> str:
    lines = ["| group | config | embedding | n | NMI | ARI | themes | unassigned % | s | bar |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        extra = row.get("extra", {})
        tags = ", ".join(f"{k}={v}" for k, v in extra.items() if k != "group")
        name = row["name"] + (f" ({tags})" if tags else "")
        lines.append(
            f"| {extra.get('group', '')} | {name} | {row['model']} | {row['n']} | {row['nmi']:.3f} | {row['ari']:.3f} "
            f"| {row['n_themes']} | {row['unassigned_pct']} | {row['seconds']} | {'yes' if passes(row) else 'no'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    wanted = set(sys.argv[2:])
    all_rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line.strip()]
    print(to_markdown([r for r in all_rows if not wanted or r.get("extra", {}).get("group") in wanted]))
