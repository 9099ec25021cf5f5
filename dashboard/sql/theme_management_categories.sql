-- Grain: one row per active category, largest first.
-- Columns: category_id, label, is_label_pinned, owner_team, count_themes, count_items.
-- count_items: distinct items (first copies) mentioning any of the category's themes.
WITH category_items AS (
    SELECT themes.category_id, count(DISTINCT feedback.canonical_id) AS count_items
    FROM segments
    JOIN themes USING (theme_id)
    JOIN feedback USING (feedback_id)
    GROUP BY themes.category_id
)
SELECT
    category_state.category_id,
    category_state.label,
    category_state.pinned_label IS NOT NULL AS is_label_pinned,
    category_state.owner_team,
    count(themes.theme_id) AS count_themes,
    coalesce(any_value(category_items.count_items), 0) AS count_items
FROM category_state
LEFT JOIN themes USING (category_id)
LEFT JOIN category_items USING (category_id)
WHERE category_state.is_active
GROUP BY ALL
ORDER BY count_items DESC, category_state.category_id;
