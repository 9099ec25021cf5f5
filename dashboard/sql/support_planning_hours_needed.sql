-- Grain: one row per forecast week: agent-hours the forecast contacts of every channel need
-- (point forecast; _lower/_upper add up each channel's interval bounds, a conservative band).
SELECT
    week_start,
    sum(agent_hours) AS agent_hours,
    sum(agent_hours_lower) AS agent_hours_lower,
    sum(agent_hours_upper) AS agent_hours_upper,
    sum(forecast) AS contacts
FROM contact_forecast
WHERE series_kind = 'channel'
GROUP BY week_start
ORDER BY week_start
