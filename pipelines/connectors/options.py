"""Validation of a source's ``options`` mapping; errors name the source they belong to."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .base import SourceConfig, SourceConfigError


def config_error(config: SourceConfig, message: str) -> SourceConfigError:
    return SourceConfigError(f"source '{config.name}' ({config.kind}): {message}")


def check_option_keys(config: SourceConfig, allowed: Collection[str]) -> None:
    """Reject unknown option keys, so a typo fails loudly instead of being ignored."""
    unknown = sorted(set(config.options) - set(allowed))
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise config_error(config, f"unknown option(s) {unknown}; known options: {known}")


def optional_string_option(config: SourceConfig, key: str) -> str | None:
    value = config.options.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise config_error(config, f"option '{key}' must be a non-empty string")
    return value


def string_option(config: SourceConfig, key: str, default: str) -> str:
    return optional_string_option(config, key) or default


def string_list_option(config: SourceConfig, key: str, default: list[str]) -> tuple[str, ...]:
    value: Any = config.options.get(key, default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise config_error(config, f"option '{key}' must be a non-empty list of strings")
    return tuple(value)
