-- stg_feedback: raw records renamed and cast into the shape of a feedback item.
-- Grain: one row per source record. Key: feedback_id (= hash of source and source_record_id).
CREATE OR REPLACE VIEW stg_feedback AS
WITH landed AS (
    SELECT * FROM raw_records
)
SELECT
    feedback_id,  -- feedback_id_of(source, source_record_id), stored at landing (raw_records)
    source,
    source_record_id,
    channel,
    received_at,
    updated_at,
    customer_id,
    text,
    nps,
    csat,
    product,
    handle_time_s,
    resolution_time_s,
    -- tickets: seconds to the first agent reply (NULL: not replied yet, or not exported)
    CAST(metadata->>'first_response_time_s' AS DOUBLE) AS first_response_time_s,
    language_hint,
    turns,
    metadata,
    content_hash
FROM landed;
