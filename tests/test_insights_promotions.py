"""Promotions: the matching and confusion rules on hand-made inputs, the calendar connector and
its landing into a real DuckDB file, and the recovery check on the story warehouse (the
planted FALL25 confusion must stand out from the ordinary campaigns)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from insights.promotions import (
    campaign_segments,
    campaign_windows,
    classify_confusion,
    distinctive_terms,
    find_mentions,
    phrase_pattern,
    promotion_config,
)
from pipelines.connectors.base import QuarantinedRecord
from pipelines.connectors.campaigns import CampaignRecord, read_campaigns
from pipelines.reference import land_campaigns, load_promotion_config, match_promotions
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.warehouse.db import init_schema

FIXTURES = Path(__file__).parent / "fixtures" / "campaigns"
CONFIG = load_promotion_config(get_settings().promotions_config_path)
RAW_CONFIG = yaml.safe_load(get_settings().promotions_config_path.read_text(encoding="utf-8"))


def campaigns_frame(*rows: tuple[str, str, str | None, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["campaign_id", "name", "promo_code", "start_date", "end_date", "terms"])


CALENDAR = campaigns_frame(
    ("c_fall", "Fall Refresh", "FALL25", "2026-09-14", "2026-10-04",
     "25% off full-price apparel on orders over $75; excludes sale items and gift cards; app only; "
     "one use per customer; ends 2026-10-04 23:59 PT"),
    ("c_bts", "Back to School", "BTS15", "2026-08-03", "2026-08-16",
     "15% off backpacks; website and app; excludes clearance and gift cards"),
    ("c_auto", "Plus Member Days", None, "2026-10-06", "2026-10-07", "Extra 10% off for members"),
)


# ---------------------------------------------------------------- config


def test_the_shipped_config_loads_every_type_in_order() -> None:
    assert [t.name for t in CONFIG.confusion_types] == [
        "eligibility", "code_not_accepted", "discount_missing", "expired",
    ]
    assert (CONFIG.days_before_launch, CONFIG.days_after_end) == (14, 28)
    # YAML must not have turned a stop word such as "on" or "no" into a boolean
    assert {"on", "no"} <= CONFIG.term_edge_stopwords


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(extra=1), "unknown keys \\['extra'\\]"),
        (lambda c: c["window"].update(days_before_launch=0), "days_before_launch must be >= 1"),
        (lambda c: c["mention"].update(min_term_hits=0), "min_term_hits must be >= 1"),
        (lambda c: c["mention"].update(term_edge_stopwords=["on", True]), "quote words"),
        (lambda c: c["confusion_types"]["expired"]["phrases"].update(en=[True]), "quote phrases"),
        (lambda c: c["confusion_types"]["expired"]["phrases"].update(en=["  "], es=[], fr=[], de=[],
                                                                       ro=[], ru=[], zh=[]), "non-blank"),
        (lambda c: c.update(confusion_types={}), "at least one type"),
        (lambda c: c["confusion_types"]["expired"].pop("label"), "missing keys \\['label'\\]"),
    ],
)
def test_a_bad_config_is_refused_with_its_reason(change, message) -> None:
    raw = json.loads(json.dumps(RAW_CONFIG))
    change(raw)
    with pytest.raises(ValueError, match=message):
        promotion_config(raw)


# ---------------------------------------------------------------- phrase rules


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("app only", "the offer is APP   only??", True),
        ("app only", "the offer is happ onlyx", False),
        ("exclud*", "half my cart was excluded", True),
        ("exclud*", "unexcluded", False),
        ("FALL25", "#FALL25 doesn't work", True),
        ("FALL25", "fall25 doesn't work", True),
        ("FALL25", "FALL250 is another code", False),
        ("只限App", "提示只限App使用", True),
        ("over $*", "my cart is over $75", True),
        # A code touching Chinese text is still the code; inside a Latin word it is not.
        ("FALL25", "优惠码FALL25用不了", True),
        ("FALL25", "FALL25还能用吗？", True),
        ("FALL25", "xFALL25", False),
        ("FALL25", "FALL25_b", False),
        ("FALL25", "ÉFALL25", False),
        ("FALL25", "ЖFALL25", False),
        # A * ends any word of a phrase, not only the last.
        ("only work* in the app", "why does it only work in the app?", True),
        ("only work* in the app", "it only works in the app", True),
        ("only work* in the app", "only worker in the apple", False),
    ],
)
def test_phrases_match_whole_words_case_insensitively(phrase: str, text: str, matches: bool) -> None:
    assert bool(phrase_pattern(phrase).search(text)) is matches


@pytest.mark.parametrize("phrase", ["", "   ", "*"])
def test_a_blank_phrase_is_refused(phrase: str) -> None:
    with pytest.raises(ValueError, match="blank phrase"):
        phrase_pattern(phrase)


def test_confusion_types_in_several_languages() -> None:
    texts = [
        "Why am I not eligible for FALL25? My cart is over $75.",
        "Code FALL25 is not working at checkout, it just says invalid promo code.",
        "My order should have had the discount but I was charged full price.",
        "Is FALL25 still valid? It doesn't apply.",
        "Metí FALL25 en la web y me dice que solo vale en la app.",
        "Le code FALL25 ne fonctionne pas, il est déjà utilisé.",
        "Der Gutschein ist abgelaufen und der Rabatt fehlt.",
        "Промокод FALL25 не работает.",
        "在网页上输入FALL25，提示只限App使用",
        "Hello, hi.",
        "",
    ]
    assert classify_confusion(texts, CONFIG) == [
        ("eligibility",),
        ("code_not_accepted",),
        ("discount_missing",),
        ("code_not_accepted", "expired"),
        ("eligibility",),
        ("code_not_accepted",),
        ("discount_missing", "expired"),
        ("code_not_accepted",),
        ("eligibility",),
        (),
        (),
    ]


# ---------------------------------------------------------------- campaigns and mentions


def test_distinctive_terms_leave_out_shared_dates_and_stop_word_edges() -> None:
    terms = distinctive_terms(CALENDAR, CONFIG)
    assert {"app only", "full-price apparel", "one use", "25% off", "sale items"} <= set(terms["c_fall"])
    # "gift cards" and "excludes" appear in both calendars' terms; dates say nothing
    assert not any("gift cards" in t for t in terms["c_fall"])
    assert not any(any(ch.isdigit() for ch in t) and "$" not in t and "%" not in t for t in terms["c_fall"])
    assert "orders over" not in terms["c_fall"] and "per customer" not in terms["c_fall"]
    assert "website and app" in terms["c_bts"]


def test_campaign_windows_and_their_error_path() -> None:
    windows = campaign_windows(CALENDAR, CONFIG).set_index("campaign_id")
    assert windows.loc["c_fall", "window_start"] == date(2026, 8, 31)
    assert windows.loc["c_fall", "window_end"] == date(2026, 11, 1)
    backwards = CALENDAR.assign(end_date="2026-01-01")
    with pytest.raises(ValueError, match="ends before it starts"):
        campaign_windows(backwards, CONFIG)
    with pytest.raises(ValueError, match="lacks columns \\['terms'\\]"):
        campaign_windows(CALENDAR.drop(columns="terms"), CONFIG)


def test_items_mention_a_campaign_by_code_name_or_two_terms_within_its_window() -> None:
    items = pd.DataFrame(
        [
            ("by_code", "2026-09-15 10:00", "code fall25 won't apply"),
            ("by_name", "2026-09-16 10:00", "The Fall Refresh discount is missing"),
            ("by_terms", "2026-09-17 10:00", "Full-price apparel only and app only? Really?"),
            ("one_term", "2026-09-17 11:00", "The offer is app only."),
            ("too_early", "2026-08-01 10:00", "FALL25 rumours"),
            ("other_code", "2026-08-05 10:00", "BTS15 failed"),
            ("near_miss", "2026-09-18 10:00", "FALL250 is not ours"),
            ("auto_name", "2026-10-06 12:00", "Plus member days pricing is wrong"),
        ],
        columns=["feedback_id", "received_at", "text"],
    )
    mentions = find_mentions(items, CALENDAR, CONFIG)
    found = {(r.campaign_id, r.feedback_id): (r.matched_by, r.matched_text) for r in mentions.itertuples()}
    assert found == {
        ("c_fall", "by_code"): ("code", "fall25"),
        ("c_fall", "by_name"): ("name", "Fall Refresh"),
        ("c_fall", "by_terms"): ("terms", "app only; Full-price apparel"),
        ("c_bts", "other_code"): ("code", "BTS15"),
        ("c_auto", "auto_name"): ("name", "Plus member days"),
    }
    with pytest.raises(ValueError, match="items lacks columns"):
        find_mentions(items.drop(columns="received_at"), CALENDAR, CONFIG)


def test_campaign_segments_keep_the_ones_naming_it_or_showing_confusion() -> None:
    mentions = pd.DataFrame(
        [("c_fall", "call_1", "code", "FALL25")], columns=["campaign_id", "feedback_id", "matched_by", "matched_text"]
    )
    segments = pd.DataFrame(
        [
            ("call_1", 0, "Hello, hi."),
            ("call_1", 1, "I'm calling about FALL25."),
            ("call_1", 2, "It says I'm not eligible and the code was rejected."),
            ("call_1", 3, "Thanks for your help."),
            ("other", 0, "It was rejected."),
        ],
        columns=["feedback_id", "ordinal", "text"],
    )
    result = campaign_segments(segments, mentions, CALENDAR, CONFIG)
    assert result.to_dict("records") == [
        {"campaign_id": "c_fall", "feedback_id": "call_1", "ordinal": 1, "is_mention": True, "confusion_types": []},
        {"campaign_id": "c_fall", "feedback_id": "call_1", "ordinal": 2, "is_mention": False,
         "confusion_types": ["eligibility", "code_not_accepted"]},
    ]
    with pytest.raises(ValueError, match="segments lacks columns"):
        campaign_segments(segments.drop(columns="ordinal"), mentions, CALENDAR, CONFIG)


# ---------------------------------------------------------------- the calendar connector and landing


def test_bad_calendar_rows_are_quarantined_with_their_reason() -> None:
    results = list(read_campaigns(FIXTURES / "campaigns_broken.csv"))
    loaded = [r for r in results if isinstance(r, CampaignRecord)]
    reasons = {r.location: r.reason for r in results if isinstance(r, QuarantinedRecord)}
    assert [(c.name, c.promo_code, c.start_date, c.end_date) for c in loaded] == [
        ("Fall Refresh", "FALL25", date(2026, 9, 14), date(2026, 10, 4)),
        ("Plus Member Days", None, date(2026, 10, 6), date(2026, 10, 7)),
    ]
    assert reasons == {
        "campaigns_broken.csv:4": "unparseable date: start_date '2026-13-01'",
        "campaigns_broken.csv:5": "dates out of order: end_date 2026-08-01 before start_date 2026-08-16",
        "campaigns_broken.csv:6": "missing id: name",
        "campaigns_broken.csv:7": "invalid promo code: promo_code 'SAVE 10'",
        "campaigns_broken.csv:8": "duplicate campaign (same name and start date)",
        "campaigns_broken.csv:9": "wrong field count: expected 5, found 3",
        "campaigns_broken.csv:10": "missing date: end_date",
    }
    assert len(results) == 9  # every data row comes out, loaded or quarantined


def test_a_calendar_without_its_columns_is_quarantined_once(tmp_path: Path) -> None:
    path = tmp_path / "campaigns.csv"
    path.write_text("name,code,start\nFall Refresh,FALL25,2026-09-14\n")
    (only,) = read_campaigns(path)
    assert isinstance(only, QuarantinedRecord)
    assert only.reason == "header lacks mapped columns: 'start_date', 'end_date'"


def test_landing_the_calendar_is_idempotent_and_follows_the_file(tmp_path: Path) -> None:
    calendar = tmp_path / "campaigns.csv"
    header = "name,promo_code,start_date,end_date,terms\n"
    fall = "Fall Refresh,FALL25,2026-09-14,2026-10-04,app only\n"
    bts = "Back to School,BTS15,2026-08-03,2026-08-16,website and app\n"
    calendar.write_text(header + fall + bts + "Broken,X,not-a-date,2026-01-01,\n")
    with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
        init_schema(con)
        first = land_campaigns(con, calendar, datetime(2026, 11, 1))
        assert (first.read, first.loaded, first.quarantined, first.inserted) == (3, 2, 1, 2)
        snapshot = con.execute("SELECT * FROM raw_campaigns ORDER BY name").fetchall()
        fall_id = con.execute("SELECT campaign_id FROM stg_campaigns WHERE name = 'Fall Refresh'").fetchone()[0]
        again = land_campaigns(con, calendar, datetime(2026, 11, 2))
        assert (again.inserted, again.updated, again.removed) == (0, 0, 0)
        assert con.execute("SELECT * FROM raw_campaigns ORDER BY name").fetchall() == snapshot
        assert con.execute("SELECT count(*) FROM quarantine WHERE source = 'campaigns'").fetchone() == (1,)

        calendar.write_text(header + fall.replace("2026-10-04", "2026-10-11"))  # extended; BTS15 gone
        changed = land_campaigns(con, calendar, datetime(2026, 11, 3))
        assert (changed.inserted, changed.updated, changed.removed) == (0, 1, 1)
        # an extended campaign keeps its id
        rows = con.execute("SELECT campaign_id, name, end_date FROM stg_campaigns").fetchall()
        assert rows == [(fall_id, "Fall Refresh", date(2026, 10, 11))]

        missing = land_campaigns(con, tmp_path / "absent.csv", datetime(2026, 11, 4))
        assert missing.is_found is False
        assert con.execute("SELECT count(*) FROM raw_campaigns").fetchone() == (1,)


# ---------------------------------------------------------------- recovery check on the story sample


@pytest.fixture(scope="module")
def story(story_warehouse) -> dict:
    truth = json.loads((story_warehouse.samples_dir / "ground_truth.json").read_text())
    with duckdb.connect(str(story_warehouse.db_path), read_only=True) as con:
        summary = con.execute("SELECT * FROM promotion_summary").df().set_index("promo_code")
        type_items = con.execute(
            """SELECT c.promo_code, p.confusion_type, any_value(p.count_type_items) AS count_items
               FROM promotion_confusion AS p JOIN campaigns AS c USING (campaign_id)
               GROUP BY ALL"""
        ).df()
    confusing = next(c for c in truth["campaigns"] if c["is_confusing"])
    story = next(s for s in truth["stories"] if s["key"] == "promo_confusion")
    return {"truth": truth, "summary": summary, "type_items": type_items, "confusing": confusing, "story": story}


def test_the_calendar_is_landed_in_full(story) -> None:
    assert set(story["summary"].index) == {c["promo_code"] for c in story["truth"]["campaigns"]}


def test_the_confusing_campaign_stands_out_in_confusion_and_volume(story) -> None:
    summary, code = story["summary"], story["confusing"]["promo_code"]
    assert code == story["story"]["facts"]["promo_code"]
    others = summary.drop(index=code)
    assert summary.loc[code, "count_mentions"] >= 3 * others["count_mentions"].max()
    assert summary.loc[code, "confusion_share"] >= 3 * others["confusion_share"].max()
    assert summary.loc[code, "confusion_share"] >= 0.10


def test_its_mentions_rise_in_the_launch_week(story) -> None:
    fall = story["summary"].loc[story["confusing"]["promo_code"]]
    launch = date.fromisoformat(story["story"]["key_dates"]["launch"])
    assert fall["start_date"].date() == launch
    assert fall["count_mentions_launch_week"] >= 20
    assert fall["launch_week_mentions_per_day"] >= 5 * max(fall["baseline_mentions_per_day"], 0.2)
    # "most complaints fall in the launch week"
    assert fall["count_mentions_launch_week"] >= 0.4 * fall["count_mentions_running"]
    assert 0 <= (fall["peak_day"].date() - launch).days <= 6


def test_the_dominant_confusion_types_are_the_planted_ones(story) -> None:
    # What the story plants: its terms trip people up (over $75, sale items excluded, app
    # only, one use per customer); the rules classify those terms themselves.
    planted = {t for types in classify_confusion(story["story"]["facts"]["terms"].split(";"), CONFIG) for t in types}
    assert planted == {"eligibility"}
    items = story["type_items"]
    fall = items[items["promo_code"] == story["confusing"]["promo_code"]].sort_values("count_items", ascending=False)
    top_two = set(fall["confusion_type"].head(2))
    assert planted <= top_two
    eligibility = fall.set_index("confusion_type")["count_items"].get("eligibility", 0)
    assert eligibility >= 0.25 * fall["count_items"].sum()
    # Ordinary campaigns draw plain "code not working" questions, hardly any terms confusion.
    others = items[(items["promo_code"] != story["confusing"]["promo_code"]) & (items["confusion_type"] == "eligibility")]
    assert eligibility >= 10 * max(others["count_items"].sum(), 1)


# ---------------------------------------------------------------- incremental matching


def _match_rows(con: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    return (
        con.execute("SELECT * FROM promotion_item_matches ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM promotion_segment_matches ORDER BY ALL").fetchall(),
    )


def _matched_from_scratch(con: duckdb.DuckDBPyConnection, config) -> tuple[list, list]:
    con.execute("DELETE FROM promotion_checked_items")
    con.execute("DELETE FROM promotion_item_matches")
    con.execute("DELETE FROM promotion_segment_matches")
    match_promotions(con, config)
    return _match_rows(con)


def test_a_run_looks_only_at_new_changed_and_gone_items(story_warehouse, tmp_path: Path) -> None:
    """Incremental matching leaves the rows a full recompute would give, after items leave and
    come back, and after the calendar changes."""
    config = load_promotion_config(PROJECT_ROOT / "config" / "promotions.yaml")
    db = tmp_path / "voc.duckdb"
    shutil.copyfile(story_warehouse.db_path, db)
    with duckdb.connect(str(db)) as con:
        before = _match_rows(con)
        assert len(before[0]) >= 100
        assert match_promotions(con, config).items_checked_now == 0  # nothing new since the run
        con.execute("CREATE TEMP TABLE held_back AS SELECT * FROM raw_records USING SAMPLE 30 PERCENT (reservoir, 1)")
        con.execute("DELETE FROM raw_records WHERE (source, source_record_id) IN (SELECT (source, source_record_id) FROM held_back)")
        gone = match_promotions(con, config)
        assert gone.items_checked_now == con.execute("SELECT count(*) FROM held_back").fetchone()[0]
        fewer = _match_rows(con)
        assert 0 < len(fewer[0]) < len(before[0])
        assert fewer == _matched_from_scratch(con, config)

        con.execute("INSERT INTO raw_records SELECT * FROM held_back")
        back = match_promotions(con, config)
        assert back.items_checked_now == gone.items_checked_now
        assert _match_rows(con) == before

        con.execute("UPDATE raw_campaigns SET terms = terms || ', free gift wrap' WHERE promo_code IS NOT NULL")
        assert match_promotions(con, config).items_checked_now == con.execute("SELECT count(*) FROM raw_records").fetchone()[0]
        after_calendar = _match_rows(con)
        assert after_calendar == _matched_from_scratch(con, config)
