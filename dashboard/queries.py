"""Query functions over the published snapshot; every page reads its data through these.

Each function opens the snapshot read-only, runs one ``sql/<name>.sql`` file with bound
parameters, closes the connection and returns a pandas DataFrame. Opening per call (no
pooled connection) is what lets a page see a snapshot the pipeline has just renamed over
the old file. This module knows nothing of Streamlit; pages cache through
``dashboard.data``, keyed on :class:`Snapshot`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).with_name("sql")
DEFAULT_VERBATIM_LIMIT = 200


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot file as it is now; a new publish changes mtime and inode."""

    path: Path
    mtime_ns: int
    inode: int


@dataclass(frozen=True)
class FeedbackFilter:
    """The feedback a page looks at.

    Counts in the marts are weekly, so the range is widened to whole ISO weeks (Monday
    start, UTC): every query includes the weeks containing ``start_date`` through
    ``end_date``. An empty ``channels`` selects nothing.
    """

    start_date: date
    end_date: date
    channels: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.start_date > self.end_date:
            raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")

    def params(self) -> dict[str, object]:
        return {
            "start_date": self.start_date,
            "end_date": self.end_date,
            "channels": list(self.channels),
        }


def snapshot_of(db_path: Path) -> Snapshot:
    """Stat the snapshot; raises FileNotFoundError when nothing is published yet."""
    stat = Path(db_path).stat()
    return Snapshot(path=Path(db_path), mtime_ns=stat.st_mtime_ns, inode=stat.st_ino)


@lru_cache(maxsize=None)
def load_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_query(db_path: Path, name: str, params: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Run ``sql/<name>.sql`` against the snapshot with bound parameters."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(load_sql(name), dict(params or {})).df()


def feedback_coverage(db_path: Path) -> pd.DataFrame:
    """One row: first_date, last_date (received, UTC), channels (sorted list), count_items."""
    return run_query(db_path, "feedback_coverage")


def data_as_of(db_path: Path) -> pd.DataFrame:
    """One row: finished_at of the last recorded pipeline run (NaT before any run)."""
    return run_query(db_path, "data_as_of")


def headline_metrics(db_path: Path, feedback_filter: FeedbackFilter) -> pd.DataFrame:
    """One row: count_items, count_segments, count_themed_segments, count_themes,
    count_channels over the filtered items."""
    return run_query(db_path, "headline_metrics", feedback_filter.params())


def top_themes(
    db_path: Path, feedback_filter: FeedbackFilter, limit: int | None = None
) -> pd.DataFrame:
    """One row per theme mentioned in the filter, ranked by items (rank 1 first).

    Columns: rank, theme_id, label, keywords, count_items, count_segments,
    share_of_items (items mentioning the theme / all filtered items). ``limit=None``
    returns every mentioned theme.
    """
    _check_limit(limit, allow_none=True)
    return run_query(db_path, "top_themes", {**feedback_filter.params(), "limit": limit})


def theme_trend(
    db_path: Path, feedback_filter: FeedbackFilter, theme_ids: Sequence[str]
) -> pd.DataFrame:
    """One row per requested theme x ISO week in range, zero-filled, in ``theme_ids`` order.

    Columns: theme_id, label, week_start, count_items, count_all_items, share_of_items
    (NULL for a week with no items on the chosen channels). Unknown theme ids are dropped.
    """
    params = {**feedback_filter.params(), "theme_ids": [str(t) for t in theme_ids]}
    return run_query(db_path, "theme_trend", params)


def theme_verbatims(
    db_path: Path,
    feedback_filter: FeedbackFilter,
    theme_id: str,
    search: str = "",
    limit: int = DEFAULT_VERBATIM_LIMIT,
) -> pd.DataFrame:
    """The segments behind one theme, newest first, at most ``limit`` rows.

    ``search`` keeps items whose whole message contains it (case-insensitive, literal).
    Columns: segment_id, feedback_id, received_at, channel, segment_text, message_text,
    message_marked (message with the segment wrapped in « »), char_start, char_end,
    count_matching (rows before the limit).
    """
    _check_limit(limit, allow_none=False)
    params = {
        **feedback_filter.params(),
        "theme_id": theme_id,
        "search": search,
        "limit": limit,
    }
    return run_query(db_path, "theme_verbatims", params)


def _check_limit(limit: int | None, *, allow_none: bool) -> None:
    if limit is None and allow_none:
        return
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
