"""Mark duplicates incrementally, with the same result as marking every item at once.

nlp/duplicates.py compares each item with the items before it only (in marking order:
received_at, then larger reach, then feedback_id). So a run:

1. finds the items that are new, changed or gone since the last marking;
2. computes the keys (comparison-text hash, flags, LSH band keys) of new and changed items;
3. decides the new and changed items, in order, in batches, each batch against the other items
   the warehouse holds: the heads of the same texts and the heads sharing a band key;
4. notes the items that appeared, went, changed or stopped or started heading their text (a
   "flip") and decides again the later items that share a comparison text or a band key with
   a flip and may duplicate it (nlp/duplicates.py: a repost, the same customer, or a long
   text within the window); their own flips reach the next round's items, until a round
   reaches none. An item's decision depends only on the heads before it that share one of
   its keys and that it may duplicate, so the items no flip reaches keep theirs;
5. closes all decisions and links into groups and rewrites nlp_duplicates.

A weekly increment thus decides its own items and the few later ones that share their keys,
not every item since its oldest one, and memory is bounded by the batch, not the warehouse.
State lives in the nlp_duplicate_* tables (pipelines/warehouse/sql/raw/03_nlp_outputs.sql); changed settings recompute it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from nlp.duplicates import (
    DuplicateConfig, canonical_ids, item_keys, link_duplicates, membership_kinds,
)
from pipelines.warehouse.db import fetch_row

KEYS_BATCH = 50_000
# Each batch scans the band table for its earlier heads, so batches are large: a first run
# decides everything, and deciding ~100k items of a 1M warehouse took 20 s in one batch where
# two of 50k and a remainder took 36 s, with no more memory (DuckDB's share dominates).
DECIDE_BATCH = 150_000
STATE_TABLES = ("nlp_duplicate_keys", "nlp_duplicate_bands", "nlp_duplicate_decisions", "nlp_duplicate_links")
MARKING_ORDER = "received_at, reach DESC, feedback_id"
# (h)ead before (d)eciding item in marking order.
HEAD_FIRST = """(h.received_at < d.received_at OR (h.received_at = d.received_at
                 AND (h.reach > d.reach OR (h.reach = d.reach AND h.feedback_id < d.feedback_id))))"""
# norm_hash as text: pandas would turn a BIGINT column with NULLs into floats and lose bits.
ITEM_COLUMNS = """k.feedback_id, s.text, k.received_at, k.customer_id, k.reach, k.norm_hash::VARCHAR AS norm_hash,
                  k.is_repost, k.n_words, k.n_shingles, coalesce(item_bands.bands, []) AS bands"""


def _items(ids: str) -> str:
    """The FROM clause ITEM_COLUMNS reads: the items `ids` (a table or CTE of feedback_id)
    names. Their band keys are listed from their own rows: a correlated subquery would list
    every item's first (~0.5 s at 1M items, in each of a run's queries)."""
    return f"""{ids} JOIN nlp_duplicate_keys AS k USING (feedback_id) JOIN stg_feedback AS s USING (feedback_id)
               LEFT JOIN (SELECT feedback_id, list(band_key ORDER BY band_key) AS bands FROM nlp_duplicate_bands
                          WHERE feedback_id IN (SELECT feedback_id FROM {ids}) GROUP BY feedback_id) AS item_bands
                 USING (feedback_id)"""


@dataclass(frozen=True)
class MarkingReport:
    exact: int  # duplicates in nlp_duplicates, by kind
    near: int
    decided: int  # items decided in this run
    decided_rounds: int  # rounds until no flip reached an item


def mark_duplicates(con: duckdb.DuckDBPyConnection, config: DuplicateConfig | None = None) -> MarkingReport:
    """Bring nlp_duplicates up to date with stg_feedback."""
    config = config or DuplicateConfig()
    fingerprint = config.fingerprint()
    if fetch_row(con, "SELECT count(*) FROM nlp_duplicate_keys WHERE config <> ?", [fingerprint])[0]:
        for table in STATE_TABLES:
            con.execute("DELETE FROM " + table)  # names from the constant above
    decided = rounds = 0
    if _forget_changed(con):
        _store_keys(con, config, fingerprint)
        decided, rounds = _decide_affected(con, config)
        _write_groups(con, config)
    exact, near = fetch_row(
        con,
        """SELECT count(*) FILTER (duplicate_kind = 'exact'), count(*) FILTER (duplicate_kind = 'near')
           FROM nlp_duplicates""",
    )
    return MarkingReport(int(exact), int(near), decided, rounds)


def _forget_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """Drop the keys, decisions and links of changed and gone items, noting the keys of those
    that headed their text as flipped; whether any item is new, changed or gone."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE duplicate_changes AS
           SELECT s.feedback_id
           FROM stg_feedback AS s LEFT JOIN nlp_duplicate_keys AS k USING (feedback_id)
           WHERE k.feedback_id IS NULL OR k.content_hash <> s.content_hash
           UNION ALL
           SELECT k.feedback_id
           FROM nlp_duplicate_keys AS k ANTI JOIN stg_feedback AS s USING (feedback_id)"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE flipped_texts (norm_hash BIGINT, customer_id VARCHAR, received_at TIMESTAMP)")
    con.execute("CREATE OR REPLACE TEMP TABLE flipped_bands (band_key BIGINT, customer_id VARCHAR, received_at TIMESTAMP)")
    old_heads = """SELECT k.* FROM nlp_duplicate_keys AS k JOIN nlp_duplicate_decisions AS d USING (feedback_id)
                   WHERE d.exact_of IS NULL AND k.feedback_id IN (SELECT feedback_id FROM duplicate_changes)"""
    con.execute("INSERT INTO flipped_texts SELECT norm_hash, customer_id, received_at FROM (" + old_heads + ") "
                "WHERE norm_hash IS NOT NULL")
    con.execute("INSERT INTO flipped_bands SELECT b.band_key, h.customer_id, h.received_at FROM (" + old_heads + ") AS h "
                "JOIN nlp_duplicate_bands AS b USING (feedback_id)")
    for table in STATE_TABLES:  # names from the constant above
        con.execute("DELETE FROM " + table + " WHERE feedback_id IN (SELECT feedback_id FROM duplicate_changes)")
    return fetch_row(con, "SELECT count(*) FROM duplicate_changes")[0] > 0


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


