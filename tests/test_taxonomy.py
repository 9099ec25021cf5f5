"""The editable taxonomy end to end: edits written to the journal, applied by the real flow,
kept through a later run and a refit; plus the pure pieces (settling, categories, labels)."""

from __future__ import annotations

from collections import Counter

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from nlp.themes import (
    TaxonomyRules,
    category_count,
    category_label,
    distinct_labels,
    match_categories,
    settle_theme_ids,
)
from pipelines.settings import get_settings
from pipelines.taxonomy_journal import TaxonomyEdit, append_edit, pending_edits, read_journal

# ---------------------------------------------------------------- pure pieces


def test_settle_follows_merges_and_sends_split_texts_to_the_nearest_child() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.5, 0.5]], dtype=np.float32)
    rules = TaxonomyRules(
        merged_into={"T0002": "T0003", "T0003": "T0004"},
        split_children={"T0001": (["T0010", "T0011"], np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))},
    )
    settled = settle_theme_ids(["T0001", "T0001", "T0002", None], vectors, rules)
    assert settled == ["T0010", "T0011", "T0004", None]
    # A split child merged into another theme is followed too.
    chained = TaxonomyRules(merged_into={"T0011": "T0004"}, split_children=rules.split_children)
    assert settle_theme_ids(["T0001"], vectors[1:2], chained) == ["T0004"]


def test_categories_are_few_matched_by_overlap_and_labelled_from_theme_heads() -> None:
    assert category_count(192, 15) == 14 and category_count(400, 15) == 15 and category_count(3, 15) == 2
    previous = {"C01": {"T1", "T2", "T3"}, "C02": {"T4", "T5"}}
    ids = match_categories([{"T4", "T5", "T6"}, {"T1", "T2"}, {"T9"}], previous, 0.34, retired_ids=["C07"])
    assert ids == ["C02", "C01", "C08"]
    label = category_label(["gift card — code not accepted", "refund — not received", "gift card — balance"],
                           [10, 8, 5], taken=set())
    assert label == "gift card · refund"
    assert category_label(["gift card — x", "refund — y"], [3, 2], taken={label}) != label


def test_distinct_labels_let_pinned_labels_win() -> None:
    final = distinct_labels({"T1": "refunds", "T2": "refunds", "T3": "late parcels"}, {"T3": "refunds"})
    assert final["T3"] == "refunds" and len(set(final.values())) == 3


def test_journal_round_trip_and_validation(tmp_path: Path) -> None:
    journal = tmp_path / "voc.taxonomy.jsonl"
    edits = [TaxonomyEdit("rename", "T0001", value="Gift cards — refused"),
             TaxonomyEdit("merge", "T0002", other_ids=("T0003",)), TaxonomyEdit("split", "T0004", k=3)]
    for edit in edits:
        append_edit(journal, edit)
    assert read_journal(journal) == edits
    assert pending_edits(journal, {edits[0].edit_id}) == edits[1:]
    for bad in (dict(action="rename", target_id="T1", value=" "), dict(action="merge", target_id="T1"),
                dict(action="merge", target_id="T1", other_ids=("T1",)), dict(action="split", target_id="T1", k=1),
                dict(action="split", target_id="T1", k=11),
                dict(action="explode", target_id="T1")):
        with pytest.raises(ValueError):
            TaxonomyEdit(**bad)


# ---------------------------------------------------------------- through the real flow


def fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def edited_copy(built_warehouse, tmp_path_factory) -> Path:
    """A private copy of the small warehouse (published and work file), so runs are incremental."""
    db = tmp_path_factory.mktemp("taxonomy") / "voc.duckdb"
    shutil.copy(built_warehouse.db_path, db)
    shutil.copy(built_warehouse.db_path, get_settings().work_db_path(db))
    return db


