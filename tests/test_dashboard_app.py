"""Dashboard query functions and the Top themes page, against a published snapshot.

Expected numbers are computed here straight from the core tables (feedback, segments,
themes) with plain SQL and pandas, independently of the marts and SQL the dashboard uses.
Copies of a message (feedback.canonical_id) count once, under their first copy's week,
channel, language and product.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import queries
from dashboard.queries import FeedbackFilter
from pipelines.settings import get_settings

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
APP_TIMEOUT_S = 30
ALL_ROWS = 100_000
INJECTIONS = ["x' OR '1'='1", "'; DROP TABLE feedback; --", "%", "_", "$theme_id", "?"]


# ---------------------------------------------------------------- direct expectations


def fetch(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def monday_of(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def items(published_db: Path) -> pd.DataFrame:
    """One row per feedback item with the week (computed in Python), channel, language and
    product it is counted under: its first copy's."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        frame = con.execute(
            """SELECT feedback_id, canonical_id, customer_id, channel, received_at,
                      coalesce(language, 'und') AS language, coalesce(product, '(none)') AS product
               FROM feedback"""
        ).df()
    frame["week_start"] = [monday_of(ts.to_pydatetime()) for ts in frame["received_at"]]
    first_copy = frame.set_index("feedback_id")[["week_start", "channel", "language", "product"]]
    counted_under = first_copy.loc[frame["canonical_id"]].reset_index(drop=True)
    frame[["week_start", "channel", "language", "product"]] = counted_under.to_numpy()
    return frame


