"""Dashboard query times on a 1M-item warehouse.

Synthesises the core tables (feedback, segments, themes) directly in DuckDB with
generate_series and seeded hashes (this measures queries, not the pipeline): realistic
channel, language, product and week mixes, ~2.5 segments per item, ~150 themes, 2 % copies,
NPS/CSAT on survey comments, handle times on calls and resolution times on tickets (a few
gift-card-like themes take 10x as long). Then lands the campaign calendar and builds the
marts with the project's own SQL and Python steps in the order of the flow's build_marts
(without rebuilding core from raw, which would drop the synthesised tables), checks the
contracts, and times every query function each page calls,
each run ``--repeats`` times through ``dashboard.queries`` (a fresh read-only connection per
call, as the pages do). Prints p50/p95 per query and per page load (the sum of a page's
queries) against the target p95 <= 1 s, and writes benchmarks/results/dashboard_queries.json.

    .venv/bin/python benchmarks/dashboard_queries.py --items 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from dashboard import queries
from dashboard.queries import FeedbackFilter
from pipelines import insights_step, planning, reference, steps
from pipelines.settings import PROJECT_ROOT, Settings, get_settings
from pipelines.warehouse.db import SQL_DIR, apply_layers, check_contracts, connect, identifier, init_schema

OUT = PROJECT_ROOT / "benchmarks" / "results" / "dashboard_queries.json"
TARGET_P95_S = 1.0
END_DATE = date(2026, 11, 15)

SYNTHESIS_SQL = """
CREATE OR REPLACE TEMP TABLE synth_themes AS
SELECT
    i AS theme_index,
    printf('T%04d', i) AS theme_id,
    printf('theme %d — synthetic label %d', i, i) AS label,
    [printf('keyword%d', i), printf('phrase %d', i), 'order'] AS keywords,
    printf('Category %d', i % 12) AS category_label,
    i % 50 = 7 AS is_slow  -- three gift-card-like themes that take 10x as long
FROM generate_series(0, $n_themes - 1) AS t(i);

INSERT INTO feedback BY NAME
WITH draws AS (
    SELECT
        i,
        hash(i, 'channel') % 1000 AS u_channel,
        hash(i, 'lang') % 1000 AS u_lang,
        hash(i, 'product') % 1000 AS u_product,
        hash(i, 'when') % ($weeks * 7 * 86400) AS offset_s,
        -- Zipf-like theme popularity: a few big themes, a long tail
        CAST(floor($n_themes * pow((hash(i, 'theme') % 1000000) / 1000000.0, 2.2)) AS INTEGER)
            AS theme_index,
        hash(i, 'dup') % 1000 AS u_dup
    FROM generate_series(0, $n_items - 1) AS t(i)
),
shaped AS (
    SELECT
        *,
        CASE WHEN u_channel < 350 THEN 'ticket' WHEN u_channel < 660 THEN 'survey'
             WHEN u_channel < 750 THEN 'call' ELSE 'social' END AS channel
    FROM draws
)
SELECT
    'fb_' || lpad(CAST(i AS VARCHAR), 8, '0') AS feedback_id,
    channel AS source,
    CAST(i AS VARCHAR) AS source_record_id,
    channel,
    $start_ts::TIMESTAMP + to_seconds(offset_s) AS received_at,
    CASE WHEN channel = 'social' THEN 'a' || (hash(i, 'who') % 200000)
         ELSE 'c' || (hash(i, 'who') % 450000) END AS customer_id,
    printf('Customer message %d about %s. How do I fix order LK-%d? It has been a week and '
           'nobody replied; please help with the %s.', i, th.label, i % 9999999,
           th.keywords[1]) AS text,
    CASE WHEN u_lang < 850 THEN 'en' WHEN u_lang < 910 THEN 'es' WHEN u_lang < 940 THEN 'zh'
         WHEN u_lang < 970 THEN 'ru' WHEN u_lang < 995 THEN 'ro' ELSE NULL END AS language,
    CASE WHEN channel = 'survey' AND hash(i, 'has_nps') % 4 > 0
         -- the slow themes' customers are detractors (0-6)
         THEN CAST(hash(i, 'nps') % CASE WHEN th.is_slow THEN 7 ELSE 11 END AS INTEGER) END AS nps,
    CASE WHEN channel = 'survey' AND hash(i, 'has_csat') % 5 < 3
         THEN CAST(1 + hash(i, 'csat') % 5 AS INTEGER) END AS csat,
    CASE WHEN channel IN ('ticket', 'survey') AND u_product < 900
         THEN printf('product-%02d', u_product % 46) END AS product,
    CASE WHEN channel = 'call'
         THEN (120 + hash(i, 'handle') % 300) * CASE WHEN th.is_slow THEN 10 ELSE 1 END END
         AS handle_time_s,
    CASE WHEN channel = 'ticket'
         THEN (20000 + hash(i, 'resolve') % 120000) * CASE WHEN th.is_slow THEN 10 ELSE 1 END END
         AS resolution_time_s,
    -- 2 % are copies of an earlier item of the same channel mix (a repost or resubmission)
    CASE WHEN u_dup < 20 AND i > 1000
         THEN 'fb_' || lpad(CAST(i - 1 - hash(i, 'orig') % 1000 AS VARCHAR), 8, '0')
         ELSE 'fb_' || lpad(CAST(i AS VARCHAR), 8, '0') END AS canonical_id,
    CASE WHEN u_dup < 20 AND i > 1000 THEN 'exact' END AS duplicate_kind,
    md5(CAST(i AS VARCHAR)) AS content_hash
