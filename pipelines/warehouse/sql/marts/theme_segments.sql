-- theme_segments: every segment that belongs to a theme, with where its item is counted
-- (feedback_scope), stored in theme order so that one theme's rows are read without
-- scanning the rest (the Top themes page's theme detail and verbatims). The whole message
-- is copied in, so showing a theme's verbatims never scans every message.
-- Grain: one row per segment with a theme. Key: segment_id.
-- Kept incrementally like feedback: the texts are compared through their item
-- (feedback_changes), the rest column by column; new rows are appended in theme order.
CREATE OR REPLACE VIEW theme_segment_rows AS
SELECT
    segments.segment_id,
    segments.theme_id,
    segments.feedback_id,
    scope.canonical_id,
    scope.is_first_copy,
    scope.week_start,
    scope.channel,  -- counted under (its first copy's), for filters
    feedback.channel AS received_channel,  -- where this copy arrived, for display
    scope.language,
    scope.product,
    scope.customer_id,
    scope.received_at,
    segments.text AS segment_text,
    feedback.text AS message_text,
    segments.char_start,
    segments.char_end,
    segments.sentiment_score,
    segments.sentiment_label,
    segments.key_phrases
FROM segments
JOIN feedback_scope AS scope USING (feedback_id)
JOIN feedback USING (feedback_id)
WHERE segments.theme_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS theme_segments AS SELECT * FROM theme_segment_rows ORDER BY theme_id, received_at DESC, segment_id;

-- Made by core/01_feedback.sql in the same connection; when only the marts are rebuilt,
-- no item's text has changed.
CREATE TEMP TABLE IF NOT EXISTS feedback_changes (feedback_id VARCHAR);

CREATE OR REPLACE TEMP TABLE theme_segment_changes AS
SELECT coalesce(next.segment_id, stored.segment_id) AS segment_id
FROM (SELECT * EXCLUDE (segment_text, message_text) FROM theme_segment_rows) AS next
FULL JOIN (SELECT * EXCLUDE (segment_text, message_text) FROM theme_segments) AS stored
    ON stored.segment_id = next.segment_id
WHERE next.segment_id IS NULL OR stored.segment_id IS NULL OR next IS DISTINCT FROM stored
   OR next.feedback_id IN (SELECT feedback_id FROM feedback_changes);

DELETE FROM theme_segments WHERE segment_id IN (SELECT segment_id FROM theme_segment_changes);

INSERT INTO theme_segments
SELECT * FROM theme_segment_rows WHERE segment_id IN (SELECT segment_id FROM theme_segment_changes)
ORDER BY theme_id, received_at DESC, segment_id;
