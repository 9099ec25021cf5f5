"""Prefect flow: collect every source, understand, theme, build marts, publish.

Tasks are thin wrappers over ``pipelines.steps``; the flow only orders them. All tasks
write one private work file in turn (DuckDB allows one writer), and the published snapshot
is replaced only after every contract holds. Their heavy batches (embedding, sentiment and key
phrases, theme assignment) are pure functions of ``pipelines.compute``: inline by default, or
submitted as tasks to a Dask cluster when the settings choose ``task_runner = "dask"``
(``configured_pipeline``), while the writing stays in the flow's process.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
from prefect import Flow, flow, get_client, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.futures import PrefectFuture
from prefect.states import Crashed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from nlp.config import load_nlp_config
from pipelines import alerts, compute, insights_step, planning, progress, reference, steps, taxonomy
from pipelines.compute import MapBatches, R, map_in_process
from pipelines.connectors.base import SourceConfig
from pipelines.duplicate_marking import mark_duplicates
from pipelines.connectors.registry import load_sources
from pipelines.process_memory import peak_rss_mb, reset_peak_rss
from pipelines.settings import Settings, get_settings
from pipelines.worker_pool import on_worker_processes, stop_worker_processes
from pipelines.warehouse.db import (
    build_models,
    check_contracts,
    connect,
    exclusive_run,
    fetch_row,
    finish_run,
    identifier,
    init_schema,
    publish_snapshot,
)

@dataclass
class RunReport:
    run_id: str
    db_path: str
    sources: list[dict] = field(default_factory=list)
    campaigns: dict = field(default_factory=dict)
    understand: dict = field(default_factory=dict)
    embed: dict = field(default_factory=dict)
    enrich: dict = field(default_factory=dict)
    themes: dict = field(default_factory=dict)
    promotions: dict = field(default_factory=dict)
    warehouse: dict = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # CPU time of this process (all its threads) per stage: on a shared machine it moves less
    # than wall time, so benchmarks compare it too.
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)
    # Peak RSS of this process during each stage (MiB; Linux only), to see which stage needs
    # the memory at scale.
    stage_peak_rss_mb: dict[str, int] = field(default_factory=dict)


def open_work_db(work_db: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The run's work file, with DuckDB's memory capped (settings.warehouse_memory_limit) so
    the models and vectors in this process have room beside it."""
    return connect(work_db, memory_limit=get_settings().warehouse_memory_limit)


# --- where heavy batches run -----------------------------------------------------------

# Batches submitted ahead of the one being written: enough to keep a cluster's workers busy,
# few enough that results waiting to be written stay small.
BATCHES_IN_FLIGHT = 8


def task_runner_for(settings: Settings) -> TaskRunner:
    """The task runner the settings choose: Prefect's default thread pool ("local") or Dask."""
    if settings.task_runner == "local":
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner  # imports distributed: only when asked for

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.dask_workers, "threads_per_worker": 1, "processes": True,
            "dashboard_address": ":0",
        }
    )


def batch_mapper() -> MapBatches:
    """How a task of this flow runs its heavy batches: inline on the default thread pool
    (threads would only contend with torch's own), else as tasks on the flow's task runner."""
    context = FlowRunContext.get()
    if context is None or isinstance(context.task_runner, ThreadPoolTaskRunner):
        return map_in_process
    return map_on_task_runner


def cpu_batch_mapper() -> MapBatches:
    """How a task of this flow runs pure-Python batches (cleaning and redaction, segmenting):
    as tasks on a Dask cluster, else on worker processes (settings.cpu_workers, default one
    per core), since in one process they would run on one core."""
    if batch_mapper() is map_on_task_runner:
        return map_on_task_runner
    return on_worker_processes(get_settings().cpu_worker_count())


def map_on_task_runner(fn: Callable[..., R], batches: Iterable[tuple]) -> Iterator[R]:
    """Each batch as a task on the flow's task runner, a few ahead; results in batch order."""
    compute_task = task(fn, cache_policy=NO_CACHE)
    in_flight: deque[PrefectFuture[R]] = deque()
    for args in batches:
        in_flight.append(compute_task.submit(*args))
        if len(in_flight) >= BATCHES_IN_FLIGHT:
            yield in_flight.popleft().result()
    while in_flight:
        yield in_flight.popleft().result()


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def collect_source(work_db: Path, nlp_config_path: Path, source: SourceConfig, landed_at: datetime) -> dict:
    # Retries only here: reading an export is the I/O that can fail transiently.
    redact_config = load_nlp_config(nlp_config_path).redact
    with open_work_db(work_db) as con:
        report = steps.collect_source(con, source, landed_at, redact_config, cpu_batch_mapper())
    return {**asdict(report), "counts": asdict(report.counts)}


