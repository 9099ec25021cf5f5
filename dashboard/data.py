"""The pages' data access: where the snapshot is, and cached query results.

Results are cached with ``st.cache_data`` keyed on the :class:`~dashboard.queries.Snapshot`
(path, mtime, inode) and the query parameters, so a newly published snapshot misses the
cache and is read fresh while an unchanged one is not re-queried on every rerun.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import queries
from dashboard.queries import FeedbackFilter, Snapshot
from pipelines.settings import get_settings

# Bounds memory: each distinct filter combination is one entry per query.
_MAX_ENTRIES = 128


def published_db_path() -> Path:
    """The snapshot the dashboard reads (``VOC_DB_PATH`` overrides the default)."""
    return Path(get_settings().db_path)


def current_snapshot() -> Snapshot:
    return queries.snapshot_of(published_db_path())


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def feedback_coverage(snapshot: Snapshot) -> pd.DataFrame:
    return queries.feedback_coverage(snapshot.path)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def data_as_of(snapshot: Snapshot) -> pd.DataFrame:
    return queries.data_as_of(snapshot.path)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def headline_metrics(snapshot: Snapshot, feedback_filter: FeedbackFilter) -> pd.DataFrame:
    return queries.headline_metrics(snapshot.path, feedback_filter)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def top_themes(
    snapshot: Snapshot,
    feedback_filter: FeedbackFilter,
    limit: int | None = None,
    rank_by: str = "volume",
) -> pd.DataFrame:
    return queries.top_themes(snapshot.path, feedback_filter, limit=limit, rank_by=rank_by)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def theme_trend(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, theme_ids: tuple[str, ...]
) -> pd.DataFrame:
    return queries.theme_trend(snapshot.path, feedback_filter, theme_ids)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def theme_verbatims(
    snapshot: Snapshot,
    feedback_filter: FeedbackFilter,
    theme_id: str,
    search: str = "",
    limit: int = queries.DEFAULT_VERBATIM_LIMIT,
) -> pd.DataFrame:
    return queries.theme_verbatims(snapshot.path, feedback_filter, theme_id, search, limit)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def theme_detail(snapshot: Snapshot, feedback_filter: FeedbackFilter, theme_id: str) -> pd.DataFrame:
    return queries.theme_detail(snapshot.path, feedback_filter, theme_id)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def theme_channel_mix(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, theme_id: str
) -> pd.DataFrame:
    return queries.theme_channel_mix(snapshot.path, feedback_filter, theme_id)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def theme_key_phrases(
    snapshot: Snapshot, feedback_filter: FeedbackFilter, theme_id: str
) -> pd.DataFrame:
    return queries.theme_key_phrases(snapshot.path, feedback_filter, theme_id)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES)
def search_verbatims(snapshot: Snapshot, feedback_filter: FeedbackFilter, search: str) -> pd.DataFrame:
    return queries.search_verbatims(snapshot.path, feedback_filter, search)
