-- Grain: one row per theme x channel in $channels (ticket, call) with timing data, slowest
-- median resolution first among the rows with at least $min_items items, then the others
-- (a median of one or two tickets says little). Times in hours.
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
ORDER BY r.count_items >= CAST($min_items AS BIGINT) DESC, r.median_resolution_s DESC NULLS LAST, t.label, r.channel
