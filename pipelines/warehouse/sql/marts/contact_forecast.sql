-- contact_forecast: weekly contacts forecast for the next weeks, per channel and per top
-- theme, with the prediction interval and the agent-hours the contacts will need.
-- Grain: one row per series x forecast week. Key: (series_kind, series, week_start).
-- series_kind 'channel': series is a channel, counting every contact received (contacts_daily);
-- series_kind 'theme': series is a theme_id, counting first copies by main theme (agent_hours_weekly).
-- This file only declares the table; the run fills it (pipelines/planning.py with
-- insights/forecast.py) right after the marts it reads are built.
-- hours_per_contact = agent-hours per contact of the series over its last 52 weeks of history.
CREATE OR REPLACE TABLE contact_forecast (
    series_kind         VARCHAR NOT NULL,
    series              VARCHAR NOT NULL,
    series_label        VARCHAR NOT NULL,
    week_start          DATE    NOT NULL,
    horizon             INTEGER NOT NULL,
    forecast            DOUBLE  NOT NULL,
    lower               DOUBLE  NOT NULL,
    upper               DOUBLE  NOT NULL,
    interval_level      DOUBLE  NOT NULL,
    method              VARCHAR NOT NULL,
    history_weeks       INTEGER NOT NULL,
    hours_per_contact   DOUBLE  NOT NULL,
    agent_hours         DOUBLE  NOT NULL,
    agent_hours_lower   DOUBLE  NOT NULL,
    agent_hours_upper   DOUBLE  NOT NULL
);
