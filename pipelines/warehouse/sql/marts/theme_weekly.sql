-- theme_weekly: how much of each week's feedback mentions each theme, sliced by channel,
-- language and product.
-- Grain: one row per theme x ISO week (Monday) x channel x language x product.
-- Key: (theme_id, week_start, channel, language, product).
-- Copies of one message count once: count_items counts distinct first copies (copies sit
-- in their first copy's cell, see feedback_scope), so summing count_items over cells counts
-- every message once; count_reach counts every copy (reposts reach more people).
-- share_of_items = count_items / first copies of all items in the same cell.
-- count_segments and mean_sentiment cover every segment of every copy (weight mean_sentiment
-- by count_segments to combine cells). count_customers is distinct, so it does not add up.
-- cost_units sums feedback_scope.cost_units over the items mentioning the theme.
CREATE OR REPLACE TABLE theme_weekly AS
WITH items_per_cell AS (
    SELECT
        week_start, channel, language, product,
        count(DISTINCT canonical_id) AS count_all_items
    FROM feedback_scope
    GROUP BY ALL
),
theme_items AS (
    SELECT
        theme_id,
        feedback_id,
        count(*) AS count_segments,
        -- DECIMAL sums are exact in any order: rebuilds give identical means
        sum(CAST(sentiment_score AS DECIMAL(18, 6))) AS sum_sentiment
    FROM segments
    WHERE theme_id IS NOT NULL
    GROUP BY ALL
),
theme_mentions AS (
    SELECT
        theme_items.theme_id,
        scope.week_start,
        scope.channel,
        scope.language,
        scope.product,
        CAST(sum(theme_items.count_segments) AS BIGINT) AS count_segments,
        count(DISTINCT scope.canonical_id) AS count_items,
        count(*) AS count_reach,
        count(DISTINCT scope.customer_id) AS count_customers,
        CAST(sum(theme_items.sum_sentiment) / sum(theme_items.count_segments) AS DOUBLE)
            AS mean_sentiment,
        sum(scope.cost_units) AS cost_units
    FROM theme_items
    JOIN feedback_scope AS scope USING (feedback_id)
    GROUP BY ALL
)
SELECT
    theme_mentions.theme_id,
    theme_mentions.week_start,
    theme_mentions.channel,
    theme_mentions.language,
    theme_mentions.product,
    theme_mentions.count_segments,
    theme_mentions.count_items,
    theme_mentions.count_reach,
    theme_mentions.count_customers,
    theme_mentions.mean_sentiment,
    theme_mentions.count_items / items_per_cell.count_all_items AS share_of_items,
    theme_mentions.cost_units
FROM theme_mentions
JOIN items_per_cell USING (week_start, channel, language, product);
