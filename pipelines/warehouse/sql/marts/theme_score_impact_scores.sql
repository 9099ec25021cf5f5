-- theme_score_impact_scores: the scored survey comments score drivers are computed from.
-- Grain: one row per first-copy feedback item x score type it carries (a double
-- submission is one answer). Key: (feedback_id, score_type).
-- score: NPS in NPS points (9-10 -> +100, 7-8 -> 0, 0-6 -> -100), CSAT as given (1-5).
CREATE OR REPLACE VIEW theme_score_impact_scores AS
WITH scored AS (
    SELECT feedback.feedback_id, feedback.nps, feedback.csat
    FROM feedback
    JOIN feedback_scope AS scope USING (feedback_id)
    WHERE scope.is_first_copy AND (feedback.nps IS NOT NULL OR feedback.csat IS NOT NULL)
)
SELECT
    feedback_id,
    'nps' AS score_type,
    CASE WHEN nps >= 9 THEN 100.0 WHEN nps >= 7 THEN 0.0 ELSE -100.0 END AS score
FROM scored
WHERE nps IS NOT NULL
UNION ALL
SELECT feedback_id, 'csat' AS score_type, CAST(csat AS DOUBLE) AS score
FROM scored
WHERE csat IS NOT NULL;
