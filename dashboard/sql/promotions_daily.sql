-- Grain: one row per day of campaign $campaign_id's window that the feedback covers
-- (promotion_mentions), oldest first; none for an unknown campaign.
SELECT
    m.day,
    m.days_from_launch,
    m.is_running,
    m.count_items,
    m.count_mentions,
    m.count_confused,
    m.mention_share,
    m.negative_share
FROM promotion_mentions AS m
WHERE m.campaign_id = CAST($campaign_id AS VARCHAR)
ORDER BY m.day