def _decide_affected(con: duckdb.DuckDBPyConnection, config: DuplicateConfig) -> tuple[int, int]:
    """Decide the new and changed items, then, round by round, the items a flip of the last
    round reaches, until a round reaches none; returns (items decided, rounds)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE pending AS
           SELECT feedback_id, false AS was_head FROM nlp_duplicate_keys ANTI JOIN nlp_duplicate_decisions USING (feedback_id)"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE affected AS SELECT feedback_id FROM pending")
    window_us = pd.Timedelta(days=config.unrelated_window_days).value // 1000
    rounds = 0
    while True:
        rounds += 1
        _decide(con, config)
        # An item flips when it heads its text now but did not before this round (new and
        # changed items did not exist before), or the other way round.
        flips = """SELECT k.* FROM pending AS p JOIN nlp_duplicate_keys AS k USING (feedback_id)
                   JOIN nlp_duplicate_decisions AS d USING (feedback_id)
                   WHERE (d.exact_of IS NULL) <> p.was_head"""
        con.execute("INSERT INTO flipped_texts SELECT norm_hash, customer_id, received_at FROM (" + flips + ") "
                    "WHERE norm_hash IS NOT NULL")
        con.execute("INSERT INTO flipped_bands SELECT b.band_key, f.customer_id, f.received_at FROM (" + flips + ") AS f "
                    "JOIN nlp_duplicate_bands AS b USING (feedback_id)")
        # A flip reaches the later items that share its text or a band key and may duplicate
        # it: only those could copy it, link to it or rank it among their candidates. The
        # items decided this round saw it already. Ties in received_at count as before:
        # deciding one item too many changes nothing.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE reached AS
               WITH later AS (
                   SELECT k.feedback_id, k.norm_hash, k.received_at, k.is_repost,
                          k.n_words >= $min_words_unrelated AS is_long, nullif(k.customer_id, '') AS customer_id
                   FROM nlp_duplicate_keys AS k
                   WHERE k.received_at >= (SELECT min(received_at) FROM (SELECT received_at FROM flipped_texts
                                                                        UNION ALL SELECT received_at FROM flipped_bands))
                     AND k.feedback_id NOT IN (SELECT feedback_id FROM pending)
               ),
               flips AS (
                   SELECT 'text' AS kind, norm_hash AS key, customer_id, received_at FROM flipped_texts
                   UNION ALL SELECT 'band', band_key, customer_id, received_at FROM flipped_bands
               ),
               later_keys AS (
                   SELECT l.*, 'text' AS kind, l.norm_hash AS key FROM later AS l WHERE l.norm_hash IS NOT NULL
                   UNION ALL
                   SELECT l.*, 'band', b.band_key FROM later AS l JOIN nlp_duplicate_bands AS b USING (feedback_id)
               )
               SELECT DISTINCT l.feedback_id FROM later_keys AS l JOIN flips AS f USING (kind, key)
               WHERE f.received_at <= l.received_at
                 AND (l.is_repost OR l.customer_id = f.customer_id
                      OR (l.is_long AND epoch_us(l.received_at) - epoch_us(f.received_at) <= $window_us))""",
            {"min_words_unrelated": config.min_words_unrelated, "window_us": window_us},
        )
        con.execute("DELETE FROM flipped_texts")
        con.execute("DELETE FROM flipped_bands")
        if not fetch_row(con, "SELECT count(*) FROM reached")[0]:
            return fetch_row(con, "SELECT count(*) FROM affected")[0], rounds
        con.execute(
            """CREATE OR REPLACE TEMP TABLE pending AS
               SELECT r.feedback_id, d.exact_of IS NULL AS was_head
               FROM reached AS r JOIN nlp_duplicate_decisions AS d USING (feedback_id)"""
        )
        con.execute("INSERT INTO affected SELECT feedback_id FROM pending ANTI JOIN affected USING (feedback_id)")
        for table in ("nlp_duplicate_decisions", "nlp_duplicate_links"):  # names from this line
            con.execute("DELETE FROM " + table + " WHERE feedback_id IN (SELECT feedback_id FROM pending)")


