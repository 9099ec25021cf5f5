-- Grain: one row per segment assigned to $theme_id in a filtered item whose whole message
-- contains $search (case-insensitive, literal; no search when NULL or blank); newest first,
-- at most $limit rows. count_matching is the number of rows before the limit. First copies
-- only: a copy is counted under its first copy, whose date and channel are the ones shown,
-- and would repeat its text.
-- Filter: items counted (feedback_scope) in the ISO weeks (Monday start, UTC) containing
-- $start_date through $end_date, on one of $channels, in one of $languages / $products
-- (NULL: any). message_marked is the whole message with the segment wrapped in « ».
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($theme_id AS VARCHAR) AS theme_id,
        nullif(lower(trim(CAST($search AS VARCHAR))), '') AS search_text
),

theme_items AS (
    -- the theme's segments in the filter, from the theme-ordered mart
    SELECT ts.*
    FROM theme_segments AS ts
    CROSS JOIN params AS p
    WHERE ts.theme_id = p.theme_id
        AND ts.is_first_copy
        AND ts.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, ts.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, ts.language))
        AND (p.products IS NULL OR list_contains(p.products, ts.product))
),

matched AS (
    SELECT
        ti.segment_id,
        ti.feedback_id,
        ti.received_at,
        ti.received_channel AS channel,
        ti.segment_text,
        ti.message_text,
        ti.char_start,
        ti.char_end
    FROM theme_items AS ti
    CROSS JOIN params AS p
    -- contains() is a literal match: % and _ in the search text are not wildcards
    WHERE p.search_text IS NULL OR contains(lower(ti.message_text), p.search_text)
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
    FROM matched
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
