-- Grain: one row per taxonomy edit a run has landed, newest first, at most $limit rows.
-- Columns: edit_id, created_at, action, target_id, other_ids, value, k, author,
-- applied_run (NULL: landed, waiting), outcome ("applied" or "rejected: <why>").
SELECT edit_id, created_at, action, target_id, other_ids, value, k, author, applied_run, outcome
FROM taxonomy_edits
ORDER BY created_at DESC, edit_id
LIMIT $limit;
