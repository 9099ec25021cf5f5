"""Marts computed in Python: read a SQL model, call a pure function in ``insights/``, write back.

Runs inside the pipeline's build_marts step, after the SQL marts are built and before the
contracts are checked, so these tables are tested like every other.
"""

from __future__ import annotations

import duckdb

from insights.movers import FLAG_COLUMNS, MoverConfig, theme_flags
from pipelines.warehouse.db import fetch_row

THEME_WEEK_COUNTS_SQL = """
    SELECT theme_id, week_start, count_items, count_all_items
    FROM theme_week_counts
    ORDER BY theme_id, week_start
"""


def build_theme_flags(con: duckdb.DuckDBPyConnection, config: MoverConfig = MoverConfig()) -> int:
    """Fill theme_flags (created empty by marts/theme_flags.sql); returns its row count."""
    flags = theme_flags(con.execute(THEME_WEEK_COUNTS_SQL).df(), config)
    con.execute("DELETE FROM theme_flags")
    con.register("computed_theme_flags", flags[FLAG_COLUMNS])
    try:
        con.execute("INSERT INTO theme_flags BY NAME SELECT * FROM computed_theme_flags")
    finally:
        con.unregister("computed_theme_flags")
    return fetch_row(con, "SELECT count(*) FROM theme_flags")[0]