def _decide(con: duckdb.DuckDBPyConnection, config: DuplicateConfig) -> None:
    """Decide the items in `pending`, in order, batch by batch."""
    ids = [
        row[0] for row in con.execute(
            """SELECT feedback_id FROM pending JOIN nlp_duplicate_keys USING (feedback_id)
               ORDER BY """ + MARKING_ORDER
        ).fetchall()
    ]
    window = timedelta(days=config.unrelated_window_days)
    for start in range(0, len(ids), DECIDE_BATCH):
        con.execute("CREATE OR REPLACE TEMP TABLE deciding_ids AS SELECT unnest(?::VARCHAR[]) AS feedback_id",
                    [ids[start : start + DECIDE_BATCH]])
        deciding = con.execute(
            "SELECT " + ITEM_COLUMNS + " FROM " + _items("deciding_ids")
        ).df()
        earlier = _earlier_heads(con, (deciding["received_at"].min() - window).to_pydatetime(), config)
        decisions, links = link_duplicates(earlier, deciding, config)
        con.register("new_decisions", decisions)
        con.execute("INSERT INTO nlp_duplicate_decisions SELECT feedback_id, exact_of::VARCHAR FROM new_decisions")
        con.register("new_links", links)
        con.execute("INSERT INTO nlp_duplicate_links SELECT feedback_id::VARCHAR, linked_id::VARCHAR, similarity FROM new_links")
        con.unregister("new_decisions")
        con.unregister("new_links")


