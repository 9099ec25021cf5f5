-- Grain: one row per segment assigned to $theme_id in a filtered item whose whole message
-- contains $search (case-insensitive, literal; no search when NULL or blank); newest first,
-- at most $limit rows. count_matching is the number of rows before the limit.
-- Filter: ISO weeks (Monday start, UTC) containing $start_date through $end_date, on one
-- of $channels. message_marked is the whole message with the segment wrapped in « ».
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($theme_id AS VARCHAR) AS theme_id,
        nullif(lower(trim(CAST($search AS VARCHAR))), '') AS search_text
),

theme_segments AS (
    SELECT
        s.segment_id,
        s.feedback_id,
        f.received_at,
        f.channel,
        s.text AS segment_text,
        f.text AS message_text,
        s.char_start,
        s.char_end
    FROM segments AS s
    INNER JOIN feedback AS f ON s.feedback_id = f.feedback_id
    CROSS JOIN params AS p
    WHERE s.theme_id = p.theme_id
        AND CAST(date_trunc('week', f.received_at) AS DATE) BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, f.channel)
        -- contains() is a literal match: % and _ in the search text are not wildcards
        AND (p.search_text IS NULL OR contains(lower(f.text), p.search_text))
),

marked AS (
    SELECT
        *,
        -- char_start/char_end are Python slice offsets (0-based, end exclusive, code
        -- points); substring() is 1-based over code points
        substring(message_text, 1, char_start)
        || '«' || substring(message_text, char_start + 1, char_end - char_start) || '»'
        || substring(message_text, char_end + 1) AS message_marked,
        count(*) OVER () AS count_matching
    FROM theme_segments
)

SELECT
    m.segment_id,
    m.feedback_id,
    m.received_at,
    m.channel,
    m.segment_text,
    m.message_text,
    m.message_marked,
    m.char_start,
    m.char_end,
    m.count_matching
FROM marked AS m
ORDER BY m.received_at DESC, m.segment_id
LIMIT $limit
