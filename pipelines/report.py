"""The weekly digest: what moved in one ISO week, as Markdown or self-contained HTML.

``load_digest`` gathers the week's numbers through the dashboard's query functions (the same
SQL the Weekly review page shows); ``render_markdown`` and ``render_html`` lay them out for a
team meeting. Customer text is escaped in both: Markdown punctuation is backslash-escaped
and HTML is entity-escaped, so a verbatim can never become markup. Charts in the HTML are
PNG images (Altair rendered by vl-convert) embedded as data URIs, so the file stands alone.
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from dashboard import queries

MAX_MOVERS_PER_KIND = 10
MAX_COST_LEADERS = 5
EXCERPT_CONTEXT_CHARS = 160  # of the message shown either side of the marked segment
MOVEMENT_TITLES = {"rising": "Risers", "new": "New themes", "falling": "Fallers"}
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!&])")


# --- weeks ---------------------------------------------------------------------------


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www`` (e.g. 2026-W46 -> 2026-11-09)."""
    match = _ISO_WEEK.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not an ISO week like 2026-W46: {text!r}")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as error:
        raise ValueError(f"no such ISO week: {text!r}") from error


def iso_week(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def week_title(week_start: date) -> str:
    """``2026-W46 (9–15 Nov 2026)``."""
    week_end = week_start + timedelta(days=6)
    first = f"{week_start.day}" if week_start.month == week_end.month else f"{week_start.day} {week_start:%b}"
    return f"{iso_week(week_start)} ({first}–{week_end.day} {week_end:%b %Y})"


def default_week(weeks: pd.DataFrame) -> date:
    """The newest complete week of a ``review_weeks`` frame, else the newest week."""
    if weeks.empty:
        raise LookupError("the warehouse has no feedback yet")
    complete = weeks[weeks["is_complete"]]
    chosen = complete if not complete.empty else weeks
    return pd.Timestamp(chosen["week_start"].max()).date()


# --- the digest's data ---------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineFigure:
    name: str
    value: str
    delta: str | None  # week-on-week change, None when there is nothing to compare
    better: str | None = None  # "higher" or "lower" when a direction is good news; None: neither
    help: str = ""


@dataclass(frozen=True)
class WeeklyDigest:
    week_start: date
    is_complete: bool
    data_as_of: datetime | None
    headline: pd.DataFrame  # weekly_headline: this week, then the week before
    movers: pd.DataFrame  # weekly_movers
    trend: pd.DataFrame  # weekly_mover_trend of every mover
    verbatims: pd.DataFrame  # weekly_mover_verbatims of every mover
    cost_leaders: pd.DataFrame  # weekly_cost_leaders
    promotions: pd.DataFrame  # weekly_promotions

    def movers_of(self, movement: str) -> pd.DataFrame:
        return self.movers[self.movers["movement"] == movement].head(MAX_MOVERS_PER_KIND)


def load_digest(db_path: Path, week_start: date | None = None) -> WeeklyDigest:
    """Everything the digest shows for one week (default: the newest complete week)."""
    weeks = queries.review_weeks(db_path)
    week_start = week_start or default_week(weeks)
    this_week = weeks[[pd.Timestamp(w).date() == week_start for w in weeks["week_start"]]]
    if this_week.empty:  # a digest of nothing would read as a week of zeros, "down 100 %"
        covered = [iso_week(pd.Timestamp(w).date()) for w in weeks["week_start"]]
        span = f"{min(covered)} to {max(covered)}" if covered else "no week yet"
        raise ValueError(f"the data has no week {iso_week(week_start)}; it covers {span}")
    movers = queries.weekly_movers(db_path, week_start)
    theme_ids = movers["theme_id"].tolist()
    finished_at = queries.data_as_of(db_path)["finished_at"].iloc[0]
    return WeeklyDigest(
        week_start=week_start,
        is_complete=bool(this_week["is_complete"].iloc[0]) if not this_week.empty else False,
        data_as_of=None if pd.isna(finished_at) else pd.Timestamp(finished_at).to_pydatetime(),
        headline=queries.weekly_headline(db_path, week_start),
        movers=movers,
        trend=queries.weekly_mover_trend(db_path, week_start, theme_ids),
        verbatims=queries.weekly_mover_verbatims(db_path, week_start, theme_ids),
        cost_leaders=queries.weekly_cost_leaders(db_path, MAX_COST_LEADERS),
        promotions=queries.weekly_promotions(db_path, week_start),
    )


def _change(now: float, before: float) -> str | None:
    if before == 0:
        return None
    return f"{(now - before) / before:+.0%}"


def headline_figures(headline: pd.DataFrame) -> list[HeadlineFigure]:
    """Items, segments, negative share and mean NPS/CSAT (when scored) with week-on-week change."""
    now, before = headline.iloc[0], headline.iloc[1]
    figures = [
        HeadlineFigure("Feedback items", f"{now['count_items']:,}", _change(now["count_items"], before["count_items"]),
                       help="Received this week; reposts and double submissions count once."),
        HeadlineFigure("Segments", f"{now['count_segments']:,}", _change(now["count_segments"], before["count_segments"]),
                       help="Sentences of this week's items, copies left out."),
    ]
    if pd.notna(now["negative_share"]):
        delta = None
        if pd.notna(before["negative_share"]):
            delta = f"{(now['negative_share'] - before['negative_share']) * 100:+.1f} pts"
        figures.append(HeadlineFigure("Negative segments", f"{now['negative_share']:.0%}", delta, better="lower"))
    # The 0-10 answer behind NPS, averaged: not NPS itself (promoters minus detractors, -100..100).
    for score, name in (("nps", "Mean recommend score (0–10)"), ("csat", "Mean CSAT (1–5)")):
        mean_now, mean_before = now[f"mean_{score}"], before[f"mean_{score}"]
        if now[f"count_{score}"] > 0:
            delta = f"{mean_now - mean_before:+.2f}" if before[f"count_{score}"] > 0 else None
            figures.append(HeadlineFigure(name, f"{mean_now:.2f}", delta, better="higher"))
    return figures


def evidence(mover: pd.Series) -> str:
    """One line of evidence for a mover, led by what its test compared: its normal level
    (count vs expected, ratio), or, for a wave falling away, last week."""
    ratio = mover["rate_ratio"]
    ratio_text = "∞" if not math.isfinite(ratio) else f"{ratio:.1f}×"
    if mover["movement"] == "falling" and mover["fall_reference"] == "last_week":
        return (
            f"{mover['count_items']:,} items, down from {mover['count_previous_week']:,} last week "
            f"(a wave falling away; normal level {mover['expected_count']:.1f}, now {ratio_text}) "
            f"· q = {mover['q_value']:.2g}"
        )
    return (
        f"{mover['count_items']:,} items (expected {mover['expected_count']:.1f}, {ratio_text}; "
        f"last week {mover['count_previous_week']:,}) · share {mover['share_of_items']:.1%} "
        f"({mover['share_change'] * 100:+.1f} pts) · q = {mover['q_value']:.2g}"
    )


def verbatim_excerpt(message_marked: str, context: int = EXCERPT_CONTEXT_CHARS) -> str:
    """The marked segment « » with up to ``context`` characters of its message either side."""
    start, end = message_marked.find("«"), message_marked.rfind("»")
    if start < 0 or end < 0:
        return message_marked
    left = max(0, start - context)
    right = min(len(message_marked), end + 1 + context)
    return ("…" if left > 0 else "") + message_marked[left:right] + ("…" if right < len(message_marked) else "")


def examples_of(digest: WeeklyDigest, theme_id: str) -> list[str]:
    rows = digest.verbatims[digest.verbatims["theme_id"] == theme_id]
    return [verbatim_excerpt(text) for text in rows["message_marked"]]


# --- charts --------------------------------------------------------------------------


def _trend_layers(trend: pd.DataFrame, week_start: date) -> alt.LayerChart:
    frame = trend.assign(
        week_start=pd.to_datetime(trend["week_start"]),
        is_reviewed_week=[pd.Timestamp(w).date() == week_start for w in trend["week_start"]],
    )
    base = alt.Chart(frame).encode(
        x=alt.X("week_start:T", title=None, axis=alt.Axis(format="%d %b", tickCount=4))
    )
    items = base.mark_line(point=True).encode(
        y=alt.Y("count_items:Q", title="Items"),
        tooltip=[
            alt.Tooltip("week_start:T", title="Week of", format="%Y-%m-%d"),
            alt.Tooltip("count_items:Q", title="Items"),
            alt.Tooltip("expected_count:Q", title="Expected", format=".1f"),
        ],
    )
    expected = base.mark_line(strokeDash=[4, 3], color="gray").encode(y="expected_count:Q")
    reviewed = base.mark_point(size=120, filled=True, color="orange").encode(y="count_items:Q").transform_filter(
        alt.datum.is_reviewed_week
    )
    return alt.layer(expected, items, reviewed)


def mover_sparkline(trend: pd.DataFrame, week_start: date) -> alt.LayerChart:
    """Items per week of one theme (a ``weekly_mover_trend`` slice): expected as a dashed
    line, the reviewed week as an orange dot."""
    return _trend_layers(trend, week_start).properties(height=110)


def movers_small_multiples(trend: pd.DataFrame, week_start: date, labels: list[str]) -> alt.FacetChart:
    """One small sparkline per mover (a ``weekly_mover_trend`` frame), in ``labels`` order."""
    return (
        _trend_layers(trend, week_start)
        .properties(width=220, height=90)
        .facet(facet=alt.Facet("label:N", sort=labels, title=None, header=alt.Header(labelLimit=220)), columns=3)
        .resolve_scale(y="independent")
    )


def chart_png(chart: alt.TopLevelMixin) -> bytes:
    return vl_convert.vegalite_to_png(chart.to_json(), scale=2)


# --- rendering -----------------------------------------------------------------------


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as written: punctuation backslash-escaped, one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _title(digest: WeeklyDigest) -> str:
    partial = "" if digest.is_complete else " (partial week)"
    return f"Voice of customer: weekly review {week_title(digest.week_start)}{partial}"


def _as_of(digest: WeeklyDigest) -> str:
    return f"Data as of {digest.data_as_of:%Y-%m-%d %H:%M} UTC." if digest.data_as_of else ""


COST_SHARES_OVERLAP = "An item that mentions several themes counts for each, so these shares overlap."


def cost_line(row: pd.Series) -> str:
    parts = [f"involved in {row['cost_share']:.0%} of handling cost", f"{row['count_items']:,} items"]
    if pd.notna(row["handle_time_vs_median_theme"]):
        parts.append(f"calls {row['handle_time_vs_median_theme']:.1f}× a typical theme's handle time")
    return ", ".join(parts)


def promotion_line(row: pd.Series) -> str:
    parts = [
        f"{row['count_mentions']:,} mentions (last week {row['count_mentions_previous_week']:,})",
        f"{row['count_confused']:,} confused",
    ]
    if pd.notna(row["negative_share"]):
        parts.append(f"{row['negative_share']:.0%} negative")
    return ", ".join(parts)


def promotion_name(row: pd.Series) -> str:
    code = f"{row['promo_code']}, " if pd.notna(row["promo_code"]) and row["promo_code"] else ""
    return f"{row['name']} ({code}{row['start_date']:%d %b}–{row['end_date']:%d %b})"


def render_markdown(digest: WeeklyDigest) -> str:
    lines = [f"# {_title(digest)}", "", _as_of(digest), "", "## Headline", ""]
    lines += ["| | this week | vs last week |", "|---|---:|---:|"]
    for figure in headline_figures(digest.headline):
        lines.append(f"| {figure.name} | {figure.value} | {figure.delta or '–'} |")
    for movement, title in MOVEMENT_TITLES.items():
        movers = digest.movers_of(movement)
        lines += ["", f"## {title}", ""]
        if movers.empty:
            lines.append(f"No {title.lower()} this week.")
        for _, mover in movers.iterrows():
            lines += [f"### {markdown_escape(mover['label'])}", "", evidence(mover), ""]
            # one quote per line; two trailing spaces keep the line break inside the quote
            lines += [f"> {markdown_escape(example)}  " for example in examples_of(digest, mover["theme_id"])]
            lines.append("")
    lines += ["", "## Cost leaders (all weeks)", ""]
    if digest.cost_leaders.empty:
        lines.append("No handling-cost figures in this warehouse.")
    else:
        lines += [COST_SHARES_OVERLAP, ""]
    for rank, (_, row) in enumerate(digest.cost_leaders.iterrows(), start=1):
        lines.append(f"{rank}. {markdown_escape(row['label'])}: {cost_line(row)}")
    lines += ["", "## Promotion watch", ""]
    if digest.promotions.empty:
        lines.append("No campaign was mentioned this week.")
    for _, row in digest.promotions.iterrows():
        lines.append(f"- {markdown_escape(promotion_name(row))}: {promotion_line(row)}")
    return "\n".join(lines).rstrip() + "\n"


def _html_table(figures: list[HeadlineFigure]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(f.name)}</th><td>{html.escape(f.value)}</td><td>{html.escape(f.delta or '–')}</td></tr>"
        for f in figures
    )
    return f"<table><tr><th></th><th>this week</th><th>vs last week</th></tr>{rows}</table>"


