"""First-response times from Zendesk's sideloaded metric sets: parsed, carried, or quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, SourceConfig
from pipelines.connectors.zendesk import ZendeskTicketsConnector


def ticket(ticket_id: int, metric_set: object = None, solved_at: str | None = "2026-12-03T10:00:00Z") -> dict:
    document = {"id": ticket_id, "created_at": "2026-12-01T09:00:00Z", "subject": "Gift card",
                "description": "My gift card balance is missing.", "status": "solved" if solved_at else "open"}
    if solved_at:
        document["solved_at"] = solved_at
    if metric_set is not None:
        document["metric_set"] = metric_set
    return document


def read(tmp_path: Path, tickets: list[dict]) -> list[FeedbackRecord | QuarantinedRecord]:
    page = tmp_path / "tickets_page_001.json"
    page.write_text(json.dumps({"tickets": tickets, "count": len(tickets), "end_of_stream": True}))
    return list(ZendeskTicketsConnector(SourceConfig("zendesk", "zendesk", page)).read())


def test_reply_time_lands_as_first_response_seconds(tmp_path: Path) -> None:
    results = read(tmp_path, [
        ticket(1, {"reply_time_in_minutes": {"calendar": 95, "business": 60}}),
        ticket(2, {"reply_time_in_minutes": {"calendar": None, "business": None}}, solved_at=None),
        ticket(3),
    ])
    assert all(isinstance(r, FeedbackRecord) for r in results)
    assert [r.metadata.get("first_response_time_s") for r in results] == [95 * 60, None, None]
    assert "first_response_time_s" not in results[2].metadata  # no metric set: metadata as before
    assert results[0].resolution_time_s == 49 * 3600


@pytest.mark.parametrize(
    ("metric_set", "reason"),
    [
        ({"reply_time_in_minutes": {"calendar": -5}}, "invalid number: metric_set.reply_time_in_minutes.calendar -5"),
        ({"reply_time_in_minutes": {"calendar": "soon"}}, "invalid number"),
        ({"reply_time_in_minutes": {"calendar": True}}, "invalid number"),
        ({"reply_time_in_minutes": 12}, "invalid number: metric_set.reply_time_in_minutes 12"),
        ("n/a", "invalid number: metric_set 'n/a'"),
        ({"reply_time_in_minutes": {"calendar": 4000}}, "dates out of order: first reply"),
    ],
)
def test_nonsense_reply_times_are_quarantined_with_a_reason(tmp_path: Path, metric_set: object, reason: str) -> None:
    (result,) = read(tmp_path, [ticket(7, metric_set)])
    assert isinstance(result, QuarantinedRecord)
    assert result.reason.startswith(reason) and result.source_record_id == "7"
