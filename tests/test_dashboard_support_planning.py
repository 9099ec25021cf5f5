"""The Support planning page: query functions, AppTest, and the served page in Chromium.

Expected numbers come straight from the planning marts the real flow built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, expect
from streamlit.testing.v1 import AppTest

from dashboard import queries
from pipelines.settings import get_settings
from test_dashboard_browser import PAGE_TIMEOUT_MS, dashboard_url, page, served_db  # noqa: F401 (fixtures)

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGE = "views/support_planning.py"
APP_TIMEOUT_S = 60


def fetch(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_query_functions_return_the_marts(published_db: Path) -> None:
    volume = queries.support_volume(published_db)
    (received,) = fetch(published_db, "SELECT count(*) FROM feedback")[0]
    assert volume["count_received"].sum() == received
    hours = queries.agent_hours_needed(published_db)
    (weeks, total) = fetch(published_db, """SELECT count(DISTINCT week_start), sum(agent_hours)
                                            FROM contact_forecast WHERE series_kind = 'channel'""")[0]
    assert len(hours) == weeks and hours["agent_hours"].sum() == pytest.approx(total)
    forecast = queries.contact_forecast(published_db, "channel", history_weeks=4)
    actual = forecast[forecast["kind"] == "actual"]
    assert actual.groupby("series").size().max() == 4
    savings = queries.self_service_savings(published_db, 0.6, limit=3)
    assert len(savings) <= 3 and savings["hours_saved_per_year"].is_monotonic_decreasing
    shares = {t: (h, n) for t, h, n in fetch(
        published_db, "SELECT theme_id, how_to_share, negative_share FROM self_service_candidates")}
    calm_questions = [shares[t][0] * (1 - shares[t][1]) for t in savings["theme_id"]]
    assert savings["hours_saved_per_year"].to_numpy() == pytest.approx(
        0.6 * savings["agent_hours"].to_numpy() * calm_questions
    )
    # contacts are those that took agent time: survey comments are not handled
    every = queries.self_service_savings(published_db, 0.6, limit=1000)
    (handled,) = fetch(
        published_db,
        """SELECT sum(count_items) FROM agent_hours_weekly WHERE agent_hours > 0
           AND week_start > (SELECT max(week_start) FROM agent_hours_weekly) - INTERVAL 52 WEEK""",
    )[0]
    assert every["count_items"].sum() == handled
    for bad in ({"deflection": 1.5}, {"limit": 0}):
        with pytest.raises(ValueError):
            queries.self_service_savings(published_db, **{"deflection": 0.6, "limit": 3, **bad})
    with pytest.raises(ValueError):
        queries.contact_forecast(published_db, "'; DROP TABLE feedback; --")


@pytest.fixture
def app_db(published_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VOC_DB_PATH", str(published_db))
    get_settings.cache_clear()
    yield published_db
    get_settings.cache_clear()


def planning_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_page_shows_backlog_forecast_and_staffing_gap(app_db: Path) -> None:
    app = planning_page()
    (open_tickets,) = fetch(app_db, """SELECT backlog_end_of_day FROM contacts_daily
                                        WHERE channel = 'ticket' ORDER BY day DESC LIMIT 1""")[0]
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Open tickets now"] == f"{open_tickets:,}"
    forecast_table = next(df.value for df in app.dataframe if "agent_hours" in df.value.columns
                          and "series_label" in df.value.columns)
    assert set(forecast_table["series_label"]) == {"ticket", "survey", "call", "social"}

    weekly_hours = [h for (h,) in fetch(app_db, """SELECT sum(agent_hours) FROM contact_forecast
                                                   WHERE series_kind = 'channel' GROUP BY week_start""")]
    staffing = app.number_input(key="support_planning.staff_hours")
    staffing.set_value(0.0).run()
    assert any(f"{len(weekly_hours)} of {len(weekly_hours)} weeks" in m.value for m in app.markdown)
    staffing.set_value(max(weekly_hours) + 1).run()
    assert any(f"0 of {len(weekly_hours)} weeks" in m.value for m in app.markdown)


def test_deflection_slider_scales_the_hours_saved(app_db: Path) -> None:
    app = planning_page()

    def savings() -> list[float]:
        table = next(df.value for df in app.dataframe if "hours_saved_per_year" in df.value.columns)
        return list(table["hours_saved_per_year"])

    at_default = savings()
    assert at_default and app.slider(key="support_planning.deflection").value == 60
    app.slider(key="support_planning.deflection").set_value(30).run()
    assert savings() == pytest.approx([value / 2 for value in at_default])
    app.radio(key="support_planning.series_kind").set_value("theme").run()
    assert not app.exception


@pytest.mark.browser
def test_served_page_renders_real_forecast_numbers(dashboard_url: str, page: Page, served_db: Path) -> None:  # noqa: F811
    (open_tickets,) = fetch(served_db, """SELECT backlog_end_of_day FROM contacts_daily
                                          WHERE channel = 'ticket' ORDER BY day DESC LIMIT 1""")[0]
    (peak_week, peak_hours) = fetch(served_db, """SELECT week_start, sum(agent_hours) AS hours FROM contact_forecast
                                                  WHERE series_kind = 'channel' GROUP BY week_start
                                                  ORDER BY hours DESC LIMIT 1""")[0]
    page.goto(f"{dashboard_url}/support_planning")
    backlog = page.get_by_test_id("stMetric").filter(has_text="Open tickets now")
    expect(backlog).to_contain_text(f"{open_tickets:,}", timeout=PAGE_TIMEOUT_MS)
    busiest = page.get_by_test_id("stMetric").filter(has_text="Busiest forecast week")
    expect(busiest).to_contain_text(f"{peak_week:%Y-%m-%d}")
    expect(busiest).to_contain_text(f"{peak_hours:,.0f} agent-hours")
    # The page renders top to bottom: its last section appearing means the whole page ran.
    expect(page.get_by_text("Where self-service would save the most hours")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".vega-embed").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
