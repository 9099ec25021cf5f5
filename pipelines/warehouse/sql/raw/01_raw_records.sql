-- raw_records: every source record as last landed, normalised by its connector.
-- Grain: one row per (source, source_record_id). Key: (source, source_record_id).
-- content_hash covers every landed field, so a changed source record is detected and
-- updated while an unchanged one is left alone (idempotent loads).
CREATE TABLE IF NOT EXISTS raw_records (
    source            VARCHAR   NOT NULL,
    source_record_id  VARCHAR   NOT NULL,
    channel           VARCHAR   NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP,
    customer_id       VARCHAR,
    text              VARCHAR   NOT NULL,
    nps               INTEGER,
    csat              INTEGER,
    product           VARCHAR,
    handle_time_s     DOUBLE,
    resolution_time_s DOUBLE,
    language_hint     VARCHAR,
    turns             JSON,
    metadata          JSON,
    payload           JSON,
    location          VARCHAR   NOT NULL,
    content_hash      VARCHAR   NOT NULL,
    first_loaded_at   TIMESTAMP NOT NULL,
    last_changed_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (source, source_record_id)
);

-- The record as its connector read it, hashed with the sanitiser's fingerprint
-- (pipelines/warehouse/db.py record_source_hash): a record read again with the same hash is
-- skipped before the costly cleaning and redaction. NULL: landed before this column existed.
ALTER TABLE raw_records ADD COLUMN IF NOT EXISTS source_hash VARCHAR;

-- The feedback item's id (stg_feedback's key), stored at landing so that joining by it does
-- not hash every record again: at a million records that was ~0.15 s of each such join, of
-- which a weekly run makes dozens. NULL only for records landed before this column existed,
-- filled here once.
CREATE OR REPLACE MACRO feedback_id_of(source, source_record_id) AS
    'fb_' || substr(md5(source || chr(31) || source_record_id), 1, 16);
ALTER TABLE raw_records ADD COLUMN IF NOT EXISTS feedback_id VARCHAR;
UPDATE raw_records SET feedback_id = feedback_id_of(source, source_record_id) WHERE feedback_id IS NULL;
