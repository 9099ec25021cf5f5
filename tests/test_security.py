"""Security: personal data never leaves redaction, hostile input stays inert, access is guarded.

One real flow run over a generated sample with known personal data planted in every channel
and script payloads in a call transcript (tests/security_samples.py). Then:

- personal data: searched for in every column of every table of the published snapshot and
  of the work file, in everything the run logged (Python logging, Prefect's loggers
  included), in every dashboard page as AppTest renders it, and in the weekly digest (md and
  html) of every week. Prefect's copy of the run logs in the test harness's own database is
  not searched (out of scope).
- injection: SQL-injection strings in every free-text widget and every query parameter leave
  the pages working and the warehouse byte-for-byte unchanged; the dashboard's code never
  builds SQL out of values.
- script payloads: in headless Chromium, pages showing verbatims show the payload as text and
  run none of it.
- access: with an [auth] section the app shows only a login prompt until the user is logged
  in; `voc dashboard` listens on loopback only.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from dashboard import queries
from dashboard.queries import FeedbackFilter
from pipelines import report
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.warehouse.db import identifier, table_fingerprints
from conftest import write_sources_yaml
from security_samples import (
    PLANTED,
    PLANTED_MARKDOWN_LINK,
    SCRIPT_PAYLOAD,
    digit_forms,
    leaked_values,
    plant_hostile_records,
    planted_personal_data,
)
from test_dashboard_browser import dashboard_url, page  # noqa: F401 (fixtures)

APP = PROJECT_ROOT / "dashboard" / "app.py"
PAGES = ("top_themes", "weekly_review", "promotions", "support_planning", "theme_management")
APP_TIMEOUT_S = 60
SAMPLE_ITEMS = 1500  # enough for weekly movers and campaign confusion, half the story sample's run time
INJECTIONS = (
    "' OR 1=1 --",
    "'; DROP TABLE feedback; --",
    "x' UNION SELECT text FROM feedback --",
    "\u2019 OR \u20181\u2019=\u20181",  # curly quotes
    "\"; DELETE FROM segments; --",
    "$theme_id",
    "?",
    "%' AND 1=0 --",
    "\\'; ATTACH '/tmp/evil.duckdb' AS evil; --",
)


@dataclass(frozen=True)
class HostileRun:
    db_path: Path
    work_path: Path
    samples: Path
    log_text: str


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def everything_logged() -> Iterator[list[str]]:
    """Every log record of the block (root and every logger that does not propagate, like
    Prefect's), with tracebacks, plus whatever it printed."""
    collector = _LogCollector()
    collector.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    printed = io.StringIO()
    for logger in loggers:
        logger.addHandler(collector)
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            yield collector.lines
    finally:
        for logger in loggers:
            logger.removeHandler(collector)
        collector.lines.append(printed.getvalue())


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> HostileRun:
    from pipelines.flows import voc_pipeline
    from samplegen import generate_samples

    root = tmp_path_factory.mktemp("hostile")
    samples = root / "samples"
    generate_samples(samples, root / "campaigns.csv", n_items=SAMPLE_ITEMS, weeks=20,
                     end_date=date(2026, 11, 15), seed=7)
    plant_hostile_records(samples)
    db_path = root / "voc.duckdb"
    with everything_logged() as lines:
        voc_pipeline(db_path=db_path, sources_path=write_sources_yaml(root / "sources.yaml", samples),
                     campaigns_path=root / "campaigns.csv")
    return HostileRun(db_path, get_settings().work_db_path(db_path), samples, "\n".join(lines))


@pytest.fixture(scope="module")
def planted(hostile_run: HostileRun) -> set[str]:
    return planted_personal_data(hostile_run.samples).values


@pytest.fixture
def app_db(hostile_run: HostileRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the snapshot (Theme management writes a journal beside it)."""
    db = tmp_path / "voc.duckdb"
    shutil.copy(hostile_run.db_path, db)
    monkeypatch.setenv("VOC_DB_PATH", str(db))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def fingerprints(db: Path) -> dict[str, tuple[int, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return table_fingerprints(con, tables)


# ---------------------------------------------------------------- personal data


def test_the_sweep_looks_for_every_planted_value(hostile_run: HostileRun) -> None:
    found = planted_personal_data(hostile_run.samples)
    truth = json.loads((hostile_run.samples / "ground_truth.json").read_text())["summary"]["pii"]
    for kind in ("email", "phone", "card", "iban"):
        # the generator plants one value per record with personal data; ours come on top
        ours = sum(1 for p in PLANTED.values() for v in p.values() if v in found.by_kind[kind])
        assert len(found.by_kind[kind]) - ours >= truth[kind], kind
    for channel, pii in PLANTED.items():
        assert set(pii.values()) <= found.values, channel
        assert all(digit_forms(v) for v in pii.values() if "@" not in v and v is not pii.iban), channel


def test_no_planted_personal_data_in_any_table_of_the_snapshot_or_the_work_file(
    hostile_run: HostileRun, planted: set[str]
) -> None:
    assert hostile_run.work_path.is_file()
    for db in (hostile_run.db_path, hostile_run.work_path):
        with duckdb.connect(str(db), read_only=True) as con:
            tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
            assert {"feedback", "segments", "quarantine", "raw_records"} <= set(tables)
            for table in tables:
                # the whole row as text: every VARCHAR, JSON, list and struct column
                rows = con.execute("SELECT t::VARCHAR FROM " + identifier(table) + " AS t").fetchall()
                leaked = leaked_values(planted, "\n".join(row[0] for row in rows))
                assert not leaked, f"{db.name}:{table} holds planted personal data: {leaked[:5]}"


def test_the_planted_records_landed_redacted(hostile_run: HostileRun) -> None:
    with duckdb.connect(str(hostile_run.db_path), read_only=True) as con:
        texts = dict(con.execute(
            "SELECT channel, text FROM feedback WHERE text LIKE '%charged twice for order LK-4821937%'"
        ).fetchall())
    assert set(texts) == set(PLANTED), "each channel's planted record reached the warehouse"
    for text in texts.values():
        assert "[EMAIL]" in text and "[IBAN]" in text and "[CARD]" in text and "[PHONE]" in text


def test_no_planted_personal_data_in_the_run_logs(hostile_run: HostileRun, planted: set[str]) -> None:
    assert "zendesk_tickets" in hostile_run.log_text, "the run's log lines were captured"
    assert not leaked_values(planted, hostile_run.log_text)


def rendered_text(app: AppTest) -> str:
    """Every element's content: its protobuf as text (labels, values, options, chart specs
    and data) and each table's cells."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        value = getattr(node, "value", None) if node.type == "arrow_data_frame" else None
        if isinstance(value, pd.DataFrame):
            parts.append(value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(parts)


def page_app(page: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    if page != "top_themes":
        app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_no_planted_personal_data_on_any_dashboard_page(app_db: Path, planted: set[str]) -> None:
    for page in PAGES:
        app = page_app(page)
        text = rendered_text(app)
        assert app.title, page
        assert not leaked_values(planted, text), page
    # the planted messages themselves, found by search and shown in full
    app = page_app("top_themes")
    for term in ("charged twice for order LK-4821937", "IBAN", "@", "card"):
        app.text_input(key="top_themes.search_all").input(term).run()
        assert not app.exception
        shown = rendered_text(app)
        assert "[EMAIL]" in shown or term != "charged twice for order LK-4821937"
        assert not leaked_values(planted, shown), term


def test_no_planted_personal_data_in_the_digest(hostile_run: HostileRun, planted: set[str]) -> None:
    weeks = queries.review_weeks(hostile_run.db_path)
    assert len(weeks) >= 20
    for week_start in weeks["week_start"]:
        week = pd.Timestamp(week_start).date()
        markdown = report.write_report(hostile_run.db_path, week, "md")
        assert not leaked_values(planted, markdown), week
    for week in {report.default_week(weeks), date(2026, 11, 9)}:
        html = report.write_report(hostile_run.db_path, week, "html")
        assert "<html" in html.lower()
        assert not leaked_values(planted, html), week


# ---------------------------------------------------------------- injection


def text_inputs(app: AppTest) -> list[str]:
    return [widget.key for widget in app.text_input]


def test_injection_strings_in_every_text_box_are_inert(app_db: Path) -> None:
    before = fingerprints(app_db)
    journal = get_settings().taxonomy_journal_path(app_db)
    boxes_seen = 0
    for page in PAGES:
        app = page_app(page)
        keys = text_inputs(app)
        boxes_seen += len(keys)
        for key in keys:
            for hostile in INJECTIONS:
                box = app.text_input(key=key).input(hostile)
                # a box inside a form is read when the form is submitted, in the same run
                for button in app.button:
                    if box.proto.form_id and button.proto.is_form_submitter and button.proto.form_id == box.proto.form_id:
                        button.click()
                app.run()
                assert not app.exception, (page, key, hostile, [e.value for e in app.exception])
    assert boxes_seen >= 6, "both search boxes and the four taxonomy text boxes"
    # taxonomy edits are journalled as literal text for the next run; the snapshot is untouched
    recorded = journal.read_text(encoding="utf-8")
    assert "DROP TABLE feedback" in recorded
    assert fingerprints(app_db) == before


def test_hostile_values_in_every_query_parameter_are_bound(app_db: Path) -> None:
    """Every query function of the dashboard, each string argument hostile."""
    before = fingerprints(app_db)
    coverage = queries.feedback_coverage(app_db).iloc[0]
    monday = report.default_week(queries.review_weeks(app_db))
    for hostile in INJECTIONS:
        hostile_filter = FeedbackFilter(
            coverage["first_date"].date(), coverage["last_date"].date(), ("ticket", hostile),
            languages=(hostile,), products=(hostile,), categories=(hostile,),
        )
        arguments = {
            "feedback_filter": hostile_filter, "theme_id": hostile, "search": hostile, "theme_ids": [hostile],
            "campaign_id": hostile, "category_id": hostile, "channels": [hostile], "week_start": monday,
            "series_kind": hostile, "rank_by": hostile, "limit": 5,
        }
        validated = {"series_kind", "rank_by"}  # checked against a fixed list before any SQL
        called = 0
        for name, function in inspect.getmembers(queries, inspect.isfunction):
            if function.__module__ != queries.__name__ or name.startswith("_") or name in ("load_sql", "run_query", "snapshot_of"):
                continue
            parameters = list(inspect.signature(function).parameters.values())[1:]  # after db_path
            required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
            unknown = [p for p in required if p not in arguments]
            assert not unknown, f"{name} takes {unknown}: teach this test a hostile value for it"
            kwargs = {p.name: arguments[p.name] for p in parameters if p.name in arguments}
            called += 1
            if validated & set(kwargs):
                with pytest.raises(ValueError, match="must be"):
                    function(app_db, **kwargs)
                continue
            result = function(app_db, **kwargs)
            assert isinstance(result, pd.DataFrame), name
            if "search" in kwargs or "theme_id" in kwargs or "campaign_id" in kwargs:
                # a hostile id or search matches nothing rather than everything
                matching = result.get("count_matching")
                assert result.empty or matching is None or name.startswith("theme_management"), name
        assert called >= 25
    assert fingerprints(app_db) == before


_SQL_METHODS = {"execute", "executemany", "sql", "query", "from_query"}


def _builds_text(node: ast.AST) -> bool:
    """True for an f-string, concatenation, %-format or .format() call."""
    return (
        isinstance(node, ast.JoinedStr)
        or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod))
        or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format")
    )


def test_dashboard_code_never_builds_sql_from_values() -> None:
    """SQL comes only from the files in dashboard/sql, named by literals; values go in as
    bound parameters. Fails on con.execute(f"... {search}") or run_query(db, "x_" + kind)."""
    sql_names = {path.stem for path in (PROJECT_ROOT / "dashboard" / "sql").glob("*.sql")}
    sources = sorted((PROJECT_ROOT / "dashboard").rglob("*.py"))
    checked_calls = 0
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _SQL_METHODS and node.args:
                checked_calls += 1
                sql = node.args[0]
                assert not _builds_text(sql), f"{path.name}:{node.lineno} builds SQL text"
                assert (
                    isinstance(sql, ast.Constant)
                    or (isinstance(sql, ast.Call) and getattr(sql.func, "id", "") == "load_sql")
                ), f"{path.name}:{node.lineno}: SQL must be a literal or load_sql(...)"
            if name == "run_query":
                checked_calls += 1
                sql_name = node.args[1]
                assert isinstance(sql_name, ast.Constant) and sql_name.value in sql_names, (
                    f"{path.name}:{node.lineno}: run_query needs the literal name of a dashboard/sql file"
                )
    assert checked_calls >= 25


# ---------------------------------------------------------------- access


AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-test-secret-not-used-for-anything-else",
        "client_id": "voc-dashboard",
        "client_secret": "test-client-secret",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
    }
}


