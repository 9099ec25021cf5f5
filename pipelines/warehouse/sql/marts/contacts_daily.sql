-- contacts_daily: contacts received and resolved per day and channel, and the ticket backlog.
-- Grain: one row per day (UTC) x channel, every day from the channel's first contact to the
-- last day one was received or solved (zero-filled). Key: (day, channel).
-- Tickets are resolved on the day they were solved (received_at + resolution_time_s); a ticket
-- the source still reports as new, open, pending or on hold stays in the backlog; a ticket with
-- neither a solved time nor a status (a source that does not track them) counts as resolved on
-- receipt. Calls, survey comments and social posts are handled as they arrive: resolved =
-- received and no backlog.
-- backlog_end_of_day = tickets received up to that day - tickets resolved up to that day.
CREATE OR REPLACE TABLE contacts_daily AS
WITH contacts AS (
    SELECT
        channel,
        CAST(received_at AS DATE) AS received_day,
        CASE
            WHEN channel <> 'ticket' THEN CAST(received_at AS DATE)
            WHEN resolution_time_s IS NOT NULL
                THEN CAST(received_at + to_microseconds(CAST(resolution_time_s * 1e6 AS BIGINT)) AS DATE)
            WHEN metadata->>'status' IN ('new', 'open', 'pending', 'hold') THEN NULL
            ELSE CAST(received_at AS DATE)
        END AS resolved_day
    FROM feedback
),
channel_days AS (
    SELECT
        channel,
        CAST(unnest(generate_series(
            CAST(min(received_day) AS TIMESTAMP),
            CAST(greatest(max(received_day), coalesce(max(resolved_day), max(received_day))) AS TIMESTAMP),
            INTERVAL 1 DAY
        )) AS DATE) AS day
    FROM contacts
    GROUP BY channel
),
received AS (
    SELECT channel, received_day AS day, count(*) AS count_received
    FROM contacts
    GROUP BY ALL
),
resolved AS (
    SELECT channel, resolved_day AS day, count(*) AS count_resolved
    FROM contacts
    WHERE resolved_day IS NOT NULL
    GROUP BY ALL
),
daily AS (
    SELECT
        channel_days.day,
        channel_days.channel,
        coalesce(received.count_received, 0) AS count_received,
        coalesce(resolved.count_resolved, 0) AS count_resolved
    FROM channel_days
    LEFT JOIN received USING (channel, day)
    LEFT JOIN resolved USING (channel, day)
)
SELECT
    day,
    channel,
    count_received,
    count_resolved,
    CAST(sum(count_received - count_resolved) OVER (
        PARTITION BY channel ORDER BY day ROWS UNBOUNDED PRECEDING
    ) AS BIGINT) AS backlog_end_of_day
FROM daily;
