"""The Promotions page on the story warehouse: query functions, AppTest, and the served page in
Chromium. Expected numbers come straight from the promotion marts and core tables the real
flow built; the campaign is the planted confusing one named in ground_truth.json."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, expect
from streamlit.testing.v1 import AppTest

from dashboard import queries
from pipelines.settings import get_settings
from test_dashboard_browser import HOSTILE_PREFIX, PAGE_TIMEOUT_MS, dashboard_url, page  # noqa: F401 (fixtures)

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGE = "views/promotions.py"
APP_TIMEOUT_S = 60
INJECTIONS = ["x' OR '1'='1", "'; DROP TABLE feedback; --", "%", "$campaign_id", "?"]


def fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def story_db(story_warehouse) -> Path:
    return story_warehouse.db_path


@pytest.fixture(scope="module")
def confusing(story_warehouse) -> dict:
    """The planted confusing campaign (ground truth) with its id and summary row."""
    truth = json.loads((story_warehouse.samples_dir / "ground_truth.json").read_text())
    campaign = next(c for c in truth["campaigns"] if c["is_confusing"])
    with duckdb.connect(str(story_warehouse.db_path), read_only=True) as con:
        summary = con.execute(
            "SELECT * FROM promotion_summary WHERE promo_code = ?", [campaign["promo_code"]]
        ).df().iloc[0]
    return {**campaign, "campaign_id": summary["campaign_id"], "summary": summary}


# ---------------------------------------------------------------- query functions


def test_campaigns_come_newest_first_with_the_confusing_one_ranked_first(story_db: Path, confusing: dict) -> None:
    campaigns = queries.promotion_campaigns(story_db)
    expected = [name for (name,) in fetch(story_db, "SELECT name FROM campaigns ORDER BY start_date DESC")]
    assert campaigns["name"].tolist() == expected
    top = campaigns[campaigns["confusion_rank"] == 1].iloc[0]
    assert top["promo_code"] == confusing["promo_code"]


def test_daily_mentions_add_up_to_the_items_mentioning_the_campaign(story_db: Path, confusing: dict) -> None:
    daily = queries.promotion_daily(story_db, confusing["campaign_id"])
    # Independently: distinct first copies among the items that mention the campaign.
    (mentioning,) = fetch(
        story_db,
        """SELECT count(DISTINCT f.canonical_id) FROM promotion_item_matches AS m
           JOIN feedback AS f USING (feedback_id) WHERE m.campaign_id = ?""",
        [confusing["campaign_id"]],
    )[0]
    assert daily["count_mentions"].sum() == mentioning == confusing["summary"]["count_mentions"]
    assert daily["day"].is_monotonic_increasing and daily["day"].is_unique
    launch = daily[daily["days_from_launch"] == 0].iloc[0]
    assert str(launch["day"].date()) == confusing["start_date"] and launch["is_running"]
    (items_that_day,) = fetch(
        story_db,
        "SELECT count(*) FROM feedback WHERE feedback_id = canonical_id AND CAST(received_at AS DATE) = ?",
        [launch["day"].date()],
    )[0]
    assert launch["count_items"] == items_that_day


def test_confusion_rows_and_examples_belong_to_the_campaign(story_db: Path, confusing: dict) -> None:
    confusion = queries.promotion_confusion(story_db, confusing["campaign_id"])
    assert not confusion.empty
    assert (confusion.groupby("confusion_type")["share_of_type"].sum() >= 0.999).all()
    examples = queries.promotion_verbatims(story_db, confusing["campaign_id"], per_type=2)
    assert set(examples["confusion_type"]) == set(confusion["confusion_type"])
    assert examples.groupby("confusion_type").size().max() <= 2
    for row in examples.itertuples():
        assert f"«{row.segment_text}»" in row.message_marked


def test_examples_of_one_confusion_type_come_with_the_types_item_count(story_db: Path, confusing: dict) -> None:
    campaign_id = confusing["campaign_id"]
    confusion_type = queries.promotion_confusion(story_db, campaign_id)["confusion_type"].iloc[0]
    (items,) = fetch(
        story_db,
        """SELECT count(DISTINCT canonical_id) FROM promotion_campaign_segments
           WHERE campaign_id = ? AND list_contains(confusion_types, ?)""",
        [campaign_id, confusion_type],
    )[0]
    assert items > 3  # the story plants more confusion than the first examples show
    all_of_them = queries.promotion_verbatims(story_db, campaign_id, per_type=items + 5, confusion_type=confusion_type)
    assert set(all_of_them["confusion_type"]) == {confusion_type}
    assert len(all_of_them) == items and (all_of_them["count_type_items"] == items).all()
    assert all_of_them["example_rank"].tolist() == list(range(1, items + 1))
    first = queries.promotion_verbatims(story_db, campaign_id)
    first_of_type = first[first["confusion_type"] == confusion_type]
    assert len(first_of_type) == 3 and (first_of_type["count_type_items"] == items).all()
    assert first_of_type["segment_id"].tolist() == all_of_them["segment_id"].tolist()[:3]


@pytest.mark.parametrize("bad", INJECTIONS)
def test_campaign_ids_are_bound_parameters(story_db: Path, bad: str) -> None:
    assert queries.promotion_daily(story_db, bad).empty
    assert queries.promotion_confusion(story_db, bad).empty
    assert queries.promotion_verbatims(story_db, bad).empty
    assert queries.promotion_verbatims(story_db, bad, confusion_type=bad).empty
    assert fetch(story_db, "SELECT count(*) FROM feedback")[0][0] > 0


def test_example_count_must_be_positive(story_db: Path, confusing: dict) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        queries.promotion_verbatims(story_db, confusing["campaign_id"], per_type=0)


# ---------------------------------------------------------------- the page (AppTest)


@pytest.fixture
def app_db(story_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VOC_DB_PATH", str(story_db))
    get_settings.cache_clear()
    yield story_db
    get_settings.cache_clear()


def promotions_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_page_opens_on_the_confusing_campaign_with_its_numbers(app_db: Path, confusing: dict) -> None:
    app = promotions_page()
    summary = confusing["summary"]
    assert app.selectbox(key="promotions.campaign").value == confusing["campaign_id"]
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Mentions"] == f"{summary['count_mentions']:,}"
    assert metrics["Confusion share"] == f"{summary['confusion_share']:.1%}"
    assert metrics["Negative share"] == f"{summary['negative_share']:.1%}"
    assert metrics["Peak day"] == f"{summary['peak_day']:%Y-%m-%d}"
    texts = [t.value for t in app.text]
    assert f"Terms: {confusing['terms']}" in texts
    assert any("«" in t and confusing["promo_code"].lower() in t.lower() for t in texts)
    labels = [m.value for m in app.markdown]
    assert "**Eligibility / terms**" in labels


def test_show_more_adds_examples_of_that_confusion_type(app_db: Path, confusing: dict) -> None:
    app = promotions_page()
    examples = queries.promotion_verbatims(app_db, confusing["campaign_id"])
    label, total = examples[["confusion_label", "count_type_items"]].iloc[0]
    captions = [c.value for c in app.caption]
    assert f"3 of {total:,} items" in captions
    texts_before = len(app.text)
    more = next(b for b in app.button if b.label.startswith("Show ") and b.label.endswith(" more"))
    more.click().run()
    assert not app.exception, [e.value for e in app.exception]
    shown = min(3 + 20, total)
    assert f"{shown} of {total:,} items" in [c.value for c in app.caption]
    # each example is a header line and its message
    assert len(app.text) == texts_before + 2 * (shown - 3)
    assert f"**{label}**" in [m.value for m in app.markdown]


def test_picking_another_campaign_shows_its_numbers(app_db: Path, confusing: dict) -> None:
    app = promotions_page()
    (other_id, other_mentions) = fetch(
        app_db,
        "SELECT campaign_id, count_mentions FROM promotion_summary WHERE campaign_id <> ? "
        "ORDER BY count_mentions DESC, campaign_id LIMIT 1",
        [confusing["campaign_id"]],
    )[0]
    app.selectbox(key="promotions.campaign").set_value(other_id).run()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Mentions"] == f"{other_mentions:,}"


# ---------------------------------------------------------------- the served page (Chromium)


@pytest.fixture(scope="module")
def served_db(story_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the story snapshot whose messages all start with markup; offsets follow."""
    db = tmp_path_factory.mktemp("served_promotions") / "voc.duckdb"
    shutil.copy(story_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE feedback SET text = ? || text", [HOSTILE_PREFIX])
        con.execute(
            "UPDATE segments SET char_start = char_start + ?, char_end = char_end + ?",
            [len(HOSTILE_PREFIX), len(HOSTILE_PREFIX)],
        )
    return db


@pytest.mark.browser
def test_served_page_renders_the_confusing_campaign(dashboard_url: str, page: Page, confusing: dict) -> None:  # noqa: F811
    summary = confusing["summary"]
    page.goto(f"{dashboard_url}/promotions")
    selector = page.get_by_role("combobox", name="Campaign")
    expect(selector).to_have_value(
        f"{confusing['name']} ({confusing['promo_code']}) · {confusing['start_date']} to "
        f"{confusing['end_date']} · {summary['count_mentions']:,} mentions",
        timeout=PAGE_TIMEOUT_MS,
    )
    confusion = page.get_by_test_id("stMetric").filter(has_text="Confusion share")
    expect(confusion).to_contain_text(f"{summary['confusion_share']:.1%}")
    mentions = page.get_by_test_id("stMetric").filter(has_text="Mentions")
    expect(mentions.first).to_contain_text(f"{summary['count_mentions']:,}")
    expect(page.get_by_text("Eligibility / terms", exact=True).first).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()
    # Verbatims are text: the markup prefixed to every message is shown, never rendered.
    verbatim = page.get_by_test_id("stText").filter(has_text=HOSTILE_PREFIX).first
    expect(verbatim).to_be_visible()
    expect(verbatim).to_contain_text("«")
    expect(page.locator("img[src='x']")).to_have_count(0)
    assert page.evaluate("window.vocInjected") is None
    expect(page.get_by_test_id("stException")).to_have_count(0)
