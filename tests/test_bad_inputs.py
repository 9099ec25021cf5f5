"""Hostile and broken input: a committed corpus of bad records, run through every connector
and then, all together, through the real Prefect flow into a real DuckDB file.

``tests/fixtures/bad_inputs/cases.yaml`` lists every case: the connector and file, where the
connector reports it (its location), what the case plants, and the outcome the connector must
give: loaded (with what must hold of the record) or quarantined (with the exact reason).
Cases too big to commit (10 MiB texts) carry a recipe and are built here.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from dashboard import queries
from nlp.clean import clean_text
from pipelines.connectors import (
    FeedbackRecord,
    QuarantinedRecord,
    SourceConfig,
    build_connector,
    reason_kind,
)
from pipelines.connectors.base import MAX_RAW_PAYLOAD_CHARS
from pipelines.connectors.campaigns import (
    DUPLICATE_CAMPAIGN,
    INVALID_PROMO_CODE,
    CampaignRecord,
    read_campaigns,
)
from pipelines.connectors.reasons import QUARANTINE_REASON_KINDS

BAD_INPUTS = Path(__file__).parent / "fixtures" / "bad_inputs"
MANIFEST = yaml.safe_load((BAD_INPUTS / "cases.yaml").read_text(encoding="utf-8"))
SOURCES: dict[str, dict[str, Any]] = {source["name"]: source for source in MANIFEST["sources"]}
CASES: list[dict[str, Any]] = MANIFEST["cases"]
CAMPAIGN_CALENDAR = "campaign_calendar"  # the calendar the flow run lands
KNOWN_REASON_KINDS = {*QUARANTINE_REASON_KINDS, INVALID_PROMO_CODE, DUPLICATE_CAMPAIGN}
# What the corpus must plant (issue 6), as the manifest's case kinds.
PLANTED_KINDS = {
    "wrong_encoding", "bom_crlf", "nul_bytes", "truncated_or_malformed_json", "huge_text", "empty_or_whitespace",
    "emoji_only", "html_script", "zero_width_rtl", "invalid_or_future_date", "duplicate_id",
    "missing_or_extra_columns", "webvtt_structure", "wrong_type", "ids_scores_and_other_fields",
}
# What nlp.clean promises never to leave in a cleaned text (ZWJ/ZWNJ stay: emoji need them).
FORBIDDEN_IN_CLEAN_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)

ReadOutcome = FeedbackRecord | QuarantinedRecord | CampaignRecord


# ------------------------------------------------------------ building and reading the corpus


def _repeated(unit: str, chars: int) -> str:
    return (unit * (chars // len(unit) + 1))[:chars]


def build_from_recipe(path: Path, recipe: dict[str, Any]) -> None:
    """Write a generated case: one record whose text is ``chars`` characters of ``unit``."""
    text = _repeated(recipe["unit"], recipe["chars"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if recipe["kind"] == "x_post":
        post = {"id": recipe["id"], "text": text, "created_at": "2026-09-01T12:00:00.000Z", "author_id": "1"}
        path.write_text(json.dumps(post) + "\n", encoding="utf-8")
    elif recipe["kind"] == "zendesk_ticket":
        ticket = {"id": recipe["id"], "created_at": "2026-09-01T10:00:00Z", "subject": "Long", "description": text}
        path.write_text(json.dumps({"tickets": [ticket]}), encoding="utf-8")
    elif recipe["kind"] == "survey_row":
        header = "ResponseId,RecordedDate,NPS,CSAT,Comment,CustomerId,Product\n"
        path.write_text(f'{header}{recipe["id"]},2026-09-01 10:00:00,5,,"{text}",C1,App\n', encoding="utf-8")
    else:
        raise ValueError(f"unknown recipe kind {recipe['kind']!r}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed corpus plus the generated cases, in a scratch folder."""
    root = tmp_path_factory.mktemp("bad_inputs") / "corpus"
    shutil.copytree(BAD_INPUTS, root)
    for case in CASES:
        if "recipe" in case:
            build_from_recipe(root / case["file"], case["recipe"])
    return root


def read_source(root: Path, source: dict[str, Any]) -> list[ReadOutcome]:
    path = root / source["path"]
    if source["connector"] == "campaigns":
        return list(read_campaigns(path))
    return list(build_connector(SourceConfig(source["name"], source["connector"], path)).read())


@pytest.fixture(scope="module")
def results_by_source(corpus: Path) -> dict[str, dict[str, ReadOutcome]]:
    """Every source read once through its real connector, results keyed by location."""
    by_source: dict[str, dict[str, ReadOutcome]] = {}
    for name, source in SOURCES.items():
        results = read_source(corpus, source)
        locations = [result.location for result in results]
        assert len(set(locations)) == len(locations), f"{name}: a location reported twice: {locations}"
        by_source[name] = dict(zip(locations, results, strict=True))
    return by_source


