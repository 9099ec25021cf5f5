"""Duplicates: precision/recall on the committed sample's ground truth, scale, and the rules."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nlp.duplicates import DUPLICATE_COLUMNS, DuplicateConfig, find_duplicates, normalise_for_duplicates, shingles

ROOT = Path(__file__).resolve().parents[1]
FORM_LETTER = (
    "To Customer Service, I placed an order more than two weeks ago and it has still not been delivered. "
    "The tracking has not updated since the parcel reached your warehouse and the carrier cannot tell me "
    "anything. I expect delivery or a full refund within 48 hours."
)


def _items(rows: list[tuple]) -> pd.DataFrame:
    columns = ["feedback_id", "text", "received_at", "customer_id", "reach"][: len(rows[0])]
    frame = pd.DataFrame(rows, columns=columns)
    frame["received_at"] = pd.to_datetime(frame["received_at"], format="ISO8601")
    return frame


def _by_id(result: pd.DataFrame) -> dict[str, tuple]:
    return {
        r.feedback_id: (r.canonical_id, r.duplicate_kind, None if pd.isna(r.similarity) else r.similarity)
        for r in result.itertuples()
    }


@pytest.fixture(scope="module")
def sample_items() -> pd.DataFrame:
    """Every loadable record of the committed sample, read by the project's connectors."""
    from pipelines.connectors.base import FeedbackRecord
    from pipelines.connectors.registry import build_connector, load_sources

    records = [
        record
        for source in load_sources(ROOT / "sources.yaml")
        for record in build_connector(source).read()
        if isinstance(record, FeedbackRecord)
    ]
    return pd.DataFrame(
        {
            "feedback_id": [f"{r.channel}:{r.source_record_id}" for r in records],
            "text": [r.text for r in records],
            "received_at": [r.received_at for r in records],
            "customer_id": [r.customer_id for r in records],
            "reach": [r.metadata.get("reach") for r in records],
        }
    )


def test_precision_and_recall_on_sample_ground_truth(sample_items: pd.DataFrame) -> None:
    """Reposts, double submissions and form-letter copies are in ground_truth_items.csv."""
    truth = pd.read_csv(ROOT / "data" / "samples" / "ground_truth_items.csv", dtype=str)
    truth["feedback_id"] = truth["channel"] + ":" + truth["source_record_id"]
    is_duplicate = truth["duplicate_of"].notna()
    truth["true_canonical"] = np.where(is_duplicate, truth["channel"] + ":" + truth["duplicate_of"], None)
    result = find_duplicates(sample_items).merge(truth[["feedback_id", "true_canonical"]], on="feedback_id")
    predicted = result["duplicate_kind"].notna()
    actual = result["true_canonical"].notna()
    hits = predicted & actual
    precision, recall = hits.sum() / predicted.sum(), hits.sum() / actual.sum()
    # Measured on the 15,000-record sample: 240 flagged, 224 true: precision 0.93, recall 0.99.
    # The false positives are long generated texts that different customers share (almost)
    # word for word within two weeks.
    assert actual.sum() >= 100
    assert precision >= 0.86 and recall >= 0.98, (precision, recall)
    # The canonical is the earliest item, as in the ground truth, except where a group also
    # reaches an earlier item the generator did not link (measured 0.93).
    agrees = (result.loc[hits, "canonical_id"] == result.loc[hits, "true_canonical"]).mean()
    assert agrees >= 0.9




def test_repost_is_an_exact_duplicate_of_the_original() -> None:
    result = _by_id(find_duplicates(_items([
        ("a", "@LarkspurHelp My refund is 3 weeks late 😤", "2026-09-01 10:00"),
        ("b", "RT @ann_k: @LarkspurHelp My refund is 3 weeks late 😤", "2026-09-01 12:00"),
    ])))
    assert result["b"] == ("a", "exact", 1.0)
    assert result["a"] == ("a", None, None)


def test_short_texts_need_the_same_customer() -> None:
    """'Still no refund' from two customers is two complaints; from one, a resend."""
    result = _by_id(find_duplicates(_items([
        ("a", "Still no refund!", "2026-09-01 10:00", "c1"),
        ("b", "still no refund", "2026-09-01 10:05", "c1"),
        ("c", "Still no refund.", "2026-09-02 09:00", "c2"),
        ("d", "Still no refund.", "2026-09-02 09:30", None),
    ])))
    assert result["b"] == ("a", "exact", 1.0)
    assert result["c"][1] is None and result["d"][1] is None


def test_form_letters_from_different_customers_are_copies() -> None:
    result = _by_id(find_duplicates(_items([
        ("late", FORM_LETTER.replace("48 hours", "2 days"), "2026-09-03", "c3"),
        ("first", FORM_LETTER, "2026-09-01", "c1"),
        ("second", f"  {FORM_LETTER.upper()}  https://t.co/x ", "2026-09-02", "c2"),
    ])))
    assert result["second"] == ("first", "exact", 1.0)
    canonical, kind, similarity = result["late"]
    assert (canonical, kind) == ("first", "near") and 0.8 <= similarity < 1.0


