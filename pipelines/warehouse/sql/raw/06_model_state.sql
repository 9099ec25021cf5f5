-- model_state: the fingerprint of the warehouse SQL that the incrementally kept model tables
-- (feedback, segments, theme_segments) were built with; a different one rebuilds them whole
-- (pipelines/warehouse/db.py build_models). Grain: one row. Key: sql_fingerprint.
CREATE TABLE IF NOT EXISTS model_state (
    sql_fingerprint VARCHAR PRIMARY KEY
);
