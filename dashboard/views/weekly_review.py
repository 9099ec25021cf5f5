"""Weekly review: what moved this week, for the team meeting.

Pick a week (default: the newest complete one). Headline numbers with their week-on-week
change; then the risers, new themes and fallers that the movers test flagged (theme_flags),
each with its evidence, its trend and a few verbatims; the campaigns mentioned that week and
the cost leaders, as in the digest to download.
Customer text is always shown as plain text (st.text), never rendered as Markdown or HTML.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import data, queries
from dashboard.queries import Snapshot
from pipelines import report

KEY = "weekly_review"  # prefix of this page's widget keys; keys stay stable across reruns


@st.cache_data(show_spinner=False, max_entries=64)
def review_weeks(snapshot: Snapshot) -> pd.DataFrame:
    return queries.review_weeks(snapshot.path)


@st.cache_data(show_spinner=False, max_entries=64)
def weekly_digest(snapshot: Snapshot, week_start: date) -> report.WeeklyDigest:
    return report.load_digest(snapshot.path, week_start)


def week_picker(weeks: pd.DataFrame) -> date:
    options = [pd.Timestamp(w).date() for w in weeks["week_start"]]
    complete = dict(zip(options, weeks["is_complete"], strict=True))
    key = f"{KEY}.week"
    if st.session_state.get(key) not in complete:
        st.session_state[key] = report.default_week(weeks)
    return st.selectbox(
        "Week",
        options,
        format_func=lambda w: report.week_title(w) + ("" if complete[w] else " · partial"),
        key=key,
        help="ISO weeks, Monday to Sunday (UTC). A partial week is one the data does not yet cover to its Sunday.",
    )


def headline(digest: report.WeeklyDigest) -> None:
    figures = report.headline_figures(digest.headline)
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(
            figure.name,
            figure.value,
            figure.delta,
            delta_color={"higher": "normal", "lower": "inverse"}.get(figure.better or "", "off"),
            help=f"{figure.help} Change against the week before.".strip(),
        )


def mover_card(digest: report.WeeklyDigest, mover: pd.Series) -> None:
    with st.container(border=True):
        st.markdown(f"**{report.markdown_escape(mover['label'])}**")
        col_evidence, col_examples = st.columns([2, 3])
        col_evidence.text(report.evidence(mover))
        trend = digest.trend[digest.trend["theme_id"] == mover["theme_id"]]
        col_evidence.altair_chart(report.mover_sparkline(trend, digest.week_start), width="stretch")
        examples = report.examples_of(digest, mover["theme_id"])
        if not examples:
            col_examples.caption("No first-copy verbatim this week.")
        for example in examples:
            col_examples.text(example)


def movers_section(digest: report.WeeklyDigest, movement: str, title: str, explanation: str) -> None:
    movers = digest.movers_of(movement)
    st.subheader(f"{title} ({len(movers)})")
    st.caption(explanation)
    if movers.empty:
        st.info(f"No {title.lower()} this week.")
        return
    for _, mover in movers.iterrows():
        mover_card(digest, mover)


def promotion_watch(digest: report.WeeklyDigest) -> None:
    st.subheader("Promotion watch")
    st.caption("Campaigns customers mentioned this week; the Promotions page has the detail.")
    if digest.promotions.empty:
        st.info("No campaign was mentioned this week.")
    for _, row in digest.promotions.iterrows():
        st.text(f"{report.promotion_name(row)}: {report.promotion_line(row)}")


def cost_leaders(digest: report.WeeklyDigest) -> None:
    st.subheader("Cost leaders (all weeks)")
    if digest.cost_leaders.empty:
        st.info("No handling-cost figures in this warehouse.")
        return
    st.caption(report.COST_SHARES_OVERLAP)
    for rank, (_, row) in enumerate(digest.cost_leaders.iterrows(), start=1):
        st.text(f"{rank}. {row['label']}: {report.cost_line(row)}")


snapshot = data.current_snapshot()
st.title("Weekly review")
finished_at = data.data_as_of(snapshot)["finished_at"].iloc[0]
if pd.notna(finished_at):
    st.caption(f"Data as of {finished_at:%Y-%m-%d %H:%M} UTC")
weeks = review_weeks(snapshot)
if weeks.empty:
    st.info("The published snapshot has no feedback yet.")
    st.stop()

week_start = week_picker(weeks)
digest = weekly_digest(snapshot, week_start)
headline(digest)
st.download_button(
    "Download the digest (Markdown)",
    data=report.render_markdown(digest),
    file_name=f"voc-weekly-review-{report.iso_week(week_start)}.md",
    mime="text/markdown",
    key=f"{KEY}.download",
)
st.caption(
    "Movers compare each theme's items this week with its own baseline (median share of the "
    "previous 8 weeks, scaled to this week's volume); q is the false-discovery-rate adjusted "
    "p-value across all themes this week. Verbatims: segment marked « » in its message."
)
movers_section(digest, "rising", "Risers", "Significantly more items than the theme's baseline predicts.")
movers_section(
    digest, "new", "New themes",
    "A significant rise of a theme that never before had enough items in a week to be a mover (a few stray earlier items may exist).",
)
movers_section(
    digest, "falling", "Fallers",
    "Significantly fewer items than the theme's baseline predicts, or than last week after a rise (a wave falling away).",
)
promotion_watch(digest)
cost_leaders(digest)
