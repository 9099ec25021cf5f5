-- theme_week_counts: how many items mention each theme in each ISO week, and how many items
-- the week has in all; the input of the movers test that fills theme_flags.
-- Grain: one row per active theme x ISO week (Monday, UTC), from the theme's first week with
-- a mention to the last week of data, weeks without a mention included (count_items 0).
-- Key: (theme_id, week_start).
-- Duplicates count once: items are counted by canonical_id in their first copy's week
-- (feedback_scope), as on Top themes and the weekly headline; a copy arriving weeks later
-- is not a new item of its own week.
CREATE OR REPLACE TABLE theme_week_counts AS
WITH items AS (
    SELECT
        feedback_id,
        canonical_id,
        week_start
    FROM feedback_scope
),

weeks AS (
    SELECT CAST(unnest(generate_series(
        CAST(min(week_start) AS TIMESTAMP), CAST(max(week_start) AS TIMESTAMP), INTERVAL 1 WEEK
    )) AS DATE) AS week_start
    FROM items
),

week_totals AS (
    SELECT
        weeks.week_start,
        count(DISTINCT items.canonical_id) AS count_all_items
    FROM weeks
    LEFT JOIN items USING (week_start)
    GROUP BY weeks.week_start
),

theme_mentions AS (
    SELECT
        segments.theme_id,
        items.week_start,
        count(DISTINCT items.canonical_id) AS count_items
    FROM segments
    INNER JOIN items USING (feedback_id)
    INNER JOIN themes USING (theme_id)
    GROUP BY segments.theme_id, items.week_start
),

first_weeks AS (
    SELECT
        theme_id,
        min(week_start) AS first_week
    FROM theme_mentions
    GROUP BY theme_id
)

SELECT
    first_weeks.theme_id,
    week_totals.week_start,
    coalesce(theme_mentions.count_items, 0) AS count_items,
    week_totals.count_all_items,
    first_weeks.first_week
FROM first_weeks
INNER JOIN week_totals ON week_totals.week_start >= first_weeks.first_week
LEFT JOIN theme_mentions
    ON theme_mentions.theme_id = first_weeks.theme_id
    AND theme_mentions.week_start = week_totals.week_start
ORDER BY first_weeks.theme_id, week_totals.week_start;
