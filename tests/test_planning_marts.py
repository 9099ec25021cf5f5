"""The support planning marts and `voc forecast`, on the warehouse the real flow built.

Expected figures are recomputed here from the core feedback/segments tables with pandas,
independently of the marts' SQL.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.settings import get_settings
from pipelines.warehouse.db import check_contracts, identifier

PLANNING_TABLES = ("contacts_daily", "resolution_times", "agent_hours_weekly", "contact_forecast")


def frame(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def main_themes(published_db: Path) -> pd.DataFrame:
    """Each first copy's main theme (most segments, ties to the earliest), with its times."""
    segments = frame(published_db, "SELECT feedback_id, ordinal, theme_id FROM segments WHERE theme_id IS NOT NULL")
    per_theme = segments.groupby(["feedback_id", "theme_id"]).agg(n=("ordinal", "size"), first=("ordinal", "min"))
    ranked = per_theme.reset_index().sort_values(["feedback_id", "n", "first"], ascending=[True, False, True])
    main = ranked.drop_duplicates("feedback_id")[["feedback_id", "theme_id"]]
    items = frame(published_db, """SELECT feedback_id, channel, received_at, handle_time_s, resolution_time_s,
                                          first_response_time_s
                                   FROM feedback WHERE feedback_id = canonical_id""")
    return items.merge(main, on="feedback_id")


def test_planning_tables_hold_their_contracts(published_db: Path) -> None:
    with duckdb.connect(str(published_db), read_only=True) as con:
        violations = check_contracts(con)
        counts = {t: con.execute("SELECT count(*) FROM " + identifier(t)).fetchone()[0] for t in PLANNING_TABLES}
    assert [v for v in violations if v.split(".")[0].split(":")[0] in PLANNING_TABLES] == []
    assert all(counts.values()), counts


def test_first_response_times_reach_core_feedback_for_tickets_only(published_db: Path) -> None:
    times = frame(published_db, """SELECT channel, count(first_response_time_s) AS replied, count(*) AS items,
                                          min(first_response_time_s) AS fastest
                                   FROM feedback GROUP BY channel""").set_index("channel")
    assert times.loc["ticket", "replied"] > 0.8 * times.loc["ticket", "items"]
    assert times.loc["ticket", "fastest"] >= 0
    assert (times.drop(index="ticket")["replied"] == 0).all()


def test_received_matches_feedback_and_backlog_is_received_minus_resolved(published_db: Path) -> None:
    daily = frame(published_db, "SELECT * FROM contacts_daily ORDER BY channel, day")
    feedback = frame(published_db, "SELECT channel, received_at FROM feedback")
    expected = feedback.groupby(["channel", feedback["received_at"].dt.date.rename("day")]).size()
    received = daily[daily["count_received"] > 0].assign(day=lambda f: pd.to_datetime(f["day"]).dt.date)
    assert received.set_index(["channel", "day"])["count_received"].to_dict() == expected.to_dict()
    for channel, rows in daily.groupby("channel"):
        running = (rows["count_received"] - rows["count_resolved"]).cumsum()
        assert list(rows["backlog_end_of_day"]) == list(running), channel
        assert pd.Series(pd.to_datetime(rows["day"])).diff().dropna().eq(pd.Timedelta(days=1)).all()
    tickets = daily[daily["channel"] == "ticket"]
    open_at_export = frame(
        published_db,
        "SELECT count(*) AS n FROM feedback WHERE channel = 'ticket' AND resolution_time_s IS NULL "
        "AND metadata->>'status' IN ('new', 'open', 'pending', 'hold')",
    )["n"].iloc[0]
    assert open_at_export > 0
    assert tickets["backlog_end_of_day"].iloc[-1] == open_at_export
    others = daily[daily["channel"] != "ticket"]
    assert (others["count_received"] == others["count_resolved"]).all() and (others["backlog_end_of_day"] == 0).all()


def test_agent_hours_are_volume_times_handle_time(published_db: Path, main_themes: pd.DataFrame) -> None:
    settings = get_settings()
    minutes = {"ticket": settings.ticket_work_minutes, "social": settings.social_reply_minutes, "survey": 0.0}
    items = main_themes.assign(
        week_start=(main_themes["received_at"] - pd.to_timedelta(main_themes["received_at"].dt.day_of_week, unit="D"))
        .dt.normalize().dt.date,
        hours=[(h or 0) / 3600 if c == "call" else minutes[c] / 60
               for c, h in zip(main_themes["channel"], main_themes["handle_time_s"])],
    )
    expected = items.groupby(["week_start", "theme_id", "channel"]).agg(count_items=("hours", "size"),
                                                                          agent_hours=("hours", "sum"))
    mart = frame(published_db, "SELECT * FROM agent_hours_weekly")
    mart["week_start"] = pd.to_datetime(mart["week_start"]).dt.date
    mart = mart.set_index(["week_start", "theme_id", "channel"]).sort_index()
    assert mart["count_items"].to_dict() == expected["count_items"].sort_index().to_dict()
    assert mart["agent_hours"].to_numpy() == pytest.approx(expected["agent_hours"].sort_index().to_numpy())
    tickets = mart.xs("ticket", level="channel")
    assert tickets["agent_hours"].to_numpy() == pytest.approx(
        tickets["count_items"].to_numpy() * settings.ticket_work_minutes / 60)