def render_html(digest: WeeklyDigest) -> str:
    esc = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(_title(digest))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse}td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:right}"
        "th:first-child{text-align:left}.mover{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}"
        "blockquote{margin:.5rem 0;padding:.25rem .75rem;border-left:3px solid #ccc;white-space:pre-wrap}"
        ".evidence{color:#555}</style></head><body>",
        f"<h1>{esc(_title(digest))}</h1>",
        f"<p>{esc(_as_of(digest))}</p>",
        "<h2>Headline</h2>",
        _html_table(headline_figures(digest.headline)),
    ]
    for movement, title in MOVEMENT_TITLES.items():
        movers = digest.movers_of(movement)
        parts.append(f"<h2>{esc(title)}</h2>")
        if movers.empty:
            parts.append(f"<p>No {esc(title.lower())} this week.</p>")
        else:
            trend = digest.trend[digest.trend["theme_id"].isin(movers["theme_id"])]
            chart = movers_small_multiples(trend, digest.week_start, movers["label"].tolist())
            png = base64.b64encode(chart_png(chart)).decode("ascii")
            alt_text = f"{title}: items per week, expected dashed, this week marked"
            parts.append(f'<img alt="{esc(alt_text)}" src="data:image/png;base64,{png}">')
        for _, mover in movers.iterrows():
            parts += [
                '<div class="mover">',
                f"<h3>{esc(mover['label'])}</h3>",
                f'<p class="evidence">{esc(evidence(mover))}</p>',
                *[f"<blockquote>{esc(example)}</blockquote>" for example in examples_of(digest, mover["theme_id"])],
                "</div>",
            ]
    parts.append("<h2>Cost leaders (all weeks)</h2>")
    if digest.cost_leaders.empty:
        parts.append("<p>No handling-cost figures in this warehouse.</p>")
    else:
        items = "".join(
            f"<li><strong>{esc(row['label'])}</strong>: {esc(cost_line(row))}</li>"
            for _, row in digest.cost_leaders.iterrows()
        )
        parts.append(f"<p>{esc(COST_SHARES_OVERLAP)}</p><ol>{items}</ol>")
    parts.append("<h2>Promotion watch</h2>")
    if digest.promotions.empty:
        parts.append("<p>No campaign was mentioned this week.</p>")
    else:
        items = "".join(
            f"<li><strong>{esc(promotion_name(row))}</strong>: {esc(promotion_line(row))}</li>"
            for _, row in digest.promotions.iterrows()
        )
        parts.append(f"<ul>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(db_path: Path, week_start: date | None, output_format: str) -> str:
    """The digest of one week as ``md`` or ``html`` text."""
    renderers = {"md": render_markdown, "html": render_html}
    if output_format not in renderers:
        raise ValueError(f"format must be one of {sorted(renderers)}, got {output_format!r}")
    return renderers[output_format](load_digest(db_path, week_start))