@pytest.fixture(scope="module")
def edits_and_runs(edited_copy: Path, built_warehouse) -> dict:
    """Write edits to the journal, then run the flow twice: once plainly, once with a refit."""
    from pipelines.flows import voc_pipeline

    db = edited_copy
    themes = fetch(db, "SELECT theme_id, label, category_id FROM themes ORDER BY count_segments DESC, theme_id")
    assert len(themes) >= 6, themes
    (renamed, _, category), (kept, *_), (absorbed, *_), (split, *_), (owned, *_) = themes[:5]
    journal = get_settings().taxonomy_journal_path(db)
    edits = [
        TaxonomyEdit("rename", renamed, value="gift cards — code refused"),
        TaxonomyEdit("merge", kept, other_ids=(absorbed,)),
        TaxonomyEdit("owner", split, value="Orders"),
        TaxonomyEdit("split", split, k=2),
        TaxonomyEdit("owner", owned, value="Payments"),
        TaxonomyEdit("pin", owned),
        TaxonomyEdit("category_rename", category, value="Money matters"),
        TaxonomyEdit("category_owner", category, value="Finance"),
        TaxonomyEdit("merge", kept, other_ids=("T9999",)),  # unknown theme: rejected, run goes on
    ]
    for edit in edits:
        append_edit(journal, edit)
    group_texts = {r[0] for r in fetch(
        db, "SELECT text_hash FROM segment_theme WHERE theme_id IN (?, ?)", [kept, absorbed])}
    before_run = {e.edit_id for e in pending_edits(journal, {r[0] for r in fetch(
        db, "SELECT edit_id FROM taxonomy_edits WHERE applied_run IS NOT NULL")})}
    ids_before = {r[0] for r in themes}
    owned_label = next(label for theme_id, label, _ in themes if theme_id == owned)

    first_report = voc_pipeline(db_path=db, sources_path=built_warehouse.sources_path)
    after_run = fetch(db, "SELECT theme_id, label, owner_team, merged_from, split_from, category_id, category_label "
                          "FROM themes ORDER BY theme_id")
    outcomes = dict(fetch(db, "SELECT edit_id, outcome FROM taxonomy_edits"))
    children = sorted(r[0] for r in after_run if r[4] == split)

    voc_pipeline(db_path=db, sources_path=built_warehouse.sources_path, refit_themes=True)
    group_after_refit = dict(fetch(
        db, "SELECT text_hash, theme_id FROM segment_theme WHERE text_hash = ANY(?)", [sorted(group_texts)]))
    after_refit = fetch(db, "SELECT theme_id, label, owner_team, merged_from, split_from, category_id, category_label "
                            "FROM themes ORDER BY theme_id")
    return dict(
        db=db, edits=edits, pending_before_run=before_run, outcomes=outcomes, ids_before=ids_before,
        renamed=renamed, kept=kept, category=category, absorbed=absorbed, split=split, owned=owned, owned_label=owned_label,
        after_run=after_run, after_refit=after_refit, children=children, first_report=first_report,
        group_texts=group_texts, group_after_refit=group_after_refit,
    )


def check_edits_hold(rows: list[tuple], runs: dict) -> None:
    by_id = {r[0]: r for r in rows}
    assert by_id[runs["renamed"]][1] == "gift cards — code refused"
    assert runs["absorbed"] not in by_id
    assert runs["absorbed"] in list(by_id[runs["kept"]][3])
    assert runs["split"] not in by_id
    assert len(runs["children"]) == 2 and all(by_id[c][4] == runs["split"] for c in runs["children"])
    assert all(by_id[c][2] == "Orders" for c in runs["children"])  # the split theme's owner
    assert by_id[runs["owned"]][2] == "Payments"
    assert by_id[runs["owned"]][1] == runs["owned_label"]  # pinned
    # The edited category keeps its id (its themes mostly stay together), label and owner;
    # its themes are owned by Finance unless they have an owner of their own.
    in_category = [r for r in rows if r[5] == runs["category"]]
    assert in_category and all(r[6] == "Money matters" for r in in_category)
    own = {runs["owned"]: "Payments", **dict.fromkeys(runs["children"], "Orders")}
    assert all(r[2] == own.get(r[0], "Finance") for r in in_category)
    labels = [r[1] for r in rows]
    assert len(labels) == len(set(labels))
    assert len({r[5] for r in rows}) <= 15


def test_pending_edits_are_visible_until_a_run_applies_them(edits_and_runs: dict) -> None:
    assert edits_and_runs["pending_before_run"] == {e.edit_id for e in edits_and_runs["edits"]}
    journal = get_settings().taxonomy_journal_path(edits_and_runs["db"])
    applied = {r[0] for r in fetch(edits_and_runs["db"],
                                   "SELECT edit_id FROM taxonomy_edits WHERE applied_run IS NOT NULL")}
    assert pending_edits(journal, applied) == []


