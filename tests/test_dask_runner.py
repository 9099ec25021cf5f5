"""The flow on a Dask cluster (prefect-dask) builds the same warehouse as the single-process run.

The local run is the session's `built_warehouse`; the Dask runs use two worker processes of one
thread each, as `task_runner = "dask"` does, once through a scheduler address (a cluster this
module starts, so its workers can be asked what they loaded) and once with the LocalCluster the
settings start themselves.

Every value is compared exactly except the embeddings and what is computed from them alone:
torch sums small batches (under about ten texts) in another order with one thread than with
two, so those vectors may differ in their last bits (~1e-7); they are compared within 1e-6.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

from nlp.config import load_nlp_config
from nlp.embeddings import load_embedder, text_hash
from pipelines.compute import sentiment_model, sentiment_seed_texts
from pipelines.settings import PROJECT_ROOT, Settings, get_settings
from pipelines.steps import EMBED_BATCH
from pipelines.warehouse.db import identifier, load_contracts, table_fingerprints

# Landing times and run ids are stamped per run; every other value must match.
LANDING_TIME_COLUMNS = {
    "raw_records": ["first_loaded_at", "last_changed_at"],
    "raw_campaigns": ["first_loaded_at", "last_changed_at"],
    "quarantine": ["first_seen_at"],
}
# Embedding floats (column, key): compared within FLOAT_TOLERANCE, not by checksum.
EMBEDDING_FLOAT_COLUMNS = {
    "embedding_cache": ("vector", "model, text_hash"),
    "segments": ("theme_similarity", "segment_id"),
    "theme_state": ("centroid", "theme_id"),
}
FLOAT_TOLERANCE = 1e-6


def fingerprints(db: Path) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every contract table, without its run-stamped columns and
    embedding floats."""
    with duckdb.connect(str(db), read_only=True) as con:
        result = {}
        for table in load_contracts():
            columns = [name for (name,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()]
            stamped = {c for c in columns if c.endswith("_run")} | set(LANDING_TIME_COLUMNS.get(table, []))
            stamped |= {EMBEDDING_FLOAT_COLUMNS[table][0]} if table in EMBEDDING_FLOAT_COLUMNS else set()
            kept = ", ".join(identifier(c) for c in columns if c not in stamped)
            view = identifier(f"{table}_content")
            con.execute(f"CREATE TEMP VIEW {view} AS SELECT {kept} FROM {identifier(table)}")
            result[table] = table_fingerprints(con, [f"{table}_content"])[f"{table}_content"]
        return result


def _float_values(db: Path, sql: str) -> list[np.ndarray]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [np.asarray(np.nan if v is None else v, dtype=np.float64) for (v,) in con.execute(sql).fetchall()]


def assert_same_embedding_floats(db: Path, expected_db: Path) -> None:
    for table, (column, key) in EMBEDDING_FLOAT_COLUMNS.items():
        sql = f"SELECT {column} FROM {identifier(table)} ORDER BY {key}"
        values, expected = _float_values(db, sql), _float_values(expected_db, sql)
        assert len(values) == len(expected) > 0, table
        assert all(
            np.allclose(v, e, rtol=0, atol=FLOAT_TOLERANCE, equal_nan=True)
            for v, e in zip(values, expected, strict=True)
        ), f"{table}.{column} differs by more than {FLOAT_TOLERANCE}"


def copy_warehouse(src_db: Path, dest_dir: Path) -> Path:
    """The published snapshot and the work file next runs write, copied to `dest_dir`."""
    work_db_path = get_settings().work_db_path
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest_db = dest_dir / src_db.name
    shutil.copyfile(src_db, dest_db)
    shutil.copyfile(work_db_path(src_db), work_db_path(dest_db))
    return dest_db


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield cluster, client


@pytest.fixture(scope="module")
def dask_warehouse(tmp_path_factory, built_warehouse, dask_cluster):
    """The small samples run once on the module's cluster, reached by its scheduler address."""
    from pipelines.flows import configured_pipeline

    cluster, _ = dask_cluster
    db = tmp_path_factory.mktemp("dask_warehouse") / "voc.duckdb"
    settings = Settings(task_runner="dask", dask_address=cluster.scheduler_address)
    report = configured_pipeline(settings)(db_path=db, sources_path=built_warehouse.sources_path)
    return db, report


def test_dask_run_builds_the_same_warehouse_as_the_local_run(built_warehouse, dask_warehouse, dask_cluster):
    db, report = dask_warehouse
    local = built_warehouse.report
    assert report.embed == local.embed and report.embed["embedded_now"] > EMBED_BATCH
    assert report.enrich == local.enrich and report.themes["mode"] == local.themes["mode"] == "fit"
    expected = fingerprints(built_warehouse.db_path)
    # The cache holds each segment text and the sentiment seed, once.
    backend = load_nlp_config(get_settings().nlp_config_path).themes.embedding_backend
    with duckdb.connect(str(built_warehouse.db_path), read_only=True) as con:
        cached = [h for (h,) in con.execute("SELECT text_hash FROM embedding_cache").fetchall()]
        segment_texts = {h for (h,) in con.execute("SELECT text_hash FROM nlp_segments").fetchall()}
    assert len(segment_texts) == local.embed["texts_total"]
    assert sorted(cached) == sorted(segment_texts | {text_hash(t) for t in sentiment_seed_texts(backend)})
    assert fingerprints(db) == expected
    assert_same_embedding_floats(db, built_warehouse.db_path)

    # The batches ran on the workers, and each loaded a model at most once however many it ran.
    _, client = dask_cluster
    embedder_calls = client.run(lambda: load_embedder.cache_info()._asdict())
    sentiment_calls = client.run(lambda: sentiment_model.cache_info()._asdict())
    batches = -(-local.embed["embedded_now"] // EMBED_BATCH)
    assert sum(c["hits"] + c["misses"] for c in embedder_calls.values()) > batches
    assert all(c["misses"] <= 1 for c in embedder_calls.values())
    assert sum(c["misses"] for c in sentiment_calls.values()) >= 1
    assert all(c["misses"] <= 1 for c in sentiment_calls.values())


def test_new_records_are_assigned_on_a_local_cluster_as_in_process(built_warehouse, dask_warehouse, tmp_path):
    from pipelines.flows import configured_pipeline

    samples = tmp_path / "samples"
    shutil.copytree(built_warehouse.samples_dir, samples)
    sources_path = tmp_path / "sources.yaml"
    sources_path.write_text(
        built_warehouse.sources_path.read_text().replace(str(built_warehouse.samples_dir), str(samples))
    )
    page_path = sorted((samples / "tickets").glob("tickets_page_*.json"))[0]
    page = json.loads(page_path.read_text())
    changed = page["tickets"][0]
    changed["description"] = "Update: the parcel finally arrived but the box was crushed and the lamp is broken."
    page_path.write_text(json.dumps(page))
    new_tickets = [
        {**changed, "id": 987654321 + i, "description": text}
        for i, text in enumerate([
            "My gift card code is not accepted at checkout.",
            "The app crashes every time I open my order history.",
            "Where is my refund? I returned the blender three weeks ago.",
        ])
    ]
    new_page = {"tickets": new_tickets, "count": len(new_tickets), "end_of_stream": True, "next_page": None}
    (samples / "tickets" / "tickets_page_999.json").write_text(json.dumps(new_page))

    local_db = copy_warehouse(built_warehouse.db_path, tmp_path / "local")
    dask_db = copy_warehouse(dask_warehouse[0], tmp_path / "dask")
    local = configured_pipeline(Settings(task_runner="local"))(db_path=local_db, sources_path=sources_path)
    on_dask = configured_pipeline(Settings(task_runner="dask", dask_workers=2))(
        db_path=dask_db, sources_path=sources_path
    )

    assert local.themes["mode"] == on_dask.themes["mode"] == "assign"
    assert local.themes["texts_assigned_now"] == on_dask.themes["texts_assigned_now"] >= len(new_tickets)
    assert on_dask.embed == local.embed and local.embed["embedded_now"] >= len(new_tickets)
    assert fingerprints(dask_db) == fingerprints(local_db)
    assert_same_embedding_floats(dask_db, local_db)


def test_the_deployment_runs_on_the_runner_its_environment_chooses(monkeypatch):
    from prefect.flows import load_flow_from_entrypoint
    from prefect_dask import DaskTaskRunner

    deployment = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())["deployments"][0]
    path, flow_name = deployment["entrypoint"].split(":")
    monkeypatch.setenv("VOC_TASK_RUNNER", "dask")
    monkeypatch.setenv("VOC_DASK_ADDRESS", "tcp://scheduler.example:8786")
    get_settings.cache_clear()
    try:
        deployed = load_flow_from_entrypoint(f"{PROJECT_ROOT / path}:{flow_name}")
    finally:
        get_settings.cache_clear()
    assert deployed.name == "voc-pipeline"
    assert isinstance(deployed.task_runner, DaskTaskRunner)
    assert deployed.task_runner.address == "tcp://scheduler.example:8786"
    assert set(deployment["parameters"]) <= set(deployed.parameters.properties)
