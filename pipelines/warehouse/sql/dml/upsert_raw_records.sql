-- Land a batch (table `landing`): insert new records, update changed ones, leave the rest;
-- then store every record's source_hash (a record re-sanitised under a new sanitiser may
-- land unchanged, and must not be sanitised again next time).
INSERT INTO raw_records BY NAME
SELECT
    source, source_record_id, channel, received_at, updated_at, customer_id, text,
    nps, csat, product, handle_time_s, resolution_time_s, language_hint,
    turns, metadata, payload, location, content_hash, source_hash,
    feedback_id_of(source, source_record_id) AS feedback_id,
    landed_at AS first_loaded_at,
    landed_at AS last_changed_at
FROM landing
ON CONFLICT (source, source_record_id) DO UPDATE SET
    channel = excluded.channel,
    received_at = excluded.received_at,
    updated_at = excluded.updated_at,
    customer_id = excluded.customer_id,
    text = excluded.text,
    nps = excluded.nps,
    csat = excluded.csat,
    product = excluded.product,
    handle_time_s = excluded.handle_time_s,
    resolution_time_s = excluded.resolution_time_s,
    language_hint = excluded.language_hint,
    turns = excluded.turns,
    metadata = excluded.metadata,
    payload = excluded.payload,
    location = excluded.location,
    content_hash = excluded.content_hash,
    last_changed_at = excluded.last_changed_at
WHERE raw_records.content_hash <> excluded.content_hash;

UPDATE raw_records SET source_hash = landing.source_hash
FROM landing
WHERE raw_records.source = landing.source AND raw_records.source_record_id = landing.source_record_id
  AND raw_records.source_hash IS DISTINCT FROM landing.source_hash;
