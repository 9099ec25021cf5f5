-- theme_score_impact_mentions: which themes each scored survey comment mentions.
-- Grain: one row per scored first-copy feedback item x theme it mentions.
-- Key: (feedback_id, theme_id).
CREATE OR REPLACE VIEW theme_score_impact_mentions AS
SELECT DISTINCT segments.feedback_id, segments.theme_id
FROM segments
JOIN feedback USING (feedback_id)
JOIN feedback_scope AS scope USING (feedback_id)
WHERE segments.theme_id IS NOT NULL
    AND scope.is_first_copy
    AND (feedback.nps IS NOT NULL OR feedback.csat IS NOT NULL);
