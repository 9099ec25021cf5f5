"""The one settings object. Every path and model choice comes from here.

Values come from (highest first) explicit arguments, environment variables prefixed
``VOC_`` (e.g. ``VOC_DB_PATH``), then the defaults below, which are relative to the
project root so a fresh clone works without configuration.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOC_", extra="ignore")

    # The published, read-only snapshot the dashboard opens.
    db_path: Path = PROJECT_ROOT / "data" / "voc.duckdb"
    # Where sources are declared (connector kind, path, column mapping).
    sources_path: Path = PROJECT_ROOT / "sources.yaml"
    # Versioned NLP/theme model configuration.
    nlp_config_path: Path = PROJECT_ROOT / "config" / "nlp.yaml"
    # Marketing's campaign calendar (name,promo_code,start_date,end_date,terms), landed each run.
    campaigns_path: Path = PROJECT_ROOT / "data" / "campaigns.csv"
    # How feedback is tied to campaigns and what counts as confusion about one.
    promotions_config_path: Path = PROJECT_ROOT / "config" / "promotions.yaml"
    # Embeddings of texts scored outside a warehouse (voc themes-eval), by text hash, and the
    # machine code numba compiles for UMAP (pipelines/numba_cache.py).
    cache_dir: Path = PROJECT_ROOT / ".cache"
    # DuckDB's own memory while a run writes the warehouse; past it DuckDB spills to disk.
    # Its default, 80 % of RAM, would leave no room for the models and vectors beside it.
    warehouse_memory_limit: str = "3GB"
    # Refit themes once this share of segment texts fits no existing theme.
    theme_refit_waiting_share: float = 0.10
    # Score drivers: themes with fewer scored survey comments (with or without the theme)
    # are shown but not ranked.
    score_impact_min_items: int = 20
    # Slack-compatible incoming webhook told about spiking and new themes after each publish;
    # no alerts when unset.
    alert_webhook_url: str | None = None
    # Support planning (agent_hours_weekly, contact_forecast). Agent work per ticket: tickets
    # record elapsed time, not work, so this is an assumption; calls use their handle time.
    ticket_work_minutes: float = 12.0
    social_reply_minutes: float = 3.0
    # Weeks forecast ahead, the themes forecast on their own, and the prediction interval.
    forecast_weeks: int = 12
    forecast_top_themes: int = 5
    forecast_interval_level: float = 0.8
    dashboard_port: int = 8501
    # Bind to localhost only unless told otherwise.
    dashboard_address: str = "localhost"
    # Refuse every visitor unless Streamlit's OIDC login ([auth] in .streamlit/secrets.toml)
    # is configured; with [auth] configured, login is required whatever this says.
    dashboard_require_login: bool = False
    # Where the flow runs its heavy batches (embedding, sentiment and key phrases, theme
    # assignment): "local" in its own process, or "dask" on a Dask cluster (prefect-dask).
    task_runner: Literal["local", "dask"] = "local"
    # With "dask": the scheduler of a running cluster (e.g. "tcp://10.0.0.5:8786"); None starts
    # a LocalCluster for the run with `dask_workers` worker processes of one thread each.
    dask_address: str | None = None
    dask_workers: int = 2
    # With "local": processes for the pure-Python stages (cleaning and redaction while
    # collecting, segmenting); None means one per core, 1 keeps them in the flow's process.
    cpu_workers: int | None = None

    def cpu_worker_count(self) -> int:
        """How many processes run the pure-Python stages of a local run (see cpu_workers)."""
        return self.cpu_workers or os.cpu_count() or 1

    def taxonomy_journal_path(self, db_path: Path | None = None) -> Path:
        """The append-only journal of taxonomy edits (CLI, dashboard) that the next run applies."""
        db = Path(db_path or self.db_path)
        return db.with_name(f"{db.stem}.taxonomy.jsonl")

    def work_db_path(self, db_path: Path | None = None) -> Path:
        """The private file a run writes; the published snapshot is copied from it."""
        db = Path(db_path or self.db_path)
        return db.with_name(f".{db.stem}.work{db.suffix}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
