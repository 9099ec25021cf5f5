"""Altair chart builders: a query's frame in, a chart out (no Streamlit, no SQL)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd


def theme_ranking_bar(ranking: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of items per theme, in the ranking's order (a ``top_themes`` frame)."""
    order = ranking["label"].tolist()
    return (
        alt.Chart(ranking)
        .mark_bar()
        .encode(
            x=alt.X("count_items:Q", title="Items mentioning the theme"),
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=[
                alt.Tooltip("label:N", title="Theme"),
                alt.Tooltip("count_items:Q", title="Items", format=","),
                alt.Tooltip("share_of_items:Q", title="Share of items", format=".1%"),
                alt.Tooltip("count_segments:Q", title="Segments", format=","),
            ],
        )
    )


def theme_trend_lines(trend: pd.DataFrame, label_order: Sequence[str]) -> alt.Chart:
    """Weekly share of items per theme (a ``theme_trend`` frame), one line per theme."""
    return (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title="Week (Monday, UTC)"),
            y=alt.Y(
                "share_of_items:Q", title="Share of the week's items", axis=alt.Axis(format="%")
            ),
            color=alt.Color("label:N", sort=list(label_order), title="Theme"),
            tooltip=[
                alt.Tooltip("label:N", title="Theme"),
                alt.Tooltip("week_start:T", title="Week of", format="%Y-%m-%d"),
                alt.Tooltip("count_items:Q", title="Items", format=","),
                alt.Tooltip("count_all_items:Q", title="All items that week", format=","),
                alt.Tooltip("share_of_items:Q", title="Share", format=".1%"),
            ],
        )
    )
