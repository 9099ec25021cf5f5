-- Grain: one row: what is known about theme $theme_id within the filter (items, sentiment,
-- cost_share as on the ranking), plus its whole-snapshot score drivers, handle and
-- resolution times, repeat contacts and self-service score.
-- Filter: as headline_metrics ($start_date..$end_date as whole ISO weeks, $channels,
-- $languages, $products; NULL: any). No row when the theme does not exist.
-- Sentiment shares are over the theme's segments in the filter (every copy).
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($theme_id AS VARCHAR) AS theme_id
),

theme_segments_in_filter AS (
    SELECT
        ts.feedback_id,
        ts.canonical_id,
        ts.customer_id,
        ts.sentiment_score,
        ts.sentiment_label
    FROM theme_segments AS ts
    CROSS JOIN params AS p
    WHERE ts.theme_id = p.theme_id
        AND ts.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, ts.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, ts.language))
        AND (p.products IS NULL OR list_contains(p.products, ts.product))
),

filtered_cost AS (
    -- as top_themes.sql: the cost of the filtered items mentioning the theme over all of theirs
    SELECT
        coalesce(sum(s.cost_units) FILTER (
            WHERE s.feedback_id IN (SELECT feedback_id FROM theme_segments_in_filter)
        ), 0) / nullif(sum(s.cost_units), 0) AS cost_share
    FROM feedback_scope AS s
    CROSS JOIN params AS p
    WHERE s.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, s.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, s.language))
        AND (p.products IS NULL OR list_contains(p.products, s.product))
),

in_filter AS (
    SELECT
        count(DISTINCT canonical_id) AS count_items,
        count(DISTINCT feedback_id) AS count_reach,
        count(DISTINCT customer_id) AS count_customers,
        avg(sentiment_score) AS mean_sentiment,
        avg(CAST(sentiment_label = 'negative' AS DOUBLE)) AS negative_share,
        avg(CAST(sentiment_label = 'neutral' AS DOUBLE)) AS neutral_share,
        avg(CAST(sentiment_label = 'positive' AS DOUBLE)) AS positive_share
    FROM theme_segments_in_filter
),

impact AS (
    SELECT
        theme_id,
        max(overall_impact) FILTER (WHERE score_type = 'nps') AS nps_impact,
        max(overall_impact_ci_low) FILTER (WHERE score_type = 'nps') AS nps_impact_ci_low,
        max(overall_impact_ci_high) FILTER (WHERE score_type = 'nps') AS nps_impact_ci_high,
        max(mean_with) FILTER (WHERE score_type = 'nps') AS nps_with,
        max(mean_without) FILTER (WHERE score_type = 'nps') AS nps_without,
        max(count_scored_with) FILTER (WHERE score_type = 'nps') AS count_nps_scored,
        bool_or(is_ranked) FILTER (WHERE score_type = 'nps') AS is_nps_ranked,
        max(overall_impact) FILTER (WHERE score_type = 'csat') AS csat_impact,
        max(overall_impact_ci_low) FILTER (WHERE score_type = 'csat') AS csat_impact_ci_low,
        max(overall_impact_ci_high) FILTER (WHERE score_type = 'csat') AS csat_impact_ci_high,
        max(mean_with) FILTER (WHERE score_type = 'csat') AS csat_with,
        max(mean_without) FILTER (WHERE score_type = 'csat') AS csat_without,
        max(count_scored_with) FILTER (WHERE score_type = 'csat') AS count_csat_scored,
        bool_or(is_ranked) FILTER (WHERE score_type = 'csat') AS is_csat_ranked
    FROM theme_score_impact
    GROUP BY theme_id
)

SELECT
    th.theme_id,
    th.label,
    th.keywords,
    th.category_label,
    f.*,
    i.* EXCLUDE (theme_id, is_nps_ranked, is_csat_ranked),
    -- false, not NULL, for a theme without scored comments of that kind
    coalesce(i.is_nps_ranked, false) AS is_nps_ranked,
    coalesce(i.is_csat_ranked, false) AS is_csat_ranked,
    c.count_calls,
    c.median_handle_time_s,
    c.handle_time_vs_median_theme,
    c.count_tickets,
    c.median_resolution_time_s,
    c.resolution_time_vs_median_theme,
    fc.cost_share,
    c.cost_rank,
    r.repeat_customer_share,
    r.count_repeat_contacts,
    ss.how_to_share,
    ss.self_service_score,
    ss.self_service_rank
FROM themes AS th
CROSS JOIN params AS p
CROSS JOIN in_filter AS f
CROSS JOIN filtered_cost AS fc
LEFT JOIN impact AS i ON th.theme_id = i.theme_id
LEFT JOIN theme_handling_cost AS c ON th.theme_id = c.theme_id
LEFT JOIN theme_repeat_contacts AS r ON th.theme_id = r.theme_id
LEFT JOIN self_service_candidates AS ss ON th.theme_id = ss.theme_id
WHERE th.theme_id = p.theme_id