@pytest.fixture(scope="module")
def themed_segments(published_db: Path) -> pd.DataFrame:
    """One row per segment that belongs to a theme listed in themes."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        return con.execute(
            """
            SELECT s.segment_id, s.feedback_id, s.theme_id, t.label
            FROM segments AS s JOIN themes AS t ON s.theme_id = t.theme_id
            """
        ).df()


def items_in(items: pd.DataFrame, flt: FeedbackFilter) -> pd.DataFrame:
    first, last = monday_of(flt.start_date), monday_of(flt.end_date)
    keep = items["week_start"].between(first, last) & items["channel"].isin(flt.channels)
    if flt.languages is not None:
        keep &= items["language"].isin(flt.languages)
    if flt.products is not None:
        keep &= items["product"].isin(flt.products)
    return items[keep]


def expected_theme_items(
    items: pd.DataFrame, segs: pd.DataFrame, flt: FeedbackFilter
) -> dict[str, int]:
    """theme_id -> distinct filtered messages (copies once) with a segment of that theme."""
    chosen = segs.merge(items_in(items, flt)[["feedback_id", "canonical_id"]], on="feedback_id")
    return chosen.groupby("theme_id")["canonical_id"].nunique().to_dict()


def labels_by_theme(themed_segments: pd.DataFrame) -> dict[str, str]:
    return themed_segments.drop_duplicates("theme_id").set_index("theme_id")["label"].to_dict()


def messages_containing(verbatims: pd.DataFrame, text: str) -> pd.DataFrame:
    lowered = verbatims["message_text"].str.lower()
    return verbatims[lowered.str.contains(text.lower(), regex=False)]


def on_channel(flt: FeedbackFilter, channel: str) -> FeedbackFilter:
    return FeedbackFilter(flt.start_date, flt.end_date, (channel,))


@pytest.fixture(scope="module")
def full_filter(items: pd.DataFrame) -> FeedbackFilter:
    return FeedbackFilter(
        items["received_at"].min().date(),
        items["received_at"].max().date(),
        tuple(sorted(items["channel"].unique())),
    )


@pytest.fixture(scope="module")
def smallest_channel(items: pd.DataFrame) -> str:
    """The channel with the fewest items, so filtering to it visibly changes numbers."""
    counts = items["channel"].value_counts()
    assert len(counts) >= 2, "the sample needs at least two channels"
    return str(counts.index[-1])


@pytest.fixture(scope="module")
def top_theme_id(published_db: Path, full_filter: FeedbackFilter) -> str:
    return str(queries.top_themes(published_db, full_filter, limit=1)["theme_id"].iloc[0])


# ---------------------------------------------------------------- query functions


def test_feedback_coverage_matches_feedback_table(
    published_db: Path, items: pd.DataFrame
) -> None:
    row = queries.feedback_coverage(published_db).iloc[0]
    assert row["first_date"].date() == items["received_at"].min().date()
    assert row["last_date"].date() == items["received_at"].max().date()
    assert list(row["channels"]) == sorted(items["channel"].unique())
    assert row["count_items"] == len(items)


def test_data_as_of_is_the_last_run(published_db: Path) -> None:
    (expected,) = fetch(published_db, "SELECT max(finished_at) FROM run_log")[0]
    got = queries.data_as_of(published_db)["finished_at"].iloc[0]
    assert (pd.isna(got) and expected is None) or got.to_pydatetime() == expected


def test_headline_metrics_count_filtered_items(
    published_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
    smallest_channel: str,
) -> None:
    for flt in (full_filter, on_channel(full_filter, smallest_channel)):
        chosen = items_in(items, flt)
        (count_segments,) = fetch(
            published_db,
            "SELECT count(*) FROM segments WHERE list_contains(?, feedback_id)",
            [chosen["feedback_id"].tolist()],
        )[0]
        chosen_segs = themed_segments[themed_segments["feedback_id"].isin(chosen["feedback_id"])]
        row = queries.headline_metrics(published_db, flt).iloc[0]
        assert row["count_items"] == chosen["canonical_id"].nunique()
        assert row["count_reach"] == len(chosen)
        assert row["count_customers"] == chosen["customer_id"].nunique()
        assert row["count_segments"] == count_segments
        assert row["count_themed_segments"] == len(chosen_segs)
        assert row["count_themes"] == chosen_segs["theme_id"].nunique()
        assert row["count_channels"] == chosen["channel"].nunique()


def test_filter_range_widens_to_whole_iso_weeks(
    published_db: Path, items: pd.DataFrame, full_filter: FeedbackFilter
) -> None:
    busiest_week = items["week_start"].value_counts().index[0]
    thursday = busiest_week + timedelta(days=3)
    flt = FeedbackFilter(thursday, thursday, full_filter.channels)
    row = queries.headline_metrics(published_db, flt).iloc[0]
    assert row["count_reach"] == int((items["week_start"] == busiest_week).sum())


def test_top_themes_ranks_themes_by_distinct_items(
    published_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
    smallest_channel: str,
) -> None:
    labels = labels_by_theme(themed_segments)
    for flt in (full_filter, on_channel(full_filter, smallest_channel)):
        ranking = queries.top_themes(published_db, flt)
        counts = dict(zip(ranking["theme_id"], ranking["count_items"], strict=True))
        assert counts == expected_theme_items(items, themed_segments, flt)
        assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
        assert ranking["count_items"].is_monotonic_decreasing
        assert ranking["label"].tolist() == [labels[t] for t in ranking["theme_id"]]
        total = items_in(items, flt)["canonical_id"].nunique()
        assert ranking["share_of_items"].tolist() == pytest.approx(
            [n / total for n in ranking["count_items"]]
        )

    every_theme = queries.top_themes(published_db, full_filter)
    top3 = queries.top_themes(published_db, full_filter, limit=3)
    assert top3["theme_id"].tolist() == every_theme["theme_id"].head(3).tolist()


def test_theme_trend_is_zero_filled_and_adds_up(
    published_db: Path, full_filter: FeedbackFilter
) -> None:
    ranking = queries.top_themes(published_db, full_filter, limit=3)
    theme_ids = ranking["theme_id"].tolist()[::-1]
    trend = queries.theme_trend(published_db, full_filter, [*theme_ids, "no-such-theme"])

    first, last = monday_of(full_filter.start_date), monday_of(full_filter.end_date)
    n_weeks = (last - first).days // 7 + 1
    assert len(trend) == len(theme_ids) * n_weeks
    assert trend["theme_id"].drop_duplicates().tolist() == theme_ids  # the caller's order
    weeks = sorted({ts.date() for ts in trend["week_start"]})
    assert weeks == [first + timedelta(weeks=i) for i in range(n_weeks)]
    totals = trend.groupby("theme_id")["count_items"].sum().to_dict()
    assert totals == dict(zip(ranking["theme_id"], ranking["count_items"], strict=True))
    with_items = trend[trend["count_all_items"] > 0]
    assert with_items["share_of_items"].tolist() == pytest.approx(
        (with_items["count_items"] / with_items["count_all_items"]).tolist()
    )


def test_theme_verbatims_are_the_themes_segments_marked_in_their_message(
    published_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
    top_theme_id: str,
) -> None:
    first_copies = set(items.loc[items["feedback_id"] == items["canonical_id"], "feedback_id"])
    of_theme = (themed_segments["theme_id"] == top_theme_id) & themed_segments["feedback_id"].isin(first_copies)
    expected_ids = set(themed_segments.loc[of_theme, "segment_id"])
    verbatims = queries.theme_verbatims(published_db, full_filter, top_theme_id, limit=ALL_ROWS)
    assert set(verbatims["segment_id"]) == expected_ids
    assert (verbatims["count_matching"] == len(expected_ids)).all()
    assert verbatims["received_at"].is_monotonic_decreasing
    for row in verbatims.itertuples():
        text, start, end = row.message_text, row.char_start, row.char_end
        assert text[start:end] == row.segment_text
        assert row.message_marked == f"{text[:start]}«{text[start:end]}»{text[end:]}"

    newest_two = queries.theme_verbatims(published_db, full_filter, top_theme_id, limit=2)
    assert newest_two["segment_id"].tolist() == verbatims["segment_id"].head(2).tolist()
    assert newest_two["count_matching"].iloc[0] == len(expected_ids)


def test_verbatims_and_search_show_only_rows_inside_the_filter(
    published_db: Path, items: pd.DataFrame, full_filter: FeedbackFilter
) -> None:
    # Copies arriving in a later week than their first copy: their rows would show a date
    # (and maybe a channel) outside the filter that counted them.
    themed = {feedback_id for (feedback_id,) in fetch(
        published_db, "SELECT DISTINCT feedback_id FROM segments WHERE theme_id IS NOT NULL")}
    late = items[(items["feedback_id"] != items["canonical_id"]) & items["canonical_id"].isin(themed)
                 & (items["received_at"].map(lambda ts: monday_of(ts.to_pydatetime())) != items["week_start"])]
    assert not late.empty
    copy = late.iloc[0]
    week = copy["week_start"]
    one_week = FeedbackFilter(week, week + timedelta(days=6), full_filter.channels)
    (theme_id,) = fetch(
        published_db, "SELECT min(theme_id) FROM segments WHERE feedback_id = ? AND theme_id IS NOT NULL",
        [copy["canonical_id"]],
    )[0]
    verbatims = queries.theme_verbatims(published_db, one_week, theme_id, limit=ALL_ROWS)
    word = max(fetch(published_db, "SELECT text FROM feedback WHERE feedback_id = ?", [copy["canonical_id"]])[0][0]
               .split(), key=len)
    found = queries.search_verbatims(published_db, one_week, word, limit=ALL_ROWS)
    assert not verbatims.empty and not found.empty
    for rows in (verbatims, found):
        weeks = {monday_of(ts.to_pydatetime()) for ts in rows["received_at"]}
        assert weeks == {week}
        assert copy["feedback_id"] not in set(rows["feedback_id"])


def test_verbatim_search_is_a_case_insensitive_literal_match(
    published_db: Path, full_filter: FeedbackFilter, top_theme_id: str
) -> None:
    everything = queries.theme_verbatims(published_db, full_filter, top_theme_id, limit=ALL_ROWS)
    word = max(everything["segment_text"].iloc[0].split(), key=len)
    found = queries.theme_verbatims(
        published_db, full_filter, top_theme_id, search=f"  {word.upper()} ", limit=ALL_ROWS
    )
    expected = messages_containing(everything, word)
    assert 0 < len(found) == len(expected)
    assert set(found["segment_id"]) == set(expected["segment_id"])


@pytest.mark.parametrize("hostile", INJECTIONS)
def test_hostile_filter_values_are_inert(
    published_db: Path, full_filter: FeedbackFilter, top_theme_id: str, hostile: str
) -> None:
    before = fetch(published_db, "SELECT count(*) FROM feedback")
    assert queries.theme_verbatims(published_db, full_filter, hostile).empty
    assert queries.theme_trend(published_db, full_filter, [hostile]).empty

    hostile_channel = on_channel(full_filter, hostile)
    assert queries.headline_metrics(published_db, hostile_channel)["count_items"].iloc[0] == 0
    assert queries.top_themes(published_db, hostile_channel).empty

    # As search text it is matched literally: only messages that contain it come back.
    found = queries.theme_verbatims(
        published_db, full_filter, top_theme_id, search=hostile, limit=ALL_ROWS
    )
    everything = queries.theme_verbatims(published_db, full_filter, top_theme_id, limit=ALL_ROWS)
    assert set(found["segment_id"]) == set(messages_containing(everything, hostile)["segment_id"])
    assert fetch(published_db, "SELECT count(*) FROM feedback") == before


def test_language_and_product_slices_narrow_the_counts(
    published_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
) -> None:
    language = items["language"].value_counts().index[1]  # not the biggest, so it narrows
    product = items.loc[items["product"] != "(none)", "product"].value_counts().index[0]
    for flt in (
        replace(full_filter, languages=(language,)),
        replace(full_filter, products=(product,)),
        replace(full_filter, languages=("en", language), products=(product, "(none)")),
    ):
        chosen = items_in(items, flt)
        assert 0 < len(chosen) < len(items)
        row = queries.headline_metrics(published_db, flt).iloc[0]
        assert row["count_items"] == chosen["canonical_id"].nunique()
        ranking = queries.top_themes(published_db, flt)
        counts = dict(zip(ranking["theme_id"], ranking["count_items"], strict=True))
        assert counts == expected_theme_items(items, themed_segments, flt)
    with pytest.raises(ValueError, match="languages"):
        replace(full_filter, languages=())


def test_growth_compares_with_the_previous_period_of_the_same_length(
    published_db: Path, items: pd.DataFrame, themed_segments: pd.DataFrame
) -> None:
    last_week = max(items["week_start"])
    channels = tuple(sorted(items["channel"].unique()))
    recent = FeedbackFilter(last_week - timedelta(weeks=3), last_week, channels)
    before = FeedbackFilter(last_week - timedelta(weeks=7), last_week - timedelta(weeks=4), channels)
    now_counts = expected_theme_items(items, themed_segments, recent)
    then_counts = expected_theme_items(items, themed_segments, before)
    ranking = queries.top_themes(published_db, recent, rank_by="growth")
    assert set(ranking["theme_id"]) == set(now_counts)
    for row in ranking.itertuples():
        assert row.count_items_previous == then_counts.get(row.theme_id, 0)
        assert row.growth == now_counts[row.theme_id] - then_counts.get(row.theme_id, 0)
    assert ranking["growth"].is_monotonic_decreasing


def test_growth_is_unknown_where_the_previous_period_precedes_the_data(
    published_db: Path, full_filter: FeedbackFilter
) -> None:
    # every item lies in the filter, so the period before it has none: not a rise from zero
    assert queries.top_themes(published_db, full_filter, rank_by="growth").empty
    by_volume = queries.top_themes(published_db, full_filter)
    assert not by_volume.empty and by_volume["growth"].isna().all() and by_volume["growth_ratio"].isna().all()


def test_score_impact_rankings_list_only_ranked_themes_largest_first(
    published_db: Path, full_filter: FeedbackFilter
) -> None:
    impact = fetch(
        published_db,
        "SELECT theme_id, score_type, overall_impact FROM theme_score_impact WHERE is_ranked",
    )
    mentioned = set(queries.top_themes(published_db, full_filter)["theme_id"])
    for score_type in ("nps", "csat"):
        expected = {t: v for t, kind, v in impact if kind == score_type and t in mentioned}
        ranking = queries.top_themes(published_db, full_filter, rank_by=f"{score_type}_impact")
        assert dict(zip(ranking["theme_id"], ranking[f"{score_type}_impact"], strict=True)) == (
            pytest.approx(expected)
        )
        assert ranking[f"{score_type}_impact"].is_monotonic_decreasing


def test_cost_ranking_weighs_handle_and_resolution_times_against_typical_contacts(
    published_db: Path, items: pd.DataFrame, themed_segments: pd.DataFrame, full_filter: FeedbackFilter
) -> None:
    with duckdb.connect(str(published_db), read_only=True) as con:
        times = con.execute(
            "SELECT feedback_id, handle_time_s, resolution_time_s FROM feedback "
            "WHERE feedback_id = canonical_id"
        ).df()
    handle, resolution = times["handle_time_s"], times["resolution_time_s"]
    times["cost"] = (handle / handle[handle > 0].median()).fillna(0) + (
        resolution / resolution[resolution > 0].median()
    ).fillna(0)
    mentions = themed_segments[["theme_id", "feedback_id"]].drop_duplicates().merge(times)
    expected = mentions.groupby("theme_id")["cost"].sum()
    ranking = queries.top_themes(published_db, full_filter, rank_by="cost")
    shown = ranking.set_index("theme_id")["cost_units"]
    assert shown.to_dict() == pytest.approx(expected.reindex(shown.index).fillna(0).to_dict())
    assert ranking["cost_units"].is_monotonic_decreasing
    assert ranking["cost_share"].tolist() == pytest.approx((shown / times["cost"].sum()).tolist())
    with pytest.raises(ValueError, match="rank_by"):
        queries.top_themes(published_db, full_filter, rank_by="label; DROP TABLE themes")


def test_theme_detail_channel_mix_and_key_phrases_describe_the_theme(
    published_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
    top_theme_id: str,
) -> None:
    expected_items = expected_theme_items(items, themed_segments, full_filter)[top_theme_id]
    detail = queries.theme_detail(published_db, full_filter, top_theme_id).iloc[0]
    assert detail["count_items"] == expected_items
    shares = detail[["negative_share", "neutral_share", "positive_share"]].astype(float)
    assert shares.sum() == pytest.approx(1.0)
    assert queries.theme_detail(published_db, full_filter, "no-such-theme").empty
    with duckdb.connect(str(published_db), read_only=True) as con:
        theme_ids = [row[0] for row in con.execute("SELECT theme_id FROM themes").fetchall()]
        csat_ranked = {row[0] for row in con.execute(
            "SELECT theme_id FROM theme_score_impact WHERE score_type = 'csat' AND is_ranked").fetchall()}
    # every theme's ranked flags are true or false (the page branches on them), never NULL
    is_csat_ranked = {t: queries.theme_detail(published_db, full_filter, t).iloc[0]["is_csat_ranked"] for t in theme_ids}
    assert all(pd.notna(flag) and flag in (True, False) for flag in is_csat_ranked.values())
    assert {t for t, flag in is_csat_ranked.items() if flag} == csat_ranked

    mix = queries.theme_channel_mix(published_db, full_filter, top_theme_id)
    assert mix["count_items"].sum() == expected_items
    assert mix["share_of_theme"].sum() == pytest.approx(1.0)

    with duckdb.connect(str(published_db), read_only=True) as con:
        phrases = con.execute(
            "SELECT segment_id, key_phrases FROM segments WHERE theme_id = ?", [top_theme_id]
        ).df().explode("key_phrases").dropna()
    counts = phrases.drop_duplicates().groupby("key_phrases")["segment_id"].count()
    top = queries.theme_key_phrases(published_db, full_filter, top_theme_id, limit=5)
    assert top["count_segments"].tolist() == sorted(counts, reverse=True)[: len(top)]
    for row in top.itertuples():
        assert counts[row.key_phrase] == row.count_segments


def test_search_across_verbatims_is_literal_and_inert(
    published_db: Path, items: pd.DataFrame, full_filter: FeedbackFilter
) -> None:
    with duckdb.connect(str(published_db), read_only=True) as con:
        texts = con.execute("SELECT feedback_id, text FROM feedback WHERE feedback_id = canonical_id").df()
    word = "order"
    expected = set(texts.loc[texts["text"].str.lower().str.contains(word), "feedback_id"])
    found = queries.search_verbatims(published_db, full_filter, f" {word.upper()} ", limit=ALL_ROWS)
    assert 0 < len(found) and set(found["feedback_id"]) == expected
    assert found["received_at"].is_monotonic_decreasing
    assert (found["count_matching"] == len(expected)).all()
    assert queries.search_verbatims(published_db, full_filter, "   ").empty
    before = fetch(published_db, "SELECT count(*) FROM feedback")
    for hostile in INJECTIONS:
        found = queries.search_verbatims(published_db, full_filter, hostile, limit=ALL_ROWS)
        literal = texts["text"].str.lower().str.contains(hostile.lower(), regex=False)
        assert set(found["feedback_id"]) == set(texts.loc[literal, "feedback_id"]), hostile
    assert fetch(published_db, "SELECT count(*) FROM feedback") == before


def test_bad_arguments_are_refused(published_db: Path, full_filter: FeedbackFilter) -> None:
    with pytest.raises(ValueError, match="after"):
        FeedbackFilter(date(2026, 2, 1), date(2026, 1, 1), ("ticket",))
    for bad in (0, -3, "5; DROP TABLE feedback", True):
        with pytest.raises(ValueError, match="limit"):
            queries.top_themes(published_db, full_filter, limit=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="limit"):
            queries.theme_verbatims(
                published_db, full_filter, "t", limit=bad  # type: ignore[arg-type]
            )


def test_a_newly_published_snapshot_is_read_on_the_next_call(
    published_db: Path, tmp_path: Path
) -> None:
    live = tmp_path / "voc.duckdb"
    shutil.copy(published_db, live)
    old = queries.snapshot_of(live)
    count_before = queries.feedback_coverage(live)["count_items"].iloc[0]

    # Publish the way the pipeline does: write a temp file, then rename it over the old one.
    staged = tmp_path / "voc.duckdb.tmp"
    shutil.copy(published_db, staged)
    with duckdb.connect(str(staged)) as con:
        for table in ("feedback_scope", "feedback"):  # coverage reads the mart
            con.execute(
                f"DELETE FROM {table} WHERE feedback_id = (SELECT min(feedback_id) FROM feedback)"
            )
    os.replace(staged, live)

    assert queries.snapshot_of(live) != old
    assert queries.feedback_coverage(live)["count_items"].iloc[0] == count_before - 1


# ---------------------------------------------------------------- the page (AppTest)


@pytest.fixture
def served_db(published_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at the snapshot; settings are cached, so clear them around the test."""
    monkeypatch.setenv("VOC_DB_PATH", str(published_db))
    get_settings.cache_clear()
    yield published_db
    get_settings.cache_clear()