def auth_app(user: dict) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S)
    app.secrets.update(AUTH_SECRETS)
    app.user = user
    return app


def test_with_login_configured_a_visitor_sees_only_the_login_prompt(app_db: Path) -> None:
    app = auth_app({"is_logged_in": False}).run()
    assert not app.exception, [e.value for e in app.exception]
    assert [b.label for b in app.button] == ["Log in"]
    assert [i.value for i in app.info] == ["Log in to see customer feedback."]
    assert [t.value for t in app.title] == ["Voice of customer"]
    assert not app.metric and not app.dataframe and not app.text and not app.selectbox and not app.text_input
    with duckdb.connect(str(app_db), read_only=True) as con:
        labels = [label for (label,) in con.execute("SELECT label FROM themes").fetchall()]
    shown = rendered_text(app)
    assert not [label for label in labels if label in shown]


def test_with_login_configured_a_logged_in_user_sees_the_data(app_db: Path) -> None:
    app = auth_app({"is_logged_in": True, "email": "analyst@larkspur.example", "name": "An Analyst"}).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Top themes" in [t.value for t in app.title]
    assert app.metric and app.dataframe
    assert "Log out" in [b.label for b in app.sidebar.button]
    assert "Signed in as analyst@larkspur.example" in [c.value for c in app.sidebar.caption]


