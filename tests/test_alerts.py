"""Alerts: a Slack-compatible message to a real HTTP receiver on 127.0.0.1.

The receiver is http.server in a thread, recording what it is sent; it can be told to fail.
The last test runs the real flow (on a copy of the story warehouse, whose inputs are
unchanged, so only the marts are rebuilt) with the webhook configured.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from dashboard import queries
from pipelines import alerts, report
from pipelines.settings import get_settings

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@dataclass
class Receiver:
    url: str
    status: int = 200
    received: list[dict] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {"path": self.path, "content_type": self.headers["Content-Type"], "body": json.loads(body)}
            )
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/voc"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def rising_in(db: Path, week: date) -> dict[str, int]:
    """label -> items of the themes flagged spiking or new in the week."""
    rows = fetch(
        db,
        """SELECT t.label, f.count_items FROM theme_flags AS f JOIN themes AS t USING (theme_id)
           WHERE f.week_start = ? AND (f.is_spiking OR f.is_new)""",
        [week],
    )
    return dict(rows)


@pytest.fixture(scope="module")
def story_db(story_warehouse) -> Path:
    return story_warehouse.db_path


@pytest.fixture(scope="module")
def busiest_rising_week(story_db: Path) -> date:
    (week,) = fetch(
        story_db,
        """SELECT week_start FROM theme_flags GROUP BY week_start
           ORDER BY sum((is_spiking OR is_new)::INT) DESC, week_start LIMIT 1""",
    )[0]
    return week


def all_text(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_rising_themes_are_posted_as_a_slack_message(
    receiver: Receiver, story_db: Path, busiest_rising_week: date
) -> None:
    logger = logging.getLogger("test_alerts")
    assert alerts.send_weekly_alert(story_db, receiver.url, logger, busiest_rising_week)
    (request,) = receiver.received
    assert request["path"] == "/hooks/voc"
    assert request["content_type"] == "application/json"
    message = request["body"]
    assert set(message) == {"text", "blocks"}
    assert report.iso_week(busiest_rising_week) in message["text"]

    expected = rising_in(story_db, busiest_rising_week)
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert len(sections) == min(len(expected), alerts.MAX_THEMES)
    for section in sections:
        label = section.split("\n")[0].split(" · ", 1)[1]
        assert f"{expected[label]:,} items" in section
    assert all(b["text"]["type"] == "plain_text" for b in message["blocks"] if "text" in b)

    # at most one short verbatim, and no e-mail address (verbatims were redacted on landing)
    context = [b for b in message["blocks"] if b["type"] == "context"]
    assert len(context) <= 1
    if context:
        quote = context[0]["elements"][0]["text"]
        assert len(quote.split("“")[1].split("”")[0]) <= alerts.VERBATIM_CHARS
    assert not EMAIL.search(all_text(message))


def test_a_quiet_week_sends_nothing(receiver: Receiver, story_db: Path) -> None:
    (quiet,) = fetch(
        story_db,
        """SELECT week_start FROM theme_flags GROUP BY week_start
           HAVING NOT bool_or(is_spiking OR is_new) ORDER BY week_start LIMIT 1""",
    )[0]
    assert alerts.alert_message(story_db, quiet) is None
    assert not alerts.send_weekly_alert(story_db, receiver.url, logging.getLogger("test_alerts"), quiet)
    assert receiver.received == []


def test_webhook_failures_are_logged_not_raised(
    receiver: Receiver, story_db: Path, busiest_rising_week: date, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("test_alerts")
    receiver.status = 500
    with caplog.at_level(logging.WARNING, logger="test_alerts"):
        assert not alerts.send_weekly_alert(story_db, receiver.url, logger, busiest_rising_week)
        closed_port = receiver.url.rsplit(":", 1)[0] + ":9/hooks"  # discard port: nothing listens
        assert not alerts.send_weekly_alert(story_db, closed_port, logger, busiest_rising_week)
        assert not alerts.send_weekly_alert(story_db, "file:///etc/passwd", logger, busiest_rising_week)
    assert len(receiver.received) == 1  # the 500 was received; the others never left
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and all(w.startswith("alert not delivered") for w in warnings)
    assert not alerts.send_weekly_alert(story_db, None, logger)  # no webhook, no alert


def test_the_flow_alerts_after_publishing(
    receiver: Receiver, story_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.flows import voc_pipeline

    db = tmp_path / "voc.duckdb"
    shutil.copy(story_warehouse.db_path, db)
    work = get_settings().work_db_path(story_warehouse.db_path)
    shutil.copy(work, get_settings().work_db_path(db))
    monkeypatch.setenv("VOC_ALERT_WEBHOOK_URL", receiver.url)
    get_settings.cache_clear()
    try:
        result = voc_pipeline(
            db_path=db,
            sources_path=story_warehouse.sources_path,
            campaigns_path=story_warehouse.samples_dir.parent / "campaigns.csv",
        )
    finally:
        get_settings.cache_clear()
    assert "alert" in result.stage_seconds
    week = report.default_week(queries.review_weeks(db))
    expected = rising_in(db, week)
    if expected:
        (request,) = receiver.received
        assert report.iso_week(week) in request["body"]["text"]
    else:
        assert receiver.received == []