FROM shaped
JOIN synth_themes AS th USING (theme_index);

INSERT INTO segments BY NAME
WITH items AS (
    SELECT
        feedback_id,
        CAST(substr(feedback_id, 4) AS BIGINT) AS i,
        1 + hash(feedback_id, 'n_segments') % 4 AS n_segments,  -- 1..4, mean 2.5
        CAST(floor($n_themes * pow((hash(CAST(substr(feedback_id, 4) AS BIGINT), 'theme') % 1000000)
            / 1000000.0, 2.2)) AS INTEGER) AS primary_theme
    FROM feedback
),
exploded AS (
    SELECT items.*, unnest(range(CAST(n_segments AS BIGINT))) AS ordinal
    FROM items
),
assigned AS (
    SELECT
        *,
        CASE WHEN ordinal = 0 THEN primary_theme
             WHEN hash(feedback_id, ordinal, 'themed') % 10 = 0 THEN NULL
             WHEN hash(feedback_id, ordinal, 'same') % 2 = 0 THEN primary_theme
             ELSE CAST(hash(feedback_id, ordinal, 'other') % $n_themes AS INTEGER) END AS theme_index,
        (hash(feedback_id, ordinal, 'sentiment') % 2000) / 1000.0 - 1.2 AS sentiment_score
    FROM exploded
)
SELECT
    feedback_id || ':' || ordinal AS segment_id,
    feedback_id,
    CAST(ordinal AS INTEGER) AS ordinal,
    printf('segment %d of the message', ordinal) AS text,
    CAST(ordinal * 30 AS INTEGER) AS char_start,
    CAST(ordinal * 30 + 25 AS INTEGER) AS char_end,
    md5(feedback_id || ordinal) AS text_hash,
    th.theme_id,
    0.8 AS theme_similarity,
    sentiment_score,
    CASE WHEN sentiment_score < -0.1 THEN 'negative' WHEN sentiment_score > 0.1 THEN 'positive'
         ELSE 'neutral' END AS sentiment_label,
    [printf('phrase %d', coalesce(assigned.theme_index, 0)),
     printf('detail %d', hash(feedback_id, ordinal) % 40)] AS key_phrases
FROM assigned
LEFT JOIN synth_themes AS th USING (theme_index);

INSERT INTO themes BY NAME
SELECT
    th.theme_id,
    th.label,
    th.keywords,
    th.label AS representative_text,
    count(s.segment_id) AS count_segments,
    count(DISTINCT s.feedback_id) AS count_items,
    th.category_label,
    false AS is_label_pinned,
    []::VARCHAR[] AS merged_from
FROM synth_themes AS th
LEFT JOIN segments AS s USING (theme_id)
GROUP BY ALL;

