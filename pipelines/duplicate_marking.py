"""Mark duplicates incrementally, with the same result as marking every item at once.

nlp/duplicates.py compares each item with the items before it only (in marking order:
received_at, then larger reach, then feedback_id). So a run:

1. finds the items that are new, changed or gone since the last marking; the earliest
   received_at among them is `since`;
2. computes the keys (comparison-text hash, flags, LSH band keys) of new and changed items;
3. forgets the decisions and links of every item received at or after `since`, and decides them
   again in order, in batches, each batch against the earlier items the warehouse holds: the
   heads of the same texts and the heads sharing a band key;
4. closes all decisions and links into groups and rewrites nlp_duplicates.

A weekly increment thus decides the last weeks' items, not the whole history, and memory is
bounded by the batch, not the warehouse. State lives in the nlp_duplicate_* tables
(pipelines/warehouse/sql/raw/03_nlp_outputs.sql); changed settings recompute it all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from nlp.duplicates import (
    DuplicateConfig, canonical_ids, item_keys, link_duplicates, membership_kinds,
)
from pipelines.warehouse.db import fetch_row

KEYS_BATCH = 50_000
# Each batch scans the band table for its earlier heads (~7 s at 1M items), so batches are
# large: a weekly increment whose late items reach two months back re-decides ~100k items at
# 1M, and one batch of them took 20 s where two of 50k and a remainder took 36 s, with no more
# memory (DuckDB's share dominates).
DECIDE_BATCH = 150_000
STATE_TABLES = ("nlp_duplicate_keys", "nlp_duplicate_bands", "nlp_duplicate_decisions", "nlp_duplicate_links")
MARKING_ORDER = "received_at, reach DESC, feedback_id"
# norm_hash as text: pandas would turn a BIGINT column with NULLs into floats and lose bits.
ITEM_COLUMNS = """k.feedback_id, s.text, k.received_at, k.customer_id, k.reach, k.norm_hash::VARCHAR AS norm_hash,
                  k.is_repost,
                  k.n_words, k.n_shingles,
                  coalesce((SELECT list(b.band_key ORDER BY b.band_key) FROM nlp_duplicate_bands AS b
                            WHERE b.feedback_id = k.feedback_id), []) AS bands"""


def mark_duplicates(con: duckdb.DuckDBPyConnection, config: DuplicateConfig | None = None) -> tuple[int, int]:
    """Bring nlp_duplicates up to date with stg_feedback; returns (exact, near) duplicates."""
    config = config or DuplicateConfig()
    fingerprint = config.fingerprint()
    if fetch_row(con, "SELECT count(*) FROM nlp_duplicate_keys WHERE config <> ?", [fingerprint])[0]:
        for table in STATE_TABLES:
            con.execute("DELETE FROM " + table)  # names from the constant above
    since = _forget_changed(con)
    if since is not None:
        _store_keys(con, config, fingerprint)
        _decide_from(con, since, config)
        _write_groups(con, config)
    exact, near = fetch_row(
        con,
        """SELECT count(*) FILTER (duplicate_kind = 'exact'), count(*) FILTER (duplicate_kind = 'near')
           FROM nlp_duplicates""",
    )
    return int(exact), int(near)


def _forget_changed(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """Drop the keys of changed and gone items; the earliest received_at of new, changed or
    gone items (None: nothing to do)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE duplicate_changes AS
           SELECT s.feedback_id, s.received_at
           FROM stg_feedback AS s LEFT JOIN nlp_duplicate_keys AS k USING (feedback_id)
           WHERE k.feedback_id IS NULL OR k.content_hash <> s.content_hash
           UNION ALL
           SELECT k.feedback_id, k.received_at
           FROM nlp_duplicate_keys AS k ANTI JOIN stg_feedback AS s USING (feedback_id)"""
    )
    since = fetch_row(con, "SELECT min(received_at) FROM duplicate_changes")[0]
    for table in ("nlp_duplicate_keys", "nlp_duplicate_bands"):
        con.execute("DELETE FROM " + table + " WHERE feedback_id IN (SELECT feedback_id FROM duplicate_changes)")
    return since


def _store_keys(con: duckdb.DuckDBPyConnection, config: DuplicateConfig, fingerprint: str) -> None:
    """Keys and band keys of every item without them, in batches."""
    pending = [
        row[0] for row in con.execute(
            "SELECT feedback_id FROM stg_feedback ANTI JOIN nlp_duplicate_keys USING (feedback_id) ORDER BY feedback_id"
        ).fetchall()
    ]
    for start in range(0, len(pending), KEYS_BATCH):
        batch = con.execute(
            """SELECT feedback_id, content_hash, received_at,
                      coalesce(TRY_CAST(metadata->>'reach' AS DOUBLE), 0) AS reach, customer_id, text
               FROM stg_feedback WHERE feedback_id IN (SELECT unnest(?::VARCHAR[]))""",
            [pending[start : start + KEYS_BATCH]],
        ).df()
        keys = pd.concat([batch.drop(columns="text"), item_keys(batch["text"], config)], axis=1)
        keys["config"] = fingerprint
        bands = keys[["feedback_id", "bands"]].explode("bands").dropna().rename(columns={"bands": "band_key"})
        con.register("new_keys", keys.drop(columns="bands"))
        con.execute(
            """INSERT INTO nlp_duplicate_keys BY NAME
               SELECT feedback_id, content_hash, config, received_at, reach, customer_id, norm_hash,
                      is_repost, n_words, n_shingles FROM new_keys"""
        )
        con.register("new_bands", bands.astype({"band_key": "int64"}))
        con.execute("INSERT INTO nlp_duplicate_bands SELECT DISTINCT feedback_id, band_key FROM new_bands")
        con.unregister("new_keys")
        con.unregister("new_bands")


def _decide_from(con: duckdb.DuckDBPyConnection, since: datetime, config: DuplicateConfig) -> None:
    """Decide every item received at or after `since` again, in order, batch by batch."""
    redo = "SELECT feedback_id FROM nlp_duplicate_keys WHERE received_at >= ?"
    con.execute("DELETE FROM nlp_duplicate_decisions WHERE feedback_id IN (" + redo + ") "
                "OR feedback_id NOT IN (SELECT feedback_id FROM nlp_duplicate_keys)", [since])
    con.execute("DELETE FROM nlp_duplicate_links WHERE feedback_id IN (" + redo + ") "
                "OR feedback_id NOT IN (SELECT feedback_id FROM nlp_duplicate_keys)", [since])
    ids = [row[0] for row in con.execute(redo + " ORDER BY " + MARKING_ORDER, [since]).fetchall()]
    window = timedelta(days=config.unrelated_window_days)
    for start in range(0, len(ids), DECIDE_BATCH):
        con.execute("CREATE OR REPLACE TEMP TABLE deciding_ids AS SELECT unnest(?::VARCHAR[]) AS feedback_id",
                    [ids[start : start + DECIDE_BATCH]])
        deciding = con.execute(
            "SELECT " + ITEM_COLUMNS + """ FROM deciding_ids JOIN nlp_duplicate_keys AS k USING (feedback_id)
               JOIN stg_feedback AS s USING (feedback_id)"""
        ).df()
        earlier = _earlier_heads(con, (deciding["received_at"].min() - window).to_pydatetime(), config.max_candidates)
        decisions, links = link_duplicates(earlier, deciding, config)
        con.register("new_decisions", decisions)
        con.execute("INSERT INTO nlp_duplicate_decisions SELECT feedback_id, exact_of::VARCHAR FROM new_decisions")
        con.register("new_links", links)
        con.execute("INSERT INTO nlp_duplicate_links SELECT feedback_id::VARCHAR, linked_id::VARCHAR, similarity FROM new_links")
        con.unregister("new_decisions")
        con.unregister("new_links")


def _earlier_heads(con: duckdb.DuckDBPyConnection, window_start: datetime, max_candidates: int) -> pd.DataFrame:
    """The decided heads that link_duplicates needs for the items in deciding_ids: per shared
    comparison text, the first head, the first head of each deciding item's customer and the
    heads within the window; of the heads
    sharing a band key with a deciding item, those of its customer, those within the window
    and, for a repost, its max_candidates best. Not every head sharing a key: common wordings
    share keys with a number of heads that grows with the history."""
    return con.execute(
        """WITH heads AS (
               SELECT k.* FROM nlp_duplicate_keys AS k
               JOIN nlp_duplicate_decisions AS d USING (feedback_id)
               WHERE d.exact_of IS NULL
           ),
           deciding AS (SELECT k.* FROM deciding_ids JOIN nlp_duplicate_keys AS k USING (feedback_id)),
           same_text AS (
               SELECT feedback_id FROM heads
               WHERE norm_hash IN (SELECT norm_hash FROM deciding)
               QUALIFY row_number() OVER (PARTITION BY norm_hash ORDER BY """ + MARKING_ORDER + """) = 1
                    OR (row_number() OVER (PARTITION BY norm_hash, customer_id ORDER BY """ + MARKING_ORDER + """) = 1
                        AND customer_id IN (SELECT customer_id FROM deciding))
                    OR received_at >= $window_start
           ),
           deciding_bands AS (
               SELECT d.feedback_id, d.customer_id, d.is_repost, b.band_key
               FROM deciding AS d JOIN nlp_duplicate_bands AS b USING (feedback_id)
           ),
           head_bands AS (
               SELECT h.feedback_id, h.customer_id, h.received_at, h.reach, b.band_key
               FROM heads AS h JOIN nlp_duplicate_bands AS b USING (feedback_id)
           ),
           within_window AS (
               SELECT h.feedback_id FROM head_bands AS h
               WHERE h.received_at >= $window_start AND h.band_key IN (SELECT band_key FROM deciding_bands)
           ),
           same_customer AS (
               SELECT h.feedback_id FROM head_bands AS h JOIN deciding_bands AS d USING (band_key, customer_id)
           ),
           for_reposts AS (
               SELECT h.feedback_id FROM head_bands AS h JOIN deciding_bands AS d USING (band_key)
               WHERE d.is_repost
               GROUP BY d.feedback_id, h.feedback_id, h.received_at, h.reach
               QUALIFY row_number() OVER (
                   PARTITION BY d.feedback_id ORDER BY count(*) DESC, h.received_at, h.reach DESC, h.feedback_id
               ) <= $max_candidates
           ),
           wanted AS (
               SELECT feedback_id FROM same_text UNION SELECT feedback_id FROM within_window
               UNION SELECT feedback_id FROM same_customer UNION SELECT feedback_id FROM for_reposts
           )
           SELECT """ + ITEM_COLUMNS + """, NULL::VARCHAR AS exact_of
           FROM wanted JOIN nlp_duplicate_keys AS k USING (feedback_id) JOIN stg_feedback AS s USING (feedback_id)""",
        {"window_start": window_start, "max_candidates": max_candidates},
    ).df()


def _write_groups(con: duckdb.DuckDBPyConnection, config: DuplicateConfig) -> None:
    """Close decisions and links into groups and rewrite nlp_duplicates. Kind and similarity
    are kept from the last run where neither the item, its canonical nor their texts changed."""
    edges = con.execute(
        """SELECT feedback_id, exact_of AS linked_id FROM nlp_duplicate_decisions WHERE exact_of IS NOT NULL
           UNION ALL SELECT feedback_id, linked_id FROM nlp_duplicate_links"""
    ).df()
    con.register("edges", edges)
    order = con.execute(
        """SELECT feedback_id, received_at, reach FROM nlp_duplicate_keys
           WHERE feedback_id IN (SELECT feedback_id FROM edges UNION SELECT linked_id FROM edges)"""
    ).df()
    con.unregister("edges")
    con.register("members", canonical_ids(edges, order))
    con.execute(
        """CREATE OR REPLACE TEMP TABLE group_members AS
           SELECT m.feedback_id, m.canonical_id, previous.duplicate_kind, previous.similarity
           FROM (SELECT feedback_id::VARCHAR AS feedback_id, canonical_id::VARCHAR AS canonical_id FROM members) AS m
           LEFT JOIN nlp_duplicates AS previous
             ON previous.feedback_id = m.feedback_id AND previous.canonical_id = m.canonical_id
            AND m.feedback_id NOT IN (SELECT feedback_id FROM duplicate_changes)
            AND m.canonical_id NOT IN (SELECT feedback_id FROM duplicate_changes)"""
    )
    con.unregister("members")
    unknown = con.execute(
        """SELECT m.feedback_id, s.text, k.norm_hash::VARCHAR AS norm_hash, c.text AS canonical_text,
                  ck.norm_hash::VARCHAR AS canonical_norm_hash
           FROM group_members AS m
           JOIN stg_feedback AS s USING (feedback_id) JOIN nlp_duplicate_keys AS k USING (feedback_id)
           JOIN stg_feedback AS c ON c.feedback_id = m.canonical_id
           JOIN nlp_duplicate_keys AS ck ON ck.feedback_id = m.canonical_id
           WHERE m.duplicate_kind IS NULL"""
    ).df()
    unknown["duplicate_kind"], unknown["similarity"] = membership_kinds(unknown, config)
    con.register("described", unknown[["feedback_id", "duplicate_kind", "similarity"]])
    con.execute(
        """UPDATE group_members AS m SET duplicate_kind = d.duplicate_kind::VARCHAR, similarity = d.similarity
           FROM described AS d WHERE d.feedback_id::VARCHAR = m.feedback_id"""
    )
    con.unregister("described")
    # Every item has keys by now (_store_keys), and only the rows that differ are rewritten: a
    # weekly increment changes a few thousand of a million, and rewriting all would cost time
    # and leave the file a table's worth larger.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE marked AS
           SELECT k.feedback_id, coalesce(m.canonical_id, k.feedback_id) AS canonical_id, m.duplicate_kind, m.similarity
           FROM nlp_duplicate_keys AS k LEFT JOIN group_members AS m USING (feedback_id)"""
    )
    con.execute(
        """DELETE FROM nlp_duplicates AS d WHERE NOT EXISTS (
               SELECT 1 FROM marked AS m
               WHERE m.feedback_id = d.feedback_id AND m.canonical_id = d.canonical_id
                 AND m.duplicate_kind IS NOT DISTINCT FROM d.duplicate_kind
                 AND m.similarity IS NOT DISTINCT FROM d.similarity)"""
    )
    con.execute("INSERT INTO nlp_duplicates SELECT * FROM marked ANTI JOIN nlp_duplicates USING (feedback_id)")
