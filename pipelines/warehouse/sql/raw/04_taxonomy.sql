-- The editable taxonomy: edits landed from the journal, and the categories themes roll up to.

-- Every taxonomy edit ever written to the journal (CLI or dashboard), landed by the next run.
-- applied_run is NULL while an edit is pending; outcome says "applied" or why it was rejected.
-- Grain: one row per edit. Key: edit_id.
CREATE TABLE IF NOT EXISTS taxonomy_edits (
    edit_id      VARCHAR PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL,
    action       VARCHAR NOT NULL,
    target_id    VARCHAR NOT NULL,
    other_ids    VARCHAR[] NOT NULL,
    value        VARCHAR,
    k            INTEGER,
    author       VARCHAR,
    landed_run   VARCHAR NOT NULL,
    applied_run  VARCHAR,
    outcome      VARCHAR
);

-- Top-level categories over theme centroids (at most ThemeConfig.max_categories active).
-- Ids are never reused. Grain: one row per category ever created. Key: category_id.
CREATE TABLE IF NOT EXISTS category_state (
    category_id     VARCHAR PRIMARY KEY,
    label           VARCHAR NOT NULL,
    pinned_label    VARCHAR,
    owner_team      VARCHAR,
    is_active       BOOLEAN NOT NULL,
    first_seen_run  VARCHAR NOT NULL,
    last_seen_run   VARCHAR NOT NULL
);