def run_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics_of(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    (frame,) = [df.value for df in app.dataframe if column in df.value.columns]
    return frame


def test_page_shows_real_themes_and_totals(
    served_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
) -> None:
    app = run_app()
    expected = expected_theme_items(items, themed_segments, full_filter)
    labels = labels_by_theme(themed_segments)

    assert metrics_of(app)["Feedback items"] == f"{items['canonical_id'].nunique():,}"
    assert metrics_of(app)["Reach (all copies)"] == f"{len(items):,}"
    assert metrics_of(app)["Themes mentioned"] == f"{len(expected):,}"
    ranking = table_with(app, "rank")
    assert len(ranking) == min(10, len(expected))
    for row in ranking.itertuples():
        assert row.label == labels[row.theme_id]
        assert row.count_items == expected[row.theme_id]
    most_items = sorted(expected.values(), reverse=True)[: len(ranking)]
    assert ranking["count_items"].tolist() == most_items
    top_label = labels[ranking["theme_id"].iloc[0]]
    assert app.selectbox(key="top_themes.theme").options[0].startswith(top_label)


def test_theme_detail_cost_share_follows_the_filter_as_the_ranking_does(
    published_db: Path, full_filter: FeedbackFilter
) -> None:
    tickets = FeedbackFilter(full_filter.start_date, full_filter.end_date, ("ticket",))
    ranking = queries.top_themes(published_db, tickets, limit=5, rank_by="cost")
    assert not ranking.empty
    for row in ranking.itertuples():
        detail = queries.theme_detail(published_db, tickets, row.theme_id).iloc[0]
        everywhere = queries.theme_detail(published_db, full_filter, row.theme_id).iloc[0]
        assert detail["cost_share"] == pytest.approx(row.cost_share)
        assert detail["count_items"] == row.count_items
    # the ticket-only share differs from the all-channel one somewhere
    assert any(
        queries.theme_detail(published_db, full_filter, t).iloc[0]["cost_share"] != pytest.approx(c)
        for t, c in zip(ranking["theme_id"], ranking["cost_share"], strict=True)
    )


def test_theme_detail_shows_the_score_points_the_theme_loses(served_db: Path, full_filter: FeedbackFilter) -> None:
    app = run_app()
    theme_id = app.selectbox(key="top_themes.theme").value
    with duckdb.connect(str(served_db), read_only=True) as con:
        impacts = dict(con.execute(
            "SELECT score_type, overall_impact FROM theme_score_impact WHERE theme_id = ?", [theme_id]
        ).fetchall())
    assert impacts.get("nps") is not None  # the top theme has scored survey comments
    shown = metrics_of(app)
    for score_type, digits in (("nps", 2), ("csat", 3)):
        impact = impacts.get(score_type)
        expected = "n/a" if impact is None or pd.isna(impact) else f"{impact:.{digits}f}"
        assert shown[f"{score_type.upper()} points lost"] == expected


def test_channel_and_date_filters_change_the_numbers(
    served_db: Path,
    items: pd.DataFrame,
    themed_segments: pd.DataFrame,
    full_filter: FeedbackFilter,
    smallest_channel: str,
) -> None:
    app = run_app()
    app.multiselect(key="top_themes.channels").set_value([smallest_channel]).run()
    assert not app.exception
    only_channel = on_channel(full_filter, smallest_channel)
    channel_items = items_in(items, only_channel)["canonical_id"].nunique()
    assert channel_items < len(items)
    assert metrics_of(app)["Feedback items"] == f"{channel_items:,}"
    assert metrics_of(app)["Channels"] == "1"
    expected = expected_theme_items(items, themed_segments, only_channel)
    ranking = table_with(app, "rank")
    shown = dict(zip(ranking["theme_id"], ranking["count_items"], strict=True))
    assert shown.items() <= expected.items()

    first_day = full_filter.start_date
    app.date_input(key="top_themes.dates").set_value((first_day, first_day)).run()
    assert not app.exception
    first_week = FeedbackFilter(first_day, first_day, (smallest_channel,))
    first_week_items = items_in(items, first_week)["canonical_id"].nunique()
    assert metrics_of(app)["Feedback items"] == f"{first_week_items:,}"

    app.multiselect(key="top_themes.channels").set_value([]).run()
    assert [info.value for info in app.info] == ["Pick at least one channel."]
    assert not app.metric


def test_theme_selector_shows_that_themes_verbatims(
    served_db: Path, themed_segments: pd.DataFrame
) -> None:
    app = run_app()
    theme_id = str(table_with(app, "rank")["theme_id"].iloc[-1])  # not the default (rank 1)
    app.selectbox(key="top_themes.theme").set_value(theme_id).run()
    assert not app.exception
    assert app.selectbox(key="top_themes.theme").value == theme_id

    theme_segments = themed_segments[themed_segments["theme_id"] == theme_id]
    verbatims = table_with(app, "message_marked")
    assert len(verbatims) == min(len(theme_segments), 200)
    assert set(verbatims["segment_id"]) <= set(theme_segments["segment_id"])
    newest = verbatims.iloc[0]
    assert f"«{newest['segment_text']}»" in newest["message_marked"]
    assert newest["message_marked"] in [text.value for text in app.text]  # in full, as text

    app.text_input(key="top_themes.search").input("\u2603 no message says this \u2603").run()
    assert [info.value for info in app.info] == ["No message of this theme matches the search."]


@pytest.mark.parametrize("rank_by", ["volume", "growth", "nps_impact", "csat_impact", "cost"])
def test_each_ranking_mode_orders_the_table_by_its_measure(
    served_db: Path, full_filter: FeedbackFilter, rank_by: str
) -> None:
    app = run_app()
    app.selectbox(key="top_themes.rank_by").set_value(rank_by).run()
    assert not app.exception, [e.value for e in app.exception]
    expected = queries.top_themes(served_db, full_filter, limit=10, rank_by=rank_by)
    if expected.empty:
        shown = " ".join(i.value for i in app.info)
        assert ("data does not reach back that far" if rank_by == "growth" else "can be ranked this way") in shown
        return
    ranking = table_with(app, "rank")
    assert ranking["theme_id"].tolist() == expected["theme_id"].tolist()
    assert ranking["rank_value"].is_monotonic_decreasing


def test_language_product_and_category_filters_reach_the_page(
    served_db: Path, items: pd.DataFrame, themed_segments: pd.DataFrame, full_filter: FeedbackFilter
) -> None:
    app = run_app()
    # Offered by name, with the placeholders in words
    assert "English (en)" in app.multiselect(key="top_themes.languages").options
    assert "No product named" in app.multiselect(key="top_themes.products").options
    language = items["language"].value_counts().index[1]
    app.multiselect(key="top_themes.languages").set_value([language]).run()
    assert not app.exception
    by_language = replace(full_filter, languages=(language,))
    assert metrics_of(app)["Feedback items"] == f"{items_in(items, by_language)['canonical_id'].nunique():,}"

    product = items.loc[items["product"] != "(none)", "product"].value_counts().index[0]
    app.multiselect(key="top_themes.products").set_value([product]).run()
    assert not app.exception
    both = replace(by_language, products=(product,))
    assert metrics_of(app)["Feedback items"] == f"{items_in(items, both)['canonical_id'].nunique():,}"

    app.multiselect(key="top_themes.languages").set_value([]).run()
    app.multiselect(key="top_themes.products").set_value([]).run()
    categories = app.multiselect(key="top_themes.categories")
    if not categories.options:  # no taxonomy in this snapshot: the filter is offered disabled
        assert categories.disabled
        return
    category = categories.options[0]
    categories.set_value([category]).run()
    assert not app.exception
    with duckdb.connect(str(served_db), read_only=True) as con:
        in_category = {row[0] for row in con.execute(
            "SELECT theme_id FROM themes WHERE category_label = ?", [category]
        ).fetchall()}
    assert set(table_with(app, "rank")["theme_id"]) <= in_category


def test_search_box_finds_messages_and_an_injection_finds_nothing(served_db: Path) -> None:
    app = run_app()
    app.text_input(key="top_themes.search_all").input("x' OR '1'='1").run()
    assert not app.exception
    assert "No message in this selection contains that text." in [i.value for i in app.info]

    with duckdb.connect(str(served_db), read_only=True) as con:
        (newest_text,) = con.execute(
            "SELECT text FROM feedback WHERE contains(lower(text), 'order') "
            "ORDER BY received_at DESC, feedback_id LIMIT 1"
        ).fetchall()[0]
    app.text_input(key="top_themes.search_all").input("order").run()
    assert not app.exception
    shown = [text.value for text in app.text]
    assert any(text.endswith(newest_text) for text in shown)


def test_missing_snapshot_shows_how_to_get_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOC_DB_PATH", str(tmp_path / "not_published_yet.duckdb"))
    get_settings.cache_clear()
    try:
        app = run_app()
        (info,) = app.info
        assert "No data yet" in info.value and "voc run" in info.value
        assert not app.metric and not app.dataframe and not app.title
        # no data page is registered (so none is listed, and their addresses show this page)
        with pytest.raises(ValueError, match=r"Known pages: \['Voice of customer'\]"):
            app.switch_page("views/weekly_review.py")
    finally:
        get_settings.cache_clear()