@task(cache_policy=NO_CACHE)
def understand(work_db: Path, nlp_config_path: Path) -> dict:
    config = load_nlp_config(nlp_config_path)
    with open_work_db(work_db) as con:
        report = steps.understand_items(con, config.segment, progress.for_stage("segment"), cpu_batch_mapper())
    return asdict(report)


@task(cache_policy=NO_CACHE)
def embed(work_db: Path, nlp_config_path: Path) -> dict:
    config = load_nlp_config(nlp_config_path)
    backend = config.themes.embedding_backend
    map_batches = batch_mapper()
    # The model id where the batches run, so the flow's process need not load the model.
    model_id = next(map_batches(compute.embedding_model_id, [(backend,)]))
    embedder = compute.EmbedderRef(backend, model_id)
    with open_work_db(work_db) as con:
        report = steps.embed_segments(con, embedder, progress.for_stage("embed"), map_batches)
        steps.sentiment_seed_vectors(con, embedder, backend, map_batches)  # while the model is loaded
    return {**asdict(report), "model": model_id}


@task(cache_policy=NO_CACHE)
def enrich(work_db: Path, nlp_config_path: Path, model_id: str) -> dict:
    config = load_nlp_config(nlp_config_path)
    backend = config.themes.embedding_backend
    with open_work_db(work_db) as con:
        embedder = compute.EmbedderRef(backend, model_id)
        seed_vectors = steps.sentiment_seed_vectors(con, embedder, backend, batch_mapper())
        sentiment = compute.SentimentRef(backend, config.sentiment, seed_vectors.tobytes())
        enricher = steps.enricher_fingerprint(steps.EnrichSettings(model_id, config.sentiment, config.key_phrases))
        enriched = steps.enrich_segments(
            con, sentiment, model_id, enricher, progress.for_stage("enrich"), config.key_phrases, batch_mapper()
        )
        marking = mark_duplicates(con, config.duplicates)
    return asdict(steps.EnrichReport(enriched, marking.exact, marking.near, marking.decided))


@task(cache_policy=NO_CACHE)
def themes(work_db: Path, nlp_config_path: Path, model_id: str, run_id: str, refit: bool, journal: Path) -> dict:
    config = load_nlp_config(nlp_config_path)
    with open_work_db(work_db) as con:
        report = steps.update_themes(
            con, config.themes, model_id, run_id, refit=refit,
            refit_when_waiting_share=get_settings().theme_refit_waiting_share, map_batches=batch_mapper(),
            compiled_code_cache=get_settings().cache_dir,
        )
        edits = taxonomy.update_taxonomy(con, config.themes, model_id, run_id, journal, report.mode != "unchanged")
    return {**asdict(report), "refitted": report.refitted, "taxonomy": asdict(edits)}


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def collect_campaigns(work_db: Path, campaigns_path: Path, landed_at: datetime) -> dict:
    with open_work_db(work_db) as con:
        return asdict(reference.land_campaigns(con, campaigns_path, landed_at))


@task(cache_policy=NO_CACHE)
def match_promotions(work_db: Path, promotions_config_path: Path) -> dict:
    config = reference.load_promotion_config(promotions_config_path)
    with open_work_db(work_db) as con:
        return asdict(reference.match_promotions(con, config))


@task(cache_policy=NO_CACHE)
def build_marts(work_db: Path) -> dict:
    with open_work_db(work_db) as con:
        planning.set_workload_assumptions(con, get_settings())
        build_models(con)
        planning.write_contact_forecast(con, get_settings())
        insights_step.build_theme_flags(con)
        steps.build_score_impact(con, get_settings().score_impact_min_items)
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
    with open_work_db(work_db) as con:
        con.execute(
            "INSERT INTO run_log VALUES (?, ?, ?, ?)",
            [report.run_id, started_at, datetime.now(UTC).replace(tzinfo=None), json.dumps(asdict(report))],
        )
        con.execute("CHECKPOINT")
    publish_snapshot(work_db, db_path)
    finish_run(work_db)


@task(cache_policy=NO_CACHE)
def alert(db_path: Path) -> bool:
    # Reads the snapshot just published; a failed alert is logged, never raised. The webhook
    # URL is a secret: read here, never passed as a (recorded) task parameter.
    return alerts.send_weekly_alert(db_path, get_settings().alert_webhook_url, get_run_logger())


