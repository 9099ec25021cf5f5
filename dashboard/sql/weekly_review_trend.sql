-- Grain: one row per requested theme x ISO week, for the $weeks weeks ending with the week
-- starting $week_start; rows come in the order of $theme_ids, then week. count_items is 0
-- before the theme's first mention; expected_count is NULL where the movers test had no
-- baseline. Unknown theme ids are dropped.
WITH params AS (
    SELECT
        CAST($week_start AS DATE) AS last_week,
        CAST($week_start AS DATE) - INTERVAL (7 * (CAST($weeks AS INTEGER) - 1)) DAY AS first_week,
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
)

SELECT
    t.theme_id,
    t.label,
    w.week_start,
    coalesce(fl.count_items, 0) AS count_items,
    fl.expected_count
FROM requested_themes AS t
CROSS JOIN weeks AS w
LEFT JOIN theme_flags AS fl ON t.theme_id = fl.theme_id AND w.week_start = fl.week_start
ORDER BY t.requested_position, w.week_start
