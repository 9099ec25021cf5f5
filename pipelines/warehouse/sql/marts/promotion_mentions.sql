-- promotion_mentions: day by day around each campaign's launch, how much feedback mentions it,
-- how much of that shows confusion, and how negative its campaign segments are.
-- Grain: one row per campaign x day of its window (config/promotions.yaml) that the feedback
-- covers, days without mentions included. Key: (campaign_id, day).
-- Items count once however many copies (first copies only). count_items: all items that day;
-- mention_share = count_mentions / count_items; negative_share = negative campaign segments /
-- campaign segments (NULL when there are none).
CREATE OR REPLACE TABLE promotion_mentions AS
WITH coverage AS (
    SELECT
        CAST(min(received_at) AS DATE) AS first_day,
        CAST(max(received_at) AS DATE) AS last_day
    FROM feedback
),
campaign_days AS (
    SELECT
        campaigns.campaign_id,
        campaigns.start_date,
        campaigns.end_date,
        CAST(unnest(generate_series(
            CAST(greatest(campaigns.window_start, coverage.first_day) AS TIMESTAMP),
            CAST(least(campaigns.window_end, coverage.last_day) AS TIMESTAMP),
            INTERVAL 1 DAY
        )) AS DATE) AS day
    FROM campaigns
    CROSS JOIN coverage
    WHERE greatest(campaigns.window_start, coverage.first_day) <= least(campaigns.window_end, coverage.last_day)
),
items_per_day AS (
    SELECT CAST(received_at AS DATE) AS day, count(*) AS count_items
    FROM feedback
    WHERE feedback_id = canonical_id
    GROUP BY day
),
mentions_per_day AS (
    SELECT
        campaign_id,
        day,
        count(*) AS count_mentions,
        count(*) FILTER (WHERE len(confusion_types) > 0) AS count_confused
    FROM promotion_campaign_items
    GROUP BY campaign_id, day
),
segments_per_day AS (
    SELECT
        campaign_id,
        day,
        count(*) AS count_segments,
        count(*) FILTER (WHERE sentiment_label = 'negative') AS count_negative_segments
    FROM promotion_campaign_segments
    GROUP BY campaign_id, day
)
SELECT
    campaign_days.campaign_id,
    campaign_days.day,
    CAST(campaign_days.day - campaign_days.start_date AS INTEGER) AS days_from_launch,
    campaign_days.day BETWEEN campaign_days.start_date AND campaign_days.end_date AS is_running,
    coalesce(items_per_day.count_items, 0) AS count_items,
    coalesce(mentions_per_day.count_mentions, 0) AS count_mentions,
    coalesce(mentions_per_day.count_confused, 0) AS count_confused,
    coalesce(segments_per_day.count_segments, 0) AS count_segments,
    coalesce(segments_per_day.count_negative_segments, 0) AS count_negative_segments,
    coalesce(mentions_per_day.count_mentions, 0) / nullif(items_per_day.count_items, 0) AS mention_share,
    segments_per_day.count_negative_segments / nullif(segments_per_day.count_segments, 0) AS negative_share
FROM campaign_days
LEFT JOIN items_per_day USING (day)
LEFT JOIN mentions_per_day USING (campaign_id, day)
LEFT JOIN segments_per_day USING (campaign_id, day);
