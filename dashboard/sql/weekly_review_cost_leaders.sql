-- Grain: one row per theme among the $limit most costly to handle (theme_handling_cost,
-- all weeks), most costly first.
WITH costs AS (
    SELECT
        c.cost_rank,
        c.theme_id,
        c.count_items,
        c.cost_share,
        c.handle_time_vs_median_theme,
        c.resolution_time_vs_median_theme
    FROM theme_handling_cost AS c
    WHERE c.cost_rank <= CAST($limit AS BIGINT)
)

SELECT
    costs.cost_rank,
    costs.theme_id,
    th.label,
    costs.count_items,
    costs.cost_share,
    costs.handle_time_vs_median_theme,
    costs.resolution_time_vs_median_theme
FROM costs
INNER JOIN themes AS th ON costs.theme_id = th.theme_id
ORDER BY costs.cost_rank
