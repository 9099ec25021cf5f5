"""The real Prefect flow on a small generated sample, into a real DuckDB file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.warehouse.db import (
    RERUN_STAMPED_COLUMNS,
    check_contracts,
    identifier,
    load_contracts,
    publish_snapshot,
    table_fingerprints,
)


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def copy_warehouse(src_db: Path, dest_dir: Path) -> Path:
    """Copy a published snapshot and its work file, to run again without touching the original."""
    settings = get_settings()
    dest_db = dest_dir / src_db.name
    shutil.copyfile(src_db, dest_db)
    shutil.copyfile(settings.work_db_path(src_db), settings.work_db_path(dest_db))
    return dest_db


def fingerprints(db: Path) -> dict[str, tuple[int, str]]:
    # Landing times are stamped per run; everything else must be identical on a re-run.
    with duckdb.connect(str(db), read_only=True) as con:
        return table_fingerprints(con, load_contracts(), RERUN_STAMPED_COLUMNS)


def test_all_four_channels_land_and_bad_records_are_quarantined(built_warehouse):
    db = built_warehouse.db_path
    channels = dict(query(db, "SELECT channel, count(*) FROM feedback GROUP BY channel"))
    assert set(channels) == {"ticket", "survey", "call", "social"}
    assert all(count > 0 for count in channels.values())
    reasons = [r for (r,) in query(db, "SELECT DISTINCT reason FROM quarantine")]
    assert reasons, "the samples plant malformed records; none were quarantined"
    for source in built_warehouse.report.sources:
        assert source["read"] == source["loaded"] + source["quarantined"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert check_contracts(con) == []


def test_the_run_report_gives_each_stage_its_time_and_peak_memory(built_warehouse):
    report = built_warehouse.report
    assert set(report.stage_peak_rss_mb) == set(report.stage_seconds)
    assert all(peak > 0 for peak in report.stage_peak_rss_mb.values())


def test_segments_point_into_their_feedback_text(built_warehouse):
    rows = query(
        built_warehouse.db_path,
        """SELECT f.text, s.text, s.char_start, s.char_end, f.channel
           FROM segments s JOIN feedback f USING (feedback_id)""",
    )
    assert len(rows) > 0
    for full_text, segment, start, end, _ in rows:
        assert full_text[start:end] == segment
    # Calls: only the customer's words become segments.
    call_rows = [r for r in rows if r[4] == "call"]
    assert call_rows
    for full_text, _, start, _, _ in call_rows:
        line_start = full_text.rfind("\n", 0, start) + 1
        assert full_text[line_start:].startswith("Customer:")


def test_themes_have_distinct_labels_and_weekly_shares(built_warehouse):
    db = built_warehouse.db_path
    themes = query(db, "SELECT theme_id, label, count_segments FROM themes")
    assert len(themes) >= 3
    labels = [label for _, label, _ in themes]
    assert len(set(labels)) == len(labels) and all(label.strip() for label in labels)
    assigned, total = query(db, "SELECT count(theme_id), count(*) FROM segments")[0]
    assert assigned / total > 0.5
    bad_shares = query(db, "SELECT count(*) FROM theme_weekly WHERE share_of_items <= 0 OR share_of_items > 1")
    assert bad_shares == [(0,)]
    weekly_total = query(db, "SELECT sum(count_segments) FROM theme_weekly")[0][0]
    assert weekly_total == assigned


def test_rerun_on_same_inputs_changes_nothing(built_warehouse, tmp_path):
    from pipelines.flows import voc_pipeline

    db = copy_warehouse(built_warehouse.db_path, tmp_path)
    before = fingerprints(db)
    report = voc_pipeline(db_path=db, sources_path=built_warehouse.sources_path)
    assert all(s["counts"]["inserted"] == 0 and s["counts"]["updated"] == 0 for s in report.sources)
    assert report.understand["items_processed"] == 0
    assert report.embed["embedded_now"] == 0
    assert report.themes["refitted"] is False
    assert fingerprints(db) == before
    assert query(db, "SELECT count(*) FROM run_log")[0][0] == 2


def test_changed_and_new_records_update_only_themselves(built_warehouse, tmp_path):
    from pipelines.flows import voc_pipeline

    samples = tmp_path / "samples"
    shutil.copytree(built_warehouse.samples_dir, samples)
    db = copy_warehouse(built_warehouse.db_path, tmp_path)
    sources_path = tmp_path / "sources.yaml"
    sources_path.write_text(built_warehouse.sources_path.read_text().replace(str(built_warehouse.samples_dir), str(samples)))

    # Change one ticket's description and add a page with one new ticket.
    pages = sorted((samples / "tickets").glob("tickets_page_*.json"))
    page = json.loads(pages[0].read_text())
    changed = page["tickets"][0]
    changed["description"] = "Update: the parcel finally arrived but the box was crushed and the lamp is broken."
    pages[0].write_text(json.dumps(page))
    new_ticket = {**changed, "id": 987654321, "description": "My gift card code is not accepted at checkout."}
    new_page = {"tickets": [new_ticket], "count": 1, "end_of_stream": True, "next_page": None}
    (samples / "tickets" / "tickets_page_999.json").write_text(json.dumps(new_page))

    themes_before = dict(query(db, "SELECT theme_id, label FROM themes"))
    report = voc_pipeline(db_path=db, sources_path=sources_path)
    tickets = next(s for s in report.sources if s["channel"] == "ticket")
    assert tickets["counts"]["inserted"] == 1
    assert tickets["counts"]["updated"] == 1
    others = [s for s in report.sources if s["channel"] != "ticket"]
    assert all(s["counts"]["inserted"] == 0 and s["counts"]["updated"] == 0 for s in others)
    assert report.understand["items_processed"] == 2

    text = query(db, "SELECT text FROM feedback WHERE source_record_id = ?", [str(changed["id"])])[0][0]
    assert "lamp is broken" in text
    segment_texts = [t for (t,) in query(
        db, "SELECT s.text FROM segments s JOIN feedback f USING (feedback_id) WHERE f.source_record_id = ?",
        [str(changed["id"])],
    )]
    assert any("lamp is broken" in t for t in segment_texts)
    # New segments join existing themes without a refit: every theme keeps its id and label.
    assert report.themes["mode"] == "assign"
    assert report.themes["texts_assigned_now"] >= 2
    assert dict(query(db, "SELECT theme_id, label FROM themes")) == themes_before
    new_item_themes = query(
        db, """SELECT s.theme_id FROM segments s JOIN feedback f USING (feedback_id)
               WHERE f.source_record_id = '987654321'""",
    )
    assert new_item_themes and new_item_themes[0][0] in themes_before


def test_refit_on_demand_keeps_theme_ids(built_warehouse, tmp_path):
    from pipelines.flows import voc_pipeline

    db = copy_warehouse(built_warehouse.db_path, tmp_path)
    before = dict(query(db, "SELECT theme_id, label FROM themes"))
    report = voc_pipeline(db_path=db, sources_path=built_warehouse.sources_path, refit_themes=True)
    assert report.themes["mode"] == "refit"
    after = dict(query(db, "SELECT theme_id, label FROM themes"))
    # Same data, seeded engine: the refit finds the same themes, and matching keeps every id.
    assert after == before
    assert report.themes["themes_new"] == 0 and report.themes["themes_retired"] == 0


def _themes_after_an_update(built_warehouse, work_dir: Path, pending_count: int, turn: np.ndarray | None):
    """In a copy of the warehouse, forget the themes of `pending_count` texts and update the
    themes, under the run's embedding model or (`turn` given) under a model whose vectors are
    the run's turned by that rotation; returns (pending texts' themes, report, active themes
    with labels, centroids before, centroids after)."""
    from nlp.config import load_nlp_config
    from pipelines.steps import update_themes

    work_dir.mkdir()
    settings = get_settings()
    config = load_nlp_config(settings.nlp_config_path).themes
    model_id = built_warehouse.report.embed["model"]
    db = copy_warehouse(built_warehouse.db_path, work_dir)
    with duckdb.connect(str(settings.work_db_path(db))) as con:
        pending = [h for (h,) in con.execute(
            "SELECT text_hash FROM segment_theme WHERE theme_id IS NOT NULL ORDER BY hash(text_hash) LIMIT ?",
            [pending_count],
        ).fetchall()]
        con.execute("DELETE FROM segment_theme WHERE text_hash = ANY(?)", [pending])
        centroids_before = {t: np.asarray(c) for t, c in con.execute(
            "SELECT theme_id, centroid FROM theme_state WHERE is_active").fetchall()}
        if turn is not None:
            cached = con.execute("SELECT text_hash, vector FROM embedding_cache WHERE model = ?", [model_id]).df()
            turned = np.vstack(cached["vector"].to_numpy()) @ turn
            con.register("turned", pd.DataFrame({"text_hash": cached["text_hash"], "vector": list(turned)}))
            model_id = "turned:" + model_id
            con.execute("INSERT INTO embedding_cache SELECT ?, text_hash, vector::FLOAT[] FROM turned", [model_id])
        report = update_themes(con, config, model_id, "after-the-change")
        assigned = dict(con.execute(
            "SELECT text_hash, theme_id FROM segment_theme WHERE text_hash = ANY(?)", [pending]).fetchall())
        themes = dict(con.execute("SELECT theme_id, label FROM theme_state WHERE is_active").fetchall())
        centroids_after = {t: np.asarray(c) for t, c in con.execute(
            "SELECT theme_id, centroid FROM theme_state WHERE is_active").fetchall()}
    return assigned, report, themes, centroids_before, centroids_after


def test_a_new_embedding_model_keeps_the_themes_and_assigns_in_its_own_space(built_warehouse, tmp_path):
    """Themes fitted under one embedding model, new texts embedded by another (another backend
    or version): the themes' centroids are re-expressed from their members under the new model.
    The new model here is the old one turned by a random rotation, which keeps every cosine, so
    texts waiting for a theme must land as they do when the model stays; centroids that were not
    re-expressed would be near-orthogonal to every turned vector and take none of them."""
    dim = len(np.asarray(query(built_warehouse.db_path, "SELECT vector FROM embedding_cache LIMIT 1")[0][0]))
    turn, _ = np.linalg.qr(np.random.default_rng(5).normal(size=(dim, dim)))
    same, same_report, themes, _, _ = _themes_after_an_update(built_warehouse, tmp_path / "same", 40, None)
    moved, report, moved_themes, before, after = _themes_after_an_update(built_warehouse, tmp_path / "turned", 40, turn)

    assert same_report.mode == report.mode == "assign" and same_report.themes_reanchored == 0
    assert report.themes_reanchored == len(themes)
    assert moved_themes == themes  # every id and label kept
    landed = [t for t in same.values() if t is not None]
    assert len(landed) >= 30
    agreeing = sum(moved[h] == t for h, t in same.items())
    # Not all: a re-expressed centroid is the mean of the members still assigned (the 40 texts
    # are not), the stored one was the fit's, so a text between two themes may change sides
    # (35 or 36 of 40 here, by the fit); centroids not re-expressed would take none.
    assert agreeing >= 0.85 * len(same), (agreeing, len(same))
    # a re-expressed centroid is the old one turned (members' mean; a few members now wait)
    cosines = [float(before[t] @ turn @ after[t]) / np.linalg.norm(before[t]) / np.linalg.norm(after[t]) for t in themes]
    assert min(cosines) > 0.95, min(cosines)


def test_changed_nlp_settings_apply_to_what_is_already_there(built_warehouse, tmp_path):
    """A shorter max_segment_chars splits the items already there again, not only new ones,
    and the promotion matches that point at segments by ordinal are matched again; another
    sentiment blend scores every segment text again."""
    from pipelines.flows import voc_pipeline

    db = copy_warehouse(built_warehouse.db_path, tmp_path)
    nlp_config = tmp_path / "nlp.yaml"
    settings_text = get_settings().nlp_config_path.read_text()
    changes = {"  max_segment_chars: 400\n": "  max_segment_chars: 60\n",
               "  embedding_weight: 0.6 ": "  embedding_weight: 0.2 "}
    for old, new in changes.items():
        assert old in settings_text
        settings_text = settings_text.replace(old, new)
    nlp_config.write_text(settings_text)
    (items,) = query(db, "SELECT count(*) FROM nlp_items")[0]
    assert query(db, "SELECT max(length(text)) FROM segments")[0][0] > 60
    sentiment_before = dict(query(db, "SELECT text_hash, sentiment_score FROM nlp_segment_enrichment"))

    report = voc_pipeline(db_path=db, sources_path=built_warehouse.sources_path, nlp_config_path=nlp_config)
    assert report.understand["items_processed"] == report.understand["items_resegmented"] == items
    assert report.promotions["items_checked_now"] == items
    assert query(db, "SELECT max(length(text)) FROM segments")[0][0] <= 60
    # every segment still points into its item's text, and every promotion match at a segment
    assert query(db, """SELECT count(*) FROM segments AS s JOIN feedback AS f USING (feedback_id)
                        WHERE substring(f.text, s.char_start + 1, s.char_end - s.char_start) <> s.text""")[0][0] == 0
    assert query(db, """SELECT count(*) FROM promotion_segment_matches AS m
                        ANTI JOIN segments AS s USING (feedback_id, ordinal)""")[0][0] == 0
    # every current text scored under the new blend, the ones there before included
    (texts,) = query(db, "SELECT count(DISTINCT text_hash) FROM nlp_segments")[0]
    assert report.enrich["texts_enriched_now"] == texts
    sentiment_after = dict(query(db, "SELECT text_hash, sentiment_score FROM nlp_segment_enrichment"))
    kept_texts = sentiment_before.keys() & set(h for (h,) in query(db, "SELECT DISTINCT text_hash FROM nlp_segments"))
    assert sum(abs(sentiment_after[h] - sentiment_before[h]) > 1e-6 for h in kept_texts) > 0.5 * len(kept_texts)

    again = voc_pipeline(db_path=db, sources_path=built_warehouse.sources_path, nlp_config_path=nlp_config)
    assert again.understand["items_processed"] == 0 and again.promotions["items_checked_now"] == 0
    assert again.enrich["texts_enriched_now"] == 0


def test_published_snapshot_is_replaced_atomically(built_warehouse, tmp_path):
    db = copy_warehouse(built_warehouse.db_path, tmp_path)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        runs_seen_by_open_reader = reader.execute("SELECT count(*) FROM run_log").fetchone()[0]
        work = get_settings().work_db_path(db)
        with duckdb.connect(str(work)) as con:
            con.execute("INSERT INTO run_log VALUES ('run_extra', now()::TIMESTAMP, now()::TIMESTAMP, '{}')")
        publish_snapshot(work, db)
        # The reader that was open keeps its consistent snapshot; a new reader (another
        # process, as the dashboard is) sees the new one.
        assert reader.execute("SELECT count(*) FROM run_log").fetchone()[0] == runs_seen_by_open_reader
        new_reader = subprocess.run(
            [sys.executable, "-c",
             "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True);"
             "print(con.execute('SELECT count(*) FROM run_log').fetchall()[0][0])", str(db)],
            capture_output=True, text=True, check=True,
        )
        assert int(new_reader.stdout) == runs_seen_by_open_reader + 1
    finally:
        reader.close()
    assert not list(tmp_path.glob(".*.publishing"))


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def planted_personal_data(samples_dir: Path) -> set[str]:
    """E-mail addresses, card numbers and IBANs written into the raw sample exports."""
    raw = "\n".join(
        path.read_bytes().decode("utf-8", "replace") for path in samples_dir.rglob("*")
        if path.is_file() and not path.name.startswith("ground_truth")
    )
    emails = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", raw))
    cards = {
        match for match in re.findall(r"\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}\b", raw)
        if _luhn_valid(re.sub(r"\D", "", match))
    }
    ibans = set(re.findall(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b", raw))
    return emails | cards | ibans


def test_no_planted_personal_data_reaches_the_warehouse(built_warehouse):
    planted = planted_personal_data(built_warehouse.samples_dir)
    assert len(planted) >= 5, "the sample plants personal data; the search found too little"
    with duckdb.connect(str(built_warehouse.db_path), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            rows = con.execute("SELECT t::VARCHAR FROM " + identifier(table) + " AS t").fetchall()
            dump = "\n".join(row[0] for row in rows)
            leaked = sorted(value for value in planted if value in dump)
            assert not leaked, f"{table} holds planted personal data: {leaked[:5]}"


def test_segments_carry_sentiment_and_key_phrases_and_reposts_point_to_their_original(built_warehouse):
    db = built_warehouse.db_path
    labels = dict(query(db, "SELECT sentiment_label, count(*) FROM segments GROUP BY ALL"))
    assert labels.get("negative", 0) > 0 and labels.get("positive", 0) > 0
    assert query(db, "SELECT count(*) FROM segments WHERE len(key_phrases) > 0")[0][0] > 0.5 * sum(labels.values())
    # Praise reads positive, a crash on launch negative.
    praise = query(db, "SELECT avg(sentiment_score) FROM segments WHERE text ILIKE '%fantastic%' OR text ILIKE '%love%'")[0][0]
    crash = query(db, "SELECT avg(sentiment_score) FROM segments WHERE text ILIKE '%crash%'")[0][0]
    assert praise > 0 > crash
    reposts = query(
        db, """SELECT f.canonical_id <> f.feedback_id, original.text
               FROM feedback f JOIN feedback original ON original.feedback_id = f.canonical_id
               WHERE f.channel = 'social' AND f.text LIKE 'RT @%'""",
    )
    assert reposts and all(is_copy for is_copy, _ in reposts)


def test_the_sentiment_model_is_fitted_on_seed_embeddings_the_cache_keeps(built_warehouse):
    """The run embeds the sentiment seed once, through the embedding cache; fitted from the
    cached vectors, the model scores as one that encodes the seed itself."""
    from nlp.config import load_nlp_config
    from nlp.sentiment import load_sentiment_model
    from pipelines.compute import EmbedderRef, SentimentRef, sentiment_seed_texts
    from pipelines.steps import cached_vectors, sentiment_seed_vectors

    config = load_nlp_config(get_settings().nlp_config_path)
    backend, model_id = config.themes.embedding_backend, built_warehouse.report.embed["model"]
    # Read-only: were any seed vector missing, caching it would fail here.
    with duckdb.connect(str(built_warehouse.db_path), read_only=True) as con:
        seed_vectors = sentiment_seed_vectors(con, EmbedderRef(backend, model_id), backend)
        segments = con.execute(
            """SELECT s.text_hash, s.text, i.language
               FROM nlp_segments AS s JOIN nlp_items AS i USING (feedback_id, content_hash)
               ORDER BY s.feedback_id, s.ordinal LIMIT 300"""
        ).df()
        vectors = cached_vectors(con, model_id, segments["text_hash"].tolist())
    assert seed_vectors.shape == (len(sentiment_seed_texts(backend)), vectors.shape[1])
    texts, languages = segments["text"].tolist(), segments["language"].tolist()
    from_cache = SentimentRef(backend, config.sentiment, seed_vectors.tobytes()).score(texts, languages, vectors)
    encoded_here = load_sentiment_model(backend, config=config.sentiment).score(texts, languages, vectors)
    assert [s.label for s in from_cache] == [s.label for s in encoded_here]
    assert max(abs(a.score - b.score) for a, b in zip(from_cache, encoded_here, strict=True)) < 1e-5


def test_the_command_line_run_starts_its_temporary_prefect_server_once(built_warehouse, tmp_path):
    """`voc run` with no Prefect server configured starts a temporary one while it imports;
    the flow then uses that server, and the run publishes."""
    db = copy_warehouse(built_warehouse.db_path, tmp_path)
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--db", str(db), "--sources", str(built_warehouse.sources_path)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("Starting temporary server") == 1, output
    assert "Published" in output
    assert query(db, "SELECT count(*) FROM run_log")[0][0] == 2
