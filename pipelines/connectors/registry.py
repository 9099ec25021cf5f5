"""sources.yaml: which sources exist, what kind of connector reads each, and where.

::

    sources:
      - name: zendesk_tickets
        kind: zendesk
        path: data/samples/tickets          # relative to this file's folder
      - name: cfpb_complaints
        kind: table
        path: exports/complaints.csv
        options: {format: csv, channel: ticket, columns: {...}}

Every problem in the file is reported at once, each naming its entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .base import Connector, SourceConfig, SourceConfigError
from .calls import WebVttCallsConnector
from .survey import SurveyCsvConnector
from .table import TableConnector
from .x_posts import XPostsConnector
from .zendesk import ZendeskTicketsConnector

CONNECTOR_KINDS: dict[str, type] = {
    "zendesk": ZendeskTicketsConnector,
    "survey_csv": SurveyCsvConnector,
    "webvtt_calls": WebVttCallsConnector,
    "x_posts": XPostsConnector,
    "table": TableConnector,
}
ENTRY_KEYS = frozenset({"name", "kind", "path", "options"})
_PATH_CHECKS = {
    "file": (Path.is_file, "is not a file"),
    "dir": (Path.is_dir, "is not a folder"),
    "file_or_dir": (Path.exists, "does not exist"),
}


def build_connector(config: SourceConfig) -> Connector:
    """The connector for a declared source. Raises SourceConfigError on bad kind or options."""
    connector_class = CONNECTOR_KINDS.get(config.kind)
    if connector_class is None:
        known = ", ".join(CONNECTOR_KINDS)
        raise SourceConfigError(f"source '{config.name}': unknown kind {config.kind!r} (known: {known})")
    connector: Connector = connector_class(config)
    return connector


def _read_entries(path: Path) -> list[Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SourceConfigError(f"{path}: cannot read sources: {error}") from error
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{path}: expected a non-empty list under 'sources:'")
    return entries


def _entry_label(index: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"sources[{index}]" + (f" '{name}'" if isinstance(name, str) and name else "")


def _entry_problem(entry: Any) -> str | None:
    """What is wrong with the shape of one entry, before its connector is built."""
    if not isinstance(entry, dict):
        return "must be a mapping with name, kind and path"
    unknown = sorted(set(entry) - ENTRY_KEYS)
    if unknown:
        return f"unknown key(s) {unknown}; allowed: {sorted(ENTRY_KEYS)}"
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        return "missing name"
    if entry.get("kind") not in CONNECTOR_KINDS:
        return f"unknown kind {entry.get('kind')!r} (known: {', '.join(CONNECTOR_KINDS)})"
    if not isinstance(entry.get("path"), str) or not entry["path"].strip():
        return "missing path"
    if not isinstance(entry.get("options", {}), dict):
        return "options must be a mapping"
    return None


def _source_config(entry: dict[str, Any], base_dir: Path) -> SourceConfig:
    return SourceConfig(
        name=entry["name"].strip(),
        kind=entry["kind"],
        path=(base_dir / Path(entry["path"]).expanduser()).resolve(),
        options=dict(entry.get("options") or {}),
    )


def _path_problem(config: SourceConfig) -> str | None:
    check, failure = _PATH_CHECKS[getattr(CONNECTOR_KINDS[config.kind], "path_kind", "file_or_dir")]
    return None if check(config.path) else f"path {str(config.path)!r} {failure}"


def _validated(entry: Any, base_dir: Path, seen_names: set[str]) -> SourceConfig:
    problem = _entry_problem(entry)
    if problem:
        raise SourceConfigError(problem)
    config = _source_config(entry, base_dir)
    if config.name in seen_names:
        raise SourceConfigError("duplicate name")
    seen_names.add(config.name)
    problem = _path_problem(config)
    if problem:
        raise SourceConfigError(problem)
    build_connector(config)  # validates the options
    return config


def load_sources(path: Path) -> list[SourceConfig]:
    """Parse and validate sources.yaml; paths resolve against the file's folder."""
    path = Path(path)
    configs: list[SourceConfig] = []
    errors: list[str] = []
    seen_names: set[str] = set()
    for index, entry in enumerate(_read_entries(path)):
        try:
            configs.append(_validated(entry, path.parent, seen_names))
        except SourceConfigError as error:
            errors.append(f"{_entry_label(index, entry)}: {error}")
    if errors:
        raise SourceConfigError(f"{path}: invalid source declarations:\n  " + "\n  ".join(errors))
    return configs
