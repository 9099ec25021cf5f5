-- theme_weekly: how much of each week's feedback, per channel, mentions each theme.
-- Grain: one row per theme x ISO week (Monday) x channel. Key: (theme_id, week_start, channel).
-- share_of_items = items mentioning the theme / all items of that week and channel.
CREATE OR REPLACE TABLE theme_weekly AS
WITH items AS (
    SELECT feedback_id, channel, CAST(date_trunc('week', received_at) AS DATE) AS week_start
    FROM feedback
),
items_per_week AS (
    SELECT week_start, channel, count(*) AS count_all_items
    FROM items
    GROUP BY week_start, channel
),
theme_mentions AS (
    SELECT
        segments.theme_id,
        items.week_start,
        items.channel,
        count(*) AS count_segments,
        count(DISTINCT segments.feedback_id) AS count_items
    FROM segments
    JOIN items USING (feedback_id)
    WHERE segments.theme_id IS NOT NULL
    GROUP BY segments.theme_id, items.week_start, items.channel
)
SELECT
    theme_mentions.theme_id,
    theme_mentions.week_start,
    theme_mentions.channel,
    theme_mentions.count_segments,
    theme_mentions.count_items,
    theme_mentions.count_items / items_per_week.count_all_items AS share_of_items
FROM theme_mentions
JOIN items_per_week USING (week_start, channel);
