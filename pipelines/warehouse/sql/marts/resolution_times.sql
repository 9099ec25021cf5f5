-- resolution_times: how long contacts wait for a first reply and for a resolution, by theme.
-- Grain: one row per theme x channel, for the channels that record times (ticket, call).
-- Key: (theme_id, channel).
-- An item counts under its main theme: the theme of most of its segments (ties: the earliest).
-- Copies (double submissions, reposts) are left out: the work is done once, on the first copy.
-- Tickets: first response = first_response_time_s (replied tickets), resolution =
-- resolution_time_s (solved tickets; tickets still open at export are not in the figures).
-- Calls are resolved on the call: resolution = handle_time_s, and there is no first-reply wait.
CREATE OR REPLACE TABLE resolution_times AS
WITH theme_segments AS (
    SELECT feedback_id, theme_id, count(*) AS count_segments, min(ordinal) AS first_ordinal
    FROM segments
    WHERE theme_id IS NOT NULL
    GROUP BY ALL
),
main_theme AS (
    SELECT feedback_id, first(theme_id ORDER BY count_segments DESC, first_ordinal) AS theme_id
    FROM theme_segments
    GROUP BY feedback_id
),
timed_items AS (
    SELECT
        main_theme.theme_id,
        feedback.channel,
        feedback.first_response_time_s,
        CASE feedback.channel WHEN 'call' THEN feedback.handle_time_s ELSE feedback.resolution_time_s END
            AS resolution_time_s
    FROM feedback
    JOIN main_theme USING (feedback_id)
    WHERE feedback.channel IN ('ticket', 'call') AND feedback.feedback_id = feedback.canonical_id
)
SELECT
    theme_id,
    channel,
    count(*) AS count_items,
    count(first_response_time_s) AS count_replied,
    count(resolution_time_s) AS count_resolved,
    median(first_response_time_s) AS median_first_response_s,
    quantile_cont(first_response_time_s, 0.9) AS p90_first_response_s,
    median(resolution_time_s) AS median_resolution_s,
    quantile_cont(resolution_time_s, 0.9) AS p90_resolution_s
FROM timed_items
GROUP BY ALL;
