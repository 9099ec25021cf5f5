-- Grain: one row: totals over the filtered feedback items.
-- Filter: items counted (feedback_scope: a copy under its first copy) in the ISO weeks
-- (Monday start, UTC) that contain $start_date through $end_date, on one of $channels, in
-- one of $languages and $products (NULL: any). $categories (NULL: any) limits the themes
-- counted in count_themed_segments and count_themes.
-- count_items counts copies of a message once (a first copy is always in its copies'
-- slice); count_reach counts every copy. Themed counts come from the theme_weekly mart.
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($categories AS VARCHAR[]) AS categories
),

item_totals AS (
    SELECT
        count(*) FILTER (WHERE s.is_first_copy) AS count_items,
        count(*) AS count_reach,
        count(DISTINCT s.customer_id) AS count_customers,
        coalesce(sum(s.count_segments), 0) AS count_segments,
        count(DISTINCT s.channel) AS count_channels
    FROM feedback_scope AS s
    CROSS JOIN params AS p
    WHERE s.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, s.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, s.language))
        AND (p.products IS NULL OR list_contains(p.products, s.product))
),

theme_totals AS (
    SELECT
        coalesce(sum(w.count_segments), 0) AS count_themed_segments,
        count(DISTINCT w.theme_id) AS count_themes
    FROM theme_weekly AS w
    -- a theme id with no row in themes (or outside the categories) is not one the page shows
    INNER JOIN themes AS t ON w.theme_id = t.theme_id
    CROSS JOIN params AS p
    WHERE w.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, w.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, w.language))
        AND (p.products IS NULL OR list_contains(p.products, w.product))
        AND (p.categories IS NULL OR list_contains(p.categories, t.category_label))
)

SELECT
    i.count_items,
    i.count_reach,
    i.count_customers,
    CAST(i.count_segments AS BIGINT) AS count_segments,
    CAST(t.count_themed_segments AS BIGINT) AS count_themed_segments,
    t.count_themes,
    i.count_channels
FROM item_totals AS i
CROSS JOIN theme_totals AS t
