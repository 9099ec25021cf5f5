"""Incremental duplicate marking in a real warehouse gives what marking everything at once gives."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from nlp.duplicates import DuplicateConfig, find_duplicates
from pipelines import duplicate_marking
from pipelines.connectors.base import FeedbackRecord
from pipelines.duplicate_marking import mark_duplicates
from pipelines.warehouse.db import CONTRACTS_PATH, check_contracts, connect, init_schema, land_records, load_contracts

LANDED = datetime(2026, 11, 1)
START = datetime(2026, 6, 1)
TEMPLATES = [
    "To whom it may concern, my parcel has not arrived after three weeks and the tracking page has not "
    "changed since it left your warehouse, I expect a full refund or a replacement within two days",
    "The app logs me out every time I open the payments tab and I cannot see my balance or pay my bill "
    "which is due tomorrow, please fix this before I am charged a late fee",
    "I was charged twice for the same order and support keeps closing my ticket without answering, "
    "I want the duplicate payment refunded to my card now",
]
SHORT = ["Still no refund.", "App crashed again", "Where is my parcel?", "Thanks for the quick help!"]


def _record(i: int, text: str, received: datetime, customer: str | None, reach: int | None) -> FeedbackRecord:
    return FeedbackRecord(
        source="social", source_record_id=str(i), channel="social", received_at=received, text=text,
        location=f"posts.jsonl:{i}", payload={"id": i}, customer_id=customer,
        metadata={} if reach is None else {"reach": reach},
    )


def _edit(text: str, rng: random.Random) -> str:
    words = text.split()
    for _ in range(rng.choice([0, 0, 0, 1, 2, 6])):
        words[rng.randrange(len(words))] = rng.choice(["really", "very", "now", "again"])
    return " ".join(words)


def _feedback(n: int, seed: int) -> list[FeedbackRecord]:
    """Copies of form letters (edited or not, reposted or not), resends and short common texts,
    from a few customers over three months: every rule of duplicate marking gets exercised."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        received = START + timedelta(minutes=rng.randrange(0, 90 * 24 * 60, 30))  # ties are common
        if rng.random() < 0.5:
            text = _edit(rng.choice(TEMPLATES), rng)
        else:
            text = rng.choice(SHORT)
        if rng.random() < 0.1:
            text = f"RT @user{rng.randrange(5)}: {text}"
        customer = None if rng.random() < 0.5 else f"c{rng.randrange(40)}"
        records.append(_record(i, text, received, customer, rng.choice([None, 10, 500])))
    return records


def _duplicate_contracts(folder: Path) -> Path:
    """The warehouse contracts of the tables duplicate marking writes (the marts are not built here)."""
    tables = {name: contract for name, contract in load_contracts(CONTRACTS_PATH).items() if "duplicate" in name}
    path = folder / "contracts.yaml"
    path.write_text(yaml.safe_dump({"tables": tables}))
    return path


def _marked(db: Path, batches: list[list[FeedbackRecord]], config: DuplicateConfig) -> pd.DataFrame:
    with connect(db) as con:
        init_schema(con)
        for records in batches:
            land_records(con, records, LANDED)
            mark_duplicates(con, config)
        assert check_contracts(con, _duplicate_contracts(db.parent)) == []
        return con.execute("SELECT * FROM nlp_duplicates ORDER BY feedback_id").df()


