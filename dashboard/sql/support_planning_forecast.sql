-- Grain: one row per series of kind $series_kind (channel or theme) x week: the last
-- $history_weeks complete weeks of actual contacts (kind 'actual') followed by the forecast
-- weeks (kind 'forecast', with the interval and the agent-hours needed).
WITH forecast AS (
    SELECT * FROM contact_forecast WHERE series_kind = $series_kind
),
first_forecast_week AS (
    SELECT min(week_start) AS week_start FROM forecast
),
channel_actuals AS (
    SELECT channel AS series, CAST(date_trunc('week', day) AS DATE) AS week_start, sum(count_received) AS contacts
    FROM contacts_daily
    GROUP BY ALL
),
theme_actuals AS (
    SELECT theme_id AS series, week_start, sum(count_items) AS contacts
    FROM agent_hours_weekly
    GROUP BY ALL
),
actuals AS (
    SELECT * FROM channel_actuals WHERE $series_kind = 'channel'
    UNION ALL
    SELECT * FROM theme_actuals WHERE $series_kind = 'theme'
),
series AS (
    SELECT DISTINCT series, series_label FROM forecast
)
SELECT
    'actual' AS kind, s.series, s.series_label, a.week_start, CAST(a.contacts AS DOUBLE) AS contacts,
    NULL::DOUBLE AS lower, NULL::DOUBLE AS upper, NULL::DOUBLE AS interval_level, NULL::DOUBLE AS agent_hours,
    NULL::VARCHAR AS method
FROM actuals AS a
JOIN series AS s USING (series)
CROSS JOIN first_forecast_week AS f
WHERE a.week_start < f.week_start
    AND a.week_start >= f.week_start - to_weeks(CAST($history_weeks AS INTEGER))
UNION ALL
SELECT 'forecast', series, series_label, week_start, forecast, lower, upper, interval_level, agent_hours, method
FROM forecast
ORDER BY series_label, week_start
