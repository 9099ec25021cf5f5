"""The Weekly review page: its query functions, the page under AppTest, and served in Chromium.

Runs on the story warehouse (demo seed), whose planted stories make real movers. Expected
numbers come straight from the core tables and theme_flags, not from the page's SQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from streamlit.testing.v1 import AppTest

from dashboard import queries
from pipelines import report
from pipelines.settings import get_settings
from test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, HOSTILE_PREFIX, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
PAGE = "views/weekly_review.py"
APP_TIMEOUT_S = 120
# The story warehouse is larger than the browser test's: allow its page more time.
PAGE_TIMEOUT_MS = 60_000


def fetch(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def items_in_week(db: Path, week_start: date) -> int:
    """Items received in the week, each once (copies left out)."""
    (count,) = fetch(
        db,
        "SELECT count(*) FROM feedback WHERE received_at >= ? AND received_at < ? AND feedback_id = canonical_id",
        [week_start, week_start + timedelta(days=7)],
    )[0]
    return count


def busiest_mover_week(db: Path) -> date:
    """The week with the most flagged themes (a story week)."""
    (week,) = fetch(
        db,
        """SELECT week_start FROM theme_flags
           GROUP BY week_start ORDER BY sum((is_new OR is_spiking OR is_falling)::INT) DESC, week_start
           LIMIT 1""",
    )[0]
    return week


def flagged_in(db: Path, week_start: date) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """SELECT f.*, t.label FROM theme_flags AS f JOIN themes AS t USING (theme_id)
               WHERE f.week_start = ? AND (f.is_new OR f.is_spiking OR f.is_falling)""",
            [week_start],
        ).df()


@pytest.fixture(scope="module")
def story_db(story_warehouse) -> Path:
    return story_warehouse.db_path


@pytest.fixture(scope="module")
def mover_week(story_db: Path) -> date:
    return busiest_mover_week(story_db)


# ---------------------------------------------------------------- query functions


def test_review_weeks_and_the_default_week(story_db: Path) -> None:
    weeks = queries.review_weeks(story_db)
    (last_received,) = fetch(story_db, "SELECT max(received_at) FROM feedback")[0]
    last_monday = last_received.date() - timedelta(days=last_received.weekday())
    assert pd.Timestamp(weeks["week_start"].iloc[0]).date() == last_monday
    assert weeks["count_items"].sum() == fetch(story_db, "SELECT count(*) FROM feedback")[0][0]
    complete_expected = last_received.date() >= last_monday + timedelta(days=6)
    assert bool(weeks["is_complete"].iloc[0]) == complete_expected
    assert weeks["is_complete"].iloc[1:].all()
    expected_default = last_monday if complete_expected else last_monday - timedelta(days=7)
    assert report.default_week(weeks) == expected_default


def test_headline_counts_the_week_and_the_week_before(story_db: Path, mover_week: date) -> None:
    headline = queries.weekly_headline(story_db, mover_week)
    assert [pd.Timestamp(w).date() for w in headline["week_start"]] == [mover_week, mover_week - timedelta(days=7)]
    for week, row in zip((mover_week, mover_week - timedelta(days=7)), headline.itertuples(), strict=True):
        assert row.count_items == items_in_week(story_db, week)
        (segments, negative, nps) = fetch(
            story_db,
            """SELECT count(*), avg((s.sentiment_label = 'negative')::DOUBLE),
                      (SELECT avg(nps) FROM feedback
                       WHERE received_at >= ? AND received_at < ? AND feedback_id = canonical_id)
               FROM segments AS s JOIN feedback AS f USING (feedback_id)
               WHERE f.received_at >= ? AND f.received_at < ? AND f.feedback_id = f.canonical_id""",
            [week, week + timedelta(days=7)] * 2,
        )[0]
        assert row.count_segments == segments
        assert row.negative_share == pytest.approx(negative)
        assert row.mean_nps == pytest.approx(nps)


def test_movers_are_the_weeks_flagged_themes(story_db: Path, mover_week: date) -> None:
    movers = queries.weekly_movers(story_db, mover_week)
    flagged = flagged_in(story_db, mover_week)
    assert not flagged.empty
    assert set(movers["theme_id"]) == set(flagged["theme_id"])
    by_theme = flagged.set_index("theme_id")
    for mover in movers.itertuples():
        expected = by_theme.loc[mover.theme_id]
        movement = "new" if expected["is_new"] else "rising" if expected["is_spiking"] else "falling"
        assert mover.movement == movement
        assert mover.count_items == expected["count_items"]
        assert mover.q_value == pytest.approx(expected["q_fall"] if movement == "falling" else expected["q_rise"])
    order = {"rising": 0, "new": 1, "falling": 2}
    assert [order[m] for m in movers["movement"]] == sorted(order[m] for m in movers["movement"])


def test_movers_count_a_theme_week_as_top_themes_and_the_headline_do(story_db: Path) -> None:
    # The story has copies (double submissions, reposts) arriving a week or more after their
    # first copy: they count once, in the first copy's week, everywhere.
    (late_copies,) = fetch(
        story_db,
        """SELECT count(*) FROM feedback_scope
           WHERE NOT is_first_copy AND CAST(date_trunc('week', received_at) AS DATE) <> week_start""",
    )[0]
    assert late_copies > 0
    differing = fetch(
        story_db,
        """SELECT c.theme_id, c.week_start, c.count_items, coalesce(w.items, 0)
           FROM theme_week_counts AS c
           LEFT JOIN (SELECT theme_id, week_start, sum(count_items) AS items FROM theme_weekly GROUP BY ALL) AS w
             USING (theme_id, week_start)
           WHERE c.count_items <> coalesce(w.items, 0)""",
    )
    assert differing == []
    weeks = fetch(story_db, "SELECT DISTINCT week_start, count_all_items FROM theme_week_counts")
    assert weeks and all(total == items_in_week(story_db, week) for week, total in weeks)


def test_trend_and_verbatims_of_the_movers(story_db: Path, mover_week: date) -> None:
    theme_ids = queries.weekly_movers(story_db, mover_week)["theme_id"].tolist()
    trend = queries.weekly_mover_trend(story_db, mover_week, [*theme_ids, "no-such-theme"], weeks=6)
    assert len(trend) == 6 * len(theme_ids)
    assert trend["theme_id"].drop_duplicates().tolist() == theme_ids
    this_week = trend[[pd.Timestamp(w).date() == mover_week for w in trend["week_start"]]]
    movers = queries.weekly_movers(story_db, mover_week).set_index("theme_id")
    assert this_week.set_index("theme_id")["count_items"].to_dict() == movers["count_items"].to_dict()

    examples = queries.weekly_mover_verbatims(story_db, mover_week, theme_ids, per_theme=2)
    assert set(examples["theme_id"]) <= set(theme_ids)
    assert (examples.groupby("theme_id").size() <= 2).all()
    assert not examples.duplicated(["theme_id", "feedback_id"]).any()  # one example per item
    for row in examples.itertuples():
        received = pd.Timestamp(row.received_at).date()
        assert mover_week <= received < mover_week + timedelta(days=7)
        assert f"«{row.segment_text}»" in row.message_marked
    (canonical,) = fetch(
        story_db,
        "SELECT count(*) FROM feedback WHERE list_contains(?, feedback_id) AND feedback_id <> canonical_id",
        [examples["feedback_id"].tolist()],
    )[0]
    assert canonical == 0  # duplicates are never shown as examples


@pytest.mark.parametrize("hostile", ["x' OR '1'='1", "'; DROP TABLE feedback; --", "$week_start"])
def test_hostile_theme_ids_are_inert(story_db: Path, mover_week: date, hostile: str) -> None:
    assert queries.weekly_mover_trend(story_db, mover_week, [hostile]).empty
    assert queries.weekly_mover_verbatims(story_db, mover_week, [hostile]).empty


def test_bad_weeks_are_refused(story_db: Path) -> None:
    with pytest.raises(ValueError, match="Monday"):
        queries.weekly_movers(story_db, date(2026, 9, 15))
    with pytest.raises(ValueError, match="limit"):
        queries.weekly_mover_verbatims(story_db, date(2026, 9, 14), ["t"], per_theme=0)


# ---------------------------------------------------------------- the page (AppTest)


@pytest.fixture
def served_story_db(story_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VOC_DB_PATH", str(story_db))
    get_settings.cache_clear()
    yield story_db
    get_settings.cache_clear()


def open_page() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_page_defaults_to_the_last_complete_week(served_story_db: Path) -> None:
    app = open_page()
    expected = report.default_week(queries.review_weeks(served_story_db))
    assert app.selectbox(key="weekly_review.week").value == expected
    metrics = {m.label: m for m in app.metric}
    assert metrics["Feedback items"].value == f"{items_in_week(served_story_db, expected):,}"


def test_page_shows_the_weeks_movers_with_evidence_and_verbatims(served_story_db: Path, mover_week: date) -> None:
    app = open_page()
    app.selectbox(key="weekly_review.week").set_value(mover_week).run()
    assert not app.exception, [e.value for e in app.exception]

    now, before = items_in_week(served_story_db, mover_week), items_in_week(served_story_db, mover_week - timedelta(days=7))
    items = {m.label: m for m in app.metric}["Feedback items"]
    assert items.value == f"{now:,}"
    assert items.delta == f"{(now - before) / before:+.0%}"

    flagged = flagged_in(served_story_db, mover_week)
    subheaders = [s.value for s in app.subheader]
    for movement, column, title in (("rising", "is_spiking", "Risers"), ("new", "is_new", "New themes"), ("falling", "is_falling", "Fallers")):
        expected_count = min(int(flagged[column].sum()), report.MAX_MOVERS_PER_KIND)
        assert f"{title} ({expected_count})" in subheaders
    texts = [t.value for t in app.text]
    cards = [m.value for m in app.markdown]
    shown_movers = queries.weekly_movers(served_story_db, mover_week).groupby("movement").head(report.MAX_MOVERS_PER_KIND)
    for mover in shown_movers.itertuples():
        assert f"**{report.markdown_escape(mover.label)}**" in cards
        assert report.evidence(pd.Series(mover._asdict())) in texts
    examples = queries.weekly_mover_verbatims(served_story_db, mover_week, shown_movers["theme_id"].tolist())
    shown = [report.verbatim_excerpt(text) for text in examples["message_marked"]]
    assert shown and set(shown) <= set(texts)  # verbatims as plain text, segment marked « »

    (download,) = app.get("download_button")
    assert download.label == "Download the digest (Markdown)"
    # a change in volume is neither good nor bad news by itself: grey, not red or green
    assert items.proto.color == items.proto.MetricColor.GRAY


def test_page_shows_the_weeks_promotions_and_the_cost_leaders_as_the_digest_does(
    served_story_db: Path, mover_week: date
) -> None:
    app = open_page()
    app.selectbox(key="weekly_review.week").set_value(mover_week).run()
    assert not app.exception, [e.value for e in app.exception]
    digest = report.load_digest(served_story_db, mover_week)
    assert not digest.promotions.empty and not digest.cost_leaders.empty
    subheaders = [s.value for s in app.subheader]
    assert "Promotion watch" in subheaders and "Cost leaders (all weeks)" in subheaders
    texts = [t.value for t in app.text]
    for _, row in digest.promotions.iterrows():
        assert f"{report.promotion_name(row)}: {report.promotion_line(row)}" in texts
    for rank, (_, row) in enumerate(digest.cost_leaders.iterrows(), start=1):
        assert f"{rank}. {row['label']}: {report.cost_line(row)}" in texts


def test_page_says_so_when_nothing_is_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_DB_PATH", str(tmp_path / "nothing.duckdb"))
    get_settings.cache_clear()
    try:
        app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()
    finally:
        get_settings.cache_clear()
    assert "No data yet" in app.info[0].value


# ---------------------------------------------------------------- served in Chromium


@pytest.fixture(scope="module")
def hostile_story_db(story_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the story snapshot whose messages all start with markup; offsets follow."""
    db = tmp_path_factory.mktemp("served_review") / "voc.duckdb"
    shutil.copy(story_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE feedback SET text = ? || text", [HOSTILE_PREFIX])
        con.execute(
            "UPDATE segments SET char_start = char_start + ?, char_end = char_end + ?",
            [len(HOSTILE_PREFIX), len(HOSTILE_PREFIX)],
        )
    return db


@pytest.fixture(scope="module")
def review_url(hostile_story_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("streamlit_review") / "server.log"
    env = {
        **os.environ,
        "VOC_DB_PATH": str(hostile_story_db),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(base_url, server, log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 2400})
        finally:
            browser.close()


@pytest.mark.browser
def test_served_page_shows_a_movers_label_and_numbers(
    review_url: str, browser_page: Page, hostile_story_db: Path, mover_week: date
) -> None:
    page = browser_page
    top = queries.weekly_movers(hostile_story_db, mover_week).iloc[0]
    page.goto(f"{review_url}/weekly_review")
    week_picker = page.get_by_role("combobox", name="Week")
    expect(week_picker).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    week_picker.click()
    week_picker.fill(report.iso_week(mover_week))  # the long list is virtual: filter it first
    page.get_by_role("option", name=report.week_title(mover_week)).click()
    expect(week_picker).to_have_value(report.week_title(mover_week), timeout=PAGE_TIMEOUT_MS)

    expect(page.get_by_text(top["label"], exact=True).first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    evidence = page.get_by_test_id("stText").filter(has_text=report.evidence(top)).first
    expect(evidence).to_be_visible()
    items_metric = page.get_by_test_id("stMetric").filter(has_text="Feedback items")
    expect(items_metric).to_contain_text(f"{items_in_week(hostile_story_db, mover_week):,}")
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # Verbatims are text: the markup prefix is visible, never rendered or run.
    verbatim = page.get_by_test_id("stText").filter(has_text=HOSTILE_PREFIX.strip()).first
    expect(verbatim).to_be_visible()
    expect(verbatim).to_contain_text("«")
    expect(page.locator("img[src='x']")).to_have_count(0)
    assert page.evaluate("window.vocInjected") is None