@flow(name="voc-pipeline", log_prints=True)
def voc_pipeline(
    db_path: Path | None = None,
    sources_path: Path | None = None,
    nlp_config_path: Path | None = None,
    refit_themes: bool = False,
    campaigns_path: Path | None = None,
) -> RunReport:
    """Run the whole pipeline into the warehouse at ``db_path`` and publish it.

    New segments join existing themes; ``refit_themes`` refits them all (ids are kept for
    themes that match a previous one). ``campaigns_path`` is the campaign calendar CSV.
    """
    settings = get_settings()
    db_path = Path(db_path or settings.db_path)
    sources_path = Path(sources_path or settings.sources_path)
    nlp_config_path = Path(nlp_config_path or settings.nlp_config_path)
    campaigns_path = Path(campaigns_path or settings.campaigns_path)
    work_db = settings.work_db_path(db_path)
    started_at = datetime.now(UTC).replace(tzinfo=None)
    report = RunReport(run_id=f"run_{started_at:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}", db_path=str(db_path))
    logger = get_run_logger()

    def timed(stage: str, fn: Callable[[], object]) -> object:
        peak_is_reset = reset_peak_rss()
        began, began_cpu = time.perf_counter(), time.process_time()
        result = fn()
        report.stage_seconds[stage] = round(time.perf_counter() - began, 2)
        report.stage_cpu_seconds[stage] = round(time.process_time() - began_cpu, 2)
        peak = peak_rss_mb()
        if peak_is_reset and peak is not None:
            report.stage_peak_rss_mb[stage] = peak
        return result

    # One run at a time; a run that died before publishing is rolled back first.
    flow_run = FlowRunContext.get()
    with exclusive_run(work_db, db_path, str(flow_run.flow_run.id) if flow_run else "") as abandoned:
        if abandoned:
            logger.warning("the last run did not publish; restarted from the published snapshot")
            mark_crashed(abandoned.owner, logger)
        with open_work_db(work_db) as con:
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
        report.campaigns = timed("campaigns", lambda: collect_campaigns(work_db, campaigns_path, started_at))
        if not report.campaigns["is_found"]:
            logger.warning("no campaign calendar at %s; keeping the campaigns landed before", campaigns_path)
        report.understand = timed("segment", lambda: understand(work_db, nlp_config_path))
        stop_worker_processes()  # the last pure-Python stage: embedding needs the memory and cores
        report.embed = timed("embed", lambda: embed(work_db, nlp_config_path))
        report.enrich = timed("enrich", lambda: enrich(work_db, nlp_config_path, report.embed["model"]))
        report.themes = timed(
            "themes", lambda: themes(
                work_db, nlp_config_path, report.embed["model"], report.run_id, refit_themes,
                settings.taxonomy_journal_path(db_path),
            )
        )
        report.promotions = timed("promotions", lambda: match_promotions(work_db, settings.promotions_config_path))
        report.warehouse = timed("marts", lambda: build_marts(work_db))
        timed("publish", lambda: publish(work_db, db_path, report, started_at))
    if settings.alert_webhook_url:
        timed("alert", lambda: alert(db_path))
    logger.info("published %s: %s", db_path, report.warehouse)
    return report


def mark_crashed(flow_run_id: str, logger: logging.Logger | logging.LoggerAdapter) -> None:
    """Mark an abandoned run's flow run Crashed if Prefect still has it running: a SIGKILLed
    process never reports its end, so it would show as running for ever. A run that failed
    reported its own end and keeps it."""
    if not flow_run_id:
        return
    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(uuid.UUID(flow_run_id)).state
            if state is not None and not state.is_final():
                client.set_flow_run_state(
                    uuid.UUID(flow_run_id), Crashed(message="killed before publishing; the next run rolled it back"),
                    force=True,
                )
                logger.warning("flow run %s was still %s in Prefect; marked it Crashed", flow_run_id, state.name)
    except (ValueError, ObjectNotFound, PrefectHTTPStatusError, httpx.HTTPError) as error:
        # Another server's run, or one Prefect no longer has: nothing to correct here.
        logger.warning("could not mark the abandoned flow run %s Crashed: %s", flow_run_id, error)


def configured_pipeline(settings: Settings | None = None) -> Flow:
    """voc_pipeline on the task runner that `settings` (default: get_settings()) choose."""
    return voc_pipeline.with_options(task_runner=task_runner_for(settings or get_settings()))


if __name__ == "__main__":
    configured_pipeline()()
