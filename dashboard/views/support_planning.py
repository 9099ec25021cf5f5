"""Support planning: volume, backlog, resolution times, the forecast and the hours it needs.

For a support lead planning the next weeks (the holiday peak above all): contacts received
and resolved per week with the ticket backlog, first-response and resolution times by
theme, the weekly forecast with its interval, agent-hours needed against the staffing the
lead enters, and the themes whose self-service fix would save the most hours. Everything
comes from the planning marts through ``dashboard.queries``; nothing is computed here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, queries
from dashboard.data import published_db_path
from pipelines.report import markdown_escape

KEY = "support_planning"  # prefix of this page's widget keys
HISTORY_WEEKS = 26
SELF_SERVICE_THEMES = 10


def volume_chart(volume: pd.DataFrame) -> alt.LayerChart:
    received = alt.Chart(volume).mark_line(point=False).encode(
        x=alt.X("week_start:T", title="Week (Monday, UTC)", axis=charts.monday_ticks(volume["week_start"])),
        y=alt.Y("count_received:Q", title="Contacts received"),
        color=alt.Color("channel:N", title="Channel"),
        tooltip=["week_start:T", "channel:N", "count_received:Q", "count_resolved:Q", "backlog_end_of_week:Q"],
    )
    tickets = volume[volume["channel"] == "ticket"]
    backlog = alt.Chart(tickets).mark_area(opacity=0.25, color="#d62728").encode(
        x="week_start:T",
        y=alt.Y("backlog_end_of_week:Q", title="Ticket backlog at week end"),
        tooltip=["week_start:T", alt.Tooltip("backlog_end_of_week:Q", title="Open tickets")],
    )
    return alt.layer(backlog, received).resolve_scale(y="independent")


def forecast_chart(frame: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(frame).encode(
        x=alt.X("week_start:T", title="Week (Monday, UTC)", axis=charts.monday_ticks(frame["week_start"])),
        # below the plot, whole: theme labels are long, and beside it they squeezed the plot
        color=alt.Color("series_label:N", title="Series",
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0)),
    )
    band = base.transform_filter(alt.datum.kind == "forecast").mark_area(opacity=0.2).encode(
        y=alt.Y("lower:Q", title="Contacts per week"), y2="upper:Q",
    )
    actual = base.transform_filter(alt.datum.kind == "actual").mark_line().encode(y="contacts:Q")
    predicted = base.transform_filter(alt.datum.kind == "forecast").mark_line(strokeDash=[5, 3], point=True).encode(
        y="contacts:Q",
        tooltip=["series_label:N", "week_start:T", alt.Tooltip("contacts:Q", format=",.0f", title="Forecast"),
                 alt.Tooltip("lower:Q", format=",.0f"), alt.Tooltip("upper:Q", format=",.0f"),
                 alt.Tooltip("agent_hours:Q", format=",.1f", title="Agent-hours")],
    )
    return alt.layer(band, actual, predicted).properties(
        height=charts.TREND_PLOT_HEIGHT, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def hours_chart(hours: pd.DataFrame, staff_hours: float) -> alt.LayerChart:
    base = alt.Chart(hours).encode(
        x=alt.X("week_start:T", title="Week (Monday, UTC)", axis=charts.monday_ticks(hours["week_start"])))
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("agent_hours_lower:Q", title="Agent-hours per week"), y2="agent_hours_upper:Q")
    needed = base.mark_bar(opacity=0.7).encode(
        y="agent_hours:Q",
        color=alt.condition(alt.datum.agent_hours > staff_hours, alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=["week_start:T", alt.Tooltip("agent_hours:Q", format=",.1f", title="Needed")],
    )
    staffed = alt.Chart(pd.DataFrame({"staff_hours": [staff_hours]})).mark_rule(strokeDash=[6, 3]).encode(
        y="staff_hours:Q")
    return alt.layer(band, needed, staffed)


st.title("Support planning")
db_path = published_db_path()

volume = queries.support_volume(db_path)
if volume.empty:
    st.info("No contacts in the snapshot yet: run `voc run`.")
    st.stop()

hours = queries.agent_hours_needed(db_path)
tickets = volume[volume["channel"] == "ticket"]
# contacts_daily runs on to the last ticket solved, which can be after the last contact received.
last_week = volume.loc[volume["count_received"] > 0, "week_start"].max()
left, middle, right = st.columns(3)
left.metric("Contacts, last week of data", f"{volume.loc[volume['week_start'] == last_week, 'count_received'].sum():,}")
middle.metric("Open tickets now", f"{int(tickets['backlog_end_of_week'].iloc[-1]) if not tickets.empty else 0:,}")
if not hours.empty:
    peak = hours.loc[hours["agent_hours"].idxmax()]
    right.metric(f"Busiest forecast week ({peak['week_start']:%Y-%m-%d})", f"{peak['agent_hours']:,.0f} agent-hours")

st.subheader("Volume and backlog")
st.altair_chart(volume_chart(volume[volume["week_start"] <= last_week]), width="stretch")
st.caption("Calls, survey comments and social posts count as resolved when they arrive; only tickets wait "
           "in a backlog (received minus solved so far).")

st.subheader("Resolution time by theme")
resolution = queries.resolution_by_theme(db_path)
# One tab per channel: calls take minutes and tickets days, so in one list calls sank below
# every ticket row.
channels = list(dict.fromkeys(resolution["channel"]))
for channel, tab in zip(channels, st.tabs([f"{channel.capitalize()}s" for channel in channels]), strict=True):
    of_channel = resolution[resolution["channel"] == channel]
    tab.dataframe(
        of_channel.drop(columns=["theme_id", "channel"]).dropna(axis="columns", how="all"),
        hide_index=True,
        column_config={
            "label": "Theme", "count_items": st.column_config.NumberColumn("Items"),
            **{column: st.column_config.NumberColumn(
                column.replace("_h", " (h)").replace("_", " ").capitalize(), format="%.2f")
               for column in resolution.columns if column.endswith("_h")},
        },
        key=f"{KEY}.resolution.{channel}",
    )
st.caption("Tickets: hours to the first agent reply and to solving (solved tickets only). "
           "Calls: the call's handle time is its resolution. Slowest first; themes with fewer than "
           f"{queries.RESOLUTION_MIN_ITEMS} items on a channel come last, since a median of a few says little.")

st.subheader("Forecast")
series_kind = st.radio("Forecast by", ["channel", "theme"], horizontal=True, key=f"{KEY}.series_kind",
                       format_func=lambda kind: {"channel": "Channel", "theme": "Top themes"}[kind])
forecast = queries.contact_forecast(db_path, series_kind, HISTORY_WEEKS)
predicted = forecast[forecast["kind"] == "forecast"]
if predicted.empty:
    st.info("Too little weekly history to forecast (at least 8 weeks are needed).")
    st.stop()
st.altair_chart(forecast_chart(forecast), width="stretch")
methods = predicted.groupby("method")["series_label"].unique()
st.caption(f"Shaded: {predicted['interval_level'].iloc[0]:.0%} prediction interval. " + " ".join(
    f"{method[:1].upper()}{method[1:]}: {markdown_escape(', '.join(labels))}." for method, labels in methods.items()))
st.dataframe(
    predicted[["week_start", "series_label", "contacts", "lower", "upper", "agent_hours"]],
    hide_index=True,
    column_config={"week_start": st.column_config.DateColumn("Week"), "series_label": "Series",
                   "contacts": st.column_config.NumberColumn("Forecast", format="%.0f"),
                   "lower": st.column_config.NumberColumn("Lower", format="%.0f"),
                   "upper": st.column_config.NumberColumn("Upper", format="%.0f"),
                   "agent_hours": st.column_config.NumberColumn("Agent-hours", format="%.1f")},
    key=f"{KEY}.forecast_table",
)

st.subheader("Agent-hours needed vs staffing")
staff_hours = st.number_input(
    "Agent-hours staffed per week", min_value=0.0, value=float(round(hours["agent_hours"].median())), step=10.0,
    format="%.0f", key=f"{KEY}.staff_hours",
    help="Calls take their measured handle time; tickets and social replies the work time set in the "
         "settings (ticket_work_minutes, social_reply_minutes); survey comments none.",
)
st.altair_chart(hours_chart(hours, staff_hours), width="stretch")
st.caption("Bars: agent-hours the forecast contacts need (red above the staffing you entered, the dashed "
           "line); shaded: from the channels' lower to their upper 80 % bounds added up, so wider than 80 %.")
short = hours[hours["agent_hours"] > staff_hours]
st.markdown(
    f"**{len(short)} of {len(hours)} weeks** need more than {staff_hours:,.0f} agent-hours"
    + (f"; the busiest is short by **{(short['agent_hours'] - staff_hours).max():,.0f} hours**." if len(short) else ".")
)

st.subheader("Where self-service would save the most hours")
deflection = st.slider("Questions a self-service fix would answer", min_value=0, max_value=100,
                       value=round(queries.DEFAULT_DEFLECTION * 100), step=5, format="%d%%",
                       key=f"{KEY}.deflection") / 100
savings = queries.self_service_savings(db_path, deflection, SELF_SERVICE_THEMES)
st.dataframe(
    savings.drop(columns=["theme_id"]),
    hide_index=True,
    column_config={"label": "Theme", "count_items": st.column_config.NumberColumn("Contacts (52 weeks)"),
                   "agent_hours": st.column_config.NumberColumn("Agent-hours (52 weeks)", format="%.0f"),
                   "minutes_per_contact": st.column_config.NumberColumn("Minutes per contact", format="%.1f"),
                   "how_to_share": st.column_config.NumberColumn(
                       "Asked as a question", format="percent",
                       help="Share of the theme's sentences that ask a question or how to do something: "
                       "what a help page, bot or status tracker could answer."),
                   "negative_share": st.column_config.NumberColumn(
                       "Negative", format="percent",
                       help="Share of its sentences that are negative: an angry question is a complaint, "
                       "which self-service rarely answers, so the hours saved are weighed by the calm share."),
                   "hours_saved_per_year": st.column_config.NumberColumn("Hours saved per year", format="%.0f")},
    key=f"{KEY}.self_service",
)
