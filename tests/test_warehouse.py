"""Warehouse landing, contracts and layers on a real DuckDB file (no orchestrator)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime

import pytest

from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, Turn
from pipelines.warehouse.db import (
    KEPT_TABLES,
    MODEL_LAYERS,
    apply_layers,
    build_models,
    check_contracts,
    connect,
    enforced_constraints,
    identifier,
    init_schema,
    land_quarantine,
    land_records,
    table_fingerprints,
)

LANDED = datetime(2026, 11, 16, 6, 0)


def record(record_id: str, text: str = "My parcel is two weeks late.", **fields) -> FeedbackRecord:
    return FeedbackRecord(
        source="tickets", source_record_id=record_id, channel="ticket",
        received_at=datetime(2026, 10, 5, 9, 30), text=text, location=f"page.json#{record_id}",
        payload={"id": record_id, "description": text}, customer_id="c1", **fields,
    )


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "w.duckdb") as connection:
        init_schema(connection)
        yield connection


def test_landing_is_idempotent_and_updates_changed_records(con):
    first = land_records(con, [record("1"), record("2")], LANDED)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    again = land_records(con, [record("1"), record("2")], LANDED)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = land_records(con, [record("1", text="Now it arrived broken."), record("3")], LANDED)
    assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 0)
    rows = dict(con.execute("SELECT source_record_id, text FROM raw_records").fetchall())
    assert rows == {"1": "Now it arrived broken.", "2": "My parcel is two weeks late.", "3": "My parcel is two weeks late."}


def test_moving_a_record_to_another_file_is_not_a_change(con):
    land_records(con, [record("1")], LANDED)
    moved = land_records(con, [replace(record("1"), location="page_002.json#0")], LANDED)
    assert moved.unchanged == 1


def test_scores_turns_and_metadata_survive_landing(con):
    call = replace(
        record("9", text="Agent: Hello\nCustomer: My card was charged twice."),
        channel="call", nps=3, csat=1, handle_time_s=412.0,
        turns=(Turn("agent", 0, 900, 0, 12), Turn("customer", 900, 4000, 13, 49)),
        metadata={"queue": "billing"},
    )
    land_records(con, [call], LANDED)
    nps, csat, handle, turns, metadata = con.execute(
        "SELECT nps, csat, handle_time_s, turns->>'$[1].speaker', metadata->>'queue' FROM raw_records"
    ).fetchone()
    assert (nps, csat, handle, turns, metadata) == (3, 1, 412.0, "customer", "billing")


def test_quarantine_is_idempotent_and_keeps_the_payload(con):
    bad = [
        QuarantinedRecord("surveys", "survey.csv:7", "score out of range: NPS 14", "R_1,2026-10-01,14,,great"),
        QuarantinedRecord("social", "posts.jsonl:3", "malformed JSON line", '{"id": "1", "text": "tru\x00'),
    ]
    assert land_quarantine(con, bad, LANDED) == 2
    assert land_quarantine(con, bad, LANDED) == 0
    payloads = [p for (p,) in con.execute("SELECT raw_payload FROM quarantine ORDER BY location").fetchall()]
    assert payloads[0] == '{"id": "1", "text": "tru\\x00'
    assert payloads[1] == "R_1,2026-10-01,14,,great"


def test_contracts_catch_duplicates_nulls_and_orphans(con):
    land_records(con, [record("1")], LANDED)
    con.execute(
        "INSERT INTO nlp_items (feedback_id, content_hash, language, count_segments) SELECT feedback_id, content_hash, 'en', 1 FROM stg_feedback"
    )
    con.execute(
        """INSERT INTO nlp_segments SELECT feedback_id, content_hash, 0, text, 0, length(text), 'h1'
           FROM stg_feedback"""
    )
    con.execute("INSERT INTO nlp_segment_enrichment (text_hash, sentiment_score, sentiment_label, key_phrases) VALUES ('h1', -0.8, 'negative', ['parcel'])")
    con.execute("INSERT INTO segment_theme VALUES ('h1', 'T9999', 0.9)")  # a theme that does not exist
    apply_layers(con, MODEL_LAYERS)
    violations = check_contracts(con)
    assert any("segments.theme_id" in v and "themes.theme_id" in v for v in violations)

    con.execute("INSERT INTO theme_state (theme_id, label, keywords, centroid, is_active, first_seen_run, last_seen_run) VALUES ('T9999', 'parcel late', ['parcel'], [1.0], true, 'r1', 'r1')")
    apply_layers(con, MODEL_LAYERS)
    assert check_contracts(con) == []

    con.execute("INSERT INTO theme_state (theme_id, label, keywords, centroid, is_active, first_seen_run, last_seen_run) VALUES ('T0001', 'parcel late', ['late'], [1.0], true, 'r1', 'r1')")
    apply_layers(con, MODEL_LAYERS)
    assert any("themes.label" in v for v in check_contracts(con))


def test_contracts_report_every_kind_of_violation(tmp_path):
    contracts = tmp_path / "contracts.yaml"
    contracts.write_text(
        """tables:
  loose:
    key: [a]
    unique: [b]
    not_null: [c]
    accepted_values: {d: [x, y], f: [p]}
    references: {e: declared.a}
  declared:
    key: [a]
    not_null: [c]
