-- Grain: one row per campaign mentioned in the ISO week starting $week_start (from the
-- promotion_mentions mart: campaign x day of its window), most mentioned first.
-- count_confused: mentions showing confusion; negative_share: negative campaign segments /
-- campaign segments that week; count_mentions_previous_week: the 7 days before.
WITH params AS (
    SELECT CAST($week_start AS DATE) AS week_start
),

weekly AS (
    SELECT
        m.campaign_id,
        CAST(coalesce(sum(m.count_mentions) FILTER (WHERE m.day >= p.week_start), 0) AS BIGINT) AS count_mentions,
        CAST(coalesce(sum(m.count_confused) FILTER (WHERE m.day >= p.week_start), 0) AS BIGINT) AS count_confused,
        sum(m.count_negative_segments) FILTER (WHERE m.day >= p.week_start)
        / nullif(sum(m.count_segments) FILTER (WHERE m.day >= p.week_start), 0) AS negative_share,
        CAST(coalesce(sum(m.count_mentions) FILTER (WHERE m.day < p.week_start), 0) AS BIGINT)
            AS count_mentions_previous_week
    FROM promotion_mentions AS m
    CROSS JOIN params AS p
    WHERE m.day >= p.week_start - INTERVAL 7 DAY
        AND m.day < p.week_start + INTERVAL 7 DAY
    GROUP BY m.campaign_id
)

SELECT
    c.campaign_id,
    c.name,
    c.promo_code,
    c.start_date,
    c.end_date,
    w.count_mentions,
    w.count_confused,
    w.negative_share,
    w.count_mentions_previous_week
FROM weekly AS w
INNER JOIN campaigns AS c ON w.campaign_id = c.campaign_id
WHERE w.count_mentions > 0
ORDER BY w.count_mentions DESC, c.name
