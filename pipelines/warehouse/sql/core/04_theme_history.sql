-- theme_history: every theme ever created and what became of it: active, merged (into
-- merged_into), split (into the themes whose split_from is this one) or retired by a refit.
-- Grain: one row per theme ever created. Key: theme_id.
CREATE OR REPLACE TABLE theme_history AS
SELECT
    theme_id,
    label,
    CASE
        WHEN is_active THEN 'active'
        WHEN merged_into IS NOT NULL THEN 'merged'
        WHEN theme_id IN (SELECT split_from FROM theme_state WHERE split_from IS NOT NULL) THEN 'split'
        ELSE 'retired'
    END AS status,
    merged_into,
    split_from,
    first_seen_run,
    last_seen_run,
    retired_run
FROM theme_state;
