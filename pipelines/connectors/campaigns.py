"""The campaign calendar: marketing's CSV of promotions (reference data, not feedback).

``name,promo_code,start_date,end_date,terms``: dates as ``YYYY-MM-DD`` (the last day is
included); the promo code is optional (some offers apply automatically) but, when given, a
single token of letters, digits, ``-`` or ``_``; terms are free text. A campaign is known by
its name and start date, so correcting its end date or terms updates it. Rows that cannot be
used come back quarantined with a reason, like feedback records: never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from nlp.clean import strip_invisible

from .base import QuarantinedRecord
from .reasons import DATES_OUT_OF_ORDER, MISSING_DATE, MISSING_ID, UNPARSEABLE_DATE, RecordProblem
from .streams import CsvRow, iter_csv_rows
from .values import clean_text, optional_str

CAMPAIGNS_SOURCE = "campaigns"  # the quarantine's source name for calendar rows
CAMPAIGN_COLUMNS = ("name", "promo_code", "start_date", "end_date", "terms")
REQUIRED_COLUMNS = ("name", "start_date", "end_date")
# A code customers type: it must survive redaction and match as one word.
_PROMO_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
INVALID_PROMO_CODE = "invalid promo code"
DUPLICATE_CAMPAIGN = "duplicate campaign (same name and start date)"


@dataclass(frozen=True)
class CampaignRecord:
    name: str
    promo_code: str | None  # upper case as customers are told it
    start_date: date
    end_date: date  # inclusive
    terms: str
    location: str  # "campaigns.csv:4"


def _date(value: str | None, column: str) -> date:
    text = optional_str(value)
    if text is None:
        raise RecordProblem(MISSING_DATE, column)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise RecordProblem(UNPARSEABLE_DATE, f"{column} {text!r}") from error


def _name(row: CsvRow) -> str | None:
    """The campaign's name without control or zero-width characters (it is matched in text)."""
    name = optional_str(row.values.get("name"))
    return optional_str(strip_invisible(name)) if name is not None else None


def _campaign(row: CsvRow) -> CampaignRecord:
    name = _name(row)
    if name is None:
        raise RecordProblem(MISSING_ID, "name")
    code = optional_str(row.values.get("promo_code"))
    if code is not None and not _PROMO_CODE.fullmatch(code):
        raise RecordProblem(INVALID_PROMO_CODE, f"promo_code {code!r}")
    start, end = _date(row.values.get("start_date"), "start_date"), _date(row.values.get("end_date"), "end_date")
    if end < start:
        raise RecordProblem(DATES_OUT_OF_ORDER, f"end_date {end} before start_date {start}")
    return CampaignRecord(
        name=name,
        promo_code=code.upper() if code else None,
        start_date=start,
        end_date=end,
        terms=clean_text(row.values.get("terms"), "terms"),
        location=row.location,
    )


def read_campaigns(path: Path) -> Iterator[CampaignRecord | QuarantinedRecord]:
    """One result per calendar row, in file order; a repeated (name, start date) is quarantined."""
    seen: set[tuple[str, date]] = set()
    for row in iter_csv_rows(Path(path), CAMPAIGNS_SOURCE, REQUIRED_COLUMNS, id_column="name"):
        if isinstance(row, QuarantinedRecord):
            yield row
            continue
        try:
            campaign = _campaign(row)
        except RecordProblem as problem:
            yield QuarantinedRecord(
                CAMPAIGNS_SOURCE, row.location, problem.reason, row.raw_text, _name(row)
            )
            continue
        key = (campaign.name.casefold(), campaign.start_date)
        if key in seen:
            yield QuarantinedRecord(CAMPAIGNS_SOURCE, row.location, DUPLICATE_CAMPAIGN, row.raw_text, campaign.name)
            continue
        seen.add(key)
        yield campaign
