"""Chart specs: what the layout depends on, checked on the Vega-Lite each chart produces."""

from __future__ import annotations

import pandas as pd

from dashboard import charts


def trend_frame(labels: list[str]) -> pd.DataFrame:
    weeks = pd.to_datetime(["2026-05-04", "2026-05-11"])
    return pd.DataFrame(
        [
            {"label": label, "week_start": week, "count_items": 3, "count_all_items": 40, "share_of_items": 0.075}
            for label in labels for week in weeks
        ]
    )


def test_one_themes_trend_has_no_legend_to_squeeze_the_plot() -> None:
    label = "gift card — balance has disappeared after the top-up"
    spec = charts.theme_trend_lines(trend_frame([label]), [label]).to_dict()
    assert spec["encoding"]["color"]["legend"] is None
    assert spec["height"] == charts.TREND_PLOT_HEIGHT


def test_several_themes_share_a_legend_below_the_plot_with_whole_labels() -> None:
    labels = ["gift card — balance has disappeared", "refund — still waiting", "app — crashes at login"]
    spec = charts.theme_trend_lines(trend_frame(labels), labels).to_dict()
    legend = spec["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["labelLimit"] == 0
    assert spec["encoding"]["color"]["sort"] == labels
    # the plot keeps its height however many legend rows go below it
    assert spec["height"] == charts.TREND_PLOT_HEIGHT and spec["autosize"]["type"] == "fit-x"


def test_trend_ticks_fall_on_the_weeks_mondays() -> None:
    label = "refund — return processed"
    spec = charts.theme_trend_lines(trend_frame([label]), [label]).to_dict()
    ticks = spec["encoding"]["x"]["axis"]["values"]
    # Vega-Lite months are 1-12: the frame's weeks start on Mondays 4 and 11 May 2026
    assert ticks == [{"year": 2026, "month": 5, "date": 4}, {"year": 2026, "month": 5, "date": 11}]
