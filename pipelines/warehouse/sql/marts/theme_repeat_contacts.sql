-- theme_repeat_contacts: how often customers come back about the same theme.
-- Grain: one row per theme with at least one identified customer. Key: theme_id.
-- A contact is a first copy (a double submission is not a second contact) with a customer
-- id, mentioning the theme. A repeat contact follows the same customer's previous contact
-- about the same theme by less than 14 days (on any channel).
-- repeat_customer_share = customers with at least one repeat contact / customers who
-- contacted about the theme.
CREATE OR REPLACE TABLE theme_repeat_contacts AS
WITH contacts AS (
    SELECT DISTINCT segments.theme_id, scope.feedback_id, scope.customer_id, scope.received_at
    FROM segments
    JOIN feedback_scope AS scope USING (feedback_id)
    WHERE segments.theme_id IS NOT NULL AND scope.is_first_copy AND scope.customer_id IS NOT NULL
),
sequenced AS (
    SELECT
        *,
        lag(received_at) OVER (
            PARTITION BY theme_id, customer_id ORDER BY received_at, feedback_id
        ) AS previous_contact_at
    FROM contacts
),
flagged AS (
    SELECT
        *,
        coalesce(received_at - previous_contact_at < INTERVAL 14 DAY, false) AS is_repeat
    FROM sequenced
)
SELECT
    theme_id,
    count(*) AS count_contacts,
    count(DISTINCT customer_id) AS count_customers,
    count(*) FILTER (WHERE is_repeat) AS count_repeat_contacts,
    count(DISTINCT customer_id) FILTER (WHERE is_repeat) AS count_repeat_customers,
    count(DISTINCT customer_id) FILTER (WHERE is_repeat) / count(DISTINCT customer_id)
        AS repeat_customer_share
FROM flagged
GROUP BY theme_id;
