-- Grain: one row per ISO week (Monday start, UTC) with at least one feedback item, newest first.
-- is_complete: the data reaches the week's last day (Sunday), so the week is not cut short
-- by the end of the data.
WITH items AS (
    SELECT
        CAST(date_trunc('week', received_at) AS DATE) AS week_start,
        CAST(received_at AS DATE) AS received_date
    FROM feedback
),

last_day AS (
    SELECT max(received_date) AS last_received_date
    FROM items
)

SELECT
    i.week_start,
    CAST(i.week_start + INTERVAL 6 DAY AS DATE) AS week_end,
    count(*) AS count_items,
    CAST(i.week_start + INTERVAL 6 DAY AS DATE) <= any_value(d.last_received_date) AS is_complete
FROM items AS i
CROSS JOIN last_day AS d
GROUP BY i.week_start
ORDER BY i.week_start DESC
