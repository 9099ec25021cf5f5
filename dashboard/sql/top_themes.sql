-- Grain: one row per theme mentioned by at least one filtered item, best first
-- (rank 1 = most items). At most $limit rows; all when $limit is NULL.
-- Filter: ISO weeks (Monday start, UTC) containing $start_date through $end_date, on one
-- of $channels. Counts come from the theme_weekly mart: an item falls in exactly one week
-- and one channel, so summing its count_items over weeks and channels counts items once.
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($limit AS BIGINT) AS max_rank
),

theme_totals AS (
    SELECT
        w.theme_id,
        CAST(sum(w.count_items) AS BIGINT) AS count_items,
        CAST(sum(w.count_segments) AS BIGINT) AS count_segments
    FROM theme_weekly AS w
    CROSS JOIN params AS p
    WHERE w.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, w.channel)
    GROUP BY w.theme_id
),

filtered_item_total AS (
    SELECT count(*) AS count_all_items
    FROM feedback AS f
    CROSS JOIN params AS p
    WHERE CAST(date_trunc('week', f.received_at) AS DATE) BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, f.channel)
),

ranked AS (
    SELECT
        row_number() OVER (
            ORDER BY tt.count_items DESC, tt.count_segments DESC, th.label, tt.theme_id
        ) AS rank,
        tt.theme_id,
        th.label,
        th.keywords,
        tt.count_items,
        tt.count_segments,
        tt.count_items / nullif(a.count_all_items, 0) AS share_of_items
    FROM theme_totals AS tt
    INNER JOIN themes AS th ON tt.theme_id = th.theme_id
    CROSS JOIN filtered_item_total AS a
    WHERE tt.count_items > 0
)

SELECT
    r.rank,
    r.theme_id,
    r.label,
    r.keywords,
    r.count_items,
    r.count_segments,
    r.share_of_items
FROM ranked AS r
CROSS JOIN params AS p
WHERE p.max_rank IS NULL OR r.rank <= p.max_rank
ORDER BY r.rank
