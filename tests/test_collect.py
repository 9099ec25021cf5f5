"""Collecting sources again: a record read exactly as it was landed, under the same sanitiser,
is not cleaned and redacted again (exports are often cumulative)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from nlp.config import load_nlp_config
from nlp.redact import RedactConfig
from pipelines import steps
from pipelines.compute import MapBatches, map_in_process
from pipelines.connectors.base import FeedbackRecord, SourceConfig
from pipelines.connectors.registry import load_sources
from pipelines.settings import get_settings
from pipelines.warehouse.db import connect, init_schema, table_fingerprints

from conftest import write_sources_yaml

LANDED = datetime(2026, 11, 16, 6, 0)


def noting_records(handed: list[int]) -> MapBatches:
    """map_in_process, noting how many records each batch hands to sanitising."""

    def map_batches(fn: Callable, batches: Iterable[tuple]) -> Iterator:
        def noted() -> Iterator[tuple]:
            for args in batches:
                handed.append(sum(isinstance(item, FeedbackRecord) for item in args[0]))
                yield args

        return map_in_process(fn, noted())

    return map_batches


def collect(con, sources: list[SourceConfig], config: RedactConfig) -> tuple[list[steps.SourceReport], int]:
    """Every source collected; the reports and how many records went to sanitising."""
    handed: list[int] = []
    reports = [steps.collect_source(con, source, LANDED, config, noting_records(handed)) for source in sources]
    return reports, sum(handed)


@pytest.fixture
def sources(small_samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[SourceConfig]:
    monkeypatch.setattr(steps, "LANDING_BATCH", 40)  # batches that skip some records and not others
    return load_sources(write_sources_yaml(tmp_path / "sources.yaml", small_samples))


@pytest.fixture
def config() -> RedactConfig:
    return load_nlp_config(get_settings().nlp_config_path).redact


def test_records_read_again_as_landed_are_not_sanitised_again(sources, config, tmp_path: Path):
    with connect(tmp_path / "w.duckdb") as con:
        init_schema(con)
        first, handed = collect(con, sources, config)
        loaded = sum(report.loaded for report in first)
        assert handed == loaded > 400
        landed = table_fingerprints(con, ["raw_records", "quarantine"])

        again, handed = collect(con, sources, config)
        assert handed == 0
        assert sum(report.counts.unchanged for report in again) == loaded
        assert sum(report.counts.inserted + report.counts.updated for report in again) == 0
        # Records in still reconcile with loaded + quarantined, and nothing landed moved.
        assert [(r.read, r.loaded, r.quarantined, r.quarantine_reasons) for r in again] == [
            (r.read, r.loaded, r.quarantined, r.quarantine_reasons) for r in first
        ]
        assert table_fingerprints(con, ["raw_records", "quarantine"]) == landed


def test_another_sanitiser_sanitises_everything_once_more(sources, config, tmp_path: Path):
    with connect(tmp_path / "w.duckdb") as con:
        init_schema(con)
        first, _ = collect(con, sources, config)
        loaded = sum(report.loaded for report in first)
        stricter = replace(config, ner_ignore_words=(*config.ner_ignore_words, "Parcelo"))
        _, handed = collect(con, sources, stricter)
        assert handed == loaded
        _, handed = collect(con, sources, stricter)
        assert handed == 0  # the new sanitiser's hashes were stored, changed content or not


def test_records_whose_landed_hash_differs_are_sanitised_and_landed_again(sources, config, tmp_path: Path):
    with connect(tmp_path / "w.duckdb") as con:
        init_schema(con)
        collect(con, sources, config)
        landed = table_fingerprints(con, ["raw_records"])
        # Landed before source hashes existed (NULL), or from an export that has changed since.
        con.execute("UPDATE raw_records SET source_hash = NULL WHERE source_record_id IN "
                    "(SELECT source_record_id FROM raw_records ORDER BY source_record_id LIMIT 7)")
        con.execute("""UPDATE raw_records SET source_hash = 'stale', text = 'edited', content_hash = 'stale'
                       WHERE source_record_id IN
                           (SELECT source_record_id FROM raw_records ORDER BY source_record_id DESC LIMIT 5)""")
        reports, handed = collect(con, sources, config)
        assert handed == 12
        assert sum(report.counts.updated for report in reports) == 5
        assert table_fingerprints(con, ["raw_records"]) == landed
