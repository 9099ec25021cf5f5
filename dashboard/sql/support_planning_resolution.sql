-- Grain: one row per theme x channel in $channels (ticket, call) with timing data, slowest
-- median resolution first. Times in hours.
SELECT
    r.theme_id,
    t.label,
    r.channel,
    r.count_items,
    r.median_first_response_s / 3600 AS median_first_response_h,
    r.p90_first_response_s / 3600 AS p90_first_response_h,
    r.median_resolution_s / 3600 AS median_resolution_h,
    r.p90_resolution_s / 3600 AS p90_resolution_h
FROM resolution_times AS r
JOIN themes AS t USING (theme_id)
WHERE list_contains(CAST($channels AS VARCHAR[]), r.channel)
ORDER BY r.median_resolution_s DESC NULLS LAST, t.label, r.channel