INSERT INTO run_log VALUES ('bench', now()::TIMESTAMP, now()::TIMESTAMP, '{}');
"""


def build_warehouse(db_path: Path, n_items: int, n_themes: int, weeks: int) -> dict[str, float]:
    """Synthesise the core tables, then build every mart as the pipeline does."""
    seconds = {}
    start = END_DATE - timedelta(weeks=weeks) + timedelta(days=1)
    settings = get_settings()
    with connect(db_path) as con:
        began = time.perf_counter()
        init_schema(con)
        # the core tables, empty, in the shape the core SQL gives them
        apply_layers(con, ["core"])
        for table in ("feedback", "segments", "themes"):
            con.execute("DELETE FROM " + identifier(table))
        params = {"n_items": n_items, "n_themes": n_themes, "weeks": weeks, "start_ts": start.isoformat()}
        # DuckDB binds parameters for one statement at a time, and only the ones it uses
        for statement in filter(str.strip, SYNTHESIS_SQL.split(";\n")):
            con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
        seconds["synthesise_core"] = time.perf_counter() - began
        began = time.perf_counter()
        reference.land_campaigns(con, settings.campaigns_path, datetime.now(UTC).replace(tzinfo=None))
        reference.match_promotions(con, reference.load_promotion_config(settings.promotions_config_path))
        seconds["land_reference"] = time.perf_counter() - began
        began = time.perf_counter()
        build_marts(con, settings)
        con.execute("CHECKPOINT")
        seconds["build_marts"] = time.perf_counter() - began
    return seconds


SYNTHESISED = ("feedback", "segments", "themes")


def build_marts(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """pipelines.flows.build_marts, except that the core tables synthesised here are kept
    (the other core models, e.g. campaigns, are built): SQL marts, Python marts, contracts."""
    planning.set_workload_assumptions(con, settings)
    for core_file in sorted((SQL_DIR / "core").glob("*.sql")):
        sql = core_file.read_text(encoding="utf-8")
        if not any(re.search(rf"CREATE (OR REPLACE )?TABLE (IF NOT EXISTS )?{table} AS", sql) for table in SYNTHESISED):
            con.execute(sql)
    apply_layers(con, ["marts"])
    planning.write_contact_forecast(con, settings)
    insights_step.build_theme_flags(con)
    steps.build_score_impact(con, settings.score_impact_min_items)
    violations = check_contracts(con)
    if violations:
        raise RuntimeError("contracts violated on the synthesised warehouse:\n" + "\n".join(violations))


def page_plans(db: Path) -> dict[str, dict[str, Callable[[], object]]]:
    """Every query each page runs on a first load (defaults) and on its main interactions."""
    coverage = queries.feedback_coverage(db).iloc[0]
    last = coverage["last_date"].date()
    everything = FeedbackFilter(coverage["first_date"].date(), last, tuple(coverage["channels"]))
    recent = FeedbackFilter(
        last - timedelta(weeks=8), last, ("survey", "ticket"),
        languages=("en", "es"), products=(coverage["products"][1],),
        categories=tuple(coverage["categories"][:3]) or None,
    )
    top_theme = str(queries.top_themes(db, everything, limit=1)["theme_id"].iloc[0])
    plans: dict[str, dict[str, Callable[[], object]]] = {
        "top_themes": {
            "feedback_coverage": lambda: queries.feedback_coverage(db),
            "data_as_of": lambda: queries.data_as_of(db),
            "headline_metrics": lambda: queries.headline_metrics(db, everything),
            "top_themes(volume)": lambda: queries.top_themes(db, everything),
            "theme_trend(top 5)": lambda: queries.theme_trend(
                db, everything, queries.top_themes(db, everything, limit=5)["theme_id"].tolist()
            ),
            "theme_detail": lambda: queries.theme_detail(db, everything, top_theme),
            "theme_trend(one)": lambda: queries.theme_trend(db, everything, [top_theme]),
            "theme_channel_mix": lambda: queries.theme_channel_mix(db, everything, top_theme),
            "theme_key_phrases": lambda: queries.theme_key_phrases(db, everything, top_theme),
            "theme_verbatims": lambda: queries.theme_verbatims(db, everything, top_theme),
        },
        "top_themes_interactions": {
            **{
                f"top_themes({rank_by})": (lambda rank_by=rank_by: queries.top_themes(db, everything, rank_by=rank_by))
                for rank_by in queries.RANKINGS
                if rank_by != "volume"
            },
            "headline_metrics(sliced)": lambda: queries.headline_metrics(db, recent),
            "top_themes(sliced, growth)": lambda: queries.top_themes(db, recent, rank_by="growth"),
            "theme_verbatims(search)": lambda: queries.theme_verbatims(db, everything, top_theme, search="how do"),
            "search_verbatims": lambda: queries.search_verbatims(db, everything, "LK-12345"),
            "search_verbatims(sliced)": lambda: queries.search_verbatims(db, recent, "please help"),
        },
    }
    if hasattr(queries, "review_weeks"):
        week = queries.review_weeks(db)["week_start"].iloc[1].date()  # last complete week
        movers = queries.weekly_movers(db, week)
        mover_ids = movers["theme_id"].head(6).tolist() or [top_theme]
        plans["weekly_review"] = {
            "review_weeks": lambda: queries.review_weeks(db),
            "weekly_headline": lambda: queries.weekly_headline(db, week),
            "weekly_movers": lambda: queries.weekly_movers(db, week),
            "weekly_mover_trend": lambda: queries.weekly_mover_trend(db, week, mover_ids),
            "weekly_mover_verbatims": lambda: queries.weekly_mover_verbatims(db, week, mover_ids),
        }
        if hasattr(queries, "weekly_cost_leaders"):
            plans["weekly_review"]["weekly_cost_leaders"] = lambda: queries.weekly_cost_leaders(db, 5)
        if hasattr(queries, "weekly_promotions"):
            plans["weekly_review"]["weekly_promotions"] = lambda: queries.weekly_promotions(db, week)
    if hasattr(queries, "promotion_campaigns"):
        campaign_id = str(queries.promotion_campaigns(db)["campaign_id"].iloc[0])
        plans["promotions"] = {
            "data_as_of": lambda: queries.data_as_of(db),
            "promotion_campaigns": lambda: queries.promotion_campaigns(db),
            "promotion_daily": lambda: queries.promotion_daily(db, campaign_id),
            "promotion_confusion": lambda: queries.promotion_confusion(db, campaign_id),
            "promotion_verbatims": lambda: queries.promotion_verbatims(db, campaign_id),
        }
    if hasattr(queries, "support_volume"):
        plans["support_planning"] = {
            "support_volume": lambda: queries.support_volume(db),
            "agent_hours_needed": lambda: queries.agent_hours_needed(db),
            "resolution_by_theme": lambda: queries.resolution_by_theme(db),
            "contact_forecast(channel)": lambda: queries.contact_forecast(db, "channel"),
            "contact_forecast(theme)": lambda: queries.contact_forecast(db, "theme"),
            "self_service_savings": lambda: queries.self_service_savings(db),
        }
    if hasattr(queries, "theme_management_themes"):
        plans["theme_management"] = {
            "theme_management_edits": lambda: queries.theme_management_edits(db),
            "theme_management_categories": lambda: queries.theme_management_categories(db),
            "theme_management_themes": lambda: queries.theme_management_themes(db),
        }
    return plans


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def time_pages(db: Path, repeats: int) -> dict[str, dict]:
    results = {}
    for page, plan in page_plans(db).items():
        per_query: dict[str, list[float]] = {name: [] for name in plan}
        page_loads = []
        for _ in range(repeats):
            total = 0.0
            for name, run in plan.items():
                began = time.perf_counter()
                run()
                elapsed = time.perf_counter() - began
                per_query[name].append(elapsed)
                total += elapsed
            page_loads.append(total)
        results[page] = {
            "queries": {
                name: {"p50_s": round(percentile(t, 50), 4), "p95_s": round(percentile(t, 95), 4)}
                for name, t in per_query.items()
            },
            "page_p50_s": round(percentile(page_loads, 50), 4),
            "page_p95_s": round(percentile(page_loads, 95), 4),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--themes", type=int, default=150)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--db", type=Path, help="reuse (or keep) the warehouse at this path")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="voc_bench_") as scratch:
        db = args.db or Path(scratch) / "bench.duckdb"
        build_seconds = {}
        if not db.exists():
            build_seconds = build_warehouse(db, args.items, args.themes, args.weeks)
        with duckdb.connect(str(db), read_only=True) as con:
            counts = {
                table: con.execute("SELECT count(*) FROM " + identifier(table)).fetchall()[0][0]
                for table in ("feedback", "segments", "themes", "theme_weekly")
            }
        print(f"warehouse {db}: {counts}; built in {build_seconds}")
        pages = time_pages(db, args.repeats)

    misses = []
    for page, result in pages.items():
        print(f"\n{page}: page load p50 {result['page_p50_s']:.3f} s, p95 {result['page_p95_s']:.3f} s")
        for name, q in result["queries"].items():
            flag = "" if q["p95_s"] <= TARGET_P95_S else "  <-- misses the 1 s target"
            if flag:
                misses.append(f"{page}/{name}")
            print(f"  {name:32s} p50 {q['p50_s']:.3f} s  p95 {q['p95_s']:.3f} s{flag}")
    print(f"\nqueries over the p95 target of {TARGET_P95_S} s: {misses or 'none'}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "items": args.items,
                "themes": args.themes,
                "weeks": args.weeks,
                "repeats": args.repeats,
                "rows": counts,
                "build_seconds": {k: round(v, 1) for k, v in build_seconds.items()},
                "target_p95_s": TARGET_P95_S,
                "queries_over_target": misses,
                "pages": pages,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "duckdb": duckdb.__version__},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
