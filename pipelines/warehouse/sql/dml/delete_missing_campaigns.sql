-- Remove campaigns that are no longer in the calendar file (table `campaign_landing`).
DELETE FROM raw_campaigns
WHERE (name, start_date) NOT IN (SELECT (name, start_date) FROM campaign_landing);
