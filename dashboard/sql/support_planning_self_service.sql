-- Grain: one row per theme with agent time in the last 52 weeks of data, most hours saved
-- first, at most $limit rows. Contacts are those that took agent time (not survey comments).
-- how_to_share and negative_share (self_service_candidates) = the shares of the theme's
-- segments asked as a question or a how-to, and negative. hours_saved_per_year = agent-hours
-- in those weeks x how_to_share x (1 - negative_share) x $deflection (the share of those
-- contacts a self-service fix would prevent): calm questions are what a help page, bot or
-- status tracker answers, as in the mart's self_service_score. A theme whose customers
-- report a fault ("arrived broken") or ask angrily for someone else to talk to saves little
-- however costly.
WITH recent AS (
    SELECT * FROM agent_hours_weekly
    WHERE week_start > (SELECT max(week_start) FROM agent_hours_weekly) - INTERVAL 52 WEEK
        AND agent_hours > 0
)
SELECT
    r.theme_id,
    t.label,
    CAST(sum(r.count_items) AS BIGINT) AS count_items,
    sum(r.agent_hours) AS agent_hours,
    sum(r.agent_hours) / sum(r.count_items) * 60 AS minutes_per_contact,
    any_value(c.how_to_share) AS how_to_share,
    any_value(c.negative_share) AS negative_share,
    sum(r.agent_hours) * any_value(c.how_to_share) * (1 - any_value(c.negative_share))
        * CAST($deflection AS DOUBLE) AS hours_saved_per_year
FROM recent AS r
JOIN themes AS t USING (theme_id)
JOIN self_service_candidates AS c USING (theme_id)
GROUP BY r.theme_id, t.label
HAVING sum(r.agent_hours) > 0
ORDER BY sum(r.agent_hours) * any_value(c.how_to_share) * (1 - any_value(c.negative_share)) DESC,
    agent_hours DESC, t.label
LIMIT $limit
