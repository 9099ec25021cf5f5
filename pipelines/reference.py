"""Reference data steps: land the campaign calendar, and tie feedback to its campaigns.

``land_campaigns`` reads the calendar CSV through its connector each run (idempotent: an
unchanged file changes nothing; bad rows go to ``quarantine``). ``match_promotions`` runs
the pure functions of ``insights/promotions.py`` over the current feedback and segments and
stores which items mention which campaign and what confused customers; the marts
(``marts/promotion_*.sql``) aggregate those rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from insights.promotions import (
    CAMPAIGN_SEGMENT_COLUMNS,
    MENTION_COLUMNS,
    WINDOW_COLUMNS,
    PromotionConfig,
    campaign_segments,
    campaign_windows,
    find_mentions,
    promotion_config,
)
from pipelines.connectors.base import QuarantinedRecord, payload_json
from pipelines.connectors.campaigns import CampaignRecord, read_campaigns
from pipelines.warehouse.db import fetch_row, identifier, land_quarantine, read_sql

LANDING_TABLE_SQL = """
    CREATE OR REPLACE TEMP TABLE campaign_landing (
        name VARCHAR, start_date DATE, end_date DATE, promo_code VARCHAR, terms VARCHAR,
        location VARCHAR, content_hash VARCHAR, landed_at TIMESTAMP
    )
"""


def load_promotion_config(path: Path) -> PromotionConfig:
    return promotion_config(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


# --- the calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignLandReport:
    path: str
    is_found: bool  # False: no calendar file, the campaigns landed before are kept
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    inserted: int = 0
    updated: int = 0
    removed: int = 0
    quarantine_reasons: dict[str, int] | None = None


def _content_hash(campaign: CampaignRecord) -> str:
    fields = asdict(campaign)
    fields.pop("location")  # moving a row within the file changes nothing about the campaign
    return hashlib.sha1(payload_json(fields).encode("utf-8")).hexdigest()


def land_campaigns(con: duckdb.DuckDBPyConnection, path: Path, landed_at: datetime) -> CampaignLandReport:
    """Make ``raw_campaigns`` the calendar in ``path``; quarantine the rows that cannot be used."""
    path = Path(path)
    if not path.is_file():
        return CampaignLandReport(str(path), is_found=False)
    results = list(read_campaigns(path))
    campaigns = [r for r in results if isinstance(r, CampaignRecord)]
    rejected = [r for r in results if isinstance(r, QuarantinedRecord)]
    frame = pd.DataFrame(
        [
            {
                **asdict(c),
                "content_hash": _content_hash(c),
                "landed_at": pd.Timestamp(landed_at),
            }
            for c in campaigns
        ],
        columns=["name", "promo_code", "start_date", "end_date", "terms", "location", "content_hash", "landed_at"],
    )
    con.execute(LANDING_TABLE_SQL)
    con.register("campaign_frame", frame)
    try:
        con.execute("INSERT INTO campaign_landing BY NAME SELECT * FROM campaign_frame")
        before = dict(con.execute("SELECT name || chr(31) || start_date, content_hash FROM raw_campaigns").fetchall())
        con.execute(read_sql("dml/upsert_campaigns.sql"))
        con.execute(read_sql("dml/delete_missing_campaigns.sql"))
    finally:
        con.unregister("campaign_frame")
        con.execute("DROP TABLE IF EXISTS campaign_landing")
    keys = {f"{c.name}\x1f{c.start_date.isoformat()}": _content_hash(c) for c in campaigns}
    land_quarantine(con, rejected, landed_at)
    reasons: dict[str, int] = {}
    for rejection in rejected:
        kind = rejection.reason.split(":")[0]
        reasons[kind] = reasons.get(kind, 0) + 1
    return CampaignLandReport(
        path=str(path),
        is_found=True,
        read=len(results),
        loaded=len(campaigns),
        quarantined=len(rejected),
        inserted=sum(key not in before for key in keys),
        updated=sum(key in before and before[key] != digest for key, digest in keys.items()),
        removed=sum(key not in keys for key in before),
        quarantine_reasons=reasons,
    )


# --- mentions and confusion -------------------------------------------------------------


@dataclass(frozen=True)
class PromotionMatchReport:
    campaigns: int
    items_in_windows: int
    items_checked_now: int  # new, changed or gone items (all of them when the fingerprint changed)
    mentions: int  # (campaign, item) pairs
    campaign_segments: int
    confused_segments: int


CAMPAIGNS_SQL = """
    SELECT campaign_id, name, promo_code, start_date, end_date, terms
    FROM stg_campaigns ORDER BY start_date, campaign_id
"""
# Items new, changed or gone since they were last looked at.
CHANGED_ITEMS_SQL = """
    CREATE OR REPLACE TEMP TABLE promotion_changes AS
    SELECT stg.feedback_id FROM stg_feedback AS stg
    ANTI JOIN promotion_checked_items AS checked USING (feedback_id, content_hash)
    UNION
    SELECT checked.feedback_id FROM promotion_checked_items AS checked
    ANTI JOIN stg_feedback AS stg USING (feedback_id)