# ------------------------------------------------------------ the manifest itself


def test_manifest_is_well_formed_and_covers_every_connector() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) >= 100
    for case in CASES:
        source = SOURCES[case["source"]]
        assert case["connector"] == source["connector"], case["id"]
        assert case["outcome"] in ("loaded", "quarantined"), case["id"]
        assert case["plants"].strip(), case["id"]
        assert (case["outcome"] == "quarantined") == ("reason" in case), case["id"]
        assert "recipe" in case or (BAD_INPUTS / case["file"]).is_file(), case["id"]
    assert {case["kind"] for case in CASES} == PLANTED_KINDS
    assert any(case["id"] == "cl-no-speakers" for case in CASES)  # a WebVTT file with no speakers
    per_connector = Counter(case["connector"] for case in CASES)
    assert set(per_connector) == {"zendesk", "survey_csv", "webvtt_calls", "x_posts", "campaigns"}
    assert min(per_connector.values()) >= 15
    committed = sum(path.stat().st_size for path in BAD_INPUTS.rglob("*") if path.is_file())
    assert committed < 400_000  # the 10 MiB cases are recipes, not files


# ------------------------------------------------------------ each case through its connector


@pytest.mark.parametrize("source_name", list(SOURCES))
def test_each_source_yields_exactly_its_cases(source_name: str, results_by_source) -> None:
    """No record is dropped or invented: records in = loaded + quarantined = the cases listed."""
    expected = {case["location"]: case["outcome"] for case in CASES if case["source"] == source_name}
    results = results_by_source[source_name]
    actual = {
        location: "quarantined" if isinstance(result, QuarantinedRecord) else "loaded"
        for location, result in results.items()
    }
    assert actual == expected


def _assert_loaded(case: dict[str, Any], result: ReadOutcome) -> None:
    if isinstance(result, CampaignRecord):
        for field in ("name", "promo_code", "start_date", "end_date", "terms"):
            if field in case:
                value = getattr(result, field)
                assert (value.isoformat() if isinstance(value, date) else value) == case[field], field
        assert not FORBIDDEN_IN_CLEAN_TEXT.search(result.name)
        return
    assert isinstance(result, FeedbackRecord)
    assert result.source_record_id == case["record_id"]
    for field in ("text", "nps", "csat", "product", "customer_id"):
        if field in case:
            assert getattr(result, field) == case[field], field
    if "received_at" in case:
        assert result.received_at == datetime.fromisoformat(case["received_at"])
    if "speakers" in case:
        assert [turn.speaker for turn in result.turns] == case["speakers"]
    for key, value in case.get("metadata", {}).items():
        assert result.metadata[key] == value, key
    cleaned = clean_text(result.text, result.channel).text
    if "cleaned" in case:
        assert cleaned == case["cleaned"]
    # What holds for every loaded record, whatever it planted:
    assert cleaned or result.nps is not None or result.csat is not None, "loaded with nothing left to read"
    assert not FORBIDDEN_IN_CLEAN_TEXT.search(cleaned)
    assert result.received_at.tzinfo is None and date(2000, 1, 1) <= result.received_at.date()
    json.dumps(result.payload, allow_nan=False, ensure_ascii=False).encode("utf-8")  # storable as JSON


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case_matches_manifest(case: dict[str, Any], results_by_source) -> None:
    result = results_by_source[case["source"]].get(case["location"])
    assert result is not None, f"nothing reported at {case['location']}"
    if case["outcome"] == "loaded":
        _assert_loaded(case, result)
        return
    assert isinstance(result, QuarantinedRecord), f"loaded, expected: {case['reason']}"
    assert result.reason == case["reason"]
    assert reason_kind(result.reason) in KNOWN_REASON_KINDS
    assert result.source_record_id == case.get("record_id")
    cut_marker = re.compile(r"… \[[\d,]+ more characters not kept\]$")
    assert bool(cut_marker.search(result.raw_payload)) == case.get("raw_cut", False)
    assert len(result.raw_payload) < MAX_RAW_PAYLOAD_CHARS + 50


# ------------------------------------------------------------ all of it through the flow


