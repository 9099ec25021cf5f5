"""Prefect flow: collect every source, understand, theme, build marts, publish.

Tasks are thin wrappers over ``pipelines.steps``; the flow only orders them. All tasks
write one private work file in turn (DuckDB allows one writer), and the published snapshot
is replaced only after every contract holds.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from nlp.config import load_nlp_config
from nlp.embeddings import load_embedder
from nlp.sentiment import load_sentiment_model
from pipelines import progress, steps
from pipelines.connectors.base import SourceConfig
from pipelines.connectors.registry import load_sources
from pipelines.settings import get_settings
from pipelines.warehouse.db import (
    MODEL_LAYERS,
    apply_layers,
    check_contracts,
    connect,
    fetch_row,
    identifier,
    init_schema,
    publish_snapshot,
)

@dataclass
class RunReport:
    run_id: str
    db_path: str
    sources: list[dict] = field(default_factory=list)
    understand: dict = field(default_factory=dict)
    embed: dict = field(default_factory=dict)
    enrich: dict = field(default_factory=dict)
    themes: dict = field(default_factory=dict)
    warehouse: dict = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def collect_source(work_db: Path, nlp_config_path: Path, source: SourceConfig, landed_at: datetime) -> dict:
    # Retries only here: reading an export is the I/O that can fail transiently.
    redact_config = load_nlp_config(nlp_config_path).redact
    with connect(work_db) as con:
        report = steps.collect_source(con, source, landed_at, redact_config)
    return {**asdict(report), "counts": asdict(report.counts)}


@task(cache_policy=NO_CACHE)
def understand(work_db: Path, nlp_config_path: Path) -> dict:
    config = load_nlp_config(nlp_config_path)
    with connect(work_db) as con:
        report = steps.understand_items(con, config.segment, progress.for_stage("segment"))
    return asdict(report)


@task(cache_policy=NO_CACHE)
def embed(work_db: Path, nlp_config_path: Path) -> dict:
    config = load_nlp_config(nlp_config_path)
    embedder = load_embedder(config.themes.embedding_backend)
    with connect(work_db) as con:
        report = steps.embed_segments(con, embedder, progress.for_stage("embed"))
    return {**asdict(report), "model": embedder.model_id}


@task(cache_policy=NO_CACHE)
def enrich(work_db: Path, nlp_config_path: Path, model_id: str) -> dict:
    config = load_nlp_config(nlp_config_path)
    sentiment = load_sentiment_model(config.themes.embedding_backend)
    with connect(work_db) as con:
        enriched = steps.enrich_segments(con, sentiment, model_id, progress.for_stage("enrich"))
        exact, near = steps.mark_duplicates(con)
    return asdict(steps.EnrichReport(enriched, exact, near))


@task(cache_policy=NO_CACHE)
def themes(work_db: Path, nlp_config_path: Path, model_id: str, run_id: str, refit: bool) -> dict:
    config = load_nlp_config(nlp_config_path)
    with connect(work_db) as con:
        report = steps.update_themes(
            con, config.themes, model_id, run_id, refit=refit,
            refit_when_waiting_share=get_settings().theme_refit_waiting_share,
        )
    return {**asdict(report), "refitted": report.refitted}


@task(cache_policy=NO_CACHE)
def build_marts(work_db: Path) -> dict:
    with connect(work_db) as con:
        apply_layers(con, MODEL_LAYERS)
        violations = check_contracts(con)
        if violations:
            raise RuntimeError("warehouse contracts violated; not publishing:\n" + "\n".join(violations))
        counts = {
            table: fetch_row(con, "SELECT count(*) FROM " + identifier(table))[0]
            for table in ("feedback", "segments", "themes", "theme_weekly", "quarantine")
        }
        counts["channels"] = fetch_row(con, "SELECT count(DISTINCT channel) FROM feedback")[0]
    return counts


@task(cache_policy=NO_CACHE)
def publish(work_db: Path, db_path: Path, report: RunReport, started_at: datetime) -> None:
    with connect(work_db) as con:
        con.execute(
            "INSERT INTO run_log VALUES (?, ?, ?, ?)",
            [report.run_id, started_at, datetime.now(UTC).replace(tzinfo=None), json.dumps(asdict(report))],
        )
        con.execute("CHECKPOINT")
    publish_snapshot(work_db, db_path)


@flow(name="voc-pipeline", log_prints=True)
def voc_pipeline(
    db_path: Path | None = None,
    sources_path: Path | None = None,
    nlp_config_path: Path | None = None,
    refit_themes: bool = False,
) -> RunReport:
    """Run the whole pipeline into the warehouse at ``db_path`` and publish it.

    New segments join existing themes; ``refit_themes`` refits them all (ids are kept for
    themes that match a previous one).
    """
    settings = get_settings()
    db_path = Path(db_path or settings.db_path)
    sources_path = Path(sources_path or settings.sources_path)
    nlp_config_path = Path(nlp_config_path or settings.nlp_config_path)
    work_db = settings.work_db_path(db_path)
    started_at = datetime.now(UTC).replace(tzinfo=None)
    report = RunReport(run_id=f"run_{started_at:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}", db_path=str(db_path))
    logger = get_run_logger()

    def timed(stage: str, fn: Callable[[], object]) -> object:
        began = time.perf_counter()
        result = fn()
        report.stage_seconds[stage] = round(time.perf_counter() - began, 2)
        return result

    with connect(work_db) as con:
        init_schema(con)
    sources = load_sources(sources_path)
    report.sources = timed(
        "collect", lambda: [collect_source(work_db, nlp_config_path, source, started_at) for source in sources]
    )
    for source in report.sources:
        logger.info(
            "%s: %d loaded (%d new, %d changed), %d quarantined",
            source["source"], source["loaded"], source["counts"]["inserted"],
            source["counts"]["updated"], source["quarantined"],
        )
    report.understand = timed("segment", lambda: understand(work_db, nlp_config_path))
    report.embed = timed("embed", lambda: embed(work_db, nlp_config_path))
    report.enrich = timed("enrich", lambda: enrich(work_db, nlp_config_path, report.embed["model"]))
    report.themes = timed(
        "themes", lambda: themes(work_db, nlp_config_path, report.embed["model"], report.run_id, refit_themes)
    )
    report.warehouse = timed("marts", lambda: build_marts(work_db))
    timed("publish", lambda: publish(work_db, db_path, report, started_at))
    logger.info("published %s: %s", db_path, report.warehouse)
    return report


if __name__ == "__main__":
    voc_pipeline()
