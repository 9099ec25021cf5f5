-- Grain: one row per active theme, in category order then largest first.
-- Columns: theme_id, label, is_label_pinned, category_id, category_label, owner_team,
-- count_items, count_segments, first_seen_at, last_seen_at, merged_from, split_from,
-- representative_text. $category_id NULL lists every category.
SELECT
    theme_id,
    label,
    is_label_pinned,
    category_id,
    category_label,
    owner_team,
    count_items,
    count_segments,
    first_seen_at,
    last_seen_at,
    merged_from,
    split_from,
    representative_text
FROM themes
WHERE CAST($category_id AS VARCHAR) IS NULL OR category_id = CAST($category_id AS VARCHAR)
ORDER BY category_label, count_items DESC, theme_id;
