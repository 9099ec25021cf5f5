-- Grain: one row per theme flagged in theme_flags for the ISO week starting $week_start:
-- rising (is_spiking), new (is_new) or falling (is_falling); the flags exclude each other.
-- Order: rising, then new, then falling; within each the strongest evidence (q-value) first.
-- count_previous_week is the theme's items the week before (0 before its first mention);
-- fall_reference says what a faller fell against: 'baseline' (its normal level) or
-- 'last_week' (a wave falling away, which may still be above its normal level).
WITH params AS (
    SELECT CAST($week_start AS DATE) AS week_start
),

flagged AS (
    SELECT
        fl.*,
        CASE
            WHEN fl.is_spiking THEN 'rising'
            WHEN fl.is_new THEN 'new'
            ELSE 'falling'
        END AS movement
    FROM theme_flags AS fl
    CROSS JOIN params AS p
    WHERE fl.week_start = p.week_start
        AND (fl.is_spiking OR fl.is_new OR fl.is_falling)
)

SELECT
    f.movement,
    f.theme_id,
    th.label,
    th.keywords,
    f.count_items,
    coalesce(prev.count_items, 0) AS count_previous_week,
    f.expected_count,
    f.rate_ratio,
    f.share_of_items,
    f.baseline_share,
    f.share_change,
    f.fall_reference,
    CASE WHEN f.movement = 'falling' THEN f.p_fall ELSE f.p_rise END AS p_value,
    CASE WHEN f.movement = 'falling' THEN f.q_fall ELSE f.q_rise END AS q_value
FROM flagged AS f
INNER JOIN themes AS th ON f.theme_id = th.theme_id
LEFT JOIN theme_flags AS prev
    ON f.theme_id = prev.theme_id
    AND prev.week_start = CAST(f.week_start - INTERVAL 7 DAY AS DATE)
ORDER BY
    list_position(['rising', 'new', 'falling'], f.movement),
    q_value,
    abs(f.share_change) DESC,
    th.label
