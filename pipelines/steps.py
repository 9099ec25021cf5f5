"""The pipeline's steps as plain functions over a DuckDB connection.

Each step reads what it needs from the warehouse, calls the pure functions in ``nlp/`` or a
connector, and writes its output back. Prefect tasks in ``pipelines/flows.py`` only wire
these together, so every step is testable without an orchestrator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd

from nlp.duplicates import find_duplicates
from nlp.embeddings import Embedder, text_hash
from nlp.keyphrases import key_phrases
from nlp.language import detect_languages
from nlp.segment import segment_items
from nlp.sentiment import SentimentModel
from nlp.redact import RedactConfig
from nlp.themes import ThemeConfig, assign_to_themes, fit_themes, match_themes
from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, SourceConfig
from pipelines.connectors.registry import build_connector
from pipelines.sanitise import sanitise_records, sanitise_rejections
from pipelines.warehouse.db import LandCounts, fetch_row, land_quarantine, land_records

T = TypeVar("T")
# Called with (units done, units total) so the CLI can draw a progress bar.
Progress = Callable[[int, int], None]
LANDING_BATCH = 5_000
NLP_BATCH = 2_000
EMBED_BATCH = 512


def no_progress(done: int, total: int) -> None:
    return None


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# --- collect -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceReport:
    source: str
    channel: str
    read: int
    loaded: int
    quarantined: int
    counts: LandCounts
    quarantine_reasons: dict[str, int]


def collect_source(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, landed_at: datetime, redact_config: RedactConfig
) -> SourceReport:
    """Read one source through its connector, clean and redact it, and land it, in batches."""
    connector = build_connector(source)
    counts = LandCounts()
    loaded = quarantined = 0
    reasons: dict[str, int] = {}
    for batch in batched(connector.read(), LANDING_BATCH):
        records = sanitise_records([r for r in batch if isinstance(r, FeedbackRecord)], redact_config)
        rejected = sanitise_rejections([r for r in batch if isinstance(r, QuarantinedRecord)], redact_config)
        counts = counts + land_records(con, records, landed_at)
        counts = counts + LandCounts(quarantined_new=land_quarantine(con, rejected, landed_at))
        loaded += len(records)
        quarantined += len(rejected)
        for rejection in rejected:
            # Reasons carry specifics after a colon; count by their general kind.
            kind = rejection.reason.split(":")[0]
            reasons[kind] = reasons.get(kind, 0) + 1
    return SourceReport(
        source=source.name,
        channel=connector.channel,
        read=loaded + quarantined,
        loaded=loaded,
        quarantined=quarantined,
        counts=counts,
        quarantine_reasons=reasons,
    )


# --- understand: language and segments ---------------------------------------------


@dataclass(frozen=True)
class UnderstandReport:
    items_processed: int
    segments_created: int
    items_total: int
    segments_total: int


PENDING_ITEMS_SQL = """
    SELECT stg.feedback_id, stg.content_hash, stg.channel, stg.text, stg.turns, stg.language_hint
    FROM stg_feedback AS stg
    ANTI JOIN nlp_items USING (feedback_id, content_hash)
    ORDER BY stg.feedback_id
