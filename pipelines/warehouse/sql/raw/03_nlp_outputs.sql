-- Outputs of the NLP library, keyed by the content they were computed from so that only
-- new or changed feedback is processed again.

-- One row per item version the NLP steps have processed (language detected, segmented),
-- so an item whose text yields no segment is not processed again on every run.
-- Grain: one row per (feedback_id, content_hash). Key: (feedback_id, content_hash).
CREATE TABLE IF NOT EXISTS nlp_items (
    feedback_id     VARCHAR NOT NULL,
    content_hash    VARCHAR NOT NULL,
    language        VARCHAR,
    count_segments  INTEGER NOT NULL,
    PRIMARY KEY (feedback_id, content_hash)
);
-- segmenter: the segmenting settings, code and packages the item was split under
-- (steps.segmenter_fingerprint); under another one the item is split again.
ALTER TABLE nlp_items ADD COLUMN IF NOT EXISTS segmenter VARCHAR;

-- Grain: one row per segment of one version of an item. Key: (feedback_id, content_hash, ordinal).
CREATE TABLE IF NOT EXISTS nlp_segments (
    feedback_id   VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    ordinal       INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    char_start    INTEGER NOT NULL,
    char_end      INTEGER NOT NULL,
    text_hash     VARCHAR NOT NULL,
    PRIMARY KEY (feedback_id, content_hash, ordinal)
);

-- Grain: one row per (embedding model, normalised text). Key: (model, text_hash).
-- A re-run never embeds the same text twice.
CREATE TABLE IF NOT EXISTS embedding_cache (
    model      VARCHAR NOT NULL,
    text_hash  VARCHAR NOT NULL,
    vector     FLOAT[] NOT NULL,
    PRIMARY KEY (model, text_hash)
);

-- The theme engine's state. Grain: one row per theme ever created. Key: theme_id.
-- Ids are never reused or renumbered.
CREATE TABLE IF NOT EXISTS theme_state (
    theme_id       VARCHAR PRIMARY KEY,
    label          VARCHAR NOT NULL,
    keywords       VARCHAR[] NOT NULL,
    centroid       FLOAT[] NOT NULL,
    is_active      BOOLEAN NOT NULL,
    first_seen_run VARCHAR NOT NULL,
    last_seen_run  VARCHAR NOT NULL
);
-- Taxonomy and history (added after the first release; ADD COLUMN keeps older warehouses):
-- pinned_label: set by a rename or pin edit, never replaced by a refit; label holds it then.
-- merged_into / split_from: the theme that absorbed this one / the theme this one was split from.
-- representative: the member text closest to the centroid. category_id: see category_state.
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS pinned_label VARCHAR;
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS owner_team VARCHAR;
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS merged_into VARCHAR;
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS split_from VARCHAR;
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS representative VARCHAR;
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS category_id VARCHAR;
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS retired_run VARCHAR;
-- centroid_model_id: the embedding model the centroid is a mean of; under another model the
-- next theme step re-expresses it from the theme's members (steps.reanchor_centroids).
ALTER TABLE theme_state ADD COLUMN IF NOT EXISTS centroid_model_id VARCHAR;

-- Grain: one row per segment text hash assigned by the latest theme fit. Key: text_hash.
CREATE TABLE IF NOT EXISTS segment_theme (
    text_hash   VARCHAR PRIMARY KEY,
    theme_id    VARCHAR,
    similarity  DOUBLE
);

-- Grain: one row per pipeline run. Key: run_id.
CREATE TABLE IF NOT EXISTS run_log (
    run_id       VARCHAR PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    report       JSON
);

-- Sentiment and key phrases of a segment text (they depend only on the text and its
-- language). Grain: one row per segment text hash. Key: text_hash.
CREATE TABLE IF NOT EXISTS nlp_segment_enrichment (
    text_hash        VARCHAR PRIMARY KEY,
    sentiment_score  DOUBLE  NOT NULL,
    sentiment_label  VARCHAR NOT NULL,
    key_phrases      VARCHAR[] NOT NULL
);
-- enricher: the embedding model, settings, code and packages the row was computed under
-- (steps.enricher_fingerprint); under another one the text is enriched again.
ALTER TABLE nlp_segment_enrichment ADD COLUMN IF NOT EXISTS enricher VARCHAR;

-- Exact and near duplicates among the current items, rewritten every run from the
-- nlp_duplicate_* tables below. Grain: one row per current feedback item. Key: feedback_id.
CREATE TABLE IF NOT EXISTS nlp_duplicates (
    feedback_id     VARCHAR PRIMARY KEY,
    canonical_id    VARCHAR NOT NULL,
    duplicate_kind  VARCHAR,
    similarity      DOUBLE
);

-- Duplicate marking's state (pipelines/duplicate_marking.py): items are compared with the
-- items before them only, so a run decides the new and changed items and those after them,
-- and keeps everything earlier.

-- What marking compares, per item version; computed once. `config` is the fingerprint of the
-- duplicate settings used: when they change, all state is recomputed.
-- Grain: one row per current feedback item. Key: feedback_id.
CREATE TABLE IF NOT EXISTS nlp_duplicate_keys (
    feedback_id   VARCHAR   NOT NULL,
    content_hash  VARCHAR   NOT NULL,
    config        VARCHAR   NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    reach         DOUBLE    NOT NULL,
    customer_id   VARCHAR,
    norm_hash     BIGINT,             -- hash of the comparison text; NULL when it is empty
    is_repost     BOOLEAN   NOT NULL,
    n_words       INTEGER   NOT NULL,
    n_shingles    INTEGER   NOT NULL
);

-- LSH band keys of the items with enough shingles for near matching.
-- Grain: one row per item and band key. Key: (feedback_id, band_key).
CREATE TABLE IF NOT EXISTS nlp_duplicate_bands (
    feedback_id  VARCHAR NOT NULL,
    band_key     BIGINT  NOT NULL
);

-- Each decided item's exact-copy decision: the earlier item it copies, or NULL when it heads
-- its text. Grain: one row per decided item. Key: feedback_id.
CREATE TABLE IF NOT EXISTS nlp_duplicate_decisions (
    feedback_id  VARCHAR NOT NULL,
    exact_of     VARCHAR
);

-- Near-duplicate links from an item to earlier items it was confirmed similar to.
-- Grain: one row per (item, earlier item). Key: (feedback_id, linked_id).
CREATE TABLE IF NOT EXISTS nlp_duplicate_links (
    feedback_id  VARCHAR NOT NULL,
    linked_id    VARCHAR NOT NULL,
    similarity   DOUBLE  NOT NULL
);
