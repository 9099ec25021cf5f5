-- Grain: one row for the whole snapshot.
-- When the last pipeline run recorded in the snapshot finished (UTC); NULL before any run.
WITH runs AS (
    SELECT finished_at
    FROM run_log
)

SELECT max(finished_at) AS finished_at
FROM runs
