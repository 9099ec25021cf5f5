-- Grain: one row for the whole snapshot.
-- What the page's filters offer and default to: the first and last received date (UTC),
-- the channels, languages and products present (as counted in feedback_scope), and the
-- theme categories in use.
WITH items AS (
    SELECT
        channel,
        language,
        product,
        CAST(received_at AS DATE) AS received_date
    FROM feedback_scope
)

SELECT
    min(received_date) AS first_date,
    max(received_date) AS last_date,
    coalesce(list(DISTINCT channel ORDER BY channel), []) AS channels,
    coalesce(list(DISTINCT language ORDER BY language), []) AS languages,
    coalesce(list(DISTINCT product ORDER BY product), []) AS products,
    (
        SELECT coalesce(list(DISTINCT category_label ORDER BY category_label), [])
        FROM themes
        WHERE category_label IS NOT NULL
    ) AS categories,
    count(*) AS count_items
FROM items
