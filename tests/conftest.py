"""Shared fixtures: a small generated sample, and a warehouse built from it by the real flow."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipelines.settings import PROJECT_ROOT

# No telemetry from the test Prefect server (the network may be closed).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

SMALL_SAMPLE_ITEMS = 500
SMALL_SAMPLE_WEEKS = 16
# Enough volume per week for the planted stories (promotion, shipping wave, app crash,
# gift-card handling cost) to stand out against the background, as in the demo data.
STORY_SAMPLE_ITEMS = 3000
STORY_SAMPLE_WEEKS = 20


@dataclass(frozen=True)
class BuiltWarehouse:
    db_path: Path
    sources_path: Path
    samples_dir: Path
    report: object  # pipelines.flows.RunReport of the first run


def write_sources_yaml(path: Path, samples_dir: Path) -> Path:
    """A sources.yaml like the bundled one, pointing at another sample folder."""
    bundled = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text())
    for source in bundled["sources"]:
        relative = Path(source["path"]).relative_to("data/samples")
        source["path"] = str(samples_dir / relative)
    path.write_text(yaml.safe_dump(bundled, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def small_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from samplegen import generate_samples

    root = tmp_path_factory.mktemp("samples")
    generate_samples(
        root / "samples", root / "campaigns.csv", n_items=SMALL_SAMPLE_ITEMS,
        weeks=SMALL_SAMPLE_WEEKS, end_date=date(2026, 11, 15), seed=11,
    )
    return root / "samples"


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory, small_samples: Path, prefect_harness) -> BuiltWarehouse:
    from pipelines.flows import voc_pipeline

    root = tmp_path_factory.mktemp("warehouse")
    sources_path = write_sources_yaml(root / "sources.yaml", small_samples)
    db_path = root / "voc.duckdb"
    report = voc_pipeline(db_path=db_path, sources_path=sources_path)
    return BuiltWarehouse(db_path, sources_path, small_samples, report)


@pytest.fixture(scope="session")
def story_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated like the bundled demo data (same seed and period), at half its volume."""
    from samplegen import generate_samples

    root = tmp_path_factory.mktemp("story_samples")
    generate_samples(
        root / "samples", root / "campaigns.csv", n_items=STORY_SAMPLE_ITEMS,
        weeks=STORY_SAMPLE_WEEKS, end_date=date(2026, 11, 15), seed=7,
    )
    return root / "samples"


@pytest.fixture(scope="session")
def story_warehouse(tmp_path_factory, story_samples: Path, prefect_harness) -> BuiltWarehouse:
    """A warehouse built by the real flow on the story sample; tests check the planted stories."""
    from pipelines.flows import voc_pipeline

    root = tmp_path_factory.mktemp("story_warehouse")
    sources_path = write_sources_yaml(root / "sources.yaml", story_samples)
    db_path = root / "voc.duckdb"
    # the calendar generated with the sample (story_samples writes it beside the folder)
    report = voc_pipeline(
        db_path=db_path, sources_path=sources_path, campaigns_path=story_samples.parent / "campaigns.csv"
    )
    return BuiltWarehouse(db_path, sources_path, story_samples, report)


@pytest.fixture(scope="session")
def published_db(built_warehouse: BuiltWarehouse) -> Path:
    """A published snapshot built by the real pipeline on a small generated sample."""
    return built_warehouse.db_path


@pytest.fixture(autouse=True, scope="session")
def _offline_models() -> None:
    # Nothing may reach a model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
