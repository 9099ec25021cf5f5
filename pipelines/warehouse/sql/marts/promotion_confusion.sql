-- promotion_confusion: what confused customers about each campaign, and the themes those
-- segments fall into, over the campaign's whole window.
-- Grain: one row per campaign x confusion type x theme. Key: (campaign_id, confusion_type, theme_id);
-- theme_id is 'unassigned' for segments no theme holds. A segment with two types counts under each.
-- share_of_type: this theme's items / all items showing the type for the campaign.
CREATE OR REPLACE TABLE promotion_confusion AS
WITH typed_segments AS (
    SELECT
        campaign_id,
        canonical_id,
        coalesce(theme_id, 'unassigned') AS theme_id,
        sentiment_label,
        unnest(confusion_types) AS confusion_type
    FROM promotion_campaign_segments
    WHERE len(confusion_types) > 0
),
per_theme AS (
    SELECT
        campaign_id,
        confusion_type,
        theme_id,
        count(*) AS count_segments,
        count(DISTINCT canonical_id) AS count_items,
        count(*) FILTER (WHERE sentiment_label = 'negative') AS count_negative_segments
    FROM typed_segments
    GROUP BY campaign_id, confusion_type, theme_id
),
per_type AS (
    SELECT campaign_id, confusion_type, count(DISTINCT canonical_id) AS count_type_items
    FROM typed_segments
    GROUP BY campaign_id, confusion_type
)
SELECT
    per_theme.campaign_id,
    per_theme.confusion_type,
    types.label AS confusion_label,
    types.sort_order AS confusion_order,
    per_theme.theme_id,
    coalesce(themes.label, 'Unassigned') AS theme_label,
    per_theme.count_segments,
    per_theme.count_items,
    per_type.count_type_items,
    per_theme.count_items / per_type.count_type_items AS share_of_type,
    per_theme.count_negative_segments,
    per_theme.count_negative_segments / per_theme.count_segments AS negative_share
FROM per_theme
JOIN per_type USING (campaign_id, confusion_type)
JOIN promotion_confusion_types AS types USING (confusion_type)
LEFT JOIN themes ON themes.theme_id = per_theme.theme_id;