def test_edits_are_applied_by_the_next_run(edits_and_runs: dict) -> None:
    outcomes = edits_and_runs["outcomes"]
    *good, unknown = edits_and_runs["edits"]
    assert [outcomes[e.edit_id] for e in good] == ["applied"] * len(good)
    assert outcomes[unknown.edit_id].startswith("rejected: not an active theme: T9999")
    check_edits_hold(edits_and_runs["after_run"], edits_and_runs)


def test_edits_survive_a_refit_and_ids_survive(edits_and_runs: dict) -> None:
    check_edits_hold(edits_and_runs["after_refit"], edits_and_runs)
    after = {r[0] for r in edits_and_runs["after_refit"]}
    unedited = edits_and_runs["ids_before"] - {edits_and_runs["absorbed"], edits_and_runs["split"]}
    assert len(unedited & after) >= 0.8 * len(unedited), (len(unedited & after), len(unedited))


def test_history_records_merges_splits_and_runs(edits_and_runs: dict) -> None:
    db = edits_and_runs["db"]
    status = dict(fetch(db, "SELECT theme_id, status FROM theme_history"))
    assert status[edits_and_runs["absorbed"]] == "merged"
    assert status[edits_and_runs["split"]] == "split"
    merged_into = fetch(db, "SELECT merged_into FROM theme_history WHERE theme_id = ?", [edits_and_runs["absorbed"]])
    assert merged_into == [(edits_and_runs["kept"],)]
    rows = fetch(db, "SELECT first_seen_at <= last_seen_at, first_seen_run IS NOT NULL, representative_text "
                     "FROM themes")
    assert all(r[0] and r[1] and r[2] for r in rows)


def test_the_cli_refuses_a_bad_edit_with_a_usage_error(built_warehouse, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    db = tmp_path / "voc.duckdb"
    shutil.copy(built_warehouse.db_path, db)
    (theme_id,) = fetch(db, "SELECT min(theme_id) FROM themes")[0]
    runner = CliRunner()
    for args, says in (
        (["merge", theme_id, theme_id], "not the target itself"),
        (["rename", theme_id, "   "], "non-empty label"),
        (["split", theme_id, "--k", "11"], "--k"),
        (["list", "--category", "C99"], "not in the published snapshot: C99"),
    ):
        result = runner.invoke(app, ["themes", *args, "--db", str(db)], env={"COLUMNS": "200"})
        assert result.exit_code == 2, result.output
        assert says in result.output and "Traceback" not in result.output
    assert not get_settings().taxonomy_journal_path(db).exists()  # nothing was recorded


def test_voc_run_prints_which_edits_it_applied_and_why_it_rejected_one(edits_and_runs: dict) -> None:
    from pipelines import cli

    with cli.console.capture() as captured:
        cli._print_report(edits_and_runs["first_report"])
    printed = " ".join(captured.get().split())
    applied = len(edits_and_runs["edits"]) - 1
    assert f"Taxonomy: applied {applied} edits from the journal, rejected 1:" in printed
    assert "rejected: merge" in printed and "T9999" in printed


def test_a_refit_keeps_merged_themes_together(edits_and_runs: dict) -> None:
    # The texts of both merged themes stay in the theme that absorbed them: a refit that finds
    # the two clusters again must not give one of them a new id.
    texts, after = edits_and_runs["group_texts"], edits_and_runs["group_after_refit"]
    assert len(texts) >= 10
    kept_share = sum(after.get(text) == edits_and_runs["kept"] for text in texts) / len(texts)
    assert kept_share >= 0.9, Counter(after.get(text) for text in texts)


def test_a_fitted_theme_made_of_a_merged_groups_texts_takes_the_groups_id() -> None:
    from nlp.themes import keep_merges_together

    # Fit: theme 0 matched T2 (the absorber of T3); theme 1 found T2's own old texts apart
    # and got the new id T9; theme 2 is genuinely new; theme 3 is mostly new texts.
    assignments = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3])
    previous = ["T3", "T3", "T3", "T2", "T2", "T2", None, "T5", "T5", "T2", None, None]
    mapping = {0: "T2", 1: "T9", 2: "T10", 3: "T11"}
    kept = keep_merges_together(mapping, assignments, previous, absorbers={"T2"}, new_ids={"T9", "T10", "T11"})
    assert kept == {0: "T2", 1: "T2", 2: "T10", 3: "T11"}
    assert keep_merges_together(mapping, assignments, previous, absorbers=set(), new_ids={"T9"}) == mapping
