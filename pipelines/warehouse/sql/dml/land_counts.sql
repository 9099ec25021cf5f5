-- How a landed batch compares with what raw_records already holds.
-- Grain: one row for the whole batch in table `landing`.
SELECT
    count(*) FILTER (WHERE raw_records.source IS NULL)                        AS count_inserted,
    count(*) FILTER (WHERE raw_records.content_hash <> landing.content_hash)  AS count_updated,
    count(*) FILTER (WHERE raw_records.content_hash = landing.content_hash)   AS count_unchanged
FROM landing
LEFT JOIN raw_records USING (source, source_record_id);
