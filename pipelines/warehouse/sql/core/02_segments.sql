-- segments: the units themes are built from (sentences; for calls, customer turns),
-- each with its theme, sentiment and key phrases. feedback.text[char_start:char_end] is the segment.
-- Grain: one row per segment of the current version of an item. Key: segment_id.
-- Kept incrementally like feedback: a segment's text is compared through its item
-- (feedback_changes), the rest column by column.
CREATE OR REPLACE VIEW segment_rows AS
WITH current_segments AS (
    SELECT nlp_segments.*
    FROM nlp_segments
    JOIN feedback USING (feedback_id, content_hash)
)
SELECT
    current_segments.feedback_id || ':' || current_segments.ordinal AS segment_id,
    current_segments.feedback_id,
    current_segments.ordinal,
    current_segments.text,
    current_segments.char_start,
    current_segments.char_end,
    current_segments.text_hash,
    segment_theme.theme_id,
    segment_theme.similarity AS theme_similarity,
    enrichment.sentiment_score,
    enrichment.sentiment_label,
    enrichment.key_phrases
FROM current_segments
LEFT JOIN segment_theme USING (text_hash)
LEFT JOIN nlp_segment_enrichment AS enrichment USING (text_hash);

CREATE TABLE IF NOT EXISTS segments AS SELECT * FROM segment_rows;

CREATE OR REPLACE TEMP TABLE segment_changes AS
SELECT coalesce(next.segment_id, stored.segment_id) AS segment_id
FROM (SELECT * EXCLUDE (text) FROM segment_rows) AS next
FULL JOIN (SELECT * EXCLUDE (text) FROM segments) AS stored ON stored.segment_id = next.segment_id
WHERE next.segment_id IS NULL OR stored.segment_id IS NULL OR next IS DISTINCT FROM stored
   OR next.feedback_id IN (SELECT feedback_id FROM feedback_changes);

DELETE FROM segments WHERE segment_id IN (SELECT segment_id FROM segment_changes);

INSERT INTO segments
SELECT * FROM segment_rows WHERE segment_id IN (SELECT segment_id FROM segment_changes);
