-- Grain: one row per campaign in the calendar (promotion_summary), newest launch first.
-- confusion_rank 1 is the campaign whose confusion reached the largest share of all feedback
-- while it ran (ties: more mentions, then the later launch); campaigns never running inside
-- the data rank last.
SELECT
    s.campaign_id,
    s.name,
    s.promo_code,
    s.start_date,
    s.end_date,
    s.window_start,
    s.window_end,
    s.count_mentions,
    s.count_confused,
    s.count_mentions_before,
    s.count_mentions_launch_week,
    s.count_items_running,
    s.count_confused_running,
    s.confusion_share,
    s.confused_share_of_mentions,
    s.negative_share,
    s.peak_day,
    s.peak_mentions,
    s.baseline_mentions_per_day,
    s.launch_week_mentions_per_day,
    s.top_confusion_label,
    c.terms,
    row_number() OVER (
        ORDER BY s.confusion_share DESC NULLS LAST, s.count_mentions DESC, s.start_date DESC, s.campaign_id
    ) AS confusion_rank
FROM promotion_summary AS s
INNER JOIN campaigns AS c ON s.campaign_id = c.campaign_id
ORDER BY s.start_date DESC, s.campaign_id
