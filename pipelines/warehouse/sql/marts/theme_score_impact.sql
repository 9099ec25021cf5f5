-- theme_score_impact: score drivers. For survey comments with an NPS or CSAT score, how the
-- score of comments mentioning a theme differs from the rest, and how much the overall
-- score would change if those comments scored like the rest.
-- Grain: one row per theme x score type (nps | csat) with at least one scored comment
-- mentioning the theme. Key: (theme_id, score_type).
-- Filled by the pipeline's score-impact step (insights/score_impact.py) from the scored
-- comments (theme_score_impact_scores) and their themes (theme_score_impact_mentions).
-- Scores: NPS per respondent in NPS points (promoter 9-10 = +100, passive 7-8 = 0,
-- detractor 0-6 = -100, so a mean is an NPS); CSAT as given (1-5).
-- difference = mean_with - mean_without with a 95 % Welch confidence interval;
-- overall_impact = overall mean if the theme's comments scored like the rest - overall
-- mean (positive: fixing the theme would lift the score), interval scaled from the
-- difference's. Themes with fewer scored comments than the setting score_impact_min_items
-- (on either side) have is_ranked = false and no impact_rank; impact_rank 1 = largest
-- overall_impact among the ranked themes of that score type.
CREATE OR REPLACE TABLE theme_score_impact (
    theme_id VARCHAR,
    score_type VARCHAR,
    count_scored_with BIGINT,
    count_scored_without BIGINT,
    mean_with DOUBLE,
    mean_without DOUBLE,
    difference DOUBLE,
    difference_ci_low DOUBLE,
    difference_ci_high DOUBLE,
    overall_mean DOUBLE,
    overall_impact DOUBLE,
    overall_impact_ci_low DOUBLE,
    overall_impact_ci_high DOUBLE,
    is_ranked BOOLEAN,
    impact_rank BIGINT
);