def _count_by_source(cases: list[dict[str, Any]]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for case in cases:
        counts.setdefault(case["source"], Counter())[case["outcome"]] += 1
    return counts


def _text_columns(con: duckdb.DuckDBPyConnection, data_types: tuple[str, ...]) -> list[tuple[str, str]]:
    return con.execute(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE data_type IN ? AND table_schema = 'main' ORDER BY ALL""",
        [list(data_types)],
    ).fetchall()


def _rows_with(con: duckdb.DuckDBPyConnection, table: str, column: str, pattern: str) -> int:
    sql = f'SELECT count(*) FROM "{table}" WHERE regexp_matches("{column}"::VARCHAR, ?)'  # names from the catalog
    return con.execute(sql, [pattern]).fetchone()[0]


# Columns that keep a source's own values as received (ids, raw payloads): NUL is escaped
# there, but other characters are the evidence of what arrived.
RAW_TEXT_COLUMNS = {("quarantine", "raw_payload"), ("quarantine", "source_record_id"),
                    ("quarantine", "location")}


@pytest.fixture(scope="module")
def bad_input_warehouse(corpus: Path, tmp_path_factory, prefect_harness) -> tuple[Path, Any]:
    from pipelines.flows import voc_pipeline

    root = tmp_path_factory.mktemp("bad_input_warehouse")
    feedback_sources = [
        {"name": name, "kind": source["connector"], "path": str(corpus / source["path"])}
        for name, source in SOURCES.items()
        if source["connector"] != "campaigns"
    ]
    sources_path = root / "sources.yaml"
    sources_path.write_text(yaml.safe_dump({"sources": feedback_sources}), encoding="utf-8")
    db_path = root / "voc.duckdb"
    report = voc_pipeline(
        db_path=db_path, sources_path=sources_path, campaigns_path=corpus / SOURCES[CAMPAIGN_CALENDAR]["path"]
    )
    return db_path, report


def test_flow_lands_every_case_and_counts_reconcile(bad_input_warehouse) -> None:
    db_path, report = bad_input_warehouse
    expected = _count_by_source(CASES)
    reported = {source["source"]: source for source in report.sources}
    assert set(reported) == {name for name, s in SOURCES.items() if s["connector"] != "campaigns"}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for name, source in reported.items():
            assert source["read"] == source["loaded"] + source["quarantined"], name
            assert (source["loaded"], source["quarantined"]) == (
                expected[name]["loaded"], expected[name]["quarantined"]
            ), name
            landed = con.execute("SELECT count(*) FROM raw_records WHERE source = ?", [name]).fetchone()[0]
            rejected = con.execute("SELECT count(*) FROM quarantine WHERE source = ?", [name]).fetchone()[0]
            assert (landed, rejected) == (source["loaded"], source["quarantined"]), name
        calendar = expected[CAMPAIGN_CALENDAR]
        assert (report.campaigns["loaded"], report.campaigns["quarantined"]) == (
            calendar["loaded"], calendar["quarantined"]
        )
        assert con.execute("SELECT count(*) FROM raw_campaigns").fetchone()[0] == calendar["loaded"]
        assert con.execute("SELECT count(*) FROM quarantine WHERE source = 'campaigns'").fetchone()[0] == (
            calendar["quarantined"]
        )
        reasons = con.execute("SELECT reason FROM quarantine").fetchall()
        assert reasons and all(reason.strip() for (reason,) in reasons)
        assert {reason_kind(reason) for (reason,) in reasons} <= KNOWN_REASON_KINDS
        assert con.execute("SELECT count(*) FROM feedback").fetchone()[0] == sum(
            counts["loaded"] for name, counts in expected.items() if name != CAMPAIGN_CALENDAR
        )


def test_no_raw_nul_or_invisible_characters_reach_the_warehouse(bad_input_warehouse) -> None:
    db_path, _ = bad_input_warehouse
    with duckdb.connect(str(db_path), read_only=True) as con:
        columns = _text_columns(con, ("VARCHAR",))
        assert ("feedback", "text") in columns and ("segments", "text") in columns
        # JSON payloads keep a NUL as the escape \u0000, never as the raw character
        nul_columns = [(t, c) for t, c in _text_columns(con, ("VARCHAR", "JSON")) if _rows_with(con, t, c, "\x00")]
        assert nul_columns == []
        invisible = FORBIDDEN_IN_CLEAN_TEXT.pattern
        dirty = [(t, c) for t, c in columns if (t, c) not in RAW_TEXT_COLUMNS and _rows_with(con, t, c, invisible)]
        assert dirty == []
        # the planted characters were there to remove: the raw evidence still shows them
        assert _rows_with(con, "quarantine", "raw_payload", "\u200b") > 0


def test_dashboard_text_is_clean(bad_input_warehouse) -> None:
    db_path, _ = bad_input_warehouse
    everything = queries.FeedbackFilter(date(2000, 1, 1), date(2030, 12, 31), ("ticket", "survey", "call", "social"))
    frames = [queries.search_verbatims(db_path, everything, letter, limit=500) for letter in "aeiou"]
    with duckdb.connect(str(db_path), read_only=True) as con:
        theme_ids = [row[0] for row in con.execute("SELECT theme_id FROM themes").fetchall()]
    frames += [queries.theme_verbatims(db_path, everything, theme_id, limit=500) for theme_id in theme_ids]
    shown = [value for frame in frames for column in frame.columns for value in frame[column]
             if isinstance(value, str)]
    assert any("Payment failed" in value for value in shown)  # K03's words, once hidden by invisibles
    assert [value for value in shown if FORBIDDEN_IN_CLEAN_TEXT.search(value)] == []
