-- Grain: one row per taxonomy edit a run has landed (applied or rejected), all of them:
-- the journal's other edits are still pending. Key: edit_id.
SELECT edit_id
FROM taxonomy_edits
WHERE applied_run IS NOT NULL
