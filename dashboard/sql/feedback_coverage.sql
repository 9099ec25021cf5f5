-- Grain: one row for the whole snapshot.
-- What the page's filters default to: the first and last received date (UTC) and the
-- channels present.
WITH items AS (
    SELECT
        channel,
        CAST(received_at AS DATE) AS received_date
    FROM feedback
)

SELECT
    min(received_date) AS first_date,
    max(received_date) AS last_date,
    coalesce(list(DISTINCT channel ORDER BY channel), []) AS channels,
    count(*) AS count_items
FROM items
