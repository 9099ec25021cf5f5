-- Land a batch (table `landing`): insert new records, update changed ones, leave the rest.
INSERT INTO raw_records
SELECT
    source, source_record_id, channel, received_at, updated_at, customer_id, text,
    nps, csat, product, handle_time_s, resolution_time_s, language_hint,
    turns, metadata, payload, location, content_hash,
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
