-- Grain: two rows, the ISO week starting $week_start and the week before (newest first),
-- each present even when it has no feedback (counts 0, means NULL).
-- Each item counts once: copies (reposts, double submissions) are left out, as in the
-- movers' counts and on Top themes.
-- negative_share = negative segments / all segments of the week's items; mean_nps and
-- mean_csat average the survey scores given that week (NULL when none).
WITH params AS (
    SELECT CAST($week_start AS DATE) AS week_start
),

weeks AS (
    SELECT p.week_start, 0 AS weeks_back
    FROM params AS p
    UNION ALL
    SELECT CAST(p.week_start - INTERVAL 7 DAY AS DATE), 1
    FROM params AS p
),

week_items AS (
    SELECT
        f.feedback_id,
        f.nps,
        f.csat,
        w.week_start
    FROM feedback AS f
    INNER JOIN weeks AS w ON CAST(date_trunc('week', f.received_at) AS DATE) = w.week_start
    WHERE f.feedback_id = f.canonical_id
),

item_totals AS (
    SELECT
        week_start,
        count(*) AS count_items,
        avg(nps) AS mean_nps,
        count(nps) AS count_nps,
        avg(csat) AS mean_csat,
        count(csat) AS count_csat
    FROM week_items
    GROUP BY week_start
),

segment_totals AS (
    SELECT
        i.week_start,
        count(*) AS count_segments,
        avg(CAST(s.sentiment_label = 'negative' AS DOUBLE)) AS negative_share
    FROM segments AS s
    INNER JOIN week_items AS i ON s.feedback_id = i.feedback_id
    GROUP BY i.week_start
)

SELECT
    w.week_start,
    coalesce(it.count_items, 0) AS count_items,
    coalesce(st.count_segments, 0) AS count_segments,
    st.negative_share,
    it.mean_nps,
    coalesce(it.count_nps, 0) AS count_nps,
    it.mean_csat,
    coalesce(it.count_csat, 0) AS count_csat
FROM weeks AS w
LEFT JOIN item_totals AS it ON w.week_start = it.week_start
LEFT JOIN segment_totals AS st ON w.week_start = st.week_start
ORDER BY w.weeks_back
