-- stg_campaigns: the landed calendar renamed and keyed.
-- Grain: one row per campaign. Key: campaign_id (= hash of name and start date, so an
-- extended end date or corrected terms keep the id).
CREATE OR REPLACE VIEW stg_campaigns AS
WITH landed AS (
    SELECT * FROM raw_campaigns
)
SELECT
    'cmp_' || substr(md5(name || chr(31) || CAST(start_date AS VARCHAR)), 1, 12) AS campaign_id,
    name,
    promo_code,
    start_date,
    end_date,
    terms
FROM landed;