def test_the_same_long_wording_months_apart_is_two_customers() -> None:
    result = _by_id(find_duplicates(_items([
        ("first", FORM_LETTER, "2026-01-05", "c1"),
        ("months_later", FORM_LETTER, "2026-06-01", "c2"),
        ("same_week", FORM_LETTER, "2026-06-03", "c3"),
        ("resend", FORM_LETTER, "2026-09-01", "c1"),
    ])))
    assert result["months_later"] == ("months_later", None, None)
    assert result["same_week"] == ("months_later", "exact", 1.0)
    assert result["resend"] == ("first", "exact", 1.0)  # the same customer again: a copy, however late


def test_near_duplicate_threshold() -> None:
    original = (
        "The courier left my parcel in the rain outside the front door and the box with the new lamp was "
        "completely soaked through by the time I got home from work, so the lamp shade is ruined and I want "
        "a replacement sent out as soon as possible"
    )
    typo = original.replace("completely", "compleetly")  # one word of 50: Jaccard 0.89
    different = original.replace("in the rain outside the front door", "with a neighbour I have never met").replace(
        "soaked through", "crushed"
    )
    result = _by_id(find_duplicates(_items([
        ("a", original, "2026-09-01", "c1"),
        ("b", typo, "2026-09-01 00:03", "c1"),
        ("c", different, "2026-09-02", "c1"),
    ])))
    assert result["b"][:2] == ("a", "near")
    assert result["c"][1] is None


def test_candidates_are_the_ones_an_item_may_duplicate() -> None:
    """Other customers' earlier copies of a short text take none of the max_candidates places
    (they could never be linked), so the customer's own earlier near copy is still found."""
    text = "My card was declined at the checkout again today even though my balance is fine and the card is new"
    resend = text.replace("is new", "is brand new")
    others = [(f"o{i}", text, f"2026-09-01 0{i}:00", f"other{i}") for i in range(5)]
    result = _by_id(find_duplicates(
        _items([*others, ("mine", text, "2026-09-01 08:00", "c1"), ("resend", resend, "2026-09-02", "c1")]),
        DuplicateConfig(max_candidates=2),
    ))
    assert result["resend"][:2] == ("mine", "near")
    assert all(result[f"o{i}"][1] is None for i in range(5))


def test_canonical_is_earliest_then_widest_reach_regardless_of_order() -> None:
    rows = [
        ("x2", FORM_LETTER, "2026-09-01 10:00", "c2", 50),
        ("x1", FORM_LETTER, "2026-09-01 10:00", "c1", 500),
        ("x0", FORM_LETTER, "2026-09-01 11:00", "c0", 9_000),
    ]
    for shuffled in (rows, rows[::-1], [rows[1], rows[2], rows[0]]):
        result = find_duplicates(_items(shuffled))
        assert list(result["feedback_id"]) == [r[0] for r in shuffled]  # input order kept
        assert set(result["canonical_id"]) == {"x1"}


def test_chinese_near_duplicates_use_character_shingles() -> None:
    text = "快递员没有打招呼就把包裹放在邻居家了，我找了半天才拿到，希望以后送货前能先打个电话通知一下"
    result = _by_id(find_duplicates(_items([
        ("a", text, "2026-09-01", "c1"),
        ("b", text.replace("半天", "好久"), "2026-09-01 00:02", "c1"),
    ])))
    assert result["b"][:2] == ("a", "near")
    assert shingles(normalise_for_duplicates("礼品卡余额"), 3) == {"礼品卡", "品卡余", "卡余额"}


def test_normalisation() -> None:
    assert normalise_for_duplicates("RT @ann: Hi [PERSON], see https://x.co/1 @bob!!  OK") == "hi see ok"
    assert normalise_for_duplicates(None) == ""


def test_output_shape_and_errors() -> None:
    empty = find_duplicates(pd.DataFrame(columns=["feedback_id", "text", "received_at"]))
    assert list(empty.columns) == DUPLICATE_COLUMNS and empty.empty
    with pytest.raises(ValueError, match="lack columns"):
        find_duplicates(pd.DataFrame({"feedback_id": ["a"], "text": ["x"]}))
    with pytest.raises(ValueError, match="unique"):
        find_duplicates(_items([("a", "x", "2026-09-01"), ("a", "y", "2026-09-02")]))
    config = DuplicateConfig(near_threshold=0.99)
    result = find_duplicates(_items([("a", "", "2026-09-01"), ("b", "", "2026-09-01")]), config)
    assert result["duplicate_kind"].isna().all()  # empty texts are never duplicates


def test_settings_come_from_the_versioned_config() -> None:
    from nlp.config import load_nlp_config, parse_nlp_config

    config = load_nlp_config(ROOT / "config" / "nlp.yaml")
    assert config.duplicates == DuplicateConfig()  # the file states the tuned values explicitly
    assert config.sentiment.embedding_weight == 0.6 and config.key_phrases.max_words == 3
    document = {"version": 1, "duplicates": {"near_treshold": 0.7}}
    with pytest.raises(ValueError, match="near_treshold"):
        parse_nlp_config(document)
