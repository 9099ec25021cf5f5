"""Alerts: tell a chat channel when themes spike or appear, after each published run.

The message is Slack-compatible (``{"text": ..., "blocks": [...]}``, incoming-webhook
format; other tools that accept Slack payloads work too). It carries theme labels and
numbers and at most one short verbatim segment (already redacted when it landed), all as
plain text so nothing in it is read as markup. Sending never fails a run: a webhook that
is down or refuses the message is logged and the run goes on.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date
from pathlib import Path

from dashboard import queries
from pipelines import report

MAX_THEMES = 8
VERBATIM_CHARS = 140
TIMEOUT_S = 10


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def alert_message(db_path: Path, week_start: date | None = None) -> dict | None:
    """The message for the week's spiking and new themes (default: the newest complete week);
    None when nothing rose."""
    week_start = week_start or report.default_week(queries.review_weeks(db_path))
    movers = queries.weekly_movers(db_path, week_start)
    risers = movers[movers["movement"].isin(["rising", "new"])].head(MAX_THEMES)
    if risers.empty:
        return None
    counts = risers["movement"].value_counts()
    summary = (
        f"Voice of customer, week {report.iso_week(week_start)}: "
        f"{counts.get('rising', 0)} spiking and {counts.get('new', 0)} new themes"
    )
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": _clip(summary, 150)}}]
    for _, mover in risers.iterrows():
        kind = "NEW" if mover["movement"] == "new" else "SPIKING"
        line = f"{kind} · {_clip(mover['label'], 200)}\n{report.evidence(mover)}"
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": line}})
    top = risers.iloc[0]
    example = queries.weekly_mover_verbatims(db_path, week_start, [top["theme_id"]], per_theme=1)
    if not example.empty:
        quote = f"e.g. “{_clip(example['segment_text'].iloc[0], VERBATIM_CHARS)}” ({top['label']})"
        blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": _clip(quote, 300)}]})
    return {"text": summary, "blocks": blocks}


def post_message(webhook_url: str, message: dict, timeout_s: float = TIMEOUT_S) -> int:
    """POST the message as JSON; returns the HTTP status (raises on failure or a non-2xx)."""
    if not webhook_url.startswith(("http://", "https://")):
        raise ValueError("the alert webhook must be an http(s) URL")
    request = urllib.request.Request(
        webhook_url,
        data=json.dumps(message).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (scheme checked)
        return response.status


def send_weekly_alert(
    db_path: Path, webhook_url: str | None, logger: logging.Logger | logging.LoggerAdapter, week_start: date | None = None
) -> bool:
    """Send the week's alert if a webhook is set and a theme rose; True when one was delivered.

    Never raises: an alert is not worth failing a run that has already published.
    """
    if not webhook_url:
        return False
    try:
        message = alert_message(db_path, week_start)
        if message is None:
            logger.info("no spiking or new themes: no alert sent")
            return False
        status = post_message(webhook_url, message)
    except Exception as error:  # noqa: BLE001 (any failure here is logged, never raised)
        logger.warning("alert not delivered: %s: %s", type(error).__name__, error)
        return False
    logger.info("alert delivered (HTTP %d): %s", status, message["text"])
    return True
