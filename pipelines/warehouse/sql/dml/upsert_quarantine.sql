-- Record a batch of rejected records (table `rejected`); one seen before is left as it is,
-- so re-running on the same files changes nothing.
INSERT INTO quarantine
SELECT quarantine_id, source, location, reason, raw_payload, source_record_id, seen_at AS first_seen_at
FROM rejected
ON CONFLICT (quarantine_id) DO NOTHING;
