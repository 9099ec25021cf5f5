-- Grain: one row per example segment: at most $per_theme per requested theme, from distinct
-- items received in the ISO week starting $week_start, duplicates left out (only the first
-- copy of a duplicated item) and with distinct segment texts (templated complaints repeat a
-- sentence word for word), the segments closest to their theme's centre first.
-- message_marked is the whole message with the segment wrapped in « ».
WITH params AS (
    SELECT
        CAST($week_start AS DATE) AS week_start,
        CAST($theme_ids AS VARCHAR[]) AS theme_ids,
        CAST($per_theme AS INTEGER) AS per_theme
),

candidates AS (
    SELECT
        s.theme_id,
        s.segment_id,
        s.feedback_id,
        f.received_at,
        f.channel,
        s.text AS segment_text,
        f.text AS message_text,
        s.char_start,
        s.char_end,
        s.theme_similarity,
        -- one segment per item: the item's closest to the theme
        row_number() OVER (
            PARTITION BY s.theme_id, s.feedback_id
            ORDER BY s.theme_similarity DESC NULLS LAST, s.ordinal
        ) AS rank_in_item
    FROM segments AS s
    INNER JOIN feedback AS f ON s.feedback_id = f.feedback_id
    CROSS JOIN params AS p
    WHERE list_contains(p.theme_ids, s.theme_id)
        AND CAST(date_trunc('week', f.received_at) AS DATE) = p.week_start
        AND f.feedback_id = f.canonical_id
),

distinct_wordings AS (
    -- one item per wording: the most recent item that used it
    SELECT * FROM candidates
    WHERE rank_in_item = 1
    QUALIFY row_number() OVER (
        PARTITION BY theme_id, lower(trim(segment_text)) ORDER BY received_at DESC, segment_id
    ) = 1
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY theme_id
            ORDER BY theme_similarity DESC NULLS LAST, received_at DESC, segment_id
        ) AS example_rank
    FROM distinct_wordings
)

SELECT
    r.theme_id,
    r.example_rank,
    r.segment_id,
    r.feedback_id,
    r.received_at,
    r.channel,
    r.segment_text,
    -- char_start/char_end are Python slice offsets (0-based, end exclusive, code points);
    -- substring() is 1-based over code points
    substring(r.message_text, 1, r.char_start)
    || '«' || substring(r.message_text, r.char_start + 1, r.char_end - r.char_start) || '»'
    || substring(r.message_text, r.char_end + 1) AS message_marked
FROM ranked AS r
CROSS JOIN params AS p
WHERE r.example_rank <= p.per_theme
ORDER BY list_position(p.theme_ids, r.theme_id), r.example_rank