def test_resolution_times_are_medians_and_p90s_per_theme(published_db: Path, main_themes: pd.DataFrame) -> None:
    mart = frame(published_db, "SELECT * FROM resolution_times").set_index(["theme_id", "channel"])
    assert set(mart.index.get_level_values("channel")) <= {"ticket", "call"}
    tickets = main_themes[main_themes["channel"] == "ticket"]
    busiest = tickets["theme_id"].value_counts().index[0]
    rows = tickets[tickets["theme_id"] == busiest]
    got = mart.loc[(busiest, "ticket")]
    assert got["count_items"] == len(rows)
    assert got["median_resolution_s"] == pytest.approx(rows["resolution_time_s"].median())
    assert got["p90_resolution_s"] == pytest.approx(rows["resolution_time_s"].quantile(0.9))
    assert got["median_first_response_s"] == pytest.approx(rows["first_response_time_s"].median())
    calls = main_themes[main_themes["channel"] == "call"]
    call_theme = calls["theme_id"].value_counts().index[0]
    assert mart.loc[(call_theme, "call"), "median_resolution_s"] == pytest.approx(
        calls.loc[calls["theme_id"] == call_theme, "handle_time_s"].median())


def test_the_resolution_table_puts_themes_with_few_items_last(published_db: Path) -> None:
    from dashboard import queries

    shown = queries.resolution_by_theme(published_db, min_items=5)
    enough = shown["count_items"] >= 5
    assert enough.any() and (~enough).any()
    assert enough.tolist() == sorted(enough.tolist(), reverse=True)  # the well-founded rows first
    assert shown.loc[enough, "median_resolution_h"].dropna().is_monotonic_decreasing
    assert len(shown) == len(frame(published_db, "SELECT * FROM resolution_times"))


def test_forecast_covers_every_channel_with_intervals_and_hours(published_db: Path) -> None:
    settings = get_settings()
    forecast = frame(published_db, "SELECT * FROM contact_forecast")
    channels = forecast[forecast["series_kind"] == "channel"]
    assert set(channels["series"]) == {"ticket", "survey", "call", "social"}
    assert channels.groupby("series").size().eq(settings.forecast_weeks).all()
    assert (forecast["lower"] <= forecast["forecast"]).all() and (forecast["forecast"] <= forecast["upper"]).all()
    assert (forecast["lower"] >= 0).all()
    # 16 weeks of history: not enough for a season.
    assert forecast["method"].str.startswith("non-seasonal").all()
    assert forecast["agent_hours"].to_numpy() == pytest.approx(
        (forecast["forecast"] * forecast["hours_per_contact"]).to_numpy())
    surveys = channels[channels["series"] == "survey"]
    assert (surveys["agent_hours"] == 0).all() and (channels[channels["series"] == "call"]["agent_hours"] > 0).all()
    themes = forecast[forecast["series_kind"] == "theme"]
    assert 0 < themes["series"].nunique() <= settings.forecast_top_themes


def test_voc_forecast_prints_the_published_forecast(published_db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["forecast", "--db", str(published_db), "--weeks", "4", "--staff-hours", "50"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    expected = frame(published_db, """SELECT week_start, series, forecast, agent_hours FROM contact_forecast
                                      WHERE series_kind = 'channel' AND horizon = 1""")
    first_week = f"{expected['week_start'].iloc[0]:%Y-%m-%d}"
    assert first_week in result.output and "agent-hours needed" in result.output
    ticket = expected[expected["series"] == "ticket"].iloc[0]
    assert f"{ticket['forecast']:,.0f}" in result.output and f"{ticket['agent_hours']:,.1f}" in result.output
    assert "vs 50 staffed" in result.output
    by_theme = runner.invoke(app, ["forecast", "--db", str(published_db), "--weeks", "4", "--by", "theme"],
                             env={"COLUMNS": "200"})
    assert by_theme.exit_code == 0, by_theme.output
    for bad in (["--weeks", "20"], ["--by", "product"]):
        refused = runner.invoke(app, ["forecast", "--db", str(published_db), *bad])
        assert refused.exit_code != 0