"""


def understand_items(
    con: duckdb.DuckDBPyConnection, segment_config: object, progress: Progress = no_progress
) -> UnderstandReport:
    """Detect language and split into segments every new or changed item version."""
    pending = con.execute(PENDING_ITEMS_SQL).df()
    created = 0
    for start in range(0, len(pending), NLP_BATCH):
        batch = pending.iloc[start : start + NLP_BATCH].copy()
        batch["language"] = detect_languages(
            batch["text"].tolist(), [h if isinstance(h, str) else None for h in batch["language_hint"]]
        )
        batch["turns"] = [_parse_turns(t) for t in batch["turns"]]
        segments = segment_items(batch[["feedback_id", "channel", "text", "language", "turns"]], segment_config)
        segments = segments.merge(batch[["feedback_id", "content_hash"]], on="feedback_id")
        segments["text_hash"] = [text_hash(t) for t in segments["text"]]
        per_item = segments.groupby("feedback_id").size()
        items = batch[["feedback_id", "content_hash", "language"]].assign(
            count_segments=batch["feedback_id"].map(per_item).fillna(0).astype(int)
        )
        con.register("new_segments", segments[
            ["feedback_id", "content_hash", "ordinal", "text", "char_start", "char_end", "text_hash"]
        ])
        con.register("new_items", items)
        con.execute("INSERT INTO nlp_segments SELECT * FROM new_segments ON CONFLICT DO NOTHING")
        con.execute("INSERT INTO nlp_items SELECT * FROM new_items ON CONFLICT DO NOTHING")
        con.unregister("new_segments")
        con.unregister("new_items")
        created += len(segments)
        progress(min(start + NLP_BATCH, len(pending)), len(pending))
    # Older versions of changed items are no longer current; drop their segments.
    con.execute(
        """DELETE FROM nlp_segments WHERE (feedback_id, content_hash) NOT IN
           (SELECT (feedback_id, content_hash) FROM stg_feedback)"""
    )
    con.execute(
        """DELETE FROM nlp_items WHERE (feedback_id, content_hash) NOT IN
           (SELECT (feedback_id, content_hash) FROM stg_feedback)"""
    )
    items_total, segments_total = con.execute(
        "SELECT (SELECT count(*) FROM nlp_items), (SELECT count(*) FROM nlp_segments)"
    ).fetchall()[0]
    return UnderstandReport(len(pending), created, items_total, segments_total)


def _parse_turns(turns: object) -> list[dict]:
    if turns is None or (isinstance(turns, float) and np.isnan(turns)):
        return []
    return json.loads(turns) if isinstance(turns, str) else list(turns)


# --- embed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedReport:
    texts_total: int
    embedded_now: int
    from_cache: int


def cache_embeddings(
    con: duckdb.DuckDBPyConnection,
    embedder: Embedder,
    texts_by_hash: pd.DataFrame,
    progress: Progress = no_progress,
) -> int:
    """Embed the texts (columns text_hash, text) not yet cached for this model; returns how many."""
    con.register("wanted_texts", texts_by_hash[["text_hash", "text"]])
    missing = con.execute(
        """SELECT DISTINCT ON (text_hash) text_hash, text FROM wanted_texts
           WHERE text_hash NOT IN (SELECT text_hash FROM embedding_cache WHERE model = ?)
           ORDER BY text_hash""",
        [embedder.model_id],
    ).df()
    con.unregister("wanted_texts")
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing.iloc[start : start + EMBED_BATCH]
        vectors = embedder.encode(batch["text"].tolist())
        frame = pd.DataFrame(
            {"model": embedder.model_id, "text_hash": batch["text_hash"].to_numpy(), "vector": list(vectors)}
        )
        con.register("new_vectors", frame)
        con.execute(
            "INSERT INTO embedding_cache SELECT model, text_hash, vector::FLOAT[] FROM new_vectors "
            "ON CONFLICT DO NOTHING"
        )
        con.unregister("new_vectors")
        progress(min(start + EMBED_BATCH, len(missing)), len(missing))
    return len(missing)


def cached_vectors(con: duckdb.DuckDBPyConnection, model_id: str, text_hashes: list[str]) -> np.ndarray:
    """The cached embedding of each text hash, in the given order."""
    wanted = pd.DataFrame({"text_hash": text_hashes, "position": np.arange(len(text_hashes))})
    con.register("wanted_hashes", wanted)
    frame = con.execute(
        """SELECT wanted_hashes.position, cache.vector FROM wanted_hashes
           JOIN embedding_cache AS cache ON cache.text_hash = wanted_hashes.text_hash AND cache.model = ?
           ORDER BY wanted_hashes.position""",
        [model_id],
    ).df()
    con.unregister("wanted_hashes")
    if len(frame) != len(text_hashes):
        raise LookupError(f"{len(text_hashes) - len(frame)} texts have no cached {model_id} embedding")
    return np.vstack(frame["vector"].to_numpy()).astype(np.float32) if len(frame) else np.zeros((0, 0), np.float32)


def embed_segments(
    con: duckdb.DuckDBPyConnection, embedder: Embedder, progress: Progress = no_progress
) -> EmbedReport:
    """Embed each distinct current segment text not already in the cache."""
    segments = con.execute("SELECT DISTINCT text_hash, text FROM nlp_segments").df()
    embedded = cache_embeddings(con, embedder, segments, progress)
    total = segments["text_hash"].nunique()
    return EmbedReport(texts_total=total, embedded_now=embedded, from_cache=total - embedded)


# --- enrich: sentiment, key phrases, duplicates -------------------------------------


@dataclass(frozen=True)
class EnrichReport:
    texts_enriched_now: int
    duplicates_exact: int
    duplicates_near: int


def enrich_segments(
    con: duckdb.DuckDBPyConnection, sentiment: SentimentModel, model_id: str, progress: Progress = no_progress
) -> int:
    """Score sentiment and extract key phrases of each segment text not done before."""
    pending = con.execute(
        """SELECT DISTINCT ON (segs.text_hash) segs.text_hash, segs.text, items.language
           FROM nlp_segments AS segs JOIN nlp_items AS items USING (feedback_id, content_hash)
           WHERE segs.text_hash NOT IN (SELECT text_hash FROM nlp_segment_enrichment)
           ORDER BY segs.text_hash, segs.text"""
    ).df()
    for start in range(0, len(pending), NLP_BATCH):
        batch = pending.iloc[start : start + NLP_BATCH]
        texts = batch["text"].tolist()
        languages = [lang if isinstance(lang, str) else None for lang in batch["language"]]
        scores = sentiment.score(texts, languages, cached_vectors(con, model_id, batch["text_hash"].tolist()))
        frame = pd.DataFrame(
            {
                "text_hash": batch["text_hash"].to_numpy(),
                "sentiment_score": [s.score for s in scores],
                "sentiment_label": [s.label for s in scores],
                "key_phrases": key_phrases(texts, languages),
            }
        )
        con.register("new_enrichment", frame)
        con.execute("INSERT INTO nlp_segment_enrichment SELECT * FROM new_enrichment ON CONFLICT DO NOTHING")
        con.unregister("new_enrichment")
        progress(min(start + NLP_BATCH, len(pending)), len(pending))
    return len(pending)


def mark_duplicates(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Group exact and near-duplicate items under their earliest copy; returns (exact, near)."""
    items = con.execute(
        """SELECT feedback_id, text, received_at, customer_id,
                  TRY_CAST(metadata->>'reach' AS DOUBLE) AS reach
           FROM stg_feedback ORDER BY feedback_id"""
    ).df()
    duplicates = find_duplicates(items)
    con.execute("DELETE FROM nlp_duplicates")
    con.register("new_duplicates", duplicates[["feedback_id", "canonical_id", "duplicate_kind", "similarity"]])
    con.execute("INSERT INTO nlp_duplicates SELECT * FROM new_duplicates")
    con.unregister("new_duplicates")
    kinds = duplicates["duplicate_kind"].value_counts()
    return int(kinds.get("exact", 0)), int(kinds.get("near", 0))


