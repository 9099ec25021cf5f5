"""Recovery check on the story sample: handling cost, score drivers, self-service candidates
and copies counted once, against the planted stories in ground_truth_items.csv.

A warehouse theme's planted theme is the planted theme most of its items carry.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import steps
from pipelines.settings import get_settings
from pipelines.warehouse.db import apply_layers

PRAISE = {"praise_delivery", "praise_support"}  # every other planted theme is a problem


def query(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).df()


@pytest.fixture(scope="module")
def planted(story_warehouse) -> dict[str, str]:
    """theme_id -> the planted theme most of its items carry."""
    truth = pd.read_csv(story_warehouse.samples_dir / "ground_truth_items.csv", dtype=str)
    truth = truth.dropna(subset=["stories"])
    truth["story"] = truth["stories"].str.split("|")
    truth = truth.explode("story")[["channel", "source_record_id", "story"]]
    mentions = query(
        story_warehouse.db_path,
        """SELECT DISTINCT s.theme_id, f.feedback_id, f.channel, f.source_record_id
           FROM segments AS s JOIN feedback AS f USING (feedback_id)
           WHERE s.theme_id IS NOT NULL""",
    ).merge(truth, on=["channel", "source_record_id"])
    votes = mentions.groupby(["theme_id", "story"])["feedback_id"].nunique().rename("n").reset_index()
    winners = votes.sort_values(["theme_id", "n", "story"], ascending=[True, False, True])
    return winners.drop_duplicates("theme_id").set_index("theme_id")["story"].to_dict()


def test_gift_card_problems_top_the_handling_cost(story_warehouse, planted) -> None:
    cost = query(story_warehouse.db_path, "SELECT * FROM theme_handling_cost ORDER BY cost_rank")
    cost["planted"] = cost["theme_id"].map(planted)
    top = cost.iloc[0]
    assert top["planted"] == "gift_card_redemption", cost.head(5)[["theme_id", "planted", "cost_share"]]
    # The story: gift-card contacts take ~10x as long as a typical theme's.
    assert top["handle_time_vs_median_theme"] > 4 or top["resolution_time_vs_median_theme"] > 4
    gift = cost[cost["planted"] == "gift_card_redemption"]
    others = cost[cost["planted"] != "gift_card_redemption"]
    # themes are finer than the planted ones, and some mix gift cards with other topics
    assert gift["median_resolution_time_s"].median() > 2 * others["median_resolution_time_s"].median()
    # Cost share is the theme's share of all items' cost, so no theme exceeds the whole.
    assert cost["cost_share"].between(0, 1).all()
    assert cost["cost_rank"].tolist() == list(range(1, len(cost) + 1))


@pytest.fixture(scope="module")
def praise_share(story_warehouse) -> dict[str, float]:
    """theme_id -> share of its NPS-scored items with a planted story that carry a praise
    story: the items its NPS impact is computed from. (A theme of closing phrases, "That's why
    I keep coming back" beside "I can send photos", can be mostly complaints overall and mostly
    praise among the items that carry a score.)"""
    truth = pd.read_csv(story_warehouse.samples_dir / "ground_truth_items.csv", dtype=str)
    truth = truth.dropna(subset=["stories"])
    truth["praise"] = truth["stories"].str.split("|").map(lambda stories: bool(PRAISE & set(stories)))
    mentions = query(
        story_warehouse.db_path,
        """SELECT DISTINCT s.theme_id, f.feedback_id, f.channel, f.source_record_id
           FROM segments AS s JOIN feedback AS f USING (feedback_id)
           WHERE s.theme_id IS NOT NULL AND f.nps IS NOT NULL""",
    ).merge(truth[["channel", "source_record_id", "praise"]], on=["channel", "source_record_id"])
    return mentions.groupby("theme_id")["praise"].mean().to_dict()


def test_score_impact_signs_follow_the_planted_stories(story_warehouse, praise_share) -> None:
    impact = query(
        story_warehouse.db_path,
        "SELECT * FROM theme_score_impact WHERE score_type = 'nps' AND is_ranked",
    )
    # A theme is praise or a problem when two thirds of its planted items say so; a theme
    # that mixes praise and complaints about one topic ("arrived a day early" beside "a week
    # late") can land either side, so it is judged on neither.
    impact["praise_share"] = impact["theme_id"].map(praise_share)
    praise = impact[impact["praise_share"] >= 2 / 3]
    problems = impact[impact["praise_share"] <= 1 / 3]
    assert len(praise) >= 1 and len(problems) >= 3, impact[["theme_id", "praise_share"]]
    assert len(praise) + len(problems) >= 0.7 * len(impact), impact[["theme_id", "praise_share"]]
    # praise lifts NPS (fixing it would lower the score), planted problems pull it down;
    # small themes mixing topics can land either side, but never significantly upwards
    assert (praise["difference"] > 0).all() and (praise["overall_impact"] < 0).all()
    assert not (problems["difference_ci_low"] > 0).any(), problems[["theme_id", "praise_share", "difference"]]
    assert (problems["difference_ci_high"] < 0).sum() >= 3
    assert (problems["difference"] < 0).mean() > 0.5
    assert (problems["overall_impact"] > 0).mean() > 0.5
    # intervals contain their estimate
    assert (impact["difference_ci_low"] <= impact["difference"]).all()
    assert (impact["difference"] <= impact["difference_ci_high"]).all()
    unranked = query(
        story_warehouse.db_path,
        "SELECT * FROM theme_score_impact WHERE NOT is_ranked",
    )
    minimum = get_settings().score_impact_min_items
    assert unranked["impact_rank"].isna().all()
    assert (
        (unranked["count_scored_with"] < minimum) | (unranked["count_scored_without"] < minimum)
    ).all()


def test_how_to_themes_lead_the_self_service_candidates(story_warehouse, planted) -> None:
    candidates = query(
        story_warehouse.db_path,
        "SELECT * FROM self_service_candidates ORDER BY self_service_rank LIMIT 3",
    )
    top_planted = set(candidates["theme_id"].map(planted))
    assert top_planted & {"order_status", "password_reset"}, candidates
    assert not top_planted & PRAISE


def test_a_repost_counts_once_in_items_and_again_in_reach(story_warehouse, tmp_path) -> None:
    """Add a repost of an existing message, rebuild the marts: items stay, reach grows."""
    db = tmp_path / "voc.duckdb"
    shutil.copy(story_warehouse.db_path, db)
    with duckdb.connect(str(db)) as con:
        original, theme_id = con.execute(
            """SELECT f.feedback_id, min(s.theme_id)
               FROM feedback AS f JOIN segments AS s USING (feedback_id)
               WHERE f.channel = 'social' AND f.feedback_id = f.canonical_id AND s.theme_id IS NOT NULL
               GROUP BY f.feedback_id ORDER BY f.feedback_id LIMIT 1"""
        ).fetchall()[0]

        def theme_totals() -> tuple[int, int]:
            return con.execute(
                "SELECT sum(count_items), sum(count_reach) FROM theme_weekly WHERE theme_id = ?",
                [theme_id],
            ).fetchall()[0]

        items_before, reach_before = theme_totals()
        # The repost arrives two weeks later; it must still count under its first copy.
        con.execute(
            """INSERT INTO feedback BY NAME
               SELECT * REPLACE ('fb_repost_of_' || feedback_id AS feedback_id,
                                 source_record_id || '-rt' AS source_record_id,
                                 received_at + INTERVAL 14 DAY AS received_at,
                                 'exact' AS duplicate_kind)
               FROM feedback WHERE feedback_id = ?""",
            [original],
        )
        con.execute(
            """INSERT INTO segments BY NAME
               SELECT * REPLACE ('fb_repost_of_' || feedback_id AS feedback_id,
                                 'fb_repost_of_' || segment_id AS segment_id)
               FROM segments WHERE feedback_id = ?""",
            [original],
        )
        apply_layers(con, ["marts"])  # the marts only: core would be rebuilt from raw
        steps.build_score_impact(con, get_settings().score_impact_min_items)
        items_after, reach_after = theme_totals()
        assert (items_after, reach_after) == (items_before, reach_before + 1)
        scope = con.execute(
            """SELECT feedback_id, week_start, is_first_copy FROM feedback_scope
               WHERE feedback_id IN (?, ?) ORDER BY is_first_copy""",
            ["fb_repost_of_" + original, original],
        ).fetchall()
        (repost, _, repost_is_first), (_, original_week, _) = scope
        assert repost == "fb_repost_of_" + original and not repost_is_first
        assert scope[0][1] == original_week  # counted in its first copy's week
