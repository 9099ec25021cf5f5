-- Grain: one row per filtered feedback item (first copies: a copy counts under its first
-- copy, as everywhere) whose whole message contains $search
-- (case-insensitive, literal: ILIKE with %, _ and \ escaped); newest first, at most
-- $limit rows. count_matching is the number of rows before the limit. No rows when the
-- search is blank. Filter: as headline_metrics ($start_date..$end_date as whole ISO weeks,
-- $channels, $languages, $products; NULL: any). theme_labels lists the themes of the
-- item's segments.
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        nullif(trim(CAST($search AS VARCHAR)), '') AS search_text
),

containing AS MATERIALIZED (
    -- the text test first, on feedback alone, so the slice filters only see the matches
    SELECT f.feedback_id, f.received_at, f.channel, f.text AS message_text
    FROM feedback AS f
    WHERE nullif(trim(CAST($search AS VARCHAR)), '') IS NOT NULL
        AND f.feedback_id = f.canonical_id
        AND f.text ILIKE '%' || replace(replace(replace(trim(CAST($search AS VARCHAR)),
        '\', '\\'), '%', '\%'), '_', '\_') || '%' ESCAPE '\'
),

matching AS (
    SELECT
        c.*,
        count(*) OVER () AS count_matching
    FROM containing AS c
    INNER JOIN feedback_scope AS scope ON c.feedback_id = scope.feedback_id
    CROSS JOIN params AS p
    WHERE p.search_text IS NOT NULL
        AND scope.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, scope.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, scope.language))
        AND (p.products IS NULL OR list_contains(p.products, scope.product))
    ORDER BY c.received_at DESC, c.feedback_id
    LIMIT $limit
),

-- labels only for the returned rows: aggregating every segment's themes is the slow part
labelled AS (
    SELECT
        m.feedback_id,
        list(DISTINCT th.label ORDER BY th.label) FILTER (WHERE th.label IS NOT NULL) AS theme_labels
    FROM matching AS m
    LEFT JOIN segments AS seg ON m.feedback_id = seg.feedback_id
    LEFT JOIN themes AS th ON seg.theme_id = th.theme_id
    GROUP BY m.feedback_id
)

SELECT
    m.feedback_id,
    m.received_at,
    m.channel,
    m.message_text,
    coalesce(l.theme_labels, []) AS theme_labels,
    m.count_matching
FROM matching AS m
INNER JOIN labelled AS l ON m.feedback_id = l.feedback_id
ORDER BY m.received_at DESC, m.feedback_id
