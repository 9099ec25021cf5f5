-- Grain: one row per key phrase of theme $theme_id's segments within the filter, most
-- segments first; at most $limit rows. Filter: as headline_metrics ($start_date..$end_date
-- as whole ISO weeks, $channels, $languages, $products; NULL: any).
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($theme_id AS VARCHAR) AS theme_id
),

phrases AS (
    SELECT
        ts.segment_id,
        unnest(ts.key_phrases) AS key_phrase
    FROM theme_segments AS ts
    CROSS JOIN params AS p
    WHERE ts.theme_id = p.theme_id
        AND ts.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, ts.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, ts.language))
        AND (p.products IS NULL OR list_contains(p.products, ts.product))
)

SELECT
    key_phrase,
    count(DISTINCT segment_id) AS count_segments
FROM phrases
GROUP BY key_phrase
ORDER BY count_segments DESC, key_phrase
LIMIT $limit
