-- Grain: one row per requested theme x ISO week (Monday start, UTC) in the filter's range;
-- weeks without a mention have count_items 0. Rows come in the order of $theme_ids, then week.
-- share_of_items = items mentioning the theme / all filtered items that week (NULL when the
-- week has no items on the chosen channels). Copies of a message count once; $languages
-- and $products (NULL: any) narrow the items.
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($theme_ids AS VARCHAR[]) AS theme_ids
),

weeks AS (
    SELECT CAST(unnest(generate_series(
        CAST(p.first_week AS TIMESTAMP), CAST(p.last_week AS TIMESTAMP), INTERVAL 1 WEEK
    )) AS DATE) AS week_start
    FROM params AS p
),

requested_themes AS (
    SELECT
        th.theme_id,
        th.label,
        list_position(p.theme_ids, th.theme_id) AS requested_position
    FROM themes AS th
    CROSS JOIN params AS p
    WHERE list_contains(p.theme_ids, th.theme_id)
),

weekly_items AS (
    SELECT
        s.week_start,
        count(*) FILTER (WHERE s.is_first_copy) AS count_all_items
    FROM feedback_scope AS s
    CROSS JOIN params AS p
    WHERE s.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, s.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, s.language))
        AND (p.products IS NULL OR list_contains(p.products, s.product))
    GROUP BY 1
),

weekly_mentions AS (
    SELECT
        w.theme_id,
        w.week_start,
        CAST(sum(w.count_items) AS BIGINT) AS count_items
    FROM theme_weekly AS w
    CROSS JOIN params AS p
    WHERE w.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, w.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, w.language))
        AND (p.products IS NULL OR list_contains(p.products, w.product))
        AND list_contains(p.theme_ids, w.theme_id)
    GROUP BY w.theme_id, w.week_start
)

SELECT
    t.theme_id,
    t.label,
    wk.week_start,
    coalesce(m.count_items, 0) AS count_items,
    coalesce(wi.count_all_items, 0) AS count_all_items,
    coalesce(m.count_items, 0) / nullif(wi.count_all_items, 0) AS share_of_items
FROM requested_themes AS t
CROSS JOIN weeks AS wk
LEFT JOIN weekly_mentions AS m ON t.theme_id = m.theme_id AND wk.week_start = m.week_start
LEFT JOIN weekly_items AS wi ON wk.week_start = wi.week_start
ORDER BY t.requested_position, wk.week_start
