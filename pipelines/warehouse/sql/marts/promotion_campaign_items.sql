-- promotion_campaign_items: the items mentioning each campaign, copies counted once
-- (reposts, double submissions and copied complaints fall under their first copy).
-- Grain: one row per campaign x mentioning item. Key: (campaign_id, canonical_id).
-- day: when the first copy mentioning the campaign arrived (UTC date); matched_by: the
-- strongest evidence of any copy (code, then name, then terms); confusion_types: every type
-- any copy's campaign segments show (sorted; empty when none).
CREATE OR REPLACE TABLE promotion_campaign_items AS
WITH mentioning_copies AS (
    SELECT
        matches.campaign_id,
        matches.feedback_id,
        matches.matched_by,
        feedback.canonical_id,
        feedback.received_at
    FROM promotion_item_matches AS matches
    JOIN feedback USING (feedback_id)
    JOIN campaigns USING (campaign_id)
),
copy_confusion AS (
    SELECT
        campaign_id,
        feedback_id,
        flatten(list(confusion_types)) AS confusion_types
    FROM promotion_segment_matches
    GROUP BY campaign_id, feedback_id
)
SELECT
    copies.campaign_id,
    copies.canonical_id,
    CAST(min(copies.received_at) AS DATE) AS day,
    arg_min(copies.matched_by, list_position(['code', 'name', 'terms'], copies.matched_by)) AS matched_by,
    count(*) AS count_copies,
    list_sort(list_distinct(flatten(list(coalesce(copy_confusion.confusion_types, []))))) AS confusion_types
FROM mentioning_copies AS copies
LEFT JOIN copy_confusion USING (campaign_id, feedback_id)
GROUP BY copies.campaign_id, copies.canonical_id;
