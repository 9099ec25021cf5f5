"""Support planning: the workload assumptions the marts use, and the contact forecast mart.

``set_workload_assumptions`` runs before the marts are built (``agent_hours_weekly`` reads
the per-ticket and per-post work time as DuckDB variables); ``write_contact_forecast`` runs
after them, reading weekly series from ``contacts_daily`` and ``agent_hours_weekly`` and
writing ``contact_forecast`` through the pure functions in ``insights.forecast``.
``forecast_table`` is what ``voc forecast`` prints.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from insights.forecast import ForecastConfig, agent_hours_needed, forecast_many
from pipelines.settings import Settings

SERIES_KINDS = ("channel", "theme")
HOURS_LOOKBACK_WEEKS = 52

# Weekly contacts per channel over complete weeks: a week whose last day has no data yet
# (the export stopped mid-week) would look like a drop in volume.
CHANNEL_WEEKS_SQL = """
    WITH complete AS (
        SELECT CAST(date_trunc('week', max(day) + INTERVAL 1 DAY) AS DATE) AS first_incomplete_week
        FROM contacts_daily WHERE count_received > 0
    )
    SELECT channel AS series, CAST(date_trunc('week', day) AS DATE) AS week_start,
           sum(count_received) AS count_items
    FROM contacts_daily, complete
    WHERE day < complete.first_incomplete_week
    GROUP BY ALL
"""

THEME_WEEKS_SQL = """
    WITH complete AS (
        SELECT CAST(date_trunc('week', max(day) + INTERVAL 1 DAY) AS DATE) AS first_incomplete_week
        FROM contacts_daily WHERE count_received > 0
    ),
    weekly AS (
        SELECT theme_id AS series, week_start, sum(count_items) AS count_items
        FROM agent_hours_weekly, complete
        WHERE week_start < complete.first_incomplete_week
        GROUP BY ALL
    ),
    top_themes AS (
        SELECT series FROM weekly
        WHERE week_start > (SELECT max(week_start) FROM weekly) - to_weeks(CAST(? AS INTEGER))
        GROUP BY series ORDER BY sum(count_items) DESC, series LIMIT ?
    )
    SELECT weekly.* FROM weekly JOIN top_themes USING (series)
"""

HOURS_PER_CONTACT_SQL = """
    WITH recent AS (
        SELECT * FROM agent_hours_weekly
        WHERE week_start > (SELECT max(week_start) FROM agent_hours_weekly) - to_weeks(CAST(? AS INTEGER))
    )
    -- Rounded so a parallel sum's last-bit noise cannot change the mart between identical runs.
    SELECT 'channel' AS series_kind, channel AS series, round(sum(agent_hours) / sum(count_items), 9) AS hours_per_contact
    FROM recent GROUP BY channel
    UNION ALL
    SELECT 'theme', theme_id, round(sum(agent_hours) / sum(count_items), 9) FROM recent GROUP BY theme_id
"""


def set_workload_assumptions(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Make the work-time assumptions visible to the marts' SQL as DuckDB variables."""
    con.execute("SET VARIABLE ticket_work_minutes = ?", [float(settings.ticket_work_minutes)])
    con.execute("SET VARIABLE social_reply_minutes = ?", [float(settings.social_reply_minutes)])


def weekly_series(con: duckdb.DuckDBPyConnection, top_themes: int) -> dict[str, pd.DataFrame]:
    """Weekly contacts per channel and per top theme (by items over the last 52 weeks)."""
    return {
        "channel": con.execute(CHANNEL_WEEKS_SQL).df(),
        "theme": con.execute(THEME_WEEKS_SQL, [HOURS_LOOKBACK_WEEKS, top_themes]).df(),
    }


def build_contact_forecast(con: duckdb.DuckDBPyConnection, settings: Settings) -> pd.DataFrame:
    """The rows of ``contact_forecast``: every channel and top theme, ``forecast_weeks`` ahead."""
    config = ForecastConfig(interval_level=settings.forecast_interval_level)
    rates = con.execute(HOURS_PER_CONTACT_SQL, [HOURS_LOOKBACK_WEEKS]).df()
    labels = dict(con.execute("SELECT theme_id, label FROM themes").fetchall())
    frames = []
    for kind, weekly in weekly_series(con, settings.forecast_top_themes).items():
        forecast = forecast_many(weekly, settings.forecast_weeks, config)
        if forecast.empty:
            continue
        kind_rates = rates[rates["series_kind"] == kind].set_index("series")["hours_per_contact"]
        # Survey-only channels have no handled items in agent_hours_weekly: they need no agent time.
        hours = {series: float(kind_rates.get(series, 0.0)) for series in forecast["series"].unique()}
        forecast = agent_hours_needed(forecast, hours)
        forecast["series_kind"] = kind
        forecast["series_label"] = [labels.get(s, s) if kind == "theme" else s for s in forecast["series"]]
        frames.append(forecast)
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    rows["interval_level"] = settings.forecast_interval_level
    rows["week_start"] = pd.to_datetime(rows["week_start"]).dt.date
    return rows


def write_contact_forecast(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Fill ``contact_forecast`` (declared empty by its .sql file); returns the rows written."""
    rows = build_contact_forecast(con, settings)
    con.execute("DELETE FROM contact_forecast")
    if rows.empty:
        return 0
    con.register("forecast_rows", rows)
    try:
        con.execute(
            """INSERT INTO contact_forecast BY NAME
               SELECT series_kind, series, series_label, week_start, horizon, forecast, lower, upper,
                      interval_level, method, history_weeks, hours_per_contact, agent_hours,
                      agent_hours_lower, agent_hours_upper
               FROM forecast_rows"""
        )
    finally:
        con.unregister("forecast_rows")
    return len(rows)


def forecast_table(db_path: Path, weeks: int, by: str) -> pd.DataFrame:
    """The published forecast for its first ``weeks`` weeks, one row per week and series.

    Columns: week_start, series (channel or theme label), forecast, lower, upper,
    interval_level, agent_hours, method.
    """
    if by not in SERIES_KINDS:
        raise ValueError(f"by must be one of {SERIES_KINDS}, got {by!r}")
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            """SELECT week_start, series_label AS series, forecast, lower, upper, interval_level,
                      agent_hours, method
               FROM contact_forecast WHERE series_kind = ? AND horizon <= ?
               ORDER BY week_start, series_label""",
            [by, weeks],
        ).df()


def staffing_gap(forecast_by_channel: pd.DataFrame, staff_hours: float) -> pd.DataFrame:
    """Per week: agent-hours needed over all channels, the staffed hours, and the hours short
    (negative: spare). Takes a ``forecast_table(..., by="channel")`` frame."""
    needed = forecast_by_channel.groupby("week_start", as_index=False)["agent_hours"].sum()
    return needed.assign(staff_hours=float(staff_hours), hours_short=needed["agent_hours"] - staff_hours)
