-- promotion_campaign_segments: the segments that name a campaign or show confusion about it,
-- within the items mentioning it; an item's copies repeat its segments, so each segment text
-- counts once per item (the earliest copy's segment is kept, for verbatims).
-- Grain: one row per campaign x mentioning item x segment text.
-- Key: (campaign_id, canonical_id, text_hash).
CREATE OR REPLACE TABLE promotion_campaign_segments AS
WITH segment_copies AS (
    SELECT
        matches.campaign_id,
        feedback.canonical_id,
        segments.text_hash,
        segments.segment_id,
        segments.feedback_id,
        segments.theme_id,
        segments.sentiment_label,
        matches.is_mention,
        matches.confusion_types,
        row_number() OVER (
            PARTITION BY matches.campaign_id, feedback.canonical_id, segments.text_hash
            ORDER BY feedback.received_at, segments.feedback_id, segments.ordinal
        ) AS copy_rank
    FROM promotion_segment_matches AS matches
    JOIN segments USING (feedback_id, ordinal)
    JOIN feedback USING (feedback_id)
)
SELECT
    copies.campaign_id,
    copies.canonical_id,
    copies.text_hash,
    copies.segment_id,
    copies.feedback_id,
    items.day,
    copies.theme_id,
    copies.sentiment_label,
    copies.is_mention,
    copies.confusion_types
FROM segment_copies AS copies
JOIN promotion_campaign_items AS items USING (campaign_id, canonical_id)
WHERE copies.copy_rank = 1;
