"""Promotions: did a campaign confuse customers, about what, and in their words.

For marketing. Pick a campaign (default: the one whose confusion took the largest share of
all feedback while it ran, the one that needs action); see its mentions day by day around
launch, the share of feedback that was confusion about it and how negative it was, the
confusion types and the themes behind them, and example verbatims per type. Customer text
(verbatims, theme labels) is always shown as plain text (st.text, chart labels), never
rendered as Markdown or HTML.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data, queries
from dashboard.queries import Snapshot

KEY = "promotions"  # prefix of this page's widget keys; keys stay stable across reruns


@st.cache_data(show_spinner=False, max_entries=64)
def promotion_campaigns(snapshot: Snapshot) -> pd.DataFrame:
    return queries.promotion_campaigns(snapshot.path)


@st.cache_data(show_spinner=False, max_entries=64)
def promotion_daily(snapshot: Snapshot, campaign_id: str) -> pd.DataFrame:
    return queries.promotion_daily(snapshot.path, campaign_id)


@st.cache_data(show_spinner=False, max_entries=64)
def promotion_confusion(snapshot: Snapshot, campaign_id: str) -> pd.DataFrame:
    return queries.promotion_confusion(snapshot.path, campaign_id)


@st.cache_data(show_spinner=False, max_entries=64)
def promotion_verbatims(
    snapshot: Snapshot, campaign_id: str, per_type: int, confusion_type: str | None = None
) -> pd.DataFrame:
    return queries.promotion_verbatims(snapshot.path, campaign_id, per_type, confusion_type)


MORE_EXAMPLES = 20  # examples a "Show more" click adds to one confusion type


def _share(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.1%}"


def campaign_title(campaign: pd.Series) -> str:
    code = f" ({campaign['promo_code']})" if pd.notna(campaign["promo_code"]) else ""
    return (
        f"{campaign['name']}{code} · {campaign['start_date']:%Y-%m-%d} to {campaign['end_date']:%Y-%m-%d}"
        f" · {campaign['count_mentions']:,} mention{'' if campaign['count_mentions'] == 1 else 's'}"
    )


def campaign_picker(campaigns: pd.DataFrame) -> pd.Series:
    """Pick a campaign; the default (and the fallback for one no longer listed) is rank 1."""
    by_id = campaigns.set_index("campaign_id", drop=False)
    key = f"{KEY}.campaign"
    if st.session_state.get(key) not in by_id.index:
        st.session_state[key] = campaigns.loc[campaigns["confusion_rank"] == 1, "campaign_id"].iloc[0]
    chosen = st.selectbox(
        "Campaign",
        list(by_id.index),
        format_func=lambda campaign_id: campaign_title(by_id.loc[campaign_id]),
        key=key,
        help="Newest launch first. The page opens on the campaign whose confusion took the "
        "largest share of all feedback while it ran.",
    )
    return by_id.loc[chosen]


def headline(campaign: pd.Series) -> None:
    col_mentions, col_confusion, col_negative, col_launch, col_peak = st.columns(5)
    col_mentions.metric(
        "Mentions", f"{campaign['count_mentions']:,}",
        help=f"Feedback items naming the code, the campaign or its terms from "
        f"{campaign['window_start']:%Y-%m-%d} to {campaign['window_end']:%Y-%m-%d}; copies count once.",
    )
    col_confusion.metric(
        "Confusion share", _share(campaign["confusion_share"]),
        help=f"{campaign['count_confused_running']:,} of the {campaign['count_items_running']:,} "
        "feedback items received while the campaign ran report trouble with it (not eligible, "
        f"code not accepted, discount missing, expired). {_share(campaign['confused_share_of_mentions'])} "
        "of its mentions do.",
    )
    col_negative.metric(
        "Negative share", _share(campaign["negative_share"]),
        help="Negative sentences among those naming the campaign or reporting trouble with it.",
    )
    before, launch = campaign["baseline_mentions_per_day"], campaign["launch_week_mentions_per_day"]
    col_launch.metric(
        "Launch week, mentions a day",
        "n/a" if pd.isna(launch) else f"{launch:.1f}",
        None if pd.isna(launch) or pd.isna(before) else f"{launch - before:+.1f} vs before launch",
        delta_color="off",  # a launch spike is expected: neither good nor bad news by itself
        help="The 7 days from launch against the days of the window before it "
        + ("(none in the data)." if pd.isna(before) else f"({before:.1f} a day)."),
    )
    peak = campaign["peak_day"]
    col_peak.metric(
        "Peak day", "n/a" if pd.isna(peak) else f"{peak:%Y-%m-%d}",
        help=f"{campaign['peak_mentions']:,} mentions that day.",
    )


def mentions_chart(daily: pd.DataFrame, campaign: pd.Series) -> alt.LayerChart:
    """Mentions and confused mentions a day, with rules at launch and at the last day."""
    lines = daily.melt(
        id_vars=["day"], value_vars=["count_mentions", "count_confused"], var_name="series", value_name="items"
    ).replace({"series": {"count_mentions": "Mentions", "count_confused": "Reporting confusion"}})
    line = (
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="Day (UTC)"),
            y=alt.Y("items:Q", title="Feedback items"),
            color=alt.Color("series:N", title=None, sort=["Mentions", "Reporting confusion"]),
            tooltip=[
                alt.Tooltip("day:T", title="Day", format="%Y-%m-%d"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("items:Q", title="Items", format=","),
            ],
        )
    )
    dates = pd.DataFrame(
        {"day": [campaign["start_date"], campaign["end_date"]], "event": ["Launch", "Last day"]}
    )
    rules = alt.Chart(dates).mark_rule(strokeDash=[4, 4], color="#555").encode(
        x="day:T", tooltip=[alt.Tooltip("event:N", title=""), alt.Tooltip("day:T", format="%Y-%m-%d")]
    )
    labels = alt.Chart(dates).mark_text(align="left", dx=4, dy=-6, color="#555").encode(
        x="day:T", y=alt.value(8), text="event:N"
    )
    return alt.layer(line, rules, labels)


def confusion_chart(confusion: pd.DataFrame) -> alt.Chart:
    """Items reporting each confusion type, each item once (the table splits them by theme,
    where an item whose segments fall in two themes counts in both)."""
    types = confusion.drop_duplicates("confusion_type").sort_values("confusion_order")
    return (
        alt.Chart(types)
        .mark_bar()
        .encode(
            x=alt.X("count_type_items:Q", title="Items reporting it"),
            y=alt.Y("confusion_label:N", sort=list(types["confusion_label"]), title=None),
            tooltip=[
                alt.Tooltip("confusion_label:N", title="Confusion"),
                alt.Tooltip("count_type_items:Q", title="Items", format=","),
            ],
        )
    )


def confusion_section(snapshot: Snapshot, campaign_id: str) -> None:
    st.subheader("What confused customers")
    confusion = promotion_confusion(snapshot, campaign_id)
    if confusion.empty:
        st.info("No feedback about this campaign reports trouble with it.")
        return
    st.altair_chart(confusion_chart(confusion), width="stretch")
    with st.expander("Confusion types by theme"):
        st.caption("An item whose segments fall in two themes counts in each.")
        st.dataframe(
            confusion,
            hide_index=True,
            column_order=["confusion_label", "theme_label", "count_items", "share_of_type", "negative_share"],
            column_config={
                "confusion_label": st.column_config.TextColumn("Confusion"),
                "theme_label": st.column_config.TextColumn("Theme", width="large"),
                "count_items": st.column_config.NumberColumn("Items", format="localized"),
                "share_of_type": st.column_config.NumberColumn("Share of the type", format="percent"),
                "negative_share": st.column_config.NumberColumn("Negative", format="percent"),
            },
            key=f"{KEY}.confusion_table",
        )


def _show_more(key: str) -> None:
    st.session_state[key] += MORE_EXAMPLES


def verbatims_section(snapshot: Snapshot, campaign_id: str) -> None:
    first = queries.PROMOTION_EXAMPLES_PER_TYPE
    verbatims = promotion_verbatims(snapshot, campaign_id, first)
    if verbatims.empty:
        return
    st.subheader("In their words")
    st.caption("Newest examples per confusion type, one per item; the sentence that shows it is marked « ».")
    for confusion_type, examples in verbatims.groupby("confusion_type", sort=False):
        shown_key = f"{KEY}.shown.{campaign_id}.{confusion_type}"
        shown = st.session_state.setdefault(shown_key, first)
        if shown > first:
            examples = promotion_verbatims(snapshot, campaign_id, shown, str(confusion_type))
        total = int(examples["count_type_items"].iloc[0])
        st.markdown(f"**{examples['confusion_label'].iloc[0]}**")
        st.caption(f"{len(examples):,} of {total:,} items")
        for row in examples.itertuples():
            st.text(f"{row.received_at:%Y-%m-%d %H:%M} UTC · {row.channel} · theme: {row.theme_label}")
            st.text(row.message_marked)
        if len(examples) < total:
            st.button(
                f"Show {min(MORE_EXAMPLES, total - len(examples))} more", key=f"{KEY}.more.{confusion_type}",
                on_click=_show_more, args=(shown_key,),
            )


snapshot = data.current_snapshot()
st.title("Promotions")
finished_at = data.data_as_of(snapshot)["finished_at"].iloc[0]
if pd.notna(finished_at):
    st.caption(f"Data as of {finished_at:%Y-%m-%d %H:%M} UTC")
campaigns = promotion_campaigns(snapshot)
if campaigns.empty:
    st.info("No campaign calendar has been loaded: put it at `data/campaigns.csv` (or set "
            "`VOC_CAMPAIGNS_PATH`) and run `voc run`.")
    st.stop()

campaign = campaign_picker(campaigns)
if pd.notna(campaign["terms"]) and campaign["terms"]:
    st.text(f"Terms: {campaign['terms']}")
headline(campaign)

st.subheader("Mentions around launch")
daily = promotion_daily(snapshot, campaign["campaign_id"])
if daily.empty:
    st.info("The feedback does not cover this campaign's dates.")
else:
    st.altair_chart(mentions_chart(daily, campaign), width="stretch")
confusion_section(snapshot, campaign["campaign_id"])
verbatims_section(snapshot, campaign["campaign_id"])
