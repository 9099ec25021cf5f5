-- feedback: one row per feedback item, with its detected language and, for duplicates
-- (reposts, double submissions, copied complaints), the id of the earliest copy.
-- Grain: one row per feedback item. Key: feedback_id.
CREATE OR REPLACE TABLE feedback AS
WITH staged AS (
    SELECT * FROM stg_feedback
),
detected AS (
    SELECT feedback_id, content_hash, language FROM nlp_items
),
duplicates AS (
    SELECT feedback_id, canonical_id, duplicate_kind FROM nlp_duplicates
)
SELECT
    staged.feedback_id,
    staged.source,
    staged.source_record_id,
    staged.channel,
    staged.received_at,
    staged.customer_id,
    staged.text,
    coalesce(detected.language, staged.language_hint) AS language,
    staged.nps,
    staged.csat,
    staged.product,
    staged.handle_time_s,
    staged.resolution_time_s,
    staged.first_response_time_s,
    staged.metadata,
    coalesce(duplicates.canonical_id, staged.feedback_id) AS canonical_id,
    duplicates.duplicate_kind,
    staged.content_hash
FROM staged
LEFT JOIN detected USING (feedback_id, content_hash)
LEFT JOIN duplicates USING (feedback_id);
