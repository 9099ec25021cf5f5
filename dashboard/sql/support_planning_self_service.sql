-- Grain: one row per theme with agent time in the last 52 weeks of data, most hours first, at
-- most $limit rows. hours_saved_per_year = agent-hours in those weeks x $deflection (the share
-- of contacts a self-service fix would prevent).
WITH recent AS (
    SELECT * FROM agent_hours_weekly
    WHERE week_start > (SELECT max(week_start) FROM agent_hours_weekly) - INTERVAL 52 WEEK
)
SELECT
    r.theme_id,
    t.label,
    CAST(sum(r.count_items) AS BIGINT) AS count_items,
    sum(r.agent_hours) AS agent_hours,
    sum(r.agent_hours) / sum(r.count_items) * 60 AS minutes_per_contact,
    sum(r.agent_hours) * CAST($deflection AS DOUBLE) AS hours_saved_per_year
FROM recent AS r
JOIN themes AS t USING (theme_id)
GROUP BY r.theme_id, t.label
HAVING sum(r.agent_hours) > 0
ORDER BY agent_hours DESC, t.label
LIMIT $limit
