"""Query functions over the published snapshot; every page reads its data through these.

Each function opens the snapshot read-only, runs one ``sql/<name>.sql`` file with bound
parameters, closes the connection and returns a pandas DataFrame. Opening per call (no
pooled connection) is what lets a page see a snapshot the pipeline has just renamed over
the old file. This module knows nothing of Streamlit; pages cache through
``dashboard.data``, keyed on :class:`Snapshot`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).with_name("sql")
DEFAULT_VERBATIM_LIMIT = 200


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot file as it is now; a new publish changes mtime and inode."""

    path: Path
    mtime_ns: int
    inode: int


@dataclass(frozen=True)
class FeedbackFilter:
    """The feedback a page looks at.

    Counts in the marts are weekly, so the range is widened to whole ISO weeks (Monday
    start, UTC): every query includes the weeks containing ``start_date`` through
    ``end_date``. An empty ``channels`` selects nothing. ``languages``, ``products`` (as
    in ``feedback_scope``: 'und', '(none)' for missing) and theme ``categories`` narrow
    the selection; None means any.
    """

    start_date: date
    end_date: date
    channels: tuple[str, ...]
    languages: tuple[str, ...] | None = None
    products: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.start_date > self.end_date:
            raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")
        for name in ("languages", "products", "categories"):
            if getattr(self, name) == ():
                raise ValueError(f"{name} must be None (any) or name at least one value")

    def params(self) -> dict[str, object]:
        return {
            "start_date": self.start_date,
            "end_date": self.end_date,
            "channels": list(self.channels),
        }

    def item_params(self) -> dict[str, object]:
        """params() plus the language and product slices (for queries over items)."""
        return {
            **self.params(),
            "languages": None if self.languages is None else list(self.languages),
            "products": None if self.products is None else list(self.products),
        }

    def theme_params(self) -> dict[str, object]:
        """item_params() plus the theme categories (for queries that rank themes)."""
        categories = None if self.categories is None else list(self.categories)
        return {**self.item_params(), "categories": categories}


def snapshot_of(db_path: Path) -> Snapshot:
    """Stat the snapshot; raises FileNotFoundError when nothing is published yet."""
    stat = Path(db_path).stat()
    return Snapshot(path=Path(db_path), mtime_ns=stat.st_mtime_ns, inode=stat.st_ino)


