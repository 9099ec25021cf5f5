-- segments: the units themes are built from (sentences; for calls, customer turns),
-- each with its theme, sentiment and key phrases. feedback.text[char_start:char_end] is the segment.
-- Grain: one row per segment of the current version of an item. Key: segment_id.
CREATE OR REPLACE TABLE segments AS
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