# --- themes --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeReport:
    mode: str  # "fit" (first run), "refit" (asked for, or too many waiting), "assign", "unchanged"
    texts: int
    texts_assigned_now: int
    themes_active: int
    themes_new: int
    themes_retired: int
    unassigned_share: float  # of distinct current segment texts with no theme (waiting)

    @property
    def refitted(self) -> bool:
        return self.mode in ("fit", "refit")


def _unassigned_share(con: duckdb.DuckDBPyConnection) -> float:
    share = fetch_row(
        con,
        """SELECT avg((theme.theme_id IS NULL)::INT) FROM (SELECT DISTINCT text_hash FROM nlp_segments) AS segs
           LEFT JOIN segment_theme AS theme USING (text_hash)""",
    )[0]
    return float(share or 0.0)


def _current_texts_and_vectors(con: duckdb.DuckDBPyConnection, model_id: str) -> tuple[pd.DataFrame, np.ndarray]:
    # One text per hash: texts differing only in case or spacing share an embedding.
    texts = con.execute(
        "SELECT DISTINCT ON (text_hash) text_hash, text FROM nlp_segments ORDER BY text_hash, text"
    ).df()
    return texts, cached_vectors(con, model_id, texts["text_hash"].tolist())


def _active_themes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    themes = con.execute(
        "SELECT theme_id, label, keywords, centroid FROM theme_state WHERE is_active ORDER BY theme_id"
    ).df()
    themes["centroid"] = [np.asarray(c, dtype=np.float32) for c in themes["centroid"]]
    return themes


def _write_assignments(
    con: duckdb.DuckDBPyConnection, text_hashes: pd.Series, theme_ids: list[str | None], similarity: np.ndarray
) -> None:
    frame = pd.DataFrame({"text_hash": text_hashes.to_numpy(), "theme_id": theme_ids, "similarity": similarity})
    con.register("new_assignments", frame)
    con.execute("INSERT OR REPLACE INTO segment_theme SELECT * FROM new_assignments")
    con.unregister("new_assignments")


