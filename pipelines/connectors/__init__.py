"""Channel connectors: each reads one declared source into FeedbackRecord | QuarantinedRecord."""

from .base import (
    CHANNELS,
    Channel,
    Connector,
    FeedbackRecord,
    QuarantinedRecord,
    ReadResult,
    SourceConfig,
    SourceConfigError,
    Turn,
    payload_json,
)
from .calls import WebVttCallsConnector
from .reasons import QUARANTINE_REASON_KINDS, reason_kind
from .registry import CONNECTOR_KINDS, build_connector, load_sources
from .survey import SurveyCsvConnector
from .table import TableConnector
from .x_posts import XPostsConnector
from .zendesk import ZendeskTicketsConnector

__all__ = [
    "CHANNELS",
    "CONNECTOR_KINDS",
    "QUARANTINE_REASON_KINDS",
    "Channel",
    "Connector",
    "FeedbackRecord",
    "QuarantinedRecord",
    "ReadResult",
    "SourceConfig",
    "SourceConfigError",
    "SurveyCsvConnector",
    "TableConnector",
    "Turn",
    "WebVttCallsConnector",
    "XPostsConnector",
    "ZendeskTicketsConnector",
    "build_connector",
    "load_sources",
    "payload_json",
    "reason_kind",
]
