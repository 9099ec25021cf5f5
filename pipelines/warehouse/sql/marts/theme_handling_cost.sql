-- theme_handling_cost: what handling the contacts about each theme costs.
-- Grain: one row per theme mentioned by at least one item. Key: theme_id.
-- An item counts for every theme it mentions; copies count once (first copies only).
-- Calls carry handle time (agent time on the call), tickets resolution time (opened to
-- solved). *_share = the theme's items' time / all items' time of that kind.
-- *_vs_median_theme = the theme's median time / the median of all themes' medians, so a
-- theme whose calls take ten times as long as a typical theme's shows 10.
-- cost_units (see feedback_scope) = items x their time relative to a typical contact, on
-- one scale for calls and tickets; cost_share = cost_units / all items' cost_units.
-- cost_rank 1 is the most costly theme.
CREATE OR REPLACE TABLE theme_handling_cost AS
WITH theme_items AS (
    SELECT DISTINCT segments.theme_id, scope.feedback_id
    FROM segments
    JOIN feedback_scope AS scope USING (feedback_id)
    WHERE segments.theme_id IS NOT NULL AND scope.is_first_copy
),
totals AS (
    SELECT
        sum(handle_time_s) AS all_handle_time_s,
        sum(resolution_time_s) AS all_resolution_time_s,
        sum(cost_units) AS all_cost_units
    FROM feedback_scope
    WHERE is_first_copy
),
per_theme AS (
    SELECT
        theme_items.theme_id,
        count(*) AS count_items,
        count(scope.handle_time_s) AS count_calls,
        coalesce(sum(scope.handle_time_s), 0) AS total_handle_time_s,
        median(scope.handle_time_s) AS median_handle_time_s,
        count(scope.resolution_time_s) AS count_tickets,
        coalesce(sum(scope.resolution_time_s), 0) AS total_resolution_time_s,
        median(scope.resolution_time_s) AS median_resolution_time_s,
        sum(scope.cost_units) AS cost_units
    FROM theme_items
    JOIN feedback_scope AS scope USING (feedback_id)
    GROUP BY theme_items.theme_id
),
typical_theme AS (
    SELECT
        median(median_handle_time_s) AS theme_median_handle_time_s,
        median(median_resolution_time_s) AS theme_median_resolution_time_s
    FROM per_theme
)
SELECT
    per_theme.theme_id,
    per_theme.count_items,
    per_theme.count_calls,
    per_theme.total_handle_time_s,
    per_theme.median_handle_time_s,
    per_theme.total_handle_time_s / nullif(totals.all_handle_time_s, 0) AS handle_time_share,
    per_theme.median_handle_time_s / nullif(typical_theme.theme_median_handle_time_s, 0)
        AS handle_time_vs_median_theme,
    per_theme.count_tickets,
    per_theme.total_resolution_time_s,
    per_theme.median_resolution_time_s,
    per_theme.total_resolution_time_s / nullif(totals.all_resolution_time_s, 0)
        AS resolution_time_share,
    per_theme.median_resolution_time_s / nullif(typical_theme.theme_median_resolution_time_s, 0)
        AS resolution_time_vs_median_theme,
    per_theme.cost_units,
    per_theme.cost_units / nullif(totals.all_cost_units, 0) AS cost_share,
    row_number() OVER (ORDER BY per_theme.cost_units DESC, per_theme.theme_id) AS cost_rank
FROM per_theme
CROSS JOIN totals
CROSS JOIN typical_theme;