def _assign_new_texts(
    con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, themes: pd.DataFrame
) -> int:
    """Put texts that have no assignment yet into the nearest existing theme, without refitting."""
    pending = con.execute(
        """SELECT DISTINCT text_hash FROM nlp_segments
           WHERE text_hash NOT IN (SELECT text_hash FROM segment_theme) ORDER BY text_hash"""
    ).df()
    if pending.empty:
        return 0
    vectors = cached_vectors(con, model_id, pending["text_hash"].tolist())
    centroids = np.vstack(themes["centroid"].to_numpy())
    nearest = assign_to_themes(vectors, centroids, config.assign_threshold)
    similarity = np.where(nearest >= 0, (vectors @ centroids.T).max(axis=1), np.nan)
    theme_ids = [themes["theme_id"].iloc[i] if i >= 0 else None for i in nearest]
    _write_assignments(con, pending["text_hash"], theme_ids, similarity)
    return len(pending)


def _refit(
    con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, run_id: str, previous: pd.DataFrame
) -> tuple[int, int, int]:
    """Fit themes on all current texts; matched themes keep their ids. Returns (texts, new, retired)."""
    texts, vectors = _current_texts_and_vectors(con, model_id)
    fit = fit_themes(texts["text"].tolist(), vectors, config)
    retired_ids = [row[0] for row in con.execute("SELECT theme_id FROM theme_state WHERE NOT is_active").fetchall()]
    theme_ids = match_themes(fit.themes, previous, config, retired_ids=retired_ids)
    new_state = fit.themes.assign(theme_id=fit.themes["theme_index"].map(theme_ids))
    matched_ids = set(previous["theme_id"]) & set(new_state["theme_id"])
    con.execute("UPDATE theme_state SET is_active = false")
    for row in new_state.itertuples():
        con.execute(
            """INSERT INTO theme_state VALUES (?, ?, ?, ?, true, ?, ?)
               ON CONFLICT (theme_id) DO UPDATE SET label = excluded.label,
                   keywords = excluded.keywords, centroid = excluded.centroid,
                   is_active = true, last_seen_run = excluded.last_seen_run""",
            [row.theme_id, row.label, list(row.keywords), [float(x) for x in row.centroid], run_id, run_id],
        )
    # Similarity of each text to the centroid of the theme it was assigned to.
    centroids = np.vstack(new_state["centroid"].to_numpy()) if len(new_state) else np.zeros((1, vectors.shape[1]))
    row_of_index = {int(index): row for row, index in enumerate(new_state["theme_index"])}
    assigned_rows = np.array([row_of_index.get(int(i), -1) for i in fit.assignments], dtype=int)
    similarity = np.einsum("ij,ij->i", vectors, centroids[np.maximum(assigned_rows, 0)])
    theme_id_of_row = new_state["theme_id"].to_numpy()
    con.execute("DELETE FROM segment_theme")
    _write_assignments(
        con,
        texts["text_hash"],
        [theme_id_of_row[r] if r >= 0 else None for r in assigned_rows],
        np.where(assigned_rows >= 0, similarity, np.nan),
    )
    return len(texts), len(set(new_state["theme_id"]) - matched_ids), len(set(previous["theme_id"]) - matched_ids)


def update_themes(
    con: duckdb.DuckDBPyConnection,
    config: ThemeConfig,
    model_id: str,
    run_id: str,
    refit: bool = False,
    refit_when_waiting_share: float = 0.10,
) -> ThemeReport:
    """Keep themes current without renumbering them.

    New segment texts join the nearest existing theme (no refit); texts that fit none wait
    unassigned. A refit happens on the first run, when asked for, or once the waiting share
    exceeds ``refit_when_waiting_share``; refitted themes that match a previous theme keep its id.
    """
    con.execute("DELETE FROM segment_theme WHERE text_hash NOT IN (SELECT text_hash FROM nlp_segments)")
    previous = _active_themes(con)
    assigned_now = 0
    if previous.empty:
        mode = "fit"
    elif refit:
        mode = "refit"
    else:
        assigned_now = _assign_new_texts(con, config, model_id, previous)
        mode = "assign" if assigned_now else "unchanged"
        if _unassigned_share(con) > refit_when_waiting_share:
            mode = "refit"
    texts = fetch_row(con, "SELECT count(DISTINCT text_hash) FROM nlp_segments")[0]
    new = retired = 0
    if mode in ("fit", "refit"):
        texts, new, retired = _refit(con, config, model_id, run_id, previous)
        assigned_now = texts
    active = fetch_row(con, "SELECT count(*) FROM theme_state WHERE is_active")[0]
    return ThemeReport(mode, texts, assigned_now, active, new, retired, _unassigned_share(con))
