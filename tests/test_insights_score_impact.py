"""insights.score_impact on hand-made frames: the numbers, the ranking rule, the error paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from insights.score_impact import RESULT_COLUMNS, score_impact, welch_interval

# Eight CSAT answers; theme "slow" is on the four worst, "kind" on two good ones.
CSAT = [1, 2, 2, 3, 4, 5, 5, 4]
ITEMS = [f"fb{i}" for i in range(len(CSAT))]


def csat_scores(values: list[float] = CSAT) -> pd.DataFrame:
    return pd.DataFrame(
        {"feedback_id": ITEMS[: len(values)], "score_type": "csat", "score": values}
    )


def mentions(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["feedback_id", "theme_id"])


SLOW = [("fb0", "slow"), ("fb1", "slow"), ("fb2", "slow"), ("fb3", "slow")]
KIND = [("fb5", "kind"), ("fb6", "kind")]


def row_of(result: pd.DataFrame, theme_id: str, score_type: str = "csat") -> pd.Series:
    (row,) = result[(result["theme_id"] == theme_id) & (result["score_type"] == score_type)].itertuples(index=False)
    return pd.Series(row._asdict())


def test_means_difference_and_welch_interval_match_a_direct_computation() -> None:
    result = score_impact(csat_scores(), mentions(SLOW + KIND), min_items=2)
    assert list(result.columns) == RESULT_COLUMNS
    slow = row_of(result, "slow")
    with_theme, without = np.array([1, 2, 2, 3.0]), np.array([4, 5, 5, 4.0])
    assert slow["count_scored_with"] == 4 and slow["count_scored_without"] == 4
    assert slow["mean_with"] == pytest.approx(2.0)
    assert slow["mean_without"] == pytest.approx(4.5)
    assert slow["difference"] == pytest.approx(-2.5)
    welch = stats.ttest_ind(with_theme, without, equal_var=False).confidence_interval(0.95)
    assert (slow["difference_ci_low"], slow["difference_ci_high"]) == pytest.approx(
        (welch.low, welch.high)
    )
    assert slow["overall_mean"] == pytest.approx(np.mean(CSAT))


def test_overall_impact_is_the_change_if_the_themes_items_scored_like_the_rest() -> None:
    result = score_impact(csat_scores(), mentions(SLOW + KIND), min_items=2)
    slow, kind = row_of(result, "slow"), row_of(result, "kind")
    # If the four "slow" answers had averaged 4.5 like the rest, the mean of all eight
    # would be (4 * 4.5 + 18) / 8 = 4.5 instead of 3.25.
    assert slow["overall_impact"] == pytest.approx(4.5 - 3.25)
    assert kind["overall_impact"] < 0  # a praise theme: without it the score would drop
    share = 4 / 8
    assert slow["overall_impact_ci_low"] == pytest.approx(-share * slow["difference_ci_high"])
    assert slow["overall_impact_ci_high"] == pytest.approx(-share * slow["difference_ci_low"])


def test_themes_with_too_few_scored_items_are_marked_not_ranked() -> None:
    rare = [("fb7", "rare")]
    result = score_impact(csat_scores(), mentions(SLOW + KIND + rare), min_items=3)
    ranked = result[result["is_ranked"]]
    assert ranked["theme_id"].tolist() == ["slow"]
    assert ranked["impact_rank"].tolist() == [1]
    unranked = result[~result["is_ranked"]].set_index("theme_id")
    assert set(unranked.index) == {"kind", "rare"}
    assert unranked["impact_rank"].isna().all()
    assert np.isnan(unranked.loc["rare", "difference_ci_low"])  # one item: no interval


def test_ranks_are_per_score_type_largest_impact_first() -> None:
    nps = pd.DataFrame(
        {"feedback_id": ITEMS, "score_type": "nps", "score": [-100, -100, 0, 100, 100, 100, -100, 0.0]}
    )
    scores = pd.concat([csat_scores(), nps], ignore_index=True)
    result = score_impact(scores, mentions(SLOW + KIND), min_items=2)
    for score_type, frame in result.groupby("score_type"):
        ordered = frame.sort_values("impact_rank")
        assert ordered["impact_rank"].tolist() == list(range(1, len(frame) + 1)), score_type
        assert ordered["overall_impact"].is_monotonic_decreasing, score_type


def test_repeated_mentions_and_unscored_items_do_not_count() -> None:
    noisy = mentions(SLOW + SLOW[:2] + [("not-scored", "slow")])
    assert score_impact(csat_scores(), noisy, min_items=2).equals(
        score_impact(csat_scores(), mentions(SLOW), min_items=2)
    )


def test_identical_scores_give_a_zero_width_interval() -> None:
    flat = csat_scores([2, 2, 5, 5])
    row = row_of(score_impact(flat, mentions([("fb0", "t"), ("fb1", "t")]), min_items=2), "t")
    assert row["difference"] == row["difference_ci_low"] == row["difference_ci_high"] == -3


def test_no_mentions_give_an_empty_frame_with_the_columns() -> None:
    result = score_impact(csat_scores(), mentions([]), min_items=2)
    assert result.empty and list(result.columns) == RESULT_COLUMNS


@pytest.mark.parametrize(
    ("scores", "theme_mentions", "min_items", "message"),
    [
        (csat_scores().drop(columns="score"), mentions(SLOW), 2, "scores lacks"),
        (csat_scores(), mentions(SLOW).drop(columns="theme_id"), 2, "mentions lacks"),
        (csat_scores().assign(score_type="ces"), mentions(SLOW), 2, "unknown score types"),
        (pd.concat([csat_scores(), csat_scores()]), mentions(SLOW), 2, "more than one score"),
        (csat_scores([1, np.nan, 3]), mentions(SLOW), 2, "finite"),
        (csat_scores(), mentions(SLOW), 1, "min_items"),
        (csat_scores(), mentions(SLOW), True, "min_items"),
    ],
)
def test_bad_inputs_are_refused(
    scores: pd.DataFrame, theme_mentions: pd.DataFrame, min_items: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score_impact(scores, theme_mentions, min_items=min_items)


def test_confidence_must_be_a_probability() -> None:
    one = np.array([1.0])
    for confidence in (0, 1, 95):
        with pytest.raises(ValueError, match="confidence"):
            welch_interval(one, one, one * 5, one, one, one * 5, confidence=confidence)
