-- The campaign calendar as last landed from the calendar CSV (settings.campaigns_path), and
-- which feedback mentions each campaign (computed by insights/promotions.py each run).

-- raw_campaigns: one row per campaign in the calendar file as last landed.
-- Grain: one row per campaign. Key: (name, start_date). A campaign no longer in the file is
-- removed; an unchanged row keeps its timestamps, so re-landing the same file changes nothing.
CREATE TABLE IF NOT EXISTS raw_campaigns (
    name             VARCHAR   NOT NULL,
    start_date       DATE      NOT NULL,
    end_date         DATE      NOT NULL,
    promo_code       VARCHAR,
    terms            VARCHAR   NOT NULL,
    location         VARCHAR   NOT NULL,
    content_hash     VARCHAR   NOT NULL,
    first_loaded_at  TIMESTAMP NOT NULL,
    last_changed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (name, start_date)
);

-- promotion_windows: the days around each campaign in which mentions are looked for
-- (config/promotions.yaml: window). Grain: one row per campaign. Key: campaign_id.
CREATE TABLE IF NOT EXISTS promotion_windows (
    campaign_id   VARCHAR PRIMARY KEY,
    window_start  DATE    NOT NULL,
    window_end    DATE    NOT NULL
);

-- promotion_item_matches: items received within a campaign's window that mention it, and the
-- evidence (matched_by: code | name | terms). Grain: one row per campaign x mentioning item.
-- Key: (campaign_id, feedback_id).
CREATE TABLE IF NOT EXISTS promotion_item_matches (
    campaign_id   VARCHAR NOT NULL,
    feedback_id   VARCHAR NOT NULL,
    matched_by    VARCHAR NOT NULL,
    matched_text  VARCHAR NOT NULL,
    PRIMARY KEY (campaign_id, feedback_id)
);

-- promotion_segment_matches: the segments of mentioning items that name the campaign
-- (is_mention) or show a confusion type (confusion_types, possibly empty).
-- Grain: one row per campaign x segment. Key: (campaign_id, feedback_id, ordinal).
CREATE TABLE IF NOT EXISTS promotion_segment_matches (
    campaign_id      VARCHAR   NOT NULL,
    feedback_id      VARCHAR   NOT NULL,
    ordinal          INTEGER   NOT NULL,
    is_mention       BOOLEAN   NOT NULL,
    confusion_types  VARCHAR[] NOT NULL,
    PRIMARY KEY (campaign_id, feedback_id, ordinal)
);

-- promotion_checked_items: the item versions match_promotions has looked at, under the
-- campaigns and settings of `fingerprint`; only other items are looked at next run, and a new
-- fingerprint (a changed calendar or config/promotions.yaml) looks at every item again.
-- Grain: one row per current feedback item. Key: feedback_id.
CREATE TABLE IF NOT EXISTS promotion_checked_items (
    feedback_id   VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    fingerprint   VARCHAR NOT NULL
);

-- promotion_confusion_types: the confusion types of config/promotions.yaml, for labels and order.
-- Grain: one row per confusion type. Key: confusion_type.
CREATE TABLE IF NOT EXISTS promotion_confusion_types (
    confusion_type  VARCHAR PRIMARY KEY,
    label           VARCHAR NOT NULL,
    sort_order      INTEGER NOT NULL
);
