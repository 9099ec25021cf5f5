"""Top themes: what customers talk about most, what it costs, and what they said.

For a product manager. Pick dates, channels, languages, products and categories; rank
themes by volume, growth, score impact or handling cost; pick a theme for its trend,
channel mix, sentiment, key phrases, score impact, cost and verbatims; search every
message. Customer text is always shown as plain text (dataframe cells, st.text), never
rendered as Markdown or HTML.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import charts, data, labels
from dashboard.queries import RANKINGS, FeedbackFilter, Snapshot

COST_SHARE_HELP = (
    "The share of all handling time (calls' handle time, tickets' resolution time) spent on items "
    "that mention the theme. An item that mentions several themes counts for each of them, so "
    "these shares overlap and add up to more than 100 %."
)
KEY = "top_themes"  # prefix of this page's widget keys; keys stay stable across reruns
DEFAULT_TOP_N = 10
TREND_THEME_COUNT = 5  # more lines than this make the trend chart unreadable
VERBATIM_LIMIT = 200
# What each ranking sorts by: (selectbox label, ranking column, its chart title).
RANKING_CHOICES = {
    "volume": ("Volume (items)", "count_items", "Items mentioning the theme"),
    "growth": (
        "Growth vs the previous period",
        "growth",
        "Change in items vs the previous period of the same length",
    ),
    "nps_impact": ("NPS points lost to the theme", "nps_impact", "NPS points the theme costs overall"),
    "csat_impact": ("CSAT points lost to the theme", "csat_impact", "CSAT points the theme costs overall"),
    "cost": ("Handling cost", "cost_units", "Handling cost (typical contacts)"),
}
assert tuple(RANKING_CHOICES) == RANKINGS
POINTS_LOST_HELP = (
    "How much higher the overall {score} would be if the comments about this theme scored like "
    "the rest (all scored survey comments in the snapshot); below zero, they score above the rest."
)


def filter_controls(coverage: pd.Series) -> tuple[FeedbackFilter, int, str]:
    """Date range, channels, slices, ranking and top-N; stops the page until usable."""
    first, last = coverage["first_date"].date(), coverage["last_date"].date()
    channels = list(coverage["channels"])
    col_dates, col_channels, col_rank, col_top_n = st.columns([2, 3, 2, 1])
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
    rank_by = col_rank.selectbox(
        "Rank themes by",
        list(RANKING_CHOICES),
        format_func=lambda choice: RANKING_CHOICES[choice][0],
        key=f"{KEY}.rank_by",
        help="Growth compares with the previous period of the same length. Cost weighs each "
        "call's handle time and ticket's resolution time against a typical one's. Points "
        "lost cover all scored survey comments in the snapshot and lists only themes "
        "with enough of them.",
    )
    top_n = col_top_n.number_input(
        "Themes to rank", min_value=3, max_value=30, value=DEFAULT_TOP_N, step=1, key=f"{KEY}.top_n"
    )
    col_languages, col_products, col_categories = st.columns(3)
    languages = col_languages.multiselect(
        "Languages", list(coverage["languages"]), key=f"{KEY}.languages", placeholder="All",
        format_func=labels.language_name,
    )
    products = col_products.multiselect(
        "Products", list(coverage["products"]), key=f"{KEY}.products", placeholder="All",
        format_func=labels.product_name,
    )
    categories = col_categories.multiselect(
        "Theme categories", list(coverage["categories"]), key=f"{KEY}.categories",
        placeholder="All", disabled=not len(coverage["categories"]),
    )
    if len(picked) != 2:
        st.info("Pick an end date.")
        st.stop()
    if not chosen:
        st.info("Pick at least one channel.")
        st.stop()
    # sorted, so the same selection in another click order hits the same cache entry;
    # an empty slice means any
    feedback_filter = FeedbackFilter(
        picked[0], picked[1], tuple(sorted(chosen)),
        languages=tuple(sorted(languages)) or None,
        products=tuple(sorted(products)) or None,
        categories=tuple(sorted(categories)) or None,
    )
    return feedback_filter, int(top_n), rank_by


def headline(metrics: pd.Series) -> None:
    col_items, col_reach, col_customers, col_segments, col_themes, col_channels = st.columns(6)
    col_items.metric(
        "Feedback items", f"{metrics['count_items']:,}",
        help="Reposts, double submissions and copied complaints count once.",
    )
    col_reach.metric("Reach (all copies)", f"{metrics['count_reach']:,}")
    col_customers.metric("Customers", f"{metrics['count_customers']:,}")
    col_segments.metric(
        "Segments",
        f"{metrics['count_segments']:,}",
        help=f"Sentences of every copy (the reach); {metrics['count_themed_segments']:,} of them belong to a theme.",
    )
    col_themes.metric("Themes mentioned", f"{metrics['count_themes']:,}")
    col_channels.metric("Channels", f"{metrics['count_channels']:,}")


def ranking_and_trend(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, top: pd.DataFrame, rank_by: str
) -> None:
    choice_label, value_column, value_title = RANKING_CHOICES[rank_by]
    col_ranking, col_trend = st.columns(2)
    col_ranking.subheader(f"Top {len(top)} themes by {choice_label.lower()}")
    col_ranking.altair_chart(
        charts.theme_ranking_bar(top, value_column, value_title), width="stretch"
    )

    trend_top = top.head(TREND_THEME_COUNT)
    trend = data.theme_trend(snapshot, feedback_filter, tuple(trend_top["theme_id"]))
    col_trend.subheader(f"Weekly trend of the top {len(trend_top)}")
    col_trend.altair_chart(charts.theme_trend_lines(trend, trend_top["label"]), width="stretch")

    columns = [
        "rank", "label", "category_label", "count_items", "share_of_items", "growth",
        "mean_sentiment", "nps_impact", "csat_impact", "cost_share", "count_reach", "keywords",
    ]
    if top["growth"].isna().all():  # the previous period lies before the data: a column of blanks
        columns.remove("growth")
    with st.expander("Ranking as a table", expanded=True):
        st.dataframe(
            top,
            hide_index=True,
            column_order=columns,
            column_config={
                "rank": st.column_config.NumberColumn("#", width="small"),
                "label": st.column_config.TextColumn("Theme", width="medium"),
                "category_label": st.column_config.TextColumn("Category"),
                "count_items": st.column_config.NumberColumn("Items", format="localized"),
                "share_of_items": st.column_config.NumberColumn("Share of items", format="percent"),
                "growth": st.column_config.NumberColumn(
                    "Change vs previous period", format="%+d",
                ),
                "mean_sentiment": st.column_config.NumberColumn("Mean sentiment", format="%.2f"),
                "nps_impact": st.column_config.NumberColumn(
                    "NPS points lost", format="%.2f", help=POINTS_LOST_HELP.format(score="NPS"),
                ),
                "csat_impact": st.column_config.NumberColumn(
                    "CSAT points lost", format="%.3f", help=POINTS_LOST_HELP.format(score="CSAT"),
                ),
                "cost_share": st.column_config.NumberColumn(
                    "Handling cost involved", format="percent", help=COST_SHARE_HELP,
                ),
                "count_reach": st.column_config.NumberColumn("Reach", format="localized"),
                "keywords": st.column_config.ListColumn("Keywords", width="large"),
            },
            key=f"{KEY}.ranking_table",
            on_select=partial(_open_selected_theme, tuple(top["theme_id"])),
            selection_mode="single-row",
        )
        st.caption("Select a row to open that theme's detail below.")


def _open_selected_theme(theme_ids: tuple[str, ...]) -> None:
    """A row picked in the ranking table opens that theme in the detail (on the pick only, so
    a theme chosen later in the selector stays chosen)."""
    rows = st.session_state[f"{KEY}.ranking_table"]["selection"]["rows"]
    if rows:
        st.session_state[f"{KEY}.theme"] = theme_ids[rows[0]]


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


def _signed(value: float, digits: int) -> str:
    return "n/a" if pd.isna(value) else f"{value:+.{digits}f}"


def _points(value: float, digits: int) -> str:
    return "n/a" if pd.isna(value) else f"{value:.{digits}f}"


def _ratio(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.1f}×"


def theme_detail_section(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, theme_id: str
) -> None:
    """The selected theme: numbers, trend, channel mix, sentiment, key phrases."""
    detail = data.theme_detail(snapshot, feedback_filter, theme_id).iloc[0]
    if pd.notna(detail["category_label"]):
        st.caption(f"Category: {detail['category_label']}")
    # Two rows of three (six across cut labels and values short): what the filter selects,
    # then what is measured over the whole snapshot, each row saying which it is.
    st.caption("In the filter")
    col_items, col_cost, col_sentiment_metric = st.columns(3)
    st.caption("All dates and channels")
    col_nps, col_csat, col_handle, col_repeat = st.columns(4)
    col_items.metric(
        "Theme items", f"{detail['count_items']:,}",
        help=f"Reach {detail['count_reach']:,}; {detail['count_customers']:,} customers.",
    )
    nps_rank_note = "" if detail["is_nps_ranked"] else " (too few scored comments to rank)"
    col_nps.metric(
        "NPS points lost", _points(detail["nps_impact"], 2),
        help=POINTS_LOST_HELP.format(score="NPS") + f" 95 % CI {_signed(detail['nps_impact_ci_low'], 2)} to "
        f"{_signed(detail['nps_impact_ci_high'], 2)}; NPS with the theme "
        f"{_signed(detail['nps_with'], 0)} vs {_signed(detail['nps_without'], 0)} without"
        f"{nps_rank_note}.",
    )
    csat_rank_note = "" if detail["is_csat_ranked"] else " (too few scored comments to rank)"
    col_csat.metric(
        "CSAT points lost", _points(detail["csat_impact"], 3),
        help=POINTS_LOST_HELP.format(score="CSAT") + f" 95 % CI {_signed(detail['csat_impact_ci_low'], 3)} to "
        f"{_signed(detail['csat_impact_ci_high'], 3)}{csat_rank_note}.",
    )
    col_handle.metric(
        "Handle time vs typical", _ratio(detail["handle_time_vs_median_theme"]),
        help=f"Calls' median handle time against the median theme's. Median resolution time of its tickets: "
        f"{_ratio(detail['resolution_time_vs_median_theme'])} the median theme's.",
    )
    cost_share = detail["cost_share"]
    col_cost.metric(
        "Handling cost involved", "n/a" if pd.isna(cost_share) else f"{cost_share:.1%}", help=COST_SHARE_HELP
    )
    negative = detail["negative_share"]
    col_sentiment_metric.metric(
        "Negative segments", "n/a" if pd.isna(negative) else f"{negative:.0%}",
        help="Share of the theme's segments (every copy) scored negative, in the filter.",
    )
    repeat = detail["repeat_customer_share"]
    col_repeat.metric(
        "Customers back within 14 days", "n/a" if pd.isna(repeat) else f"{repeat:.1%}"
    )

    col_trend, col_channels, col_sentiment = st.columns(3)
    trend = data.theme_trend(snapshot, feedback_filter, (theme_id,))
    col_trend.markdown("**Weekly trend**")
    col_trend.altair_chart(charts.theme_trend_lines(trend, trend["label"].unique()), width="stretch")
    col_channels.markdown("**Channel mix**")
    mix = data.theme_channel_mix(snapshot, feedback_filter, theme_id)
    col_channels.altair_chart(charts.channel_mix_bar(mix), width="stretch")
    col_sentiment.markdown("**Sentiment of its segments**")
    if pd.notna(detail["mean_sentiment"]):
        col_sentiment.altair_chart(charts.sentiment_bar(detail), width="stretch")
    phrases = data.theme_key_phrases(snapshot, feedback_filter, theme_id)
    st.text(f"Keywords: {', '.join(detail['keywords'])}")
    st.text(
        "Key phrases: "
        + ", ".join(f"{row.key_phrase} ({row.count_segments})" for row in phrases.itertuples())
    )


def verbatims_section(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, ranking: pd.DataFrame
) -> None:
    st.subheader("Theme detail")
    col_theme, col_search = st.columns([3, 2])
    with col_theme:
        theme_id = theme_selector(ranking)
    search = col_search.text_input(
        "Only messages containing", key=f"{KEY}.search", placeholder="e.g. refund"
    )
    theme_detail_section(snapshot, feedback_filter, theme_id)
    st.markdown("**What customers said**")

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

def search_section(snapshot: Snapshot, feedback_filter: FeedbackFilter) -> None:
    st.subheader("Search every message")
    search = st.text_input(
        "Messages containing", key=f"{KEY}.search_all", placeholder="e.g. FALL25",
        help="Case-insensitive; matches the text literally, within the filters above.",
    )
    if not search.strip():
        return
    found = data.search_verbatims(snapshot, feedback_filter, search.strip())
    if found.empty:
        st.info("No message in this selection contains that text.")
        return
    st.caption(f"Newest {len(found):,} of {int(found['count_matching'].iloc[0]):,} messages.")
    for row in found.itertuples():
        themes = ", ".join(row.theme_labels) or "no theme"
        st.text(f"{row.received_at:%Y-%m-%d %H:%M} · {row.channel} · {themes}\n{row.message_text}")


feedback_filter, top_n, rank_by = filter_controls(coverage)
headline(data.headline_metrics(snapshot, feedback_filter).iloc[0])

ranking = data.top_themes(snapshot, feedback_filter, rank_by=rank_by)
if ranking.empty and rank_by == "growth":
    st.info(
        "Growth compares with the period of the same length just before these dates, and the "
        "data does not reach back that far: pick a later start date to rank by growth."
    )
elif ranking.empty:
    st.info("No theme in this selection can be ranked this way.")
else:
    ranking_and_trend(snapshot, feedback_filter, ranking.head(top_n), rank_by)
    verbatims_section(snapshot, feedback_filter, ranking)
search_section(snapshot, feedback_filter)