def _at_once(records: list[FeedbackRecord], config: DuplicateConfig) -> pd.DataFrame:
    """find_duplicates in memory over the same items, keyed like the warehouse."""
    with duckdb.connect() as con:
        init_schema(con)
        land_records(con, records, LANDED)
        items = con.execute(
            """SELECT feedback_id, text, received_at, customer_id, TRY_CAST(metadata->>'reach' AS DOUBLE) AS reach
               FROM stg_feedback"""
        ).df()
    return find_duplicates(items, config).sort_values("feedback_id").reset_index(drop=True)


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if pd.isna(value) else value for value in row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize(
    ("seed", "max_candidates"),
    # 3 candidates: most items have more, so the warehouse must hand over each repost's best
    [(1, 100), (2, 100), (3, 100), (4, 3)],
)
def test_weekly_increments_give_the_same_marks_as_one_pass(
    tmp_path: Path, seed: int, max_candidates: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = DuplicateConfig(max_candidates=max_candidates)
    records = sorted(_feedback(400, seed), key=lambda r: r.received_at)
    monkeypatch.setattr(duplicate_marking, "DECIDE_BATCH", 37)  # many batch boundaries
    monkeypatch.setattr(duplicate_marking, "KEYS_BATCH", 53)
    weeks = [records[i : i + 60] for i in range(0, len(records), 60)]
    incremental = _marked(tmp_path / "weekly.duckdb", [sum(weeks[: k + 1], []) for k in range(len(weeks))], config)
    at_once = _marked(tmp_path / "once.duckdb", [records], config)
    pd.testing.assert_frame_equal(incremental, at_once)
    in_memory = _at_once(records, config)
    assert _rows(incremental) == _rows(in_memory)
    assert incremental["duplicate_kind"].eq("near").sum() >= 10
    assert incremental["duplicate_kind"].eq("exact").sum() >= 50


def test_late_changed_and_deleted_items_redo_what_they_affect(tmp_path: Path) -> None:
    config = DuplicateConfig()
    records = _feedback(300, seed=4)
    db = tmp_path / "voc.duckdb"
    _marked(db, [records], config)
    rng = random.Random(5)
    # An item arrives late (received before most others), one is edited, one disappears.
    late = _record(10_000, TEMPLATES[0], START - timedelta(days=1), "c9", None)
    edited = replace(records[7], text=_edit(TEMPLATES[1], rng))
    now = [late, edited] + records[:7] + records[8:150] + records[151:]
    with connect(db) as con:
        con.execute("DELETE FROM raw_records WHERE source_record_id = ?", [records[150].source_record_id])
    after = _marked(db, [now], config)
    assert after.equals(_marked(tmp_path / "fresh.duckdb", [now], config))
    assert records[150].source_record_id not in set(after["feedback_id"])


@pytest.mark.parametrize(("seed", "max_candidates"), [(11, 100), (12, 100), (13, 3)])
def test_runs_with_late_edited_and_deleted_items_give_the_same_marks_as_one_pass(
    tmp_path: Path, seed: int, max_candidates: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items arrive in no order of received_at, some are edited and some deleted between runs:
    each run re-decides only what the changes reach, interleaved with kept decisions, and must
    still mark as one pass over the same items does."""
    config = DuplicateConfig(max_candidates=max_candidates)
    monkeypatch.setattr(duplicate_marking, "DECIDE_BATCH", 29)
    rng = random.Random(seed)
    records = _feedback(450, seed)
    rng.shuffle(records)
    db = tmp_path / "runs.duckdb"
    present: list[FeedbackRecord] = []
    for run in range(6):
        present += records[run * 75 : (run + 1) * 75]
        for _ in range(3):
            i = rng.randrange(len(present))
            present[i] = replace(present[i], text=_edit(rng.choice(TEMPLATES), rng))
        gone = present.pop(rng.randrange(len(present)))
        with connect(db) as con:
            init_schema(con)
            con.execute("DELETE FROM raw_records WHERE source_record_id = ?", [gone.source_record_id])
        incremental = _marked(db, [present], config)
        assert _rows(incremental) == _rows(_at_once(present, config)), f"run {run}"
    assert incremental["duplicate_kind"].eq("near").sum() >= 5


def test_a_late_item_re_decides_only_the_later_items_sharing_its_keys(tmp_path: Path) -> None:
    records = sorted(_feedback(400, seed=9), key=lambda r: r.received_at)
    db = tmp_path / "voc.duckdb"
    config = DuplicateConfig()
    _marked(db, [records], config)
    # A text no other item shares, received before nearly all of them.
    late = _record(10_000, "My loyalty points from the spring promotion never showed up in the account page",
                   START + timedelta(days=2), "c1", None)
    with connect(db) as con:
        land_records(con, [late], LANDED)
        report = mark_duplicates(con, config)
        received_since = con.execute("SELECT count(*) FROM stg_feedback WHERE received_at >= ?",
                                     [late.received_at]).fetchone()[0]
        marks = con.execute("SELECT * FROM nlp_duplicates ORDER BY feedback_id").df()
    assert received_since > 350
    assert report.decided < 20
    assert _rows(marks) == _rows(_at_once([*records, late], config))


def test_a_late_item_re_decides_only_the_later_items_that_may_duplicate_it(tmp_path: Path) -> None:
    """Later items of a common short text from other customers cannot copy a late item with
    that text, so it re-decides none of them; the customer's own later resend it must."""
    late = _record(0, "Still no refund.", START, "c1", None)
    later = [_record(i, "Still no refund.", START + timedelta(days=i), f"c{i + 1}", None) for i in range(1, 40)]
    resend = _record(99, "Still no refund.", START + timedelta(days=60), "c1", None)
    db = tmp_path / "voc.duckdb"
    _marked(db, [[*later, resend]], DuplicateConfig())
    with connect(db) as con:
        land_records(con, [late], LANDED)
        report = mark_duplicates(con, DuplicateConfig())
        marks = con.execute("SELECT * FROM nlp_duplicates ORDER BY feedback_id").df()
        ids = dict(con.execute("SELECT source_record_id, feedback_id FROM stg_feedback").fetchall())
    assert report.decided == 2  # the late item and the resend
    canonical = dict(zip(marks["feedback_id"], marks["canonical_id"], strict=True))
    assert canonical[ids["99"]] == ids["0"]
    assert _rows(marks) == _rows(_at_once([late, *later, resend], DuplicateConfig()))


def test_a_re_decided_repost_gets_its_best_candidates_among_the_heads_before_it(tmp_path: Path) -> None:
    """A repost re-decided among kept items: later heads sharing every band key with it must
    not take the places of the earlier heads it links to, outside the window, in its
    max_candidates best."""
    config = DuplicateConfig(max_candidates=3)
    text = "the refund for my cancelled order still has not reached my card after two weeks of waiting for it"
    earlier = [_record(i, text.replace("for it", ending), START + timedelta(days=i), f"a{i}", None)
               for i, ending in enumerate(["at all", "now", "so far"])]
    repost = _record(99, "RT @shop: " + text, START + timedelta(days=30), "c1", None)
    later = [_record(10 + i, text, START + timedelta(days=40 + i), f"b{i}", None) for i in range(4)]
    db = tmp_path / "voc.duckdb"
    _marked(db, [earlier + [repost] + later], config)
    with connect(db) as con:
        ids = dict(con.execute("SELECT source_record_id, feedback_id FROM stg_feedback").fetchall())
        links = con.execute("SELECT linked_id FROM nlp_duplicate_links WHERE feedback_id = ?", [ids["99"]]).fetchall()
        assert {linked for (linked,) in links} <= {ids[str(i)] for i in range(3)} and links
        # As a run that reached the repost but not the later heads hands it over.
        con.execute("DELETE FROM nlp_duplicate_decisions WHERE feedback_id = ?", [ids["99"]])
        con.execute("CREATE TEMP TABLE deciding_ids AS SELECT ? AS feedback_id", [ids["99"]])
        handed = duplicate_marking._earlier_heads(con, START + timedelta(days=16), config)
    assert {linked for (linked,) in links} <= set(handed["feedback_id"])


def test_changed_settings_recompute_everything(tmp_path: Path) -> None:
    records = _feedback(200, seed=6)
    db = tmp_path / "voc.duckdb"
    _marked(db, [records], DuplicateConfig())
    strict = DuplicateConfig(near_threshold=0.95, min_words_unrelated=1000)
    assert _marked(db, [records], strict).equals(_marked(tmp_path / "fresh.duckdb", [records], strict))


def test_a_run_with_nothing_new_decides_nothing(tmp_path: Path) -> None:
    records = _feedback(200, seed=8)
    db = tmp_path / "voc.duckdb"
    before = _marked(db, [records], DuplicateConfig())
    with connect(db) as con:
        decided = con.execute("SELECT count(*) FROM nlp_duplicate_decisions").fetchone()[0]
        con.execute("DELETE FROM nlp_duplicate_links")  # would come back if anything were decided again
        mark_duplicates(con, DuplicateConfig())
        assert con.execute("SELECT count(*) FROM nlp_duplicate_links").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM nlp_duplicate_decisions").fetchone()[0] == decided
        assert con.execute("SELECT * FROM nlp_duplicates ORDER BY feedback_id").df().equals(before)


def test_anonymous_form_letters_find_the_head_within_the_window_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a customer, a long text copies the head of its text sent within the window: here
    the second wave's head (day 20), not the first wave's (day 0), which is too old. The text
    repeats one word, so it has no band keys and only the exact rules can find the head."""
    monkeypatch.setattr(duplicate_marking, "DECIDE_BATCH", 1)
    spam = "HELP " * 30
    waves = [_record(i, spam, START + timedelta(days=day), None, None) for i, day in enumerate([0, 20, 32])]
    db = tmp_path / "voc.duckdb"
    marks = _marked(db, [waves[:2], waves], DuplicateConfig())
    with connect(db) as con:
        ids = dict(con.execute("SELECT source_record_id, feedback_id FROM stg_feedback").fetchall())
    canonical = dict(zip(marks["feedback_id"], marks["canonical_id"], strict=True))
    assert [canonical[ids[r.source_record_id]] for r in waves] == [ids["0"], ids["1"], ids["1"]]
    assert _rows(marks) == _rows(_at_once(waves, DuplicateConfig()))


def test_a_customer_editing_an_old_complaint_is_found_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Months later, outside the window, only the customer's own heads are handed over for it."""
    monkeypatch.setattr(duplicate_marking, "DECIDE_BATCH", 2)
    first = _record(0, TEMPLATES[1], START, "c1", None)
    others = [_record(i, f"{SHORT[i % 4]} {i}", START + timedelta(days=i), f"c{i + 1}", None) for i in range(1, 60)]
    resend = _record(99, TEMPLATES[1].replace("tomorrow", "on Monday"), START + timedelta(days=90), "c1", None)
    records = [first, *others, resend]
    db = tmp_path / "voc.duckdb"
    marks = _marked(db, [records[:30], records], DuplicateConfig())
    with connect(db) as con:
        ids = dict(con.execute("SELECT source_record_id, feedback_id FROM stg_feedback").fetchall())
    by_id = {row.feedback_id: row for row in marks.itertuples()}
    assert (by_id[ids["99"]].canonical_id, by_id[ids["99"]].duplicate_kind) == (ids["0"], "near")
    assert _rows(marks) == _rows(_at_once(records, DuplicateConfig()))
