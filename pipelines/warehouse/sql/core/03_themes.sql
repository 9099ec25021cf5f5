-- themes: the active themes with their current size.
-- Grain: one row per active theme. Key: theme_id.
CREATE OR REPLACE TABLE themes AS
WITH theme_sizes AS (
    SELECT
        theme_id,
        count(*) AS count_segments,
        count(DISTINCT feedback_id) AS count_items
    FROM segments
    WHERE theme_id IS NOT NULL
    GROUP BY theme_id
)
SELECT
    theme_state.theme_id,
    theme_state.label,
    theme_state.keywords,
    coalesce(theme_sizes.count_segments, 0) AS count_segments,
    coalesce(theme_sizes.count_items, 0) AS count_items,
    theme_state.first_seen_run,
    theme_state.last_seen_run
FROM theme_state
LEFT JOIN theme_sizes USING (theme_id)
WHERE theme_state.is_active;
