-- Grain: one row per theme mentioned by at least one filtered item, best first by
-- $rank_by (rank 1 first). At most $limit rows; all when $limit is NULL.
-- Filter: ISO weeks (Monday start, UTC) containing $start_date through $end_date, on one
-- of $channels, in one of $languages / $products / theme $categories (NULL: any).
-- Counts come from the theme_weekly mart: a message and its copies fall in exactly one
-- cell, so summing count_items over cells counts each message once.
-- $rank_by:
--   volume       most items (count_items)
--   growth       largest rise in items over the previous period of the same length; growth
--                and growth_ratio are NULL when the data does not cover that whole period
--   nps_impact   largest overall NPS impact (theme_score_impact, whole snapshot); only
--   csat_impact  themes with enough scored comments (is_ranked) are listed in these modes
--   cost         largest handling cost (cost_units, see feedback_scope)
WITH params AS (
    SELECT
        CAST(date_trunc('week', CAST($start_date AS DATE)) AS DATE) AS first_week,
        CAST(date_trunc('week', CAST($end_date AS DATE)) AS DATE) AS last_week,
        CAST($channels AS VARCHAR[]) AS channels,
        CAST($languages AS VARCHAR[]) AS languages,
        CAST($products AS VARCHAR[]) AS products,
        CAST($categories AS VARCHAR[]) AS categories,
        CAST($rank_by AS VARCHAR) AS rank_by,
        CAST($limit AS BIGINT) AS max_rank
),

periods AS (
    SELECT
        *,
        -- the previous period has as many weeks and ends the week before first_week
        CAST(first_week - INTERVAL 7 DAY * (date_diff('week', first_week, last_week) + 1) AS DATE)
            AS previous_first_week
    FROM params
),

coverage AS (
    -- before the data's first week there is nothing to compare with, not zero items
    SELECT p.previous_first_week >= (SELECT min(week_start) FROM feedback_scope) AS is_previous_covered
    FROM periods AS p
),

sliced AS (
    SELECT
        w.*,
        w.week_start >= p.first_week AS is_current
    FROM theme_weekly AS w
    CROSS JOIN periods AS p
    WHERE w.week_start BETWEEN p.previous_first_week AND p.last_week
        AND list_contains(p.channels, w.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, w.language))
        AND (p.products IS NULL OR list_contains(p.products, w.product))
),

theme_totals AS (
    SELECT
        theme_id,
        CAST(sum(count_items) FILTER (WHERE is_current) AS BIGINT) AS count_items,
        CAST(sum(count_reach) FILTER (WHERE is_current) AS BIGINT) AS count_reach,
        CAST(sum(count_segments) FILTER (WHERE is_current) AS BIGINT) AS count_segments,
        sum(mean_sentiment * count_segments) FILTER (WHERE is_current)
            / sum(count_segments) FILTER (WHERE is_current) AS mean_sentiment,
        coalesce(sum(cost_units) FILTER (WHERE is_current), 0) AS cost_units,
        CAST(coalesce(sum(count_items) FILTER (WHERE NOT is_current), 0) AS BIGINT)
            AS count_items_previous
    FROM sliced
    GROUP BY theme_id
),

filtered_item_total AS (
    SELECT
        count(*) FILTER (WHERE s.is_first_copy) AS count_all_items,
        sum(s.cost_units) AS all_cost_units
    FROM feedback_scope AS s
    CROSS JOIN params AS p
    WHERE s.week_start BETWEEN p.first_week AND p.last_week
        AND list_contains(p.channels, s.channel)
        AND (p.languages IS NULL OR list_contains(p.languages, s.language))
        AND (p.products IS NULL OR list_contains(p.products, s.product))
),

score_impact AS (
    SELECT
        theme_id,
        max(overall_impact) FILTER (WHERE score_type = 'nps') AS nps_impact,
        coalesce(bool_or(is_ranked) FILTER (WHERE score_type = 'nps'), false) AS is_nps_ranked,
        max(overall_impact) FILTER (WHERE score_type = 'csat') AS csat_impact,
        coalesce(bool_or(is_ranked) FILTER (WHERE score_type = 'csat'), false) AS is_csat_ranked
    FROM theme_score_impact
    GROUP BY theme_id
),

measured AS (
    SELECT
        tt.*,
        th.label,
        th.keywords,
        th.category_label,
        CASE WHEN c.is_previous_covered THEN tt.count_items - tt.count_items_previous END AS growth,
        CASE WHEN c.is_previous_covered THEN tt.count_items / nullif(tt.count_items_previous, 0) - 1 END
            AS growth_ratio,
        tt.count_items / nullif(a.count_all_items, 0) AS share_of_items,
        tt.cost_units / nullif(a.all_cost_units, 0) AS cost_share,
        si.nps_impact,
        coalesce(si.is_nps_ranked, false) AS is_nps_ranked,
        si.csat_impact,
        coalesce(si.is_csat_ranked, false) AS is_csat_ranked,
        CASE p.rank_by
            WHEN 'volume' THEN CAST(tt.count_items AS DOUBLE)
            WHEN 'growth' THEN CAST(tt.count_items - tt.count_items_previous AS DOUBLE)  -- only when covered (below)
            WHEN 'nps_impact' THEN si.nps_impact
            WHEN 'csat_impact' THEN si.csat_impact
            WHEN 'cost' THEN tt.cost_units
        END AS rank_value
    FROM theme_totals AS tt
    INNER JOIN themes AS th ON tt.theme_id = th.theme_id
    CROSS JOIN filtered_item_total AS a
    CROSS JOIN params AS p
    CROSS JOIN coverage AS c
    LEFT JOIN score_impact AS si ON tt.theme_id = si.theme_id
    WHERE tt.count_items > 0
        AND (p.categories IS NULL OR list_contains(p.categories, th.category_label))
        AND (p.rank_by <> 'nps_impact' OR coalesce(si.is_nps_ranked, false))
        AND (p.rank_by <> 'csat_impact' OR coalesce(si.is_csat_ranked, false))
        AND (p.rank_by <> 'growth' OR c.is_previous_covered)
),

ranked AS (
    SELECT
        row_number() OVER (
            ORDER BY m.rank_value DESC NULLS LAST, m.count_items DESC, m.count_segments DESC,
                m.label, m.theme_id
        ) AS rank,
        m.*
    FROM measured AS m
)

SELECT
    r.rank,
    r.theme_id,
    r.label,
    r.keywords,
    r.category_label,
    r.count_items,
    r.count_reach,
    r.count_segments,
    r.share_of_items,
    r.mean_sentiment,
    r.count_items_previous,
    r.growth,
    r.growth_ratio,
    r.nps_impact,
    r.is_nps_ranked,
    r.csat_impact,
    r.is_csat_ranked,
    r.cost_units,
    r.cost_share,
    r.rank_value
FROM ranked AS r
CROSS JOIN params AS p
WHERE p.max_rank IS NULL OR r.rank <= p.max_rank
ORDER BY r.rank
