-- Grain: one row per ISO week (Monday start, UTC) x channel in $channels, over the whole
-- history: contacts received and resolved that week, and the ticket backlog at the week's end
-- (0 for channels handled on arrival).
SELECT
    CAST(date_trunc('week', day) AS DATE) AS week_start,
    channel,
    CAST(sum(count_received) AS BIGINT) AS count_received,
    CAST(sum(count_resolved) AS BIGINT) AS count_resolved,
    arg_max(backlog_end_of_day, day) AS backlog_end_of_week
FROM contacts_daily
WHERE list_contains(CAST($channels AS VARCHAR[]), channel)
GROUP BY ALL
ORDER BY week_start, channel
