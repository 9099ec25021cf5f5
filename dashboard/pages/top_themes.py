"""Top themes: what customers talk about most, how it moves week to week, and what they said.

For a product manager. Pick dates and channels; themes are ranked by the number of feedback
items that mention them; pick a theme to read the verbatims behind it. Customer text is
always shown as plain text (dataframe cells, st.text), never rendered as Markdown or HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.queries import FeedbackFilter, Snapshot

KEY = "top_themes"  # prefix of this page's widget keys; keys stay stable across reruns
DEFAULT_TOP_N = 10
TREND_THEME_COUNT = 5  # more lines than this make the trend chart unreadable
VERBATIM_LIMIT = 200


def filter_controls(coverage: pd.Series) -> tuple[FeedbackFilter, int]:
    """Date range, channels and top-N; stops the page until the choice is usable."""
    first, last = coverage["first_date"].date(), coverage["last_date"].date()
    channels = list(coverage["channels"])
    col_dates, col_channels, col_top_n = st.columns([2, 3, 1])
    picked = col_dates.date_input(
        "Received between",
        value=(first, last),
        min_value=first,
        max_value=last,
        key=f"{KEY}.dates",
        help="Counts are weekly: the whole ISO weeks (Monday to Sunday, UTC) containing "
        "these dates are included.",
    )
    chosen = col_channels.multiselect("Channels", channels, default=channels, key=f"{KEY}.channels")
    top_n = col_top_n.number_input(
        "Themes to rank", min_value=3, max_value=30, value=DEFAULT_TOP_N, step=1, key=f"{KEY}.top_n"
    )
    if len(picked) != 2:
        st.info("Pick an end date.")
        st.stop()
    if not chosen:
        st.info("Pick at least one channel.")
        st.stop()
    # sorted, so the same selection in another click order hits the same cache entry
    return FeedbackFilter(picked[0], picked[1], tuple(sorted(chosen))), int(top_n)


def headline(metrics: pd.Series) -> None:
    col_items, col_segments, col_themes, col_channels = st.columns(4)
    col_items.metric("Feedback items", f"{metrics['count_items']:,}")
    col_segments.metric(
        "Segments",
        f"{metrics['count_segments']:,}",
        help=f"{metrics['count_themed_segments']:,} of them belong to a theme.",
    )
    col_themes.metric("Themes mentioned", f"{metrics['count_themes']:,}")
    col_channels.metric("Channels", f"{metrics['count_channels']:,}")


def ranking_and_trend(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, top: pd.DataFrame
) -> None:
    col_ranking, col_trend = st.columns(2)
    col_ranking.subheader(f"Top {len(top)} themes by items")
    col_ranking.altair_chart(charts.theme_ranking_bar(top), width="stretch")

    trend_top = top.head(TREND_THEME_COUNT)
    trend = data.theme_trend(snapshot, feedback_filter, tuple(trend_top["theme_id"]))
    col_trend.subheader(f"Weekly trend of the top {len(trend_top)}")
    col_trend.altair_chart(charts.theme_trend_lines(trend, trend_top["label"]), width="stretch")

    with st.expander("Ranking as a table", expanded=True):
        st.dataframe(
            top,
            hide_index=True,
            column_order=[
                "rank", "label", "count_items", "share_of_items", "count_segments", "keywords"
            ],
            column_config={
                "rank": st.column_config.NumberColumn("#", width="small"),
                "label": st.column_config.TextColumn("Theme", width="medium"),
                "count_items": st.column_config.NumberColumn("Items", format="localized"),
                "share_of_items": st.column_config.NumberColumn("Share of items", format="percent"),
                "count_segments": st.column_config.NumberColumn("Segments", format="localized"),
                "keywords": st.column_config.ListColumn("Keywords", width="large"),
            },
            key=f"{KEY}.ranking_table",
        )


def theme_selector(ranking: pd.DataFrame) -> str:
    """Pick one of the ranked themes; a theme that dropped out of the filter falls back to #1."""
    labels = dict(zip(ranking["theme_id"], ranking["label"], strict=True))
    items = dict(zip(ranking["theme_id"], ranking["count_items"], strict=True))
    key = f"{KEY}.theme"
    if st.session_state.get(key) not in labels:
        st.session_state[key] = ranking["theme_id"].iloc[0]
    return st.selectbox(
        "Theme",
        list(labels),
        format_func=lambda theme_id: f"{labels[theme_id]} ({items[theme_id]:,} items)",
        key=key,
    )


def verbatims_section(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, ranking: pd.DataFrame
) -> None:
    st.subheader("What customers said")
    col_theme, col_search = st.columns([3, 2])
    with col_theme:
        theme_id = theme_selector(ranking)
    search = col_search.text_input(
        "Only messages containing", key=f"{KEY}.search", placeholder="e.g. refund"
    )
    keywords = ranking.loc[ranking["theme_id"] == theme_id, "keywords"].iloc[0]
    st.text(f"Keywords: {', '.join(keywords)}")

    verbatims = data.theme_verbatims(
        snapshot, feedback_filter, theme_id, search.strip(), VERBATIM_LIMIT
    )
    if verbatims.empty:
        st.info("No message of this theme matches the search.")
        return
    shown, matching = len(verbatims), int(verbatims["count_matching"].iloc[0])
    st.caption(
        f"Newest {shown:,} of {matching:,} segments. "
        "Select a row to read its whole message below."
    )
    event = st.dataframe(
        verbatims,
        hide_index=True,
        column_order=["received_at", "channel", "segment_text", "message_marked"],
        column_config={
            "received_at": st.column_config.DatetimeColumn(
                "Received (UTC)", format="YYYY-MM-DD HH:mm"
            ),
            "channel": st.column_config.TextColumn("Channel", width="small"),
            "segment_text": st.column_config.TextColumn("Segment", width="medium"),
            "message_marked": st.column_config.TextColumn(
                "Whole message, segment in « »", width="large"
            ),
        },
        on_select="rerun",
        selection_mode="single-row",
        key=f"{KEY}.verbatim_rows",
    )
    selected_rows = [row for row in event.selection.rows if row < shown]
    row = verbatims.iloc[selected_rows[0] if selected_rows else 0]
    st.caption(f"{row['channel']} · {row['received_at']:%Y-%m-%d %H:%M} UTC · segment marked « »")
    st.text(row["message_marked"])


snapshot = data.current_snapshot()
coverage = data.feedback_coverage(snapshot).iloc[0]

st.title("Top themes")
finished_at = data.data_as_of(snapshot)["finished_at"].iloc[0]
if pd.notna(finished_at):
    st.caption(f"Data as of {finished_at:%Y-%m-%d %H:%M} UTC")
if coverage["count_items"] == 0:
    st.info("The published snapshot has no feedback yet.")
    st.stop()

feedback_filter, top_n = filter_controls(coverage)
headline(data.headline_metrics(snapshot, feedback_filter).iloc[0])

ranking = data.top_themes(snapshot, feedback_filter)
if ranking.empty:
    st.info("No feedback in this selection mentions a theme.")
    st.stop()
ranking_and_trend(snapshot, feedback_filter, ranking.head(top_n))
verbatims_section(snapshot, feedback_filter, ranking)
