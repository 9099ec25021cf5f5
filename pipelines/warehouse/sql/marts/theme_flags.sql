-- theme_flags: the weekly movers. Each theme's items in a week are tested against its own
-- normal level (insights/movers.py: the mean share over the previous 8 weeks of data that did
-- not rise, beta-binomial conditional tests with the dispersion estimated from the data,
-- Benjamini-Hochberg across the themes of each week); the pipeline fills this table from
-- theme_week_counts right after the SQL marts are built.
-- Grain: one row per active theme x ISO week (Monday, UTC), as in theme_week_counts.
-- Key: (theme_id, week_start).
-- volume_index = median over the week's established themes of count / (baseline_share x
-- count_all_items), so one theme's wave does not make the others look low;
-- expected_count = baseline_share x count_all_items x volume_index; rate_ratio = count_items / expected_count;
-- share_change = share_of_items - baseline_share; baseline_weeks = weeks of data the baseline
-- saw. fall_reference: what p_fall compared with ('baseline', or 'last_week' for a theme that
-- rose last week). At most one of is_new, is_spiking, is_falling holds. p/q are NULL where
-- nothing could be tested. dispersion: the variance inflation over the binomial the tests
-- used, one value for the whole table (1: exact binomial tests).
CREATE OR REPLACE TABLE theme_flags (
    theme_id VARCHAR NOT NULL,
    week_start DATE NOT NULL,
    count_items BIGINT NOT NULL,
    count_all_items BIGINT NOT NULL,
    share_of_items DOUBLE,
    volume_index DOUBLE NOT NULL,
    count_prior_items BIGINT NOT NULL,
    max_prior_week_items BIGINT NOT NULL,
    baseline_weeks INTEGER NOT NULL,
    baseline_share DOUBLE,
    expected_count DOUBLE,
    rate_ratio DOUBLE,
    share_change DOUBLE,
    p_rise DOUBLE,
    q_rise DOUBLE,
    fall_reference VARCHAR NOT NULL,
    p_fall DOUBLE,
    q_fall DOUBLE,
    is_new BOOLEAN NOT NULL,
    is_spiking BOOLEAN NOT NULL,
    is_falling BOOLEAN NOT NULL,
    dispersion DOUBLE NOT NULL
);
