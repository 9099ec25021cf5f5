"""Altair chart builders: a query's frame in, a chart out (no Streamlit, no SQL)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd


def theme_ranking_bar(
    ranking: pd.DataFrame,
    value_column: str = "count_items",
    value_title: str = "Items mentioning the theme",
) -> alt.Chart:
    """Horizontal bars of ``value_column`` per theme, in the ranking's order (a ``top_themes``
    frame)."""
    order = ranking["label"].tolist()
    return (
        alt.Chart(ranking)
        .mark_bar()
        .encode(
            x=alt.X(f"{value_column}:Q", title=value_title),
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=[
                alt.Tooltip("label:N", title="Theme"),
                alt.Tooltip("count_items:Q", title="Items", format=","),
                alt.Tooltip("share_of_items:Q", title="Share of items", format=".1%"),
                alt.Tooltip("count_segments:Q", title="Segments", format=","),
            ],
        )
    )


TREND_PLOT_HEIGHT = 220  # pixels of the plot itself


def monday_ticks(weeks: pd.Series) -> alt.Axis:
    """An axis ticked on the weeks' Mondays: Vega's own week ticks fall on Sundays, a day
    before every point. Labels that would overlap are thinned out."""
    mondays = sorted({pd.Timestamp(week).date() for week in weeks})
    return alt.Axis(
        values=[alt.DateTime(year=d.year, month=d.month, date=d.day) for d in mondays],
        format="%d %b" if len({d.year for d in mondays}) == 1 else "%d %b %Y", labelOverlap=True,
    )


def theme_trend_lines(trend: pd.DataFrame, label_order: Sequence[str]) -> alt.Chart:
    """Weekly share of items per theme (a ``theme_trend`` frame), one line per theme. The
    legend goes below the plot, and only when there are several themes: theme labels are
    long, and a legend beside a narrow chart squeezed the plot to a sliver."""
    several = len(label_order) > 1
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=0) if several else None
    return (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title="Week (Monday, UTC)", axis=monday_ticks(trend["week_start"])),
            y=alt.Y(
                "share_of_items:Q", title="Share of the week's items", axis=alt.Axis(format="%")
            ),
            color=alt.Color("label:N", sort=list(label_order), title="Theme", legend=legend),
            tooltip=[
                alt.Tooltip("label:N", title="Theme"),
                alt.Tooltip("week_start:T", title="Week of", format="%Y-%m-%d"),
                alt.Tooltip("count_items:Q", title="Items", format=","),
                alt.Tooltip("count_all_items:Q", title="All items that week", format=","),
                alt.Tooltip("share_of_items:Q", title="Share", format=".1%"),
            ],
        )
        # Fit the width only: Streamlit's default ("fit") squeezes the plot to leave the
        # legend room within the height.
        .properties(height=TREND_PLOT_HEIGHT, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    )


def channel_mix_bar(mix: pd.DataFrame) -> alt.Chart:
    """Items per channel for one theme (a ``theme_channel_mix`` frame)."""
    return (
        alt.Chart(mix)
        .mark_bar()
        .encode(
            x=alt.X("count_items:Q", title="Items"),
            y=alt.Y("channel:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("channel:N", title="Channel"),
                alt.Tooltip("count_items:Q", title="Items", format=","),
                alt.Tooltip("count_reach:Q", title="Reach (all copies)", format=","),
                alt.Tooltip("share_of_theme:Q", title="Share of the theme", format=".1%"),
                alt.Tooltip("mean_sentiment:Q", title="Mean sentiment", format=".2f"),
            ],
        )
    )


SENTIMENT_COLOURS = {"negative": "#d62728", "neutral": "#9e9e9e", "positive": "#2ca02c"}


def sentiment_bar(detail: pd.Series) -> alt.Chart:
    """Share of negative, neutral and positive segments (a ``theme_detail`` row)."""
    shares = pd.DataFrame(
        {
            "sentiment": list(SENTIMENT_COLOURS),
            "share": [detail[f"{label}_share"] for label in SENTIMENT_COLOURS],
        }
    )
    return (
        alt.Chart(shares)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="Share of segments", axis=alt.Axis(format="%")),
            y=alt.Y("sentiment:N", sort=list(SENTIMENT_COLOURS), title=None),
            color=alt.Color(
                "sentiment:N",
                scale=alt.Scale(domain=list(SENTIMENT_COLOURS), range=list(SENTIMENT_COLOURS.values())),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("sentiment:N", title="Sentiment"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )
