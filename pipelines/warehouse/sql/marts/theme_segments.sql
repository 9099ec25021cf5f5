-- theme_segments: every segment that belongs to a theme, with where its item is counted
-- (feedback_scope), stored in theme order so that one theme's rows are read without
-- scanning the rest (the Top themes page's theme detail and verbatims). The whole message
-- is copied in, so showing a theme's verbatims never scans every message.
-- Grain: one row per segment with a theme. Key: segment_id.
CREATE OR REPLACE TABLE theme_segments AS
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
WHERE segments.theme_id IS NOT NULL
ORDER BY segments.theme_id, scope.received_at DESC, segments.segment_id;
