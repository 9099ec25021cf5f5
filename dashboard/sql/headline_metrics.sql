-- Grain: one row: totals over the filtered feedback items.
-- Filter: items received in the ISO weeks (Monday start, UTC) that contain $start_date
-- through $end_date, on one of $channels.
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels
),

filtered_items AS (
    SELECT
        f.feedback_id,
        f.channel
    FROM feedback AS f
    CROSS JOIN params AS p
    WHERE CAST(date_trunc('week', f.received_at) AS DATE) BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, f.channel)
),

filtered_segments AS (
    SELECT
        s.segment_id,
        t.theme_id
    FROM segments AS s
    INNER JOIN filtered_items AS i ON s.feedback_id = i.feedback_id
    -- a theme id with no row in themes is not a theme the page can show
    LEFT JOIN themes AS t ON s.theme_id = t.theme_id
)

SELECT
    (SELECT count(*) FROM filtered_items) AS count_items,
    (SELECT count(*) FROM filtered_segments) AS count_segments,
    (SELECT count(theme_id) FROM filtered_segments) AS count_themed_segments,
    (SELECT count(DISTINCT theme_id) FROM filtered_segments) AS count_themes,
    (SELECT count(DISTINCT channel) FROM filtered_items) AS count_channels
