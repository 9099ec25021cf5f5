-- self_service_candidates: themes that a help page, bot or status tracker could answer
-- (password reset, where is my order), ranked by a transparent score.
-- Grain: one row per theme mentioned by at least one item. Key: theme_id.
-- Over the segments of first copies (copies count once) mentioning the theme:
--   how_to_share   = share of segments asked as a question or a how-to: a question mark
--                    (? ？ ¿) or a phrase like "how do I", "where is", "can I", "cómo",
--                    "dónde", "как", "где", "cum ", "unde ".
--   negative_share = share of segments with negative sentiment.
-- self_service_score = count_items x how_to_share x (1 - negative_share) x shortness,
-- with shortness = min(1, typical contact cost / the theme's cost per handled contact):
-- many customers asking the same question calmly, quickly answered. Long contacts
-- (e.g. gift cards that take 10x the time) point at a broken process, not a missing
-- help page, so they score lower. self_service_rank 1 is the best candidate.
CREATE OR REPLACE TABLE self_service_candidates AS
WITH theme_segments AS (
    SELECT
        segments.theme_id,
        segments.feedback_id,
        segments.sentiment_label,
        regexp_matches(
            lower(segments.text),
            '[?？¿]|\b(how (do|can|to|long)|where (is|are|can)|when will|can (i|you)|is there a way|what do i)\b|cómo|dónde|как|где|\bcum\b|\bunde\b'
        ) AS is_how_to
    FROM segments
    JOIN feedback_scope AS scope USING (feedback_id)
    WHERE segments.theme_id IS NOT NULL AND scope.is_first_copy
),
per_theme AS (
    SELECT
        theme_id,
        count(DISTINCT feedback_id) AS count_items,
        avg(CAST(is_how_to AS DOUBLE)) AS how_to_share,
        avg(CAST(sentiment_label = 'negative' AS DOUBLE)) AS negative_share
    FROM theme_segments
    GROUP BY theme_id
),
handled AS (
    -- cost per handled contact (calls and tickets); 1 is a typical contact
    SELECT theme_items.theme_id, avg(scope.cost_units) AS cost_per_handled_contact
    FROM (SELECT DISTINCT theme_id, feedback_id FROM theme_segments) AS theme_items
    JOIN feedback_scope AS scope USING (feedback_id)
    WHERE scope.cost_units > 0
    GROUP BY theme_items.theme_id
),
scored AS (
    SELECT
        per_theme.*,
        handled.cost_per_handled_contact,
        least(1.0, 1.0 / coalesce(handled.cost_per_handled_contact, 1.0)) AS shortness
    FROM per_theme
    LEFT JOIN handled USING (theme_id)
)
SELECT
    theme_id,
    count_items,
    how_to_share,
    negative_share,
    cost_per_handled_contact,
    shortness,
    count_items * how_to_share * (1 - negative_share) * shortness AS self_service_score,
    row_number() OVER (
        ORDER BY count_items * how_to_share * (1 - negative_share) * shortness DESC, theme_id
    ) AS self_service_rank
FROM scored;