"""
IN_WINDOWS = """
    FROM stg_feedback AS stg
    WHERE EXISTS (
        SELECT 1 FROM promotion_windows AS w
        WHERE CAST(stg.received_at AS DATE) BETWEEN w.window_start AND w.window_end
    )
"""
COUNT_ITEMS_IN_WINDOWS_SQL = "SELECT count(*)" + IN_WINDOWS
ITEMS_IN_WINDOWS_SQL = (
    "SELECT stg.feedback_id, stg.received_at, stg.text" + IN_WINDOWS
    + " AND stg.feedback_id IN (SELECT feedback_id FROM promotion_changes) ORDER BY stg.feedback_id"
)
MENTIONED_SEGMENTS_SQL = """
    SELECT segs.feedback_id, segs.ordinal, segs.text
    FROM nlp_segments AS segs
    JOIN stg_feedback AS stg USING (feedback_id, content_hash)
    WHERE segs.feedback_id IN (SELECT feedback_id FROM promotion_item_matches)
      AND segs.feedback_id IN (SELECT feedback_id FROM promotion_changes)
    ORDER BY segs.feedback_id, segs.ordinal
"""


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Add ``frame``'s rows to a match table (named in code, never by users)."""
    con.register("new_rows", frame)
    try:
        con.execute("INSERT INTO " + identifier(table) + " BY NAME SELECT * FROM new_rows")
    finally:
        con.unregister("new_rows")


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.execute("DELETE FROM " + identifier(table))
    _insert_rows(con, table, frame)


def _fingerprint(campaigns: pd.DataFrame, config: PromotionConfig, segmenters: str) -> str:
    """Changes when the calendar, the settings or the segmenting of items (`segmenters`, see
    steps.segmenter_fingerprint) do (sets sorted: their order varies by process)."""
    settings = json.dumps(
        asdict(config), sort_keys=True, default=lambda value: sorted(value) if isinstance(value, frozenset) else str(value)
    )
    calendar = campaigns.to_json(orient="records", date_format="iso")
    return hashlib.sha1((settings + calendar + segmenters).encode()).hexdigest()[:16]


def match_promotions(con: duckdb.DuckDBPyConnection, config: PromotionConfig) -> PromotionMatchReport:
    """Bring the mention and confusion rows up to date: only items new, changed or gone since
    the last run are looked at, unless the calendar, the settings or the segmenting changed.

    Whether an item mentions a campaign depends on nothing but its text, its date, the
    calendar and the settings, so the rows of unchanged items stay valid."""
    campaigns = con.execute(CAMPAIGNS_SQL).df()
    # Segment matches point at segments by ordinal: items split again need matching again.
    segmenters = fetch_row(con, "SELECT coalesce(string_agg(DISTINCT segmenter, ',' ORDER BY segmenter), '') FROM nlp_items")[0]
    fingerprint = _fingerprint(campaigns, config, segmenters)
    _replace_rows(
        con,
        "promotion_confusion_types",
        pd.DataFrame(
            {
                "confusion_type": [t.name for t in config.confusion_types],
                "label": [t.label for t in config.confusion_types],
                "sort_order": range(1, len(config.confusion_types) + 1),
            }
        ),
    )
    _replace_rows(con, "promotion_windows", campaign_windows(campaigns, config)[WINDOW_COLUMNS])
    if fetch_row(con, "SELECT count(*) FROM promotion_checked_items WHERE fingerprint <> ?", [fingerprint])[0]:
        for table in ("promotion_checked_items", "promotion_item_matches", "promotion_segment_matches"):
            con.execute("DELETE FROM " + identifier(table))
    con.execute(CHANGED_ITEMS_SQL)
    for table in ("promotion_checked_items", "promotion_item_matches", "promotion_segment_matches"):
        con.execute("DELETE FROM " + identifier(table) + " WHERE feedback_id IN (SELECT feedback_id FROM promotion_changes)")
    items = con.execute(ITEMS_IN_WINDOWS_SQL).df()
    mentions = find_mentions(items, campaigns, config)[MENTION_COLUMNS]
    _insert_rows(con, "promotion_item_matches", mentions)
    segments = con.execute(MENTIONED_SEGMENTS_SQL).df()
    _insert_rows(
        con, "promotion_segment_matches", campaign_segments(segments, mentions, campaigns, config)[CAMPAIGN_SEGMENT_COLUMNS]
    )
    con.execute(
        """INSERT INTO promotion_checked_items
           SELECT feedback_id, content_hash, ? FROM stg_feedback SEMI JOIN promotion_changes USING (feedback_id)""",
        [fingerprint],
    )
    checked_now = fetch_row(con, "SELECT count(*) FROM promotion_changes")[0]
    return PromotionMatchReport(
        campaigns=len(campaigns),
        items_in_windows=fetch_row(con, COUNT_ITEMS_IN_WINDOWS_SQL)[0],
        items_checked_now=checked_now,
        mentions=fetch_row(con, "SELECT count(*) FROM promotion_item_matches")[0],
        campaign_segments=fetch_row(con, "SELECT count(*) FROM promotion_segment_matches")[0],
        confused_segments=fetch_row(
            con, "SELECT count(*) FROM promotion_segment_matches WHERE len(confusion_types) > 0"
        )[0],
    )
