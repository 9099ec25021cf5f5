"""The survey tool's CSV export: a preset column mapping over the generic table connector.

``ResponseId,RecordedDate,NPS,CSAT,Comment,CustomerId,Product``; NPS 0-10 and CSAT 1-5 are
validated by the table connector; a response needs a comment or at least one score.
Options may override single columns (e.g. ``columns: {product: "Plan"}``), add
``metadata_columns``, or set ``date_format`` / ``delimiter``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .base import SourceConfig
from .options import check_option_keys, config_error
from .table import TableConnector

SURVEY_COLUMNS: dict[str, str] = {
    "source_record_id": "ResponseId",
    "received_at": "RecordedDate",
    "nps": "NPS",
    "csat": "CSAT",
    "text": "Comment",
    "customer_id": "CustomerId",
    "product": "Product",
}
SURVEY_OPTIONS: tuple[str, ...] = ("columns", "metadata_columns", "date_format", "delimiter")


def survey_table_options(config: SourceConfig) -> dict[str, Any]:
    """The table options for a survey export: the preset mapping plus the source's overrides."""
    check_option_keys(config, SURVEY_OPTIONS)
    overrides = config.options.get("columns", {})
    if not isinstance(overrides, dict):
        raise config_error(config, "option 'columns' must map record fields to source columns")
    return {
        **config.options,
        "format": "csv",
        "channel": "survey",
        "columns": {**SURVEY_COLUMNS, **overrides},
    }


class SurveyCsvConnector(TableConnector):
    def __init__(self, config: SourceConfig) -> None:
        super().__init__(replace(config, options=survey_table_options(config)))
