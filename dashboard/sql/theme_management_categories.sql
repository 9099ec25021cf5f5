-- Grain: one row per active category, largest first.
-- Columns: category_id, label, is_label_pinned, owner_team, count_themes, count_items.
-- count_items sums the themes' items, so an item in two themes of a category counts twice.
SELECT
    category_state.category_id,
    category_state.label,
    category_state.pinned_label IS NOT NULL AS is_label_pinned,
    category_state.owner_team,
    count(themes.theme_id) AS count_themes,
    coalesce(sum(themes.count_items), 0) AS count_items
FROM category_state
LEFT JOIN themes USING (category_id)
WHERE category_state.is_active
GROUP BY ALL
ORDER BY count_items DESC, category_state.category_id;
