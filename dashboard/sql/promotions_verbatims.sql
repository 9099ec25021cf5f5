-- Grain: one row per example segment: at most $per_type per confusion type of campaign
-- $campaign_id (only type $confusion_type unless NULL), one per item (first copies), newest
-- first. count_type_items is how many items the type has before the limit. message_marked
-- is the whole message with the classified segment wrapped in « ».
WITH params AS (
    SELECT
        CAST($campaign_id AS VARCHAR) AS campaign_id,
        CAST($per_type AS INTEGER) AS per_type,
        CAST($confusion_type AS VARCHAR) AS confusion_type
),

typed AS (
    SELECT
        cs.canonical_id,
        cs.segment_id,
        cs.theme_id,
        unnest(cs.confusion_types) AS confusion_type
    FROM promotion_campaign_segments AS cs
    INNER JOIN params AS p ON cs.campaign_id = p.campaign_id
),

typed_in_filter AS (
    SELECT t.*
    FROM typed AS t
    CROSS JOIN params AS p
    WHERE p.confusion_type IS NULL OR t.confusion_type = p.confusion_type
),

ranked AS (
    SELECT
        t.*,
        s.text AS segment_text,
        s.char_start,
        s.char_end,
        f.text AS message_text,
        f.received_at,
        f.channel,
        -- one example per item and type: its first classified segment
        row_number() OVER (
            PARTITION BY t.confusion_type, t.canonical_id ORDER BY s.ordinal
        ) AS rank_in_item
    FROM typed_in_filter AS t
    INNER JOIN segments AS s ON t.segment_id = s.segment_id
    INNER JOIN feedback AS f ON s.feedback_id = f.feedback_id
),

examples AS (
    SELECT
        r.*,
        row_number() OVER (
            PARTITION BY r.confusion_type ORDER BY r.received_at DESC, r.segment_id
        ) AS example_rank,
        count(*) OVER (PARTITION BY r.confusion_type) AS count_type_items
    FROM ranked AS r
    WHERE r.rank_in_item = 1
)

SELECT
    e.confusion_type,
    types.label AS confusion_label,
    e.example_rank,
    e.count_type_items,
    e.segment_id,
    e.received_at,
    e.channel,
    coalesce(th.label, 'Unassigned') AS theme_label,
    e.segment_text,
    -- char_start/char_end are Python slice offsets (0-based, end exclusive, code points);
    -- substring() is 1-based over code points
    substring(e.message_text, 1, e.char_start)
    || '«' || substring(e.message_text, e.char_start + 1, e.char_end - e.char_start) || '»'
    || substring(e.message_text, e.char_end + 1) AS message_marked
FROM examples AS e
CROSS JOIN params AS p
INNER JOIN promotion_confusion_types AS types ON e.confusion_type = types.confusion_type
LEFT JOIN themes AS th ON e.theme_id = th.theme_id
WHERE e.example_rank <= p.per_type
ORDER BY types.sort_order, e.example_rank
