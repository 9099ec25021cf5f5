-- agent_hours_weekly: the agent time each theme's contacts took, per ISO week and channel.
-- Grain: one row per ISO week (Monday, UTC) x theme x channel. Key: (week_start, theme_id, channel).
-- An item counts under its main theme: the theme of most of its segments (ties: the earliest);
-- items with no theme are in no row. Copies (double submissions, reposts) are left out: the
-- work is done once, on the first copy.
-- Handle time per item: calls their measured handle_time_s; tickets the per-ticket work-time
-- assumption (settings.ticket_work_minutes, which the run sets as the variable
-- ticket_work_minutes; elapsed resolution time is waiting, not work); social posts
-- settings.social_reply_minutes; survey comments take no agent time (nobody answers each one).
-- agent_hours = sum of the items' handle times, in hours.
CREATE OR REPLACE TABLE agent_hours_weekly AS
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
handled_items AS (
    SELECT
        CAST(date_trunc('week', feedback.received_at) AS DATE) AS week_start,
        main_theme.theme_id,
        feedback.channel,
        CASE feedback.channel
            WHEN 'call' THEN coalesce(feedback.handle_time_s, 0)
            WHEN 'ticket' THEN getvariable('ticket_work_minutes') * 60
            WHEN 'social' THEN getvariable('social_reply_minutes') * 60
            ELSE 0
        END AS handle_time_s
    FROM feedback
    JOIN main_theme USING (feedback_id)
    WHERE feedback.feedback_id = feedback.canonical_id
)
SELECT
    week_start,
    theme_id,
    channel,
    count(*) AS count_items,
    sum(handle_time_s) / 3600 AS agent_hours,
    avg(handle_time_s) AS mean_handle_time_s
FROM handled_items
GROUP BY ALL;
