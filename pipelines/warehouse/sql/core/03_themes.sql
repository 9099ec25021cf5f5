-- themes: the active themes with their size (count_items: distinct first copies), category,
-- owner and history.
-- owner_team is the theme's own owner, else its category's. first_seen_at/last_seen_at span
-- the received dates of the feedback behind it; merged_from lists the themes merged into it.
-- Grain: one row per active theme. Key: theme_id.
CREATE OR REPLACE TABLE themes AS
WITH theme_sizes AS (
    SELECT
        segments.theme_id,
        count(*) AS count_segments,
        -- copies of a message count once, as everywhere on the pages
        count(DISTINCT feedback.canonical_id) AS count_items,
        min(feedback.received_at) AS first_seen_at,
        max(feedback.received_at) AS last_seen_at
    FROM segments
    JOIN feedback USING (feedback_id)
    WHERE segments.theme_id IS NOT NULL
    GROUP BY segments.theme_id
),
merges AS (
    SELECT merged_into AS theme_id, list(theme_id ORDER BY theme_id) AS merged_from
    FROM theme_state
    WHERE merged_into IS NOT NULL
    GROUP BY merged_into
)
SELECT
    theme_state.theme_id,
    theme_state.label,
    theme_state.keywords,
    theme_state.representative AS representative_text,
    coalesce(theme_sizes.count_segments, 0) AS count_segments,
    coalesce(theme_sizes.count_items, 0) AS count_items,
    theme_state.category_id,
    category_state.label AS category_label,
    coalesce(theme_state.owner_team, category_state.owner_team) AS owner_team,
    theme_state.pinned_label IS NOT NULL AS is_label_pinned,
    theme_sizes.first_seen_at,
    theme_sizes.last_seen_at,
    theme_state.first_seen_run,
    theme_state.last_seen_run,
    coalesce(merges.merged_from, []::VARCHAR[]) AS merged_from,
    theme_state.split_from
FROM theme_state
LEFT JOIN theme_sizes USING (theme_id)
LEFT JOIN category_state USING (category_id)
LEFT JOIN merges USING (theme_id)
WHERE theme_state.is_active;
