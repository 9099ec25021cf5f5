"""The weekly digest (`voc report`): weeks, Markdown and HTML on the story warehouse.

The HTML must stand alone (charts as PNG data URIs) and never let a verbatim become markup;
a copy of the snapshot whose messages start with markup checks both renderings.
"""

from __future__ import annotations

import base64
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines import report
from pipelines.cli import app

HOSTILE = '<script>window.vocInjected=1</script><b>bold</b> **star** [link](http://x) '
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fetch(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def hostile_db(story_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The story snapshot with markup before every message (segment offsets follow)."""
    db = tmp_path_factory.mktemp("report") / "voc.duckdb"
    shutil.copy(story_warehouse.db_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE feedback SET text = ? || text", [HOSTILE])
        con.execute(
            "UPDATE segments SET char_start = char_start + ?, char_end = char_end + ?", [len(HOSTILE), len(HOSTILE)]
        )
    return db


@pytest.fixture(scope="module")
def crash_week(story_warehouse) -> date:
    """A week with new themes: the app-crash release week of the planted stories."""
    (week,) = fetch(
        story_warehouse.db_path,
        "SELECT min(week_start) FROM theme_flags WHERE is_new AND week_start >= DATE '2026-10-01'",
    )[0]
    assert week is not None, "no new theme in the autumn: the app-crash story was not found"
    return week


@pytest.fixture(scope="module")
def markdown(hostile_db: Path, crash_week: date) -> str:
    return report.write_report(hostile_db, crash_week, "md")


@pytest.fixture(scope="module")
def html_digest(hostile_db: Path, crash_week: date) -> str:
    return report.write_report(hostile_db, crash_week, "html")


# ---------------------------------------------------------------- weeks


def test_iso_weeks_parse_and_print() -> None:
    assert report.parse_iso_week("2026-W46") == date(2026, 11, 9)
    assert report.parse_iso_week(" 2026-W01 ") == date(2025, 12, 29)  # ISO year starts in December
    assert report.iso_week(date(2026, 11, 9)) == "2026-W46"
    assert report.week_title(date(2026, 11, 9)) == "2026-W46 (9–15 Nov 2026)"
    assert report.week_title(date(2026, 10, 26)) == "2026-W44 (26 Oct–1 Nov 2026)"
    for bad in ("2026-46", "2026-W54", "W46", "2026-W4"):
        with pytest.raises(ValueError):
            report.parse_iso_week(bad)


def test_default_week_is_the_newest_complete_one() -> None:
    weeks = pd.DataFrame(
        {"week_start": [date(2026, 11, 16), date(2026, 11, 9)], "is_complete": [False, True]}
    )
    assert report.default_week(weeks) == date(2026, 11, 9)
    assert report.default_week(weeks.head(1)) == date(2026, 11, 16)  # none complete: the newest
    with pytest.raises(LookupError):
        report.default_week(weeks.head(0))


def test_verbatim_excerpt_keeps_the_marked_segment_in_context() -> None:
    message = "a" * 300 + "«the segment»" + "b" * 300
    excerpt = report.verbatim_excerpt(message, context=10)
    assert excerpt == "…" + "a" * 10 + "«the segment»" + "b" * 10 + "…"
    assert report.verbatim_excerpt("short «one»") == "short «one»"


def test_evidence_leads_with_what_the_mover_was_compared_with() -> None:
    mover = pd.Series({
        "movement": "rising", "fall_reference": "baseline", "count_items": 95, "count_previous_week": 2,
        "expected_count": 1.8, "rate_ratio": 52.8, "share_of_items": 0.31, "share_change": 0.3, "q_value": 1e-50,
    })
    assert report.evidence(mover).startswith("95 items (expected 1.8, 52.8×; last week 2)")
    # a wave falling away: the news is the fall from last week, though still above normal
    ebbing = mover.copy()
    ebbing.update({"movement": "falling", "fall_reference": "last_week", "count_items": 11,
                   "count_previous_week": 105, "expected_count": 1.5, "rate_ratio": 7.5, "q_value": 0.003})
    assert report.evidence(ebbing) == (
        "11 items, down from 105 last week (a wave falling away; normal level 1.5, now 7.5×) · q = 0.003"
    )


def test_markdown_escape_leaves_no_markup() -> None:
    assert report.markdown_escape("<b>x</b> **y**\n[z](u)") == r"\<b\>x\</b\> \*\*y\*\* \[z\](u)"


# ---------------------------------------------------------------- the digest


def test_markdown_digest_has_the_weeks_numbers_movers_and_escaped_verbatims(
    markdown: str, hostile_db: Path, crash_week: date
) -> None:
    assert markdown.startswith(f"# Voice of customer: weekly review {report.week_title(crash_week)}")
    (items,) = fetch(
        hostile_db,
        # each item once: reposts and double submissions count under their first copy
        "SELECT count(*) FROM feedback WHERE received_at >= ? AND received_at < ? AND feedback_id = canonical_id",
        [crash_week, crash_week + timedelta(days=7)],
    )[0]
    assert f"| Feedback items | {items:,} |" in markdown
    new_themes = fetch(
        hostile_db,
        """SELECT t.label, f.count_items FROM theme_flags AS f JOIN themes AS t USING (theme_id)
           WHERE f.week_start = ? AND f.is_new""",
        [crash_week],
    )
    new_section = markdown.split("## New themes")[1].split("## Fallers")[0]
    for label, count in new_themes:
        assert f"### {report.markdown_escape(label)}" in new_section
        assert f"{count:,} items (expected" in new_section
    quotes = [line for line in markdown.splitlines() if line.startswith("> ")]
    assert quotes and all("«" in q for q in quotes)
    assert "<script>" not in markdown and "<b>" not in markdown
    assert r"\<script\>" in markdown  # shown as text wherever the excerpt reaches the start
    assert "## Cost leaders (all weeks)" in markdown


def test_cost_leaders_come_from_the_handling_cost_mart(markdown: str, hostile_db: Path) -> None:
    leaders = fetch(
        hostile_db,
        """SELECT t.label FROM theme_handling_cost AS c JOIN themes AS t USING (theme_id)
           ORDER BY c.cost_rank LIMIT ?""",
        [report.MAX_COST_LEADERS],
    )
    section = markdown.split("## Cost leaders (all weeks)")[1]
    positions = [section.index(f"{rank}. {report.markdown_escape(label)}:") for rank, (label,) in enumerate(leaders, 1)]
    assert positions == sorted(positions) and len(positions) == len(leaders) > 0


def test_html_digest_embeds_png_charts_and_escapes_verbatims(html_digest: str) -> None:
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', html_digest)
    assert images, "no embedded chart"
    assert all(base64.b64decode(image).startswith(PNG_SIGNATURE) for image in images)
    assert "<script>" not in html_digest and "<b>bold</b>" not in html_digest
    assert "&lt;script&gt;window.vocInjected=1&lt;/script&gt;" in html_digest
    assert html_digest.count("<blockquote>") >= 1


def test_cli_writes_the_digest_and_refuses_bad_input(hostile_db: Path, crash_week: date, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "digest.html"
    week = report.iso_week(crash_week)
    result = runner.invoke(app, ["report", "--week", week, "--db", str(hostile_db), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!doctype html>")

    printed = runner.invoke(app, ["report", "--week", week, "--db", str(hostile_db)])
    assert printed.exit_code == 0 and printed.stdout.startswith("# Voice of customer")

    for args in (["--week", "2026-W99"], ["--format", "pdf"], ["--db", str(tmp_path / "missing.duckdb")]):
        refused = runner.invoke(app, ["report", "--db", str(hostile_db), *args])
        assert refused.exit_code != 0
    # A week the data does not reach is refused, not written as a week of zeros
    for outside in ("2020-W10", "2099-W10"):
        refused = runner.invoke(app, ["report", "--week", outside, "--db", str(hostile_db)], env={"COLUMNS": "200"})
        assert refused.exit_code == 2 and "the data has no week" in refused.output, refused.output


def test_promotion_watch_lists_the_campaigns_mentioned_that_week(story_warehouse) -> None:
    db = story_warehouse.db_path
    (launch_week,) = fetch(
        db, "SELECT CAST(date_trunc('week', start_date) AS DATE) FROM campaigns WHERE promo_code = 'FALL25'"
    )[0]
    mentions = dict(
        fetch(
            db,
            """SELECT c.name, sum(m.count_mentions) FROM promotion_mentions AS m JOIN campaigns AS c USING (campaign_id)
               WHERE m.day >= ? AND m.day < ? GROUP BY c.name HAVING sum(m.count_mentions) > 0""",
            [launch_week, launch_week + timedelta(days=7)],
        )
    )
    assert mentions.get("Fall Refresh", 0) > 0
    section = report.write_report(db, launch_week, "md").split("## Promotion watch")[1]
    for name, count in mentions.items():
        assert f"- {report.markdown_escape(name)} (" in section
        assert f"{count:,} mentions" in section