def _earlier_heads(con: duckdb.DuckDBPyConnection, window_start: datetime, config: DuplicateConfig) -> pd.DataFrame:
    """The decided heads that link_duplicates needs for the items in deciding_ids: per shared
    comparison text, the first head, the first head of each deciding item's customer and, for
    a long text, the heads within the window; of the heads sharing a band key with a deciding
    item, those of its customer, for a long text those within the window and, for a repost,
    its max_candidates best of those before it. Only long texts look back over the window. Not every head sharing a key: common wordings share keys with a number of heads
    that grows with the history."""
    return con.execute(
        """WITH heads AS (
               SELECT k.* FROM nlp_duplicate_keys AS k
               JOIN nlp_duplicate_decisions AS d USING (feedback_id)
               WHERE d.exact_of IS NULL
           ),
           deciding AS (SELECT k.*, k.n_words >= $min_words_unrelated AS is_long
                        FROM deciding_ids JOIN nlp_duplicate_keys AS k USING (feedback_id)),
           same_text AS (
               SELECT feedback_id FROM heads
               WHERE norm_hash IN (SELECT norm_hash FROM deciding)
               QUALIFY row_number() OVER (PARTITION BY norm_hash ORDER BY """ + MARKING_ORDER + """) = 1
                    OR (row_number() OVER (PARTITION BY norm_hash, customer_id ORDER BY """ + MARKING_ORDER + """) = 1
                        AND customer_id IN (SELECT customer_id FROM deciding))
                    OR (received_at >= $window_start AND norm_hash IN (SELECT norm_hash FROM deciding WHERE is_long))
           ),
           deciding_bands AS (
               SELECT d.feedback_id, d.customer_id, d.is_repost, d.is_long, d.received_at, d.reach, b.band_key
               FROM deciding AS d JOIN nlp_duplicate_bands AS b USING (feedback_id)
           ),
           head_bands AS (  -- only the keys the deciding items have: every use joins on them
               SELECT h.feedback_id, h.customer_id, h.received_at, h.reach, b.band_key
               FROM heads AS h JOIN nlp_duplicate_bands AS b USING (feedback_id)
               WHERE b.band_key IN (SELECT band_key FROM deciding_bands)
           ),
           within_window AS (
               SELECT h.feedback_id FROM head_bands AS h
               WHERE h.received_at >= $window_start AND h.band_key IN (SELECT band_key FROM deciding_bands WHERE is_long)
           ),
           same_customer AS (
               SELECT h.feedback_id FROM head_bands AS h JOIN deciding_bands AS d USING (band_key, customer_id)
           ),
           for_reposts AS (
               SELECT h.feedback_id FROM head_bands AS h JOIN deciding_bands AS d USING (band_key)
               WHERE d.is_repost AND """ + HEAD_FIRST + """
               GROUP BY d.feedback_id, h.feedback_id, h.received_at, h.reach
               QUALIFY row_number() OVER (
                   PARTITION BY d.feedback_id ORDER BY count(*) DESC, h.received_at, h.reach DESC, h.feedback_id
               ) <= $max_candidates
           ),
           wanted AS (
               SELECT feedback_id FROM same_text UNION SELECT feedback_id FROM within_window
               UNION SELECT feedback_id FROM same_customer UNION SELECT feedback_id FROM for_reposts
           )
           SELECT """ + ITEM_COLUMNS + ", NULL::VARCHAR AS exact_of FROM " + _items("wanted"),
        {"window_start": window_start, "max_candidates": config.max_candidates,
         "min_words_unrelated": config.min_words_unrelated},
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
