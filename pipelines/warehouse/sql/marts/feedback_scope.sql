-- feedback_scope: where each feedback item is counted, and what it cost to handle.
-- Copies (reposts, double submissions, copied complaints) are counted under their first
-- copy's week, channel, language and product, so counting distinct first copies per cell
-- adds up exactly across cells.
-- Grain: one row per feedback item. Key: feedback_id.
-- language is 'und' when undetected; product is '(none)' when the item names none.
-- cost_units puts calls and tickets on one scale: a first copy's call handle time over the
-- median call's, plus its ticket resolution time over the median ticket's (a typical call
-- or ticket costs 1; a call that takes 10x the median costs 10). Copies cost 0: the work
-- is counted once, on the first copy. count_segments / count_themed_segments: the item's
-- segments, and those with a theme (so page totals need not scan segments).
CREATE OR REPLACE TABLE feedback_scope AS
WITH first_copies AS (
    SELECT
        feedback_id AS canonical_id,
        CAST(date_trunc('week', received_at) AS DATE) AS week_start,
        channel,
        coalesce(language, 'und') AS language,
        coalesce(product, '(none)') AS product
    FROM feedback
),
typical_times AS (
    SELECT
        median(handle_time_s) FILTER (WHERE handle_time_s > 0) AS median_handle_time_s,
        median(resolution_time_s) FILTER (WHERE resolution_time_s > 0) AS median_resolution_time_s
    FROM feedback
    WHERE feedback_id = canonical_id
),
segment_counts AS (
    SELECT feedback_id, count(*) AS count_segments, count(theme_id) AS count_themed_segments
    FROM segments
    GROUP BY feedback_id
)
SELECT
    feedback.feedback_id,
    feedback.canonical_id,
    feedback.feedback_id = feedback.canonical_id AS is_first_copy,
    first_copies.week_start,
    first_copies.channel,
    first_copies.language,
    first_copies.product,
    feedback.customer_id,
    feedback.received_at,
    feedback.handle_time_s,
    feedback.resolution_time_s,
    -- DECIMAL: sums of it are exact, so a rebuild on the same data gives the same marts
    CAST(CASE WHEN feedback.feedback_id = feedback.canonical_id THEN
        coalesce(feedback.handle_time_s / typical_times.median_handle_time_s, 0)
        + coalesce(feedback.resolution_time_s / typical_times.median_resolution_time_s, 0)
    ELSE 0 END AS DECIMAL(18, 6)) AS cost_units,
    coalesce(segment_counts.count_segments, 0) AS count_segments,
    coalesce(segment_counts.count_themed_segments, 0) AS count_themed_segments
FROM feedback
JOIN first_copies USING (canonical_id)
CROSS JOIN typical_times
LEFT JOIN segment_counts USING (feedback_id);
