-- feedback: one row per feedback item, with its detected language and, for duplicates
-- (reposts, double submissions, copied complaints), the id of the earliest copy.
-- Grain: one row per feedback item. Key: feedback_id.
-- Kept incrementally (see pipelines/warehouse/db.py build_models): only the rows that would
-- change are rewritten, so a weekly run rewrites thousands of a million items. text and
-- metadata are not compared: content_hash covers everything a record says.
CREATE OR REPLACE VIEW feedback_rows AS
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

CREATE TABLE IF NOT EXISTS feedback AS SELECT * FROM feedback_rows;

-- feedback_changes: the items rewritten here (new, changed or gone). segments and
-- theme_segments rewrite the rows of these items too, as their texts may have changed.
CREATE OR REPLACE TEMP TABLE feedback_changes AS
SELECT coalesce(next.feedback_id, stored.feedback_id) AS feedback_id
FROM (SELECT * EXCLUDE (text, metadata) FROM feedback_rows) AS next
FULL JOIN (SELECT * EXCLUDE (text, metadata) FROM feedback) AS stored ON stored.feedback_id = next.feedback_id
WHERE next.feedback_id IS NULL OR stored.feedback_id IS NULL OR next IS DISTINCT FROM stored;

DELETE FROM feedback WHERE feedback_id IN (SELECT feedback_id FROM feedback_changes);

INSERT INTO feedback
SELECT * FROM feedback_rows WHERE feedback_id IN (SELECT feedback_id FROM feedback_changes);
