"""Command line: ``python -m samplegen --out data/samples --campaigns data/campaigns.csv ...``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .generator import generate_samples


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m samplegen", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the channel exports")
    parser.add_argument("--campaigns", type=Path, required=True, help="campaign calendar CSV to write")
    parser.add_argument("--items", type=int, default=6000, help="number of feedback records")
    parser.add_argument("--weeks", type=int, default=20, help="weeks of history")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 15), help="last day, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    summary = generate_samples(args.out, args.campaigns, n_items=args.items, weeks=args.weeks,
                               end_date=args.end, seed=args.seed)
    json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
