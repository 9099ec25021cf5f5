"""The Theme management page on a copy of the small warehouse: AppTest (tables, an edit
written through the journal, applied by the next real run) and the served page in Chromium."""

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
from test_dashboard_browser import PAGE_TIMEOUT_MS, dashboard_url, page  # noqa: F401 (fixtures)

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGE = "views/theme_management.py"
APP_TIMEOUT_S = 60
HOSTILE_LABEL = '<img src=x onerror="window.vocInjected=1"> **not bold**'


def fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def private_copy(published: Path, folder: Path) -> Path:
    """Published file and work file, so a run on the copy is incremental and its journal private."""
    db = folder / "voc.duckdb"
    shutil.copy(published, db)
    shutil.copy(published, get_settings().work_db_path(db))
    return db


@pytest.fixture
def app_db(published_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = private_copy(published_db, tmp_path)
    monkeypatch.setenv("VOC_DB_PATH", str(db))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def theme_management_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_query_functions_list_themes_and_categories(app_db: Path) -> None:
    themes = queries.theme_management_themes(app_db)
    expected = fetch(app_db, "SELECT theme_id, label, category_id, count_items FROM themes ORDER BY theme_id")
    assert sorted(zip(themes["theme_id"], themes["label"], themes["category_id"], themes["count_items"])) == expected
    categories = queries.theme_management_categories(app_db)
    assert 1 <= len(categories) <= 15
    assert categories["count_themes"].sum() == len(themes)
    one = categories["category_id"].iloc[0]
    only = queries.theme_management_themes(app_db, one)
    assert len(only) == categories["count_themes"].iloc[0] and set(only["category_id"]) == {one}
    assert queries.theme_management_themes(app_db, "x' OR '1'='1").empty  # bound, not spliced


def test_items_count_copies_once_as_top_themes_does_and_categories_count_each_item_once(app_db: Path) -> None:
    from datetime import date

    from dashboard.queries import FeedbackFilter

    channels = tuple(sorted(r[0] for r in fetch(app_db, "SELECT DISTINCT channel FROM feedback")))
    everything = FeedbackFilter(date(2000, 1, 3), date(2100, 1, 3), channels)
    ranked = queries.top_themes(app_db, everything, limit=None)
    themes = queries.theme_management_themes(app_db).set_index("theme_id")
    assert (themes.loc[ranked["theme_id"], "count_items"].to_numpy() == ranked["count_items"].to_numpy()).all()
    assert fetch(app_db, "SELECT count(*) FROM feedback WHERE feedback_id <> canonical_id")[0][0] > 0
    categories = queries.theme_management_categories(app_db)
    for row in categories.itertuples():
        (expected,) = fetch(
            app_db,
            """SELECT count(DISTINCT f.canonical_id) FROM segments AS s JOIN themes AS t USING (theme_id)
               JOIN feedback AS f USING (feedback_id) WHERE t.category_id = ?""",
            [row.category_id],
        )[0]
        assert row.count_items == expected <= themes.loc[themes["category_id"] == row.category_id, "count_items"].sum()


def test_page_lists_categories_and_themes_with_history(app_db: Path) -> None:
    app = theme_management_page()
    assert app.title[0].value == "Theme management"
    (shown,) = [frame.value for frame in app.dataframe if "theme_id" in frame.value.columns]
    n_themes = fetch(app_db, "SELECT count(*) FROM themes")[0][0]
    assert len(shown) == n_themes
    assert {"category_label", "owner_team", "first_seen_at", "last_seen_at", "merged_from", "split_from"} <= set(
        shown.columns)
    assert shown["first_seen_at"].notna().all()
    subheaders = [s.value for s in app.subheader]
    assert f"{n_themes} themes" in subheaders
    assert any(s.endswith(" categories") for s in subheaders)
    assert any("No pending edits" in c.value for c in app.caption)


def test_an_edit_is_pending_until_the_next_run_applies_it(app_db: Path, built_warehouse) -> None:
    from pipelines.flows import voc_pipeline

    app = theme_management_page()
    theme_id = app.selectbox(key="theme_management.rename_theme").value
    app.text_input(key="theme_management.rename_label").input("parcel never came — courier lost it")
    next(b for b in app.button if b.label == "Rename").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Recorded:" in s.value and "applied after the next run" in s.value for s in app.success)
    assert any(s.value.startswith("Pending edits (1)") for s in app.subheader)
    journal = get_settings().taxonomy_journal_path(app_db)
    (line,) = journal.read_text().splitlines()
    assert json.loads(line)["action"] == "rename" and json.loads(line)["target_id"] == theme_id
    # The snapshot itself is untouched until a run applies the edit.
    assert fetch(app_db, "SELECT label FROM themes WHERE theme_id = ?", [theme_id])[0][0] != (
        "parcel never came — courier lost it")

    voc_pipeline(db_path=app_db, sources_path=built_warehouse.sources_path)
    after = theme_management_page()
    assert not any(s.value.startswith("Pending edits") for s in after.subheader)
    assert fetch(app_db, "SELECT label, is_label_pinned FROM themes WHERE theme_id = ?", [theme_id]) == [
        ("parcel never came — courier lost it", True)]


def test_a_category_label_can_be_pinned_from_the_page(app_db: Path) -> None:
    app = theme_management_page()
    category_id = app.selectbox(key="theme_management.category_pin_id").value
    next(b for b in app.button if b.label == "Pin its current label" and "category_pin" in str(b.form_id)).click().run()
    assert not app.exception, [e.value for e in app.exception]
    (line,) = get_settings().taxonomy_journal_path(app_db).read_text().splitlines()
    assert json.loads(line)["action"] == "category_pin" and json.loads(line)["target_id"] == category_id


def test_edits_landed_long_ago_are_never_shown_as_pending(app_db: Path) -> None:
    # More landed edits than the page's table of the newest lists (50): none of them is pending.
    from pipelines.taxonomy_journal import TaxonomyEdit, append_edit

    (theme_id,) = fetch(app_db, "SELECT min(theme_id) FROM themes")[0]
    journal = get_settings().taxonomy_journal_path(app_db)
    edits = [TaxonomyEdit("owner", theme_id, value=f"Team {n}") for n in range(55)]
    for edit in edits:
        append_edit(journal, edit)
    with duckdb.connect(str(app_db)) as con:
        con.executemany(
            "INSERT INTO taxonomy_edits VALUES (?, ?, 'owner', ?, [], ?, NULL, NULL, 'run_1', 'run_1', 'applied')",
            [[e.edit_id, e.created_at, e.target_id, e.value] for e in edits],
        )
    assert set(queries.landed_edits(app_db)["edit_id"]) == {e.edit_id for e in edits}
    app = theme_management_page()
    assert not any(s.value.startswith("Pending edits") for s in app.subheader)
    assert any("No pending edits" in c.value for c in app.caption)


# ---------------------------------------------------------------- the served page (Chromium)


@pytest.fixture(scope="module")
def served_db(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy whose first-listed theme carries markup in its label: shown as text."""
    db = private_copy(published_db, tmp_path_factory.mktemp("served_theme_management"))
    with duckdb.connect(str(db)) as con:
        first = con.execute(queries.load_sql("theme_management_themes"), {"category_id": None}).fetchall()[0][0]
        con.execute("UPDATE themes SET label = ? || label WHERE theme_id = ?", [HOSTILE_LABEL, first])
    return db


@pytest.mark.browser
def test_served_page_lists_themes_and_records_an_edit(dashboard_url: str, page: Page, served_db: Path) -> None:  # noqa: F811
    listed = queries.theme_management_themes(served_db)
    first_id, first_label = listed["theme_id"].iloc[0], listed["label"].iloc[0]
    n_themes = fetch(served_db, "SELECT count(*) FROM themes")[0][0]
    page.goto(f"{dashboard_url}/theme_management")
    expect(page.get_by_text(f"{n_themes} themes", exact=True)).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    theme = page.get_by_role("combobox", name="Theme", exact=True).filter(visible=True).first
    expect(theme).to_have_value(f"{first_id} · {first_label}")
    assert first_label.startswith(HOSTILE_LABEL)
    expect(page.locator("img[src='x']")).to_have_count(0)

    page.get_by_label("New label (pinned: refits keep it)").fill("courier lost my parcel")
    page.get_by_role("button", name="Rename", exact=True).click()
    expect(page.get_by_text("Pending edits (1), applied after the next run")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert page.evaluate("window.vocInjected") is None
    (line,) = get_settings().taxonomy_journal_path(served_db).read_text().splitlines()
    assert json.loads(line)["value"] == "courier lost my parcel"
