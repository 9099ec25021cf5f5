-- campaigns: the promotion calendar with the window in which its mentions are counted.
-- Grain: one row per campaign. Key: campaign_id.
CREATE OR REPLACE TABLE campaigns AS
WITH staged AS (
    SELECT * FROM stg_campaigns
),
windows AS (
    SELECT campaign_id, window_start, window_end FROM promotion_windows
)
SELECT
    staged.campaign_id,
    staged.name,
    staged.promo_code,
    staged.start_date,
    staged.end_date,
    CAST(staged.end_date - staged.start_date AS INTEGER) + 1 AS count_days,
    staged.terms,
    windows.window_start,
    windows.window_end
FROM staged
LEFT JOIN windows USING (campaign_id);