""",
        encoding="utf-8",
    )
    with connect(tmp_path / "c.duckdb") as con:
        con.execute("CREATE TABLE declared (a INTEGER PRIMARY KEY, c VARCHAR NOT NULL)")
        con.execute("INSERT INTO declared VALUES (1, 'c')")
        con.execute("CREATE TABLE loose (a INTEGER, b INTEGER, c VARCHAR, d VARCHAR, e INTEGER, f VARCHAR)")
        con.execute(
            """INSERT INTO loose VALUES (1, 7, 'c', 'x', 1, 'p'), (1, 7, NULL, 'z', 2, 'x'),
                                       (NULL, 8, NULL, NULL, NULL, 'x')"""
        )
        assert sorted(check_contracts(con, contracts)) == sorted([
            "loose: 1 duplicated keys (a)",
            "loose.b: 1 repeated values",
            "loose.c: 2 nulls",
            "loose.a: 1 nulls",
            "loose.d: 1 values outside ['x', 'y']",
            "loose.f: 2 values outside ['p']",
            "loose.e: 1 values missing from declared.a",
        ])
        # What DuckDB enforces on every write is not scanned for again.
        enforced = enforced_constraints(con)
        assert {("declared", "UNIQUE", frozenset({"a"})), ("declared", "NOT NULL", frozenset({"c"}))} <= enforced
        assert not {entry for entry in enforced if entry[0] == "loose"}


def understand_landed(con, theme_id: str = "T0001") -> None:
    """What the NLP stages would store for every landed item version: one segment each,
    enriched, in `theme_id` (kept where a text was placed before)."""
    con.execute("INSERT INTO nlp_items (feedback_id, content_hash, language, count_segments) SELECT feedback_id, content_hash, 'en', 1 FROM stg_feedback ON CONFLICT DO NOTHING")
    con.execute(
        """INSERT INTO nlp_segments SELECT feedback_id, content_hash, 0, text, 0, length(text), 'h_' || content_hash
           FROM stg_feedback ON CONFLICT DO NOTHING"""
    )
    con.execute(
        """INSERT INTO nlp_segment_enrichment (text_hash, sentiment_score, sentiment_label, key_phrases)
           SELECT DISTINCT text_hash, -0.5, 'negative', ['parcel']
           FROM nlp_segments ON CONFLICT DO NOTHING"""
    )
    con.execute("INSERT INTO segment_theme SELECT DISTINCT text_hash, ?, 0.8 FROM nlp_segments ON CONFLICT DO NOTHING",
                [theme_id])


def feedback_id_of(con, record_id: str) -> str:
    return con.execute("SELECT feedback_id FROM stg_feedback WHERE source_record_id = ?", [record_id]).fetchall()[0][0]


def test_kept_tables_rewrite_only_changed_items_and_equal_a_whole_build(con):
    for theme_id in ("T0001", "T0002"):
        con.execute(
            """INSERT INTO theme_state (theme_id, label, keywords, centroid, is_active, first_seen_run, last_seen_run)
               VALUES (?, ?, ['parcel'], [1.0], true, 'r1', 'r1')""", [theme_id, f"label {theme_id}"],
        )
    land_records(con, [record(str(n), text=f"Parcel {n} is late.") for n in range(1, 6)], LANDED)
    understand_landed(con)
    build_models(con)
    ids = {n: feedback_id_of(con, str(n)) for n in range(1, 6)}

    # A week later: item 1 is edited (new text, another theme), item 6 arrives, item 5 is
    # deleted at the source, item 2 turns out to copy item 3, and item 4's text is moved
    # to another theme by a refit.
    land_records(con, [record("1", text="Parcel 1 arrived broken."), record("6", text="Parcel 6 is late.")], LANDED)
    con.execute("DELETE FROM raw_records WHERE source_record_id = '5'")
    understand_landed(con, theme_id="T0002")
    con.execute("INSERT INTO nlp_duplicates VALUES (?, ?, 'near', 0.9)", [ids[2], ids[3]])
    con.execute(
        "UPDATE segment_theme SET theme_id = 'T0002' WHERE text_hash IN (SELECT text_hash FROM segments WHERE feedback_id = ?)",
        [ids[4]],
    )
    ids[6] = feedback_id_of(con, "6")
    build_models(con)

    rewritten = {row[0] for row in con.execute("SELECT feedback_id FROM feedback_changes").fetchall()}
    assert rewritten == {ids[1], ids[2], ids[5], ids[6]}
    rewritten_segments = {row[0] for row in con.execute("SELECT segment_id FROM theme_segment_changes").fetchall()}
    assert rewritten_segments == {f"{ids[n]}:0" for n in (1, 2, 4, 5, 6)}
    assert con.execute("SELECT text FROM feedback WHERE feedback_id = ?", [ids[1]]).fetchone() == ("Parcel 1 arrived broken.",)
    assert con.execute("SELECT theme_id, message_text FROM theme_segments WHERE feedback_id = ?", [ids[1]]).fetchone() == (
        "T0002", "Parcel 1 arrived broken.")
    tables = [*KEPT_TABLES, "feedback_scope"]
    kept = table_fingerprints(con, tables)
    assert check_contracts(con) == []

    for table in KEPT_TABLES:
        con.execute("DROP TABLE " + identifier(table))
    build_models(con)
    assert table_fingerprints(con, tables) == kept

    # Item 3 was sent a fortnight later: item 2, its copy, is counted in item 3's week, so
    # item 2's rows are rewritten though nothing of item 2 changed.
    land_records(con, [replace(record("3", text="Parcel 3 is late."), received_at=datetime(2026, 10, 19, 9, 30))], LANDED)
    understand_landed(con)
    build_models(con)
    rewritten_segments = {row[0] for row in con.execute("SELECT segment_id FROM theme_segment_changes").fetchall()}
    assert rewritten_segments == {f"{ids[n]}:0" for n in (2, 3)}
    weeks = dict(con.execute("SELECT feedback_id, week_start FROM theme_segments").fetchall())
    assert weeks[ids[2]] == weeks[ids[3]] == date(2026, 10, 19)
    kept = table_fingerprints(con, tables)
    for table in KEPT_TABLES:
        con.execute("DROP TABLE " + identifier(table))
    build_models(con)
    assert table_fingerprints(con, tables) == kept


def test_kept_tables_are_built_whole_when_the_warehouse_sql_changed(con):
    land_records(con, [record("1"), record("2")], LANDED)
    understand_landed(con)
    build_models(con)
    # Unchanged rows are not rewritten: text is never compared, content_hash stands for it.
    con.execute("UPDATE feedback SET text = 'stale' WHERE source_record_id = '1'")
    build_models(con)
    assert con.execute("SELECT text FROM feedback WHERE source_record_id = '1'").fetchone() == ("stale",)

    con.execute("UPDATE model_state SET sql_fingerprint = 'built by older SQL'")
    build_models(con)
    assert con.execute("SELECT text FROM feedback WHERE source_record_id = '1'").fetchone() == (
        "My parcel is two weeks late.",)
    assert con.execute("SELECT count(*) FROM model_state").fetchone() == (1,)


def test_feedback_takes_detected_language_and_keys_are_stable(con):
    land_records(con, [record("1")], LANDED)
    con.execute("INSERT INTO nlp_items (feedback_id, content_hash, language, count_segments) SELECT feedback_id, content_hash, 'en', 0 FROM stg_feedback")
    apply_layers(con, MODEL_LAYERS)
    feedback_id, language = con.execute("SELECT feedback_id, language FROM feedback").fetchone()
    assert language == "en"
    assert feedback_id.startswith("fb_") and len(feedback_id) == 19
    apply_layers(con, MODEL_LAYERS)
    assert con.execute("SELECT feedback_id FROM feedback").fetchone()[0] == feedback_id


def test_records_landed_before_feedback_ids_were_stored_get_the_same_ids(con):
    """A warehouse from before raw_records stored feedback_id gets it filled, the same as
    landing computes it, so every item keeps its id and what hangs off it."""
    land_records(con, [record("1"), record("2")], LANDED)
    expected = dict(con.execute("SELECT source_record_id, feedback_id FROM stg_feedback").fetchall())
    assert expected["1"] == "fb_" + hashlib.md5(b"tickets\x1f1").hexdigest()[:16]
    con.execute("ALTER TABLE raw_records DROP COLUMN feedback_id")
    init_schema(con)
    assert dict(con.execute("SELECT source_record_id, feedback_id FROM stg_feedback").fetchall()) == expected
    land_records(con, [record("3")], LANDED)
    assert con.execute("SELECT count(*) FROM raw_records WHERE feedback_id IS NULL").fetchone() == (0,)


def test_only_plain_identifiers_can_be_spliced_into_sql():
    assert identifier("theme_weekly") == '"theme_weekly"'
    for hostile in ("themes; DROP TABLE feedback", 'x"y', "Feedback", "1abc", ""):
        with pytest.raises(ValueError):
            identifier(hostile)


def test_a_run_caps_duckdb_memory_at_the_setting(tmp_path, monkeypatch):
    from pipelines.flows import open_work_db
    from pipelines.settings import get_settings

    monkeypatch.setenv("VOC_WAREHOUSE_MEMORY_LIMIT", "256MB")
    get_settings.cache_clear()
    try:
        with open_work_db(tmp_path / "w.duckdb") as capped:
            limit = capped.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        get_settings.cache_clear()
    # DuckDB reports the limit in binary units: 256 MB is 244.1 MiB.
    assert limit == "244.1 MiB"


def test_cached_vectors_come_back_in_the_asked_order_across_read_batches(con, monkeypatch):
    import numpy as np

    from pipelines import steps

    rng = np.random.default_rng(5)
    stored = {f"h{i}": rng.normal(size=4).astype(np.float32) for i in range(7)}
    con.executemany(
        "INSERT INTO embedding_cache VALUES ('m', ?, ?)", [[h, v.tolist()] for h, v in stored.items()]
    )
    monkeypatch.setattr(steps, "VECTOR_READ_ROWS", 3)  # several Arrow batches
    asked = ["h6", "h0", "h3", "h3", "h5", "h1", "h2", "h4"]
    vectors = steps.cached_vectors(con, "m", asked)
    np.testing.assert_array_equal(vectors, np.stack([stored[h] for h in asked]))
    assert vectors.flags.writeable
    assert steps.cached_vectors(con, "m", []).shape == (0, 0)
    with pytest.raises(LookupError):
        steps.cached_vectors(con, "m", ["h1", "missing"])
    with pytest.raises(LookupError):
        steps.cached_vectors(con, "other model", ["h1"])
