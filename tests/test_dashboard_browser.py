"""The served dashboard in headless Chromium: real server, real browser, real snapshot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never `playwright install`
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Prefixed to every message of the served copy: the page must show it as text, not run it.
HOSTILE_PREFIX = '<img src=x onerror="window.vocInjected=1"> **not bold** '
SERVER_START_TIMEOUT_S = 30
PAGE_TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling interval, not a wait for content
    pytest.fail(f"streamlit not healthy after {SERVER_START_TIMEOUT_S}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def served_db(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the snapshot whose messages all start with markup; segment offsets follow."""
    db = tmp_path_factory.mktemp("served") / "voc.duckdb"
    shutil.copy(published_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE feedback SET text = ? || text", [HOSTILE_PREFIX])
        con.execute("UPDATE theme_segments SET message_text = ? || message_text", [HOSTILE_PREFIX])
        for table in ("segments", "theme_segments"):  # the mart copies messages and offsets
            con.execute(
                f"UPDATE {table} SET char_start = char_start + ?, char_end = char_end + ?",
                [len(HOSTILE_PREFIX), len(HOSTILE_PREFIX)],
            )
    return db


@pytest.fixture(scope="module")
def dashboard_url(served_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {
        **os.environ,
        "VOC_DB_PATH": str(served_db),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
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
def page() -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1600})
        finally:
            browser.close()


def top_themes_from_db(db: Path, count: int) -> list[tuple[str, int]]:
    """(label, items) of the most mentioned themes, straight from the core tables (copies of
    a message count once)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """
            SELECT t.label, count(DISTINCT f.canonical_id) AS count_items
            FROM segments AS s
            JOIN themes AS t ON s.theme_id = t.theme_id
            JOIN feedback AS f ON s.feedback_id = f.feedback_id
            GROUP BY t.theme_id, t.label
            -- the page's tie-break: more segments first, then label, then id
            ORDER BY count_items DESC, count(*) DESC, t.label, t.theme_id
            LIMIT ?
            """,
            [count],
        ).fetchall()


def test_served_page_shows_the_top_themes(dashboard_url: str, page: Page, served_db: Path) -> None:
    top = top_themes_from_db(served_db, 3)
    assert top, "the snapshot has no themed segments"
    with duckdb.connect(str(served_db), read_only=True) as con:
        (count_items,) = con.execute("SELECT count(DISTINCT canonical_id) FROM feedback").fetchone()

    page.goto(dashboard_url)
    for label, _ in top:
        # axis labels of the ranking chart (rendered as SVG text)
        shown = page.get_by_text(label, exact=True).filter(visible=True).first
        expect(shown).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    (top_label, top_count) = top[0]
    theme_selector = page.get_by_role("combobox", name="Theme", exact=True)
    expect(theme_selector).to_have_value(f"{top_label} ({top_count:,} items)")
    items_metric = page.get_by_test_id("stMetric").filter(has_text="Feedback items")
    expect(items_metric).to_contain_text(f"{count_items:,}")
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # The selected verbatim is shown in full as text: the markup is visible, not rendered.
    shown_message = page.get_by_test_id("stText").filter(has_text=HOSTILE_PREFIX).first
    expect(shown_message).to_be_visible()
    expect(shown_message).to_contain_text("«")
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("main strong", has_text="not bold")).to_have_count(0)
    assert page.evaluate("window.vocInjected") is None


def test_selecting_a_ranking_row_opens_that_theme(dashboard_url: str, page: Page, served_db: Path) -> None:
    top = top_themes_from_db(served_db, 3)
    page.goto(dashboard_url)
    theme_selector = page.get_by_role("combobox", name="Theme", exact=True)
    expect(theme_selector).to_have_value(f"{top[0][0]} ({top[0][1]:,} items)", timeout=PAGE_TIMEOUT_MS)
    table = page.get_by_test_id("stDataFrame").first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None
    # The grid is a canvas: click the third row's selection box (rows of Streamlit's default
    # 35 px under a header of the same height).
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 2 * 35 + 17)
    label, items = top[2]
    expect(theme_selector).to_have_value(f"{label} ({items:,} items)", timeout=PAGE_TIMEOUT_MS)


def test_search_shows_matching_messages_as_inert_text(
    dashboard_url: str, page: Page, served_db: Path
) -> None:
    with duckdb.connect(str(served_db), read_only=True) as con:
        (newest_text,) = con.execute(
            "SELECT text FROM feedback WHERE contains(lower(text), 'refund') "
            "ORDER BY received_at DESC, feedback_id LIMIT 1"
        ).fetchone()
    page.goto(dashboard_url)
    search = page.get_by_role("textbox", name="Messages containing", exact=True)
    expect(search).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    search.fill("refund")
    search.press("Enter")
    first_line = newest_text.splitlines()[0]
    result = page.get_by_test_id("stText").filter(has_text=first_line).first
    expect(result).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(result).to_contain_text(HOSTILE_PREFIX.strip())  # the markup, shown as characters
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("main strong", has_text="not bold")).to_have_count(0)
    assert page.evaluate("window.vocInjected") is None

    search.fill("x' OR '1'='1")
    search.press("Enter")
    expect(page.get_by_text("No message in this selection contains that text.")).to_be_visible(
        timeout=PAGE_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)

