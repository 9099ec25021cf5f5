-- promotion_summary: one line per campaign for marketing: how much it was talked about,
-- how much of it was confusion, how negative, when it peaked, and its launch against the
-- days before. Reads promotion_mentions (built before it: marts run in file-name order).
-- Grain: one row per campaign. Key: campaign_id.
-- confusion_share = items showing confusion about the campaign while it ran / all items
-- received while it ran; confused_share_of_mentions = confused mentions / mentions (window);
-- negative_share = negative campaign segments / campaign segments (window); baseline: the
-- window's days before launch; launch week: the 7 days from launch.
CREATE OR REPLACE TABLE promotion_summary AS
WITH per_campaign AS (
    SELECT
        campaign_id,
        CAST(sum(count_mentions) AS BIGINT) AS count_mentions,
        CAST(sum(count_confused) AS BIGINT) AS count_confused,
        CAST(sum(count_segments) AS BIGINT) AS count_segments,
        CAST(sum(count_negative_segments) AS BIGINT) AS count_negative_segments,
        CAST(coalesce(sum(count_mentions) FILTER (WHERE days_from_launch < 0), 0) AS BIGINT) AS count_mentions_before,
        CAST(coalesce(sum(count_items) FILTER (WHERE days_from_launch < 0), 0) AS BIGINT) AS count_items_before,
        count(*) FILTER (WHERE days_from_launch < 0) AS count_days_before,
        CAST(coalesce(sum(count_mentions) FILTER (WHERE days_from_launch BETWEEN 0 AND 6), 0) AS BIGINT) AS count_mentions_launch_week,
        count(*) FILTER (WHERE days_from_launch BETWEEN 0 AND 6) AS count_days_launch_week,
        CAST(coalesce(sum(count_mentions) FILTER (WHERE is_running), 0) AS BIGINT) AS count_mentions_running,
        CAST(coalesce(sum(count_confused) FILTER (WHERE is_running), 0) AS BIGINT) AS count_confused_running,
        CAST(coalesce(sum(count_items) FILTER (WHERE is_running), 0) AS BIGINT) AS count_items_running,
        first(day ORDER BY count_mentions DESC, day) AS peak_day,
        max(count_mentions) AS peak_mentions
    FROM promotion_mentions
    GROUP BY campaign_id
),
type_items AS (
    SELECT DISTINCT campaign_id, confusion_type, confusion_label, confusion_order, count_type_items
    FROM promotion_confusion
),
top_type AS (
    SELECT
        campaign_id,
        first(confusion_type ORDER BY count_type_items DESC, confusion_order) AS top_confusion_type,
        first(confusion_label ORDER BY count_type_items DESC, confusion_order) AS top_confusion_label
    FROM type_items
    GROUP BY campaign_id
)
SELECT
    campaigns.campaign_id,
    campaigns.name,
    campaigns.promo_code,
    campaigns.start_date,
    campaigns.end_date,
    campaigns.window_start,
    campaigns.window_end,
    coalesce(per_campaign.count_mentions, 0) AS count_mentions,
    coalesce(per_campaign.count_confused, 0) AS count_confused,
    coalesce(per_campaign.count_mentions_before, 0) AS count_mentions_before,
    coalesce(per_campaign.count_mentions_launch_week, 0) AS count_mentions_launch_week,
    coalesce(per_campaign.count_mentions_running, 0) AS count_mentions_running,
    coalesce(per_campaign.count_confused_running, 0) AS count_confused_running,
    coalesce(per_campaign.count_items_running, 0) AS count_items_running,
    per_campaign.count_confused_running / nullif(per_campaign.count_items_running, 0) AS confusion_share,
    per_campaign.count_confused / nullif(per_campaign.count_mentions, 0) AS confused_share_of_mentions,
    per_campaign.count_negative_segments / nullif(per_campaign.count_segments, 0) AS negative_share,
    CASE WHEN per_campaign.peak_mentions > 0 THEN per_campaign.peak_day END AS peak_day,
    coalesce(per_campaign.peak_mentions, 0) AS peak_mentions,
    per_campaign.count_mentions_before / nullif(per_campaign.count_items_before, 0) AS baseline_mention_share,
    per_campaign.count_mentions_running / nullif(per_campaign.count_items_running, 0) AS running_mention_share,
    per_campaign.count_mentions_before / nullif(per_campaign.count_days_before, 0) AS baseline_mentions_per_day,
    per_campaign.count_mentions_launch_week / nullif(per_campaign.count_days_launch_week, 0) AS launch_week_mentions_per_day,
    top_type.top_confusion_type,
    top_type.top_confusion_label
FROM campaigns
LEFT JOIN per_campaign USING (campaign_id)
LEFT JOIN top_type USING (campaign_id);
