-- Land the calendar file (table `campaign_landing`, every valid row of it): insert new
-- campaigns, update changed ones, leave unchanged ones alone. Campaigns no longer in the file
-- are removed by delete_missing_campaigns.sql: the file is the whole calendar.
INSERT INTO raw_campaigns
SELECT
    name, start_date, end_date, promo_code, terms, location, content_hash,
    landed_at AS first_loaded_at,
    landed_at AS last_changed_at
FROM campaign_landing
ON CONFLICT (name, start_date) DO UPDATE SET
    end_date = excluded.end_date,
    promo_code = excluded.promo_code,
    terms = excluded.terms,
    location = excluded.location,
    content_hash = excluded.content_hash,
    last_changed_at = excluded.last_changed_at
WHERE raw_campaigns.content_hash <> excluded.content_hash;