@lru_cache(maxsize=None)
def load_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_query(db_path: Path, name: str, params: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Run ``sql/<name>.sql`` against the snapshot with bound parameters."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(load_sql(name), dict(params or {})).df()


def feedback_coverage(db_path: Path) -> pd.DataFrame:
    """One row: first_date, last_date (received, UTC), channels (sorted list), count_items."""
    return run_query(db_path, "feedback_coverage")


def data_as_of(db_path: Path) -> pd.DataFrame:
    """One row: finished_at of the last recorded pipeline run (NaT before any run)."""
    return run_query(db_path, "data_as_of")


def headline_metrics(db_path: Path, feedback_filter: FeedbackFilter) -> pd.DataFrame:
    """One row: count_items (copies once), count_reach (every copy), count_customers,
    count_segments, count_themed_segments, count_themes, count_channels over the filtered
    items (themes limited to the filter's categories)."""
    return run_query(db_path, "headline_metrics", feedback_filter.theme_params())


# How the Top themes page can rank themes (see sql/top_themes.sql).
RANKINGS = ("volume", "growth", "nps_impact", "csat_impact", "cost")


def top_themes(
    db_path: Path,
    feedback_filter: FeedbackFilter,
    limit: int | None = None,
    rank_by: str = "volume",
) -> pd.DataFrame:
    """One row per theme mentioned in the filter, ranked by ``rank_by`` (rank 1 first).

    Columns: rank, theme_id, label, keywords, category_label, count_items (copies once),
    count_reach, count_segments, share_of_items (items mentioning the theme / all filtered
    items), mean_sentiment, count_items_previous (the previous period of the same length),
    growth, growth_ratio (NULL when the data does not cover that period; ranking by growth
    then lists no theme), nps_impact, is_nps_ranked, csat_impact, is_csat_ranked,
    cost_units, cost_share (of the filtered items' cost), rank_value. ``limit=None``
    returns every ranked theme; the score-impact rankings list only themes with enough
    scored comments.
    """
    _check_limit(limit, allow_none=True)
    if rank_by not in RANKINGS:
        raise ValueError(f"rank_by must be one of {RANKINGS}, got {rank_by!r}")
    params = {**feedback_filter.theme_params(), "limit": limit, "rank_by": rank_by}
    return run_query(db_path, "top_themes", params)


def theme_trend(
    db_path: Path, feedback_filter: FeedbackFilter, theme_ids: Sequence[str]
) -> pd.DataFrame:
    """One row per requested theme x ISO week in range, zero-filled, in ``theme_ids`` order.

    Columns: theme_id, label, week_start, count_items, count_all_items, share_of_items
    (NULL for a week with no items on the chosen channels). Unknown theme ids are dropped.
    """
    params = {**feedback_filter.item_params(), "theme_ids": [str(t) for t in theme_ids]}
    return run_query(db_path, "theme_trend", params)


def theme_verbatims(
    db_path: Path,
    feedback_filter: FeedbackFilter,
    theme_id: str,
    search: str = "",
    limit: int = DEFAULT_VERBATIM_LIMIT,
) -> pd.DataFrame:
    """The segments behind one theme, newest first, at most ``limit`` rows.

    ``search`` keeps items whose whole message contains it (case-insensitive, literal).
    Columns: segment_id, feedback_id, received_at, channel, segment_text, message_text,
    message_marked (message with the segment wrapped in « »), char_start, char_end,
    count_matching (rows before the limit).
    """
    _check_limit(limit, allow_none=False)
    params = {
        **feedback_filter.item_params(),
        "theme_id": theme_id,
        "search": search,
        "limit": limit,
    }
    return run_query(db_path, "theme_verbatims", params)


def theme_detail(db_path: Path, feedback_filter: FeedbackFilter, theme_id: str) -> pd.DataFrame:
    """One row about one theme (none if it does not exist): in the filter count_items,
    count_reach, count_customers, mean_sentiment, negative/neutral/positive_share and
    cost_share (as top_themes has it); over the whole snapshot its score drivers
    (nps_/csat_impact with _ci_low/_ci_high, nps_/csat_with and _without,
    count_nps_/csat_scored, is_nps_/csat_ranked), handling times (median handle and
    resolution times, *_vs_median_theme, cost_rank), repeat contacts
    (repeat_customer_share) and self-service score (how_to_share, self_service_rank)."""
    params = {**feedback_filter.item_params(), "theme_id": theme_id}
    return run_query(db_path, "top_themes_detail", params)


def theme_channel_mix(db_path: Path, feedback_filter: FeedbackFilter, theme_id: str) -> pd.DataFrame:
    """One row per channel mentioning the theme in the filter, most items first: channel,
    count_items, count_reach, mean_sentiment, share_of_theme."""
    params = {**feedback_filter.item_params(), "theme_id": theme_id}
    return run_query(db_path, "top_themes_channel_mix", params)


def theme_key_phrases(
    db_path: Path, feedback_filter: FeedbackFilter, theme_id: str, limit: int = 15
) -> pd.DataFrame:
    """The theme's most frequent key phrases in the filter: key_phrase, count_segments."""
    _check_limit(limit, allow_none=False)
    params = {**feedback_filter.item_params(), "theme_id": theme_id, "limit": limit}
    return run_query(db_path, "top_themes_key_phrases", params)


def search_verbatims(
    db_path: Path, feedback_filter: FeedbackFilter, search: str, limit: int = 50
) -> pd.DataFrame:
    """Filtered messages containing ``search`` (case-insensitive, literal), newest first;
    nothing for a blank search. Columns: feedback_id, received_at, channel, message_text,
    theme_labels, count_matching (rows before the limit)."""
    _check_limit(limit, allow_none=False)
    params = {**feedback_filter.item_params(), "search": search, "limit": limit}
    return run_query(db_path, "top_themes_search", params)


def _check_limit(limit: int | None, *, allow_none: bool) -> None:
    if limit is None and allow_none:
        return
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")


# --- Weekly review ---------------------------------------------------------------------

REVIEW_TREND_WEEKS = 12
REVIEW_EXAMPLES_PER_THEME = 3


def review_weeks(db_path: Path) -> pd.DataFrame:
    """One row per ISO week with feedback, newest first.

    Columns: week_start (Monday), week_end (Sunday), count_items, is_complete (the data
    reaches the week's Sunday).
    """
    return run_query(db_path, "weekly_review_weeks")


def weekly_headline(db_path: Path, week_start: date) -> pd.DataFrame:
    """Two rows, the week and the week before (newest first): week_start, count_items,
    count_segments, negative_share, mean_nps, count_nps, mean_csat, count_csat."""
    return run_query(db_path, "weekly_review_headline", {"week_start": _monday(week_start)})


def weekly_movers(db_path: Path, week_start: date) -> pd.DataFrame:
    """The themes flagged for the week (from ``theme_flags``): rising, then new, then falling.

    Columns: movement ('rising' | 'new' | 'falling'), theme_id, label, keywords, count_items,
    count_previous_week, expected_count, rate_ratio, share_of_items, baseline_share,
    share_change, p_value, q_value (of the movement's one-sided test).
    """
    return run_query(db_path, "weekly_review_movers", {"week_start": _monday(week_start)})


def weekly_mover_trend(
    db_path: Path, week_start: date, theme_ids: Sequence[str], weeks: int = REVIEW_TREND_WEEKS
) -> pd.DataFrame:
    """One row per requested theme x week for the ``weeks`` weeks ending with ``week_start``.

    Columns: theme_id, label, week_start, count_items (0 before the theme's first mention),
    expected_count (NULL where untested). Rows in ``theme_ids`` order, then week.
    """
    _check_limit(weeks, allow_none=False)
    params = {
        "week_start": _monday(week_start),
        "weeks": weeks,
        "theme_ids": [str(t) for t in theme_ids],
    }
    return run_query(db_path, "weekly_review_trend", params)


def weekly_mover_verbatims(
    db_path: Path,
    week_start: date,
    theme_ids: Sequence[str],
    per_theme: int = REVIEW_EXAMPLES_PER_THEME,
) -> pd.DataFrame:
    """Up to ``per_theme`` example segments per theme from the week's items (first copies only).

    Columns: theme_id, example_rank, segment_id, feedback_id, received_at, channel,
    segment_text, message_marked (the whole message, segment wrapped in « »).
    """
    _check_limit(per_theme, allow_none=False)
    params = {
        "week_start": _monday(week_start),
        "theme_ids": [str(t) for t in theme_ids],
        "per_theme": per_theme,
    }
    return run_query(db_path, "weekly_review_verbatims", params)


def _monday(week_start: date) -> date:
    day = pd.Timestamp(week_start).date()  # also takes a datetime or pandas Timestamp
    if day.weekday() != 0:
        raise ValueError(f"week_start must be a Monday (start of an ISO week), got {week_start!r}")
    return day


def weekly_cost_leaders(db_path: Path, limit: int) -> pd.DataFrame:
    """The ``limit`` themes most costly to handle over all weeks (``theme_handling_cost``).

    Columns: cost_rank, theme_id, label, count_items, cost_share,
    handle_time_vs_median_theme, resolution_time_vs_median_theme.
    """
    _check_limit(limit, allow_none=False)
    return run_query(db_path, "weekly_review_cost_leaders", {"limit": limit})


# --- support planning -------------------------------------------------------------------------

PLANNING_CHANNELS = ("ticket", "survey", "call", "social")
DEFAULT_DEFLECTION = 0.6


def support_volume(db_path: Path, channels: Sequence[str] = PLANNING_CHANNELS) -> pd.DataFrame:
    """One row per ISO week x channel: count_received, count_resolved, backlog_end_of_week."""
    return run_query(db_path, "support_planning_volume", {"channels": list(channels)})


RESOLUTION_MIN_ITEMS = 10


def resolution_by_theme(
    db_path: Path, channels: Sequence[str] = ("ticket", "call"), min_items: int = RESOLUTION_MIN_ITEMS
) -> pd.DataFrame:
    """One row per theme x channel: theme_id, label, channel, count_items, median_/p90_
    first_response_h and resolution_h (hours), slowest median resolution first among the
    rows with at least ``min_items`` items, then the rest."""
    _check_limit(min_items, allow_none=False)
    return run_query(db_path, "support_planning_resolution", {"channels": list(channels), "min_items": min_items})


def contact_forecast(db_path: Path, series_kind: str, history_weeks: int = 26) -> pd.DataFrame:
    """Actual weekly contacts (kind 'actual', last ``history_weeks``) then the forecast
    (kind 'forecast': contacts, lower, upper, agent_hours, method) per series of the kind."""
    if series_kind not in ("channel", "theme"):
        raise ValueError(f"series_kind must be 'channel' or 'theme', got {series_kind!r}")
    _check_limit(history_weeks, allow_none=False)
    return run_query(db_path, "support_planning_forecast",
                     {"series_kind": series_kind, "history_weeks": history_weeks})


def agent_hours_needed(db_path: Path) -> pd.DataFrame:
    """One row per forecast week: agent_hours (all channels), agent_hours_lower/_upper, contacts."""
    return run_query(db_path, "support_planning_hours_needed")


def self_service_savings(db_path: Path, deflection: float = DEFAULT_DEFLECTION, limit: int = 10) -> pd.DataFrame:
    """Themes by the agent-hours self-service could save in the last 52 weeks: theme_id,
    label, count_items (contacts that took agent time), agent_hours, minutes_per_contact,
    how_to_share (segments asked as a question or how-to), negative_share,
    hours_saved_per_year (= agent_hours x how_to_share x (1 - negative_share) x ``deflection``)."""
    if not 0 <= deflection <= 1:
        raise ValueError(f"deflection must be a share between 0 and 1, got {deflection!r}")
    _check_limit(limit, allow_none=False)
    return run_query(db_path, "support_planning_self_service", {"deflection": deflection, "limit": limit})


# --- Promotions ------------------------------------------------------------------------

PROMOTION_EXAMPLES_PER_TYPE = 3


def promotion_campaigns(db_path: Path) -> pd.DataFrame:
    """One row per campaign (promotion_summary), newest launch first.

    Columns: campaign_id, name, promo_code, start_date, end_date, window_start, window_end,
    count_mentions, count_confused, count_mentions_before, count_mentions_launch_week,
    count_items_running, count_confused_running, confusion_share (confused mentions while it
    ran / all items then), confused_share_of_mentions, negative_share (of its campaign
    segments), peak_day, peak_mentions, baseline_mentions_per_day,
    launch_week_mentions_per_day, top_confusion_label, terms, confusion_rank (1: highest
    confusion share).
    """
    return run_query(db_path, "promotions_campaigns")


def promotion_daily(db_path: Path, campaign_id: str) -> pd.DataFrame:
    """One row per day of the campaign's window covered by the data, oldest first: day,
    days_from_launch, is_running, count_items, count_mentions, count_confused, mention_share,
    negative_share."""
    return run_query(db_path, "promotions_daily", {"campaign_id": str(campaign_id)})


def promotion_confusion(db_path: Path, campaign_id: str) -> pd.DataFrame:
    """One row per confusion type x theme of the campaign: confusion_type, confusion_label,
    confusion_order, theme_id, theme_label, count_items, count_segments, count_type_items,
    share_of_type, negative_share."""
    return run_query(db_path, "promotions_confusion", {"campaign_id": str(campaign_id)})


def promotion_verbatims(
    db_path: Path, campaign_id: str, per_type: int = PROMOTION_EXAMPLES_PER_TYPE, confusion_type: str | None = None
) -> pd.DataFrame:
    """Up to ``per_type`` example segments per confusion type of the campaign (only
    ``confusion_type`` when given), newest first, one per item. Columns: confusion_type,
    confusion_label, example_rank, count_type_items (the type's items before the limit),
    segment_id, received_at, channel, theme_label, segment_text, message_marked (the whole
    message, segment wrapped in « »)."""
    _check_limit(per_type, allow_none=False)
    return run_query(
        db_path, "promotions_verbatims",
        {"campaign_id": str(campaign_id), "per_type": per_type, "confusion_type": confusion_type},
    )


def weekly_promotions(db_path: Path, week_start: date) -> pd.DataFrame:
    """Campaigns mentioned in the week (``promotion_mentions``), most mentioned first.

    Columns: campaign_id, name, promo_code, start_date, end_date, count_mentions,
    count_confused, negative_share, count_mentions_previous_week.
    """
    return run_query(db_path, "weekly_review_promotions", {"week_start": _monday(week_start)})


# --- Theme management ------------------------------------------------------------------


def theme_management_themes(db_path: Path, category_id: str | None = None) -> pd.DataFrame:
    """One row per active theme with its category, owner, size and history (see
    ``sql/theme_management_themes.sql``); ``category_id=None`` lists all."""
    return run_query(db_path, "theme_management_themes", {"category_id": category_id})


def theme_management_categories(db_path: Path) -> pd.DataFrame:
    """One row per active category: category_id, label, is_label_pinned, owner_team,
    count_themes, count_items."""
    return run_query(db_path, "theme_management_categories")


def landed_edits(db_path: Path) -> pd.DataFrame:
    """One row (edit_id) per taxonomy edit a run has landed, applied or rejected, all of them;
    the rest of the journal is pending."""
    return run_query(db_path, "theme_management_landed_edits")


def theme_management_edits(db_path: Path, limit: int = 50) -> pd.DataFrame:
    """The newest taxonomy edits runs have landed, with their outcome."""
    _check_limit(limit, allow_none=False)
    return run_query(db_path, "theme_management_edits", {"limit": limit})
