"""The one settings object. Every path and model choice comes from here.

Values come from (highest first) explicit arguments, environment variables prefixed
``VOC_`` (e.g. ``VOC_DB_PATH``), then the defaults below, which are relative to the
project root so a fresh clone works without configuration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    campaigns_path: Path = PROJECT_ROOT / "data" / "campaigns.csv"
    # Embeddings of texts scored outside a warehouse (voc themes-eval), by text hash.
    cache_dir: Path = PROJECT_ROOT / ".cache"
    # Refit themes once this share of segment texts fits no existing theme.
    theme_refit_waiting_share: float = 0.10
    dashboard_port: int = 8501
    # Bind to localhost only unless told otherwise.
    dashboard_address: str = "localhost"

    def work_db_path(self, db_path: Path | None = None) -> Path:
        """The private file a run writes; the published snapshot is copied from it."""
        db = Path(db_path or self.db_path)
        return db.with_name(f".{db.stem}.work{db.suffix}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
