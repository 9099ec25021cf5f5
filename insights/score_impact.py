"""Score drivers: how much each theme pulls a survey score (NPS or CSAT) down or up.

For every theme and score type, the scored comments that mention the theme ("with") are
compared with all the other scored comments ("without"): the difference of their means
with a Welch confidence interval, and the overall impact, i.e. how much the overall mean
would change if the theme's comments had scored like the rest:

    overall_impact = share_with * (mean_without - mean_with)

(positive: fixing what the theme is about would lift the score). Its interval is the
difference's, scaled by -share_with (the share of scored comments is treated as fixed).
Themes with fewer than ``min_items`` scored comments on either side are reported but not
ranked (``is_ranked`` False, ``impact_rank`` missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

SCORE_TYPES = ("nps", "csat")
RESULT_COLUMNS = [
    "theme_id",
    "score_type",
    "count_scored_with",
    "count_scored_without",
    "mean_with",
    "mean_without",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "overall_mean",
    "overall_impact",
    "overall_impact_ci_low",
    "overall_impact_ci_high",
    "is_ranked",
    "impact_rank",
]


def welch_interval(
    mean_a: np.ndarray,
    var_a: np.ndarray,
    n_a: np.ndarray,
    mean_b: np.ndarray,
    var_b: np.ndarray,
    n_b: np.ndarray,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference mean_a - mean_b and its Welch t interval, element-wise.

    Sample variances (ddof=1). The interval is NaN where a side has fewer than 2 values,
    and collapses to the difference where both sides have no spread.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    mean_a, var_a, n_a, mean_b, var_b, n_b = (
        np.asarray(x, dtype=float) for x in (mean_a, var_a, n_a, mean_b, var_b, n_b)
    )
    difference = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        term_a, term_b = var_a / n_a, var_b / n_b
        standard_error = np.sqrt(term_a + term_b)
        dof = (term_a + term_b) ** 2 / (term_a**2 / (n_a - 1) + term_b**2 / (n_b - 1))
        half_width = stats.t.ppf((1 + confidence) / 2, dof) * standard_error
    half_width = np.where(standard_error == 0, 0.0, half_width)
    half_width = np.where((n_a < 2) | (n_b < 2), np.nan, half_width)
    return difference, difference - half_width, difference + half_width


def _check_inputs(scores: pd.DataFrame, mentions: pd.DataFrame, min_items: int) -> None:
    missing = {"feedback_id", "score_type", "score"} - set(scores.columns)
    if missing:
        raise ValueError(f"scores lacks columns {sorted(missing)}")
    missing = {"feedback_id", "theme_id"} - set(mentions.columns)
    if missing:
        raise ValueError(f"mentions lacks columns {sorted(missing)}")
    unknown = set(scores["score_type"]) - set(SCORE_TYPES)
    if unknown:
        raise ValueError(f"unknown score types {sorted(unknown)}; expected {SCORE_TYPES}")
    if scores.duplicated(["feedback_id", "score_type"]).any():
        raise ValueError("scores has more than one score per item and score type")
    if not np.isfinite(scores["score"].to_numpy(dtype=float)).all():
        raise ValueError("scores must be finite numbers")
    if isinstance(min_items, bool) or not isinstance(min_items, int) or min_items < 2:
        raise ValueError(f"min_items must be an integer >= 2, got {min_items!r}")


def score_impact(
    scores: pd.DataFrame, mentions: pd.DataFrame, min_items: int, confidence: float = 0.95
) -> pd.DataFrame:
    """Each theme's effect on each score type.

    ``scores``: one row per scored item and score type (feedback_id, score_type in
    ``SCORE_TYPES``, score). ``mentions``: (feedback_id, theme_id) pairs; repeated pairs
    and items without a score are ignored. Returns one row per theme x score type with at
    least one scored item mentioning it, columns ``RESULT_COLUMNS``, ranked themes first.
    """
    _check_inputs(scores, mentions, min_items)
    scores = scores.assign(score=scores["score"].astype(float))
    mentioned = mentions[["feedback_id", "theme_id"]].drop_duplicates().merge(
        scores, on="feedback_id"
    )
    overall = scores.groupby("score_type")["score"].agg(
        count_all="count", sum_all="sum", sumsq_all=lambda s: (s**2).sum()
    )
    per_theme = (
        mentioned.groupby(["theme_id", "score_type"])["score"]
        .agg(count_scored_with="count", sum_with="sum", sumsq_with=lambda s: (s**2).sum())
        .reset_index()
        .join(overall, on="score_type")
    )
    if per_theme.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)

    n_with = per_theme["count_scored_with"].to_numpy(dtype=float)
    n_without = (per_theme["count_all"] - per_theme["count_scored_with"]).to_numpy(dtype=float)
    sum_without = (per_theme["sum_all"] - per_theme["sum_with"]).to_numpy()
    sumsq_without = (per_theme["sumsq_all"] - per_theme["sumsq_with"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_with = per_theme["sum_with"].to_numpy() / n_with
        mean_without = sum_without / n_without
        # sample variance from sums; clipped at 0 against rounding
        var_with = np.clip((per_theme["sumsq_with"].to_numpy() - n_with * mean_with**2) / (n_with - 1), 0, None)
        var_without = np.clip((sumsq_without - n_without * mean_without**2) / (n_without - 1), 0, None)
    difference, low, high = welch_interval(
        mean_with, var_with, n_with, mean_without, var_without, n_without, confidence
    )
    share_with = n_with / per_theme["count_all"].to_numpy(dtype=float)

    result = pd.DataFrame(
        {
            "theme_id": per_theme["theme_id"],
            "score_type": per_theme["score_type"],
            "count_scored_with": n_with.astype("int64"),
            "count_scored_without": n_without.astype("int64"),
            "mean_with": mean_with,
            "mean_without": np.where(n_without > 0, mean_without, np.nan),
            "difference": difference,
            "difference_ci_low": low,
            "difference_ci_high": high,
            "overall_mean": (per_theme["sum_all"] / per_theme["count_all"]).to_numpy(),
            "overall_impact": -share_with * difference,
            "overall_impact_ci_low": -share_with * high,
            "overall_impact_ci_high": -share_with * low,
            "is_ranked": (n_with >= min_items) & (n_without >= min_items),
        }
    )
    ranked = result[result["is_ranked"]]
    result["impact_rank"] = (
        ranked.groupby("score_type")["overall_impact"]
        .rank(method="first", ascending=False)
        .reindex(result.index)
        .astype("Int64")
    )
    return result.sort_values(
        ["score_type", "impact_rank", "theme_id"], na_position="last", ignore_index=True
    )[RESULT_COLUMNS]