def test_requiring_login_without_auth_configured_fails_closed(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOC_DASHBOARD_REQUIRE_LOGIN", "true")
    get_settings.cache_clear()
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception
    assert len(app.error) == 1 and "requires login" in app.error[0].value
    assert not app.metric and not app.dataframe and not app.title


def test_without_login_configured_the_dashboard_works_unchanged(app_db: Path) -> None:
    app = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception
    assert "Top themes" in [t.value for t in app.title] and app.metric
    assert "Log in" not in [b.label for b in app.button]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    addresses = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # the kernel prints each 32-bit word in host (little-endian) order
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                addresses.add(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, words))
    return addresses


@pytest.mark.parametrize("command", ["dashboard", "demo"])
def test_both_commands_that_serve_the_dashboard_take_an_address_and_a_port(command: str) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--address" in result.output and "--port" in result.output


def test_voc_dashboard_listens_on_loopback_only(hostile_run: HostileRun, tmp_path: Path) -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"
    assert get_settings().dashboard_address == "localhost"

    port = _free_port()
    log = tmp_path / "dashboard.log"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("VOC_DASHBOARD_ADDRESS", None)
    with log.open("wb") as out:
        # its own process group: `voc dashboard` starts Streamlit as a child process
        server = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "dashboard", "--db", str(hostile_run.db_path), "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not listening_addresses(port):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"nothing listens on {port}:\n{log.read_text()}"
            time.sleep(0.2)  # polling interval, not a wait for content
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as response:
            assert response.status == 200
        addresses = listening_addresses(port)
        assert addresses and addresses <= {"127.0.0.1", "::1"}, addresses
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_voc_dashboard_stops_on_sigterm_and_fails_on_a_taken_port(hostile_run: HostileRun, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    port = _free_port()
    command = [sys.executable, "-m", "pipelines.cli", "dashboard", "--db", str(hostile_run.db_path), "--port", str(port)]
    with (tmp_path / "dashboard.log").open("wb") as out:
        server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not listening_addresses(port):
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "dashboard.log").read_text()
            time.sleep(0.2)  # polling interval, not a wait for content
        server.terminate()  # the one process a service manager knows, not its group
        server.wait(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    deadline = time.monotonic() + 10
    while listening_addresses(port):  # nothing may be left holding the port
        assert time.monotonic() < deadline, f"port {port} still taken after voc dashboard stopped"
        time.sleep(0.2)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = subprocess.run([*command[:-1], str(taken.getsockname()[1])], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    assert busy.returncode != 0 and "not available" in busy.stdout + busy.stderr


# ---------------------------------------------------------------- script payloads (Chromium)


@pytest.fixture(scope="module")
def served_db(hostile_run: HostileRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile snapshot with every message also starting with the payload, so every
    verbatim a page picks carries it (the planted call carries it as the pipeline stored it)."""
    db = tmp_path_factory.mktemp("served_hostile") / "voc.duckdb"
    shutil.copy(hostile_run.db_path, db)
    prefix = SCRIPT_PAYLOAD + " "
    with duckdb.connect(str(db)) as con:
        (stored,) = con.execute(
            "SELECT text FROM feedback WHERE channel = 'call' AND contains(text, 'tracking page shows this')"
        ).fetchone()
        # the cleaner drops the HTML; the Markdown javascript: link is plain text and stays
        assert PLANTED_MARKDOWN_LINK in stored and "<script>" not in stored
        con.execute("UPDATE feedback SET text = ? || text", [prefix])
        con.execute("UPDATE theme_segments SET message_text = ? || message_text", [prefix])
        for table in ("segments", "theme_segments"):  # offsets into the message move with it
            con.execute(
                "UPDATE " + identifier(table) + " SET char_start = char_start + ?, char_end = char_end + ?",
                [len(prefix), len(prefix)],
            )
    return db


def assert_nothing_ran(page, dialogs: list[str]) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("a[href^='javascript']")).to_have_count(0)
    expect(page.locator("script", has_text="__pwned")).to_have_count(0)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []


@pytest.mark.browser
def test_script_payloads_in_verbatims_are_shown_as_text_and_never_run(
    dashboard_url: str, page, served_db: Path
) -> None:
    from playwright.sync_api import expect

    from test_dashboard_browser import PAGE_TIMEOUT_MS

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    payload_text = 'onerror="window.__pwned=1;alert(1)"'

    def verbatim_with_payload():
        return page.get_by_test_id("stText").filter(has_text=payload_text).first

    # Top themes: the selected theme's message, then the search across every message
    page.goto(dashboard_url)
    expect(verbatim_with_payload()).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(verbatim_with_payload()).to_contain_text("<script>window.__pwned=1</script>")
    assert_nothing_ran(page, dialogs)
    search = page.get_by_role("textbox", name="Messages containing", exact=True)
    search.fill("tracking page shows this instead of the parcel")
    search.press("Enter")
    planted_call = page.get_by_test_id("stText").filter(has_text="tracking page shows this instead").first
    expect(planted_call).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(planted_call).to_contain_text(PLANTED_MARKDOWN_LINK)
    assert_nothing_ran(page, dialogs)

    # Weekly review: a week with movers shows their verbatims
    with duckdb.connect(str(served_db), read_only=True) as con:
        (mover_week,) = con.execute(
            "SELECT max(week_start) FROM theme_flags WHERE is_new OR is_spiking"  # fallers may have no item that week
        ).fetchone()
    page.goto(f"{dashboard_url}/weekly_review")
    week_picker = page.get_by_role("combobox", name="Week")
    expect(week_picker).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    week_picker.click()
    week_picker.fill(report.iso_week(mover_week))  # the long list is virtual: filter it first
    page.get_by_role("option", name=report.week_title(mover_week)).click()
    expect(verbatim_with_payload()).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    assert_nothing_ran(page, dialogs)

    # Promotions: the confusion examples of the campaign it opens on
    page.goto(f"{dashboard_url}/promotions")
    expect(verbatim_with_payload()).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(verbatim_with_payload()).to_contain_text("«")
    assert_nothing_ran(page, dialogs)


@pytest.fixture(scope="module")
def login_url(served_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served with an [auth] section (Streamlit reads .streamlit/secrets.toml
    from its working directory); nobody is logged in."""
    with serve_with_login(served_db, tmp_path_factory.mktemp("served_with_login")) as base_url:
        yield base_url


@contextlib.contextmanager
def serve_with_login(served_db: Path, folder: Path) -> Iterator[str]:
    from test_dashboard_browser import free_port, wait_until_healthy

    (folder / ".streamlit").mkdir()
    auth = AUTH_SECRETS["auth"]
    (folder / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in auth.items())
    )
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    env = {**os.environ, "VOC_DB_PATH": str(served_db), "PYTHONPATH": str(PROJECT_ROOT)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, cwd=folder, env=env, stdout=log_file, stderr=subprocess.STDOUT)
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


@pytest.mark.browser
def test_a_page_opened_first_after_a_restart_asks_for_login_too(
    served_db: Path, page, tmp_path: Path
) -> None:
    # A fresh server whose first request is a page's own URL: Streamlit serves a pages/
    # folder by URL before the entry script has ever run, past the login check.
    from playwright.sync_api import expect

    from test_dashboard_browser import PAGE_TIMEOUT_MS

    with serve_with_login(served_db, tmp_path) as base_url:
        page.goto(f"{base_url}/theme_management")
        expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
        for test_id in ("stDataFrame", "stTextInput", "stSelectbox", "stForm"):
            expect(page.get_by_test_id(test_id)).to_have_count(0)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", *PAGES[1:]])
def test_served_pages_show_only_the_login_prompt_until_login(login_url: str, page, served_db: Path, path: str) -> None:
    from playwright.sync_api import expect

    from test_dashboard_browser import PAGE_TIMEOUT_MS

    page.goto(f"{login_url}/{path}")
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.get_by_text("Log in to see customer feedback.")).to_be_visible()
    for test_id in ("stMetric", "stDataFrame", "stText", "stSelectbox", "stTextInput", "stException"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)
    with duckdb.connect(str(served_db), read_only=True) as con:
        labels = [label for (label,) in con.execute("SELECT label FROM themes").fetchall()]
    shown = page.locator("body").inner_text()
    assert not [label for label in labels if label in shown]
    assert "Data as of" not in shown
