-- quarantine: records a connector could not load, with the reason and the raw payload.
-- Grain: one row per distinct rejected record occurrence. Key: quarantine_id
-- (hash of source, location, reason and payload), so re-running on the same files adds nothing.
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id     VARCHAR   PRIMARY KEY,
    source            VARCHAR   NOT NULL,
    location          VARCHAR   NOT NULL,
    reason            VARCHAR   NOT NULL,
    raw_payload       VARCHAR   NOT NULL,
    source_record_id  VARCHAR,
    first_seen_at     TIMESTAMP NOT NULL
);
