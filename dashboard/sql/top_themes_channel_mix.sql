-- Grain: one row per channel where theme $theme_id is mentioned within the filter, most
-- items first. Filter: as headline_metrics ($start_date..$end_date as whole ISO weeks,
-- $channels, $languages, $products; NULL: any). From the theme_weekly mart.
-- share_of_theme = the channel's items / the theme's items in the filter.
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($theme_id AS VARCHAR) AS theme_id
),

per_channel AS (
    SELECT
        w.channel,
        CAST(sum(w.count_items) AS BIGINT) AS count_items,
        CAST(sum(w.count_reach) AS BIGINT) AS count_reach,
        sum(w.mean_sentiment * w.count_segments) / sum(w.count_segments) AS mean_sentiment
    FROM theme_weekly AS w
    CROSS JOIN params AS p
    WHERE w.theme_id = p.theme_id
        AND w.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, w.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, w.language))
        AND (p.products IS NULL OR list_contains(p.products, w.product))
    GROUP BY w.channel
)

SELECT
    channel,
    count_items,
    count_reach,
    mean_sentiment,
    count_items / sum(count_items) OVER () AS share_of_theme
FROM per_channel
ORDER BY count_items DESC, channel
