-- Grain: one row per confusion type x theme of campaign $campaign_id (promotion_confusion),
-- in the configured type order, then the theme with most items first.
SELECT
    c.confusion_type,
    c.confusion_label,
    c.confusion_order,
    c.theme_id,
    c.theme_label,
    c.count_items,
    c.count_segments,
    c.count_type_items,
    c.share_of_type,
    c.negative_share
FROM promotion_confusion AS c
WHERE c.campaign_id = CAST($campaign_id AS VARCHAR)
ORDER BY c.confusion_order, c.count_items DESC, c.theme_label
