"""Property-based tests: connectors and normalisers on arbitrary input.

Connectors never raise for a bad record, and every record that goes in comes out once,
loaded or quarantined with a known reason. The value parsers fail only with RecordProblem.
nlp.clean never raises, leaves no control or invisible characters and no loose whitespace,
and cleaning its own output changes nothing. (tests/test_connectors.py covers arbitrary
Zendesk tickets and X post lines; tests/test_nlp_clean.py idempotence on e-mail-like texts.)
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.clean import clean_text, strip_invisible
from pipelines.connectors import (
    FeedbackRecord,
    QuarantinedRecord,
    SourceConfig,
    SurveyCsvConnector,
    TableConnector,
    WebVttCallsConnector,
    ZendeskTicketsConnector,
    reason_kind,
)
from pipelines.connectors.campaigns import DUPLICATE_CAMPAIGN, INVALID_PROMO_CODE, CampaignRecord, read_campaigns
from pipelines.connectors.reasons import QUARANTINE_REASON_KINDS, RecordProblem
from pipelines.connectors.values import (
    CSAT_RANGE,
    EARLIEST_DATE,
    clean_text as connector_text,
    parse_score,
    parse_seconds,
    parse_timestamp,
    require_id,
)

settings.register_profile(
    "bad_inputs", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
BOUNDED = settings.get_profile("bad_inputs")

KNOWN_REASON_KINDS = {*QUARANTINE_REASON_KINDS, INVALID_PROMO_CODE, DUPLICATE_CAMPAIGN}
# What nlp.clean removes from every channel (zero-width joiners stay: emoji need them).
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
SURVEY_HEADER = ["ResponseId", "RecordedDate", "NPS", "CSAT", "Comment", "CustomerId", "Product"]

# Cells that are sometimes valid, sometimes subtly wrong, sometimes anything at all.
DATES = st.sampled_from(["2026-09-01 10:00:00", "2026-02-30 10:00:00", "2099-01-01 00:00:00", "1970-01-01",
                         "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", ""]) | st.text(max_size=12)
SCORES = st.sampled_from(["", "0", "5", "10", "11", "-1", "7.5", "1e400", "NaN", " 3 "]) | st.text(max_size=4)
TEXTS = st.text(max_size=40) | st.sampled_from(["", " ", "\u200b", "\x00", "<p></p>", "<script>x</script>",
                                                "\U0001F621", "&nbsp;", "ok"])
JSON_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
                | st.floats() | st.text(max_size=12))


def assert_outcome_is_sound(result: object) -> None:
    """A loaded record has something to read (or a score); a quarantine says why, by a known kind."""
    if isinstance(result, QuarantinedRecord):
        assert result.reason.strip() and reason_kind(result.reason) in KNOWN_REASON_KINDS, result.reason
        return
    if isinstance(result, CampaignRecord):
        assert result.name and not INVISIBLE.search(result.name) and result.end_date >= result.start_date
        return
    assert isinstance(result, FeedbackRecord)
    cleaned = clean_text(result.text, result.channel).text
    assert cleaned or result.nps is not None or result.csat is not None
    assert EARLIEST_DATE <= result.received_at <= datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    json.dumps(result.payload, allow_nan=False, ensure_ascii=False).encode("utf-8")


def read_in_folder(write: Callable[[Path], Path], read: Callable[[Path], Any]) -> list[Any]:
    with tempfile.TemporaryDirectory() as folder:
        return list(read(write(Path(folder))))


# ------------------------------------------------------------ survey CSV


@BOUNDED
@given(
    rows=st.lists(
        st.tuples(st.text(max_size=6), DATES, SCORES, SCORES, TEXTS, st.text(max_size=4), st.text(max_size=4))
        .map(list)
        | st.lists(st.text(max_size=5), min_size=1, max_size=9),
        max_size=10,
    ),
    line_ending=st.sampled_from(["\n", "\r\n"]),
    with_bom=st.booleans(),
)
def test_survey_rows_each_come_out_once_at_their_line(rows: list[list[str]], line_ending: str, with_bom: bool) -> None:
    buffer = io.StringIO()
    # With LF endings a lone CR is not quoted by the minimal style, and a bare CR in an
    # unquoted field ends the record for any reader; quote everything then.
    quoting = csv.QUOTE_ALL if line_ending == "\n" else csv.QUOTE_MINIMAL
    csv.writer(buffer, lineterminator=line_ending, quoting=quoting).writerows([SURVEY_HEADER, *rows])
    data = (codecs.BOM_UTF8 if with_bom else b"") + buffer.getvalue().encode("utf-8")

    def write(folder: Path) -> Path:
        (folder / "s.csv").write_bytes(data)
        return folder / "s.csv"

    results = read_in_folder(write, lambda path: SurveyCsvConnector(SourceConfig("s", "survey_csv", path)).read())
    expected_lines, line = [], 2
    for row in rows:
        expected_lines.append(f"s.csv:{line}")
        line += sum(cell.count("\n") for cell in row) + 1
    assert [result.location for result in results] == expected_lines
    for result in results:
        assert_outcome_is_sound(result)


@BOUNDED
@given(body=st.binary(max_size=300))
def test_survey_arbitrary_bytes_never_raise(body: bytes) -> None:
    def write(folder: Path) -> Path:
        (folder / "s.csv").write_bytes(",".join(SURVEY_HEADER).encode() + b"\n" + body)
        return folder / "s.csv"

    results = read_in_folder(write, lambda path: SurveyCsvConnector(SourceConfig("s", "survey_csv", path)).read())
    locations = [result.location for result in results]
    assert len(locations) == len(set(locations))
    assert len(results) <= body.count(b"\n") + 1
    for result in results:
        assert_outcome_is_sound(result)


# ------------------------------------------------------------ Zendesk pages as bytes

VALID_PAGE = json.dumps({"tickets": [
    {"id": n, "created_at": "2026-09-01T10:00:00Z", "subject": f"Ticket {n}", "description": "It broke."}
    for n in range(1, 4)
]}).encode()


@st.composite
def damaged_pages(draw: st.DrawFn) -> bytes:
    """A valid page cut short, with bytes spliced in, re-encoded, or nothing like JSON at all."""
    page = VALID_PAGE[: draw(st.integers(0, len(VALID_PAGE)))] if draw(st.booleans()) else VALID_PAGE
    position = draw(st.integers(0, len(page)))
    page = page[:position] + draw(st.binary(max_size=6)) + page[position:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
    if encoding != "utf-8":
        page = page.decode("utf-8", "replace").encode(encoding)
    return draw(st.just(page) | st.binary(max_size=80))


def parsed_tickets(page: bytes) -> list | None:
    try:
        document = json.loads(page.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape"), strict=False)
    except (ValueError, RecursionError):
        return None
    tickets = document.get("tickets") if isinstance(document, dict) else None
    return tickets if isinstance(tickets, list) else None


@BOUNDED
@given(page=damaged_pages())
def test_zendesk_page_bytes_give_one_result_per_ticket_or_one_for_the_page(page: bytes) -> None:
    def write(folder: Path) -> Path:
        (folder / "tickets_page_001.json").write_bytes(page)
        return folder

    results = read_in_folder(write, lambda path: ZendeskTicketsConnector(SourceConfig("z", "zendesk", path)).read())
    tickets = parsed_tickets(page)
    if tickets is None or not page.strip():
        assert [(type(r), r.location) for r in results] == [(QuarantinedRecord, "tickets_page_001.json")]
    else:
        assert [r.location for r in results] == [f"tickets_page_001.json#{i}" for i in range(len(tickets))]
    for result in results:
        assert_outcome_is_sound(result)


# ------------------------------------------------------------ call transcripts

VTT_PIECES = st.sampled_from([
    "WEBVTT\n\n", "00:00:01.000 --> 00:00:02.000\n", "00:01.000 --> 00:00.500\n", "<v Customer>", "<v Agent>",
    "<v Rep>", "</v>", "\n\n", "\r\n", "NOTE x\n\n", "hello ", "\u200b", "\x00", "<b>", "&amp;", "\U0001F621",
])


@BOUNDED
@given(transcript=st.lists(VTT_PIECES | st.text(max_size=6), max_size=14).map("".join).map(str.encode)
       | st.binary(max_size=60))
def test_any_transcript_gives_exactly_one_result_for_its_call(transcript: bytes) -> None:
    def write(folder: Path) -> Path:
        (folder / "transcripts").mkdir()
        (folder / "call_metadata.csv").write_text("call_id,started_at\nC1,2026-09-01T10:00:00Z\n")
        (folder / "transcripts" / "C1.vtt").write_bytes(transcript)
        return folder

    results = read_in_folder(write, lambda path: WebVttCallsConnector(SourceConfig("c", "webvtt_calls", path)).read())
    assert len(results) == 1 and results[0].source_record_id == "C1"
    assert_outcome_is_sound(results[0])
    if isinstance(results[0], FeedbackRecord):
        assert all(results[0].text[t.char_start : t.char_end].strip() for t in results[0].turns)


# ------------------------------------------------------------ generic table, JSONL

TABLE_OPTIONS = {"format": "jsonl", "channel": "survey",
                 "columns": {"source_record_id": "id", "received_at": "at", "text": "body", "csat": "csat",
                             "handle_time_s": "wait"}}


@BOUNDED
@given(lines=st.lists(
    st.fixed_dictionaries({}, optional={
        "id": JSON_SCALARS, "at": JSON_SCALARS | DATES, "body": JSON_SCALARS | TEXTS,
        "csat": JSON_SCALARS | SCORES, "wait": JSON_SCALARS,
    }).map(json.dumps),
    max_size=8,
))
def test_table_jsonl_lines_each_come_out_once(lines: list[str]) -> None:
    def write(folder: Path) -> Path:
        (folder / "t.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return folder / "t.jsonl"

    results = read_in_folder(write, lambda path: TableConnector(SourceConfig("t", "table", path, TABLE_OPTIONS)).read())
    assert [result.location for result in results] == [f"t.jsonl:{n}" for n in range(1, len(lines) + 1)]
    for result in results:
        assert_outcome_is_sound(result)


# ------------------------------------------------------------ campaign calendar


@BOUNDED
@given(rows=st.lists(
    st.tuples(TEXTS, st.sampled_from(["", "SAVE10", "two words", "x\u200b"]) | st.text(max_size=5),
              st.sampled_from(["2026-09-01", "2026-02-30", "2026-09-10"]) | st.text(max_size=10),
              st.sampled_from(["2026-09-05", "2026-08-01", ""]) | st.text(max_size=10), TEXTS).map(list),
    max_size=8,
))
def test_campaign_rows_each_come_out_once(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    # CRLF endings make the writer quote any CR or LF inside a field
    header = ["name", "promo_code", "start_date", "end_date", "terms"]
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])

    def write(folder: Path) -> Path:
        (folder / "c.csv").write_bytes(buffer.getvalue().encode("utf-8"))
        return folder / "c.csv"

    results = read_in_folder(write, read_campaigns)
    assert len(results) == len(rows)
    for result in results:
        assert_outcome_is_sound(result)


# ------------------------------------------------------------ value normalisers

ANY_VALUE = st.recursive(JSON_SCALARS | DATES | SCORES, lambda children: st.lists(children, max_size=2), max_leaves=3)


@BOUNDED
@given(value=ANY_VALUE)
def test_value_parsers_fail_only_with_a_record_problem(value: Any) -> None:
    parsers = [
        lambda: parse_timestamp(value, "at"),
        lambda: parse_timestamp(value, "at", "%m/%d/%y"),
        lambda: parse_score(value, "csat", CSAT_RANGE),
        lambda: parse_seconds(value, "wait"),
        lambda: require_id(value, "id"),
        lambda: connector_text(value, "body"),
    ]
    for parse in parsers:
        try:
            parsed = parse()
        except RecordProblem as problem:
            assert reason_kind(problem.reason) in QUARANTINE_REASON_KINDS
            continue
        if isinstance(parsed, datetime):
            assert parsed.tzinfo is None and parsed >= EARLIEST_DATE


# ------------------------------------------------------------ nlp.clean

CHANNELS = st.sampled_from(["ticket", "survey", "social", "call", "email", "unknown"])
# Whole Unicode, weighted towards what breaks cleaners: controls, invisibles, markup, line breaks.
HOSTILE_TEXT = st.lists(
    st.text(max_size=6)
    | st.sampled_from(["\x00", "\u200b", "\u202e", "\ufeff", "\u2028", "\r", "\r\n", "\t", "\u00a0", "\x85",
                       "<p>", "</div>", "<script>", "&#0;", "&#8203;", "&amp;", "Ã©", "Agent: ", "Customer: "]),
    max_size=16,
).map("".join)


@BOUNDED
@given(text=HOSTILE_TEXT, channel=CHANNELS)
def test_cleaned_text_has_no_invisible_characters_or_loose_whitespace(text: str, channel: str) -> None:
    cleaned = clean_text(text, channel).text
    assert not INVISIBLE.search(cleaned)
    assert "\r" not in cleaned and "\t" not in cleaned and "  " not in cleaned
    assert cleaned == cleaned.strip()
    assert all(line == line.strip() for line in cleaned.split("\n"))
    assert "\n\n\n" not in cleaned
    if channel == "call":
        assert "\n\n" not in cleaned  # one turn per line, no blank lines
    assert clean_text(cleaned, channel).text == cleaned


@BOUNDED
@given(text=st.text())
def test_strip_invisible_removes_exactly_the_invisible_characters(text: str) -> None:
    stripped = strip_invisible(text)
    assert not INVISIBLE.search(stripped)
    assert stripped == "".join(char for char in text if not INVISIBLE.match(char))
    assert strip_invisible(stripped) == stripped
