"""Channel connectors on real fixture files: realistic exports, broken exports, the registry.

Every broken fixture is checked two ways: each bad record gets the expected quarantine
reason at the expected location, and the counts reconcile against an independent count of
the records in the files (records in = loaded + quarantined).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import tracemalloc
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.connectors import (
    FeedbackRecord,
    QuarantinedRecord,
    ReadResult,
    SourceConfig,
    SourceConfigError,
    SurveyCsvConnector,
    TableConnector,
    WebVttCallsConnector,
    XPostsConnector,
    ZendeskTicketsConnector,
    build_connector,
    load_sources,
    payload_json,
    reason_kind,
)
from pipelines.connectors.reasons import QUARANTINE_REASON_KINDS
from pipelines.connectors.webvtt import WebVttError, parse_webvtt, voice_spans

FIXTURES = Path(__file__).parent / "fixtures" / "connectors"

REGULATOR_OPTIONS = {
    "format": "csv",
    "channel": "ticket",
    "columns": {
        "source_record_id": "Complaint ID",
        "received_at": "Date received",
        "text": "Consumer complaint narrative",
        "product": "Product",
        "customer_id": None,
    },
    "metadata_columns": ["Issue", "Sub-issue", "State"],
    "date_format": "%m/%d/%y",
}


def read_all(config: SourceConfig) -> list[ReadResult]:
    return list(build_connector(config).read())


def loaded(results: list[ReadResult]) -> dict[str, FeedbackRecord]:
    return {r.source_record_id: r for r in results if isinstance(r, FeedbackRecord)}


def quarantined(results: list[ReadResult]) -> list[QuarantinedRecord]:
    return [r for r in results if isinstance(r, QuarantinedRecord)]


def reasons_by_location(results: list[ReadResult]) -> dict[str, str]:
    return {q.location: q.reason for q in quarantined(results)}


# ------------------------------------------------------------ independent input counts


def count_csv_records(path: Path) -> int:
    """Data records of a headed CSV, counted with the stdlib reader on the whole text."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return sum(1 for row in csv.reader(io.StringIO(text, newline="")) if row) - 1


def count_jsonl_lines(path: Path) -> int:
    """Lines holding anything but JSON whitespace (a leading byte-order mark is not content)."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    return sum(1 for line in data.split(b"\n") if line.strip(b" \t\r\n"))


def count_zendesk_inputs(folder: Path) -> int:
    """Tickets in parseable pages plus one per page file that is not a ticket page."""
    total = 0
    for page in folder.glob("tickets_page_*.json"):
        try:
            document = json.loads(page.read_bytes().decode("utf-8", errors="replace"))
            total += len(document["tickets"])
        except (ValueError, KeyError):
            total += 1
    return total


def count_call_inputs(folder: Path) -> int:
    """Metadata rows plus transcripts whose id appears in no metadata line."""
    metadata_text = (folder / "call_metadata.csv").read_text(encoding="utf-8")
    orphans = [p for p in (folder / "transcripts").glob("*.vtt") if p.stem not in metadata_text]
    return count_csv_records(folder / "call_metadata.csv") + len(orphans)


def assert_reconciles(results: list[ReadResult], records_in: int) -> None:
    assert len(loaded(results)) + len(quarantined(results)) == len(results) == records_in


# ------------------------------------------------------------ zendesk


def test_zendesk_realistic_pages() -> None:
    results = read_all(SourceConfig("zendesk", "zendesk", FIXTURES / "tickets"))
    records = loaded(results)
    assert list(records) == ["48211", "48212", "48215", "48230"]
    assert not quarantined(results)

    solved = records["48211"]
    assert solved.channel == "ticket" and solved.source == "zendesk"
    assert solved.text == (
        "Charged twice for my September subscription\n\n"
        "Hi, I was billed $14.99 twice on Sept 1st.\n"
        "Can you refund the duplicate charge? Order ref A-99812."
    )
    assert solved.received_at == datetime(2026, 9, 1, 8, 14, 3)
    assert solved.updated_at == datetime(2026, 9, 2, 10, 30)
    assert solved.resolution_time_s == 3.5 * 3600
    assert solved.customer_id == "9020113"
    assert solved.product == "Mobile App"  # custom field 360001, not the other custom field
    assert solved.metadata == {
        "subject": "Charged twice for my September subscription",
        "tags": ["billing", "double_charge", "refund"],
        "status": "solved",
        "via_channel": "email",
    }
    assert solved.location == "tickets_page_001.json#0"
    assert solved.payload["url"].endswith("/48211.json")

    assert records["48212"].resolution_time_s is None  # still open
    closed = records["48215"]
    assert closed.received_at == datetime(2026, 9, 1, 11, 20)  # +02:00 converted to UTC
    assert closed.resolution_time_s == (datetime(2026, 9, 3, 6, 50) - datetime(2026, 9, 1, 11, 20)).total_seconds()
    assert closed.text == "Cannot export invoices"  # empty description adds nothing
    assert closed.product is None
    assert records["48230"].text.endswith("après 12 jours 😕")
    assert records["48230"].location == "tickets_page_002.json#0"


TICKET_KEYS = ["id", "created_at", "updated_at", "solved_at", "subject", "description", "tags",
               "requester_id", "via", "custom_fields"]
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(TICKET_KEYS),
            st.recursive(JSON_SCALARS, lambda children: st.lists(children, max_size=3), max_leaves=5)
            | st.sampled_from(["2026-09-01T10:00:00Z", "2026-09-02T10:00:00Z"]),
            max_size=10,
        )
        | JSON_SCALARS,
        max_size=8,
    )
)
def test_zendesk_never_raises_on_arbitrary_tickets(tickets: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "tickets_page_001.json").write_text(json.dumps({"tickets": tickets}))
        results = list(ZendeskTicketsConnector(SourceConfig("z", "zendesk", Path(folder))).read())
        assert_reconciles(results, len(tickets))


def test_zendesk_reads_a_single_page_file() -> None:
    config = SourceConfig("zendesk", "zendesk", FIXTURES / "tickets" / "tickets_page_002.json")
    assert list(loaded(read_all(config))) == ["48230"]


def test_zendesk_broken_pages_are_quarantined_per_ticket_and_per_file() -> None:
    folder = FIXTURES / "tickets_broken"
    results = read_all(SourceConfig("zendesk", "zendesk", folder))
    assert list(loaded(results)) == ["50001", "50002", "50003"]  # page_010 read after page_003
    reasons = reasons_by_location(results)
    assert reasons == {
        "tickets_page_001.json#1": "unparseable date: created_at 'yesterday'",
        "tickets_page_001.json#2": "empty text: subject and description",
        "tickets_page_001.json#3": "missing id: id",
        "tickets_page_001.json#4": "undecodable bytes (not UTF-8)",
        "tickets_page_001.json#5": "exact duplicate record",
        "tickets_page_001.json#6": "duplicate id with different content",
        "tickets_page_001.json#7": "dates out of order: solved_at '2026-09-04T10:00:00Z' is before created_at",
        "tickets_page_001.json#8": "not a JSON object: found str",
        "tickets_page_001.json#9": "missing date: created_at",
        "tickets_page_002.json": reasons["tickets_page_002.json"],
        "tickets_page_003.json": "page has no 'tickets' list",
    }
    assert reason_kind(reasons["tickets_page_002.json"]) == "unparseable JSON page"
    by_location = {q.location: q for q in quarantined(results)}
    assert "Caf\ufffd order never arrived" in by_location["tickets_page_001.json#4"].raw_payload
    assert by_location["tickets_page_001.json#4"].source_record_id == "50012"
    assert by_location["tickets_page_002.json"].raw_payload.startswith('{"tickets": [{"id": 50020')
    assert "(reopened)" in by_location["tickets_page_001.json#6"].raw_payload
    assert_reconciles(results, count_zendesk_inputs(folder))


# ------------------------------------------------------------ survey


def test_survey_realistic_export() -> None:
    results = read_all(SourceConfig("nps", "survey_csv", FIXTURES / "surveys" / "survey_responses.csv"))
    records = loaded(results)
    assert len(records) == 6 and not quarantined(results)

    first = records["R_3kWz9aQ1"]
    assert (first.channel, first.nps, first.csat) == ("survey", 9, 5)
    assert first.received_at == datetime(2026, 9, 1, 7, 12, 44)
    assert (first.customer_id, first.product) == ("C-1001", "Mobile App")
    assert first.location == "survey_responses.csv:2"
    assert first.payload["Comment"] == "Setup took five minutes, love it."

    multiline = records["R_3kWz9aQ2"]
    assert multiline.text == (
        'Checkout keeps failing with "card declined", even though my bank says all is fine.\n'
        "Tried twice, gave up."
    )
    assert records["R_3kWz9aQ3"].location == "survey_responses.csv:5"  # after the 2-line record
    score_only = records["R_3kWz9aQ3"]
    assert (score_only.text, score_only.nps, score_only.csat) == ("", 10, None)
    csat_only = records["R_3kWz9aQ4"]
    assert (csat_only.nps, csat_only.csat, csat_only.product) == (None, 4, None)
    assert records["R_3kWz9aQ5"].customer_id is None
    detractor = records["R_3kWz9aQ6"]
    assert (detractor.nps, detractor.csat) == (0, 1)
    assert detractor.text == "Très déçu : la synchronisation ne marche plus 😡"


def test_survey_broken_export() -> None:
    path = FIXTURES / "surveys_broken" / "survey_responses.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbfResponseId") and b"\r\n" in path.read_bytes()
    results = read_all(SourceConfig("nps", "survey_csv", path))
    records = loaded(results)
    assert list(records) == ["R_1", "R_11", "R_12"]  # BOM stripped: the header still matched
    assert reasons_by_location(results) == {
        "survey_responses.csv:3": "score out of range: NPS '11' (expected 0-10)",
        "survey_responses.csv:4": "score out of range: CSAT '0' (expected 1-5)",
        "survey_responses.csv:5": "non-integer score: NPS '7.5'",
        "survey_responses.csv:6": "non-integer score: NPS 'n/a'",
        "survey_responses.csv:7": "unparseable date: RecordedDate '31/02/2026 10:00'",
        "survey_responses.csv:8": "missing date: RecordedDate",
        "survey_responses.csv:9": "empty text and no score: Comment",
        "survey_responses.csv:10": "wrong field count: expected 7, found 8",
        "survey_responses.csv:11": "missing id: ResponseId",
        "survey_responses.csv:12": "undecodable bytes (not UTF-8)",
        "survey_responses.csv:13": "exact duplicate record",
        "survey_responses.csv:14": "duplicate id with different content",
    }
    by_location = {q.location: q for q in quarantined(results)}
    undecodable = by_location["survey_responses.csv:12"].raw_payload
    assert undecodable == "R_10,2026-09-01 07:10:00,9,5,Caf\ufffd menu is great,C-11,Web Store"
    assert by_location["survey_responses.csv:10"].raw_payload.endswith("Too slow, too expensive,C-9,Web Store")
    assert by_location["survey_responses.csv:14"].raw_payload.endswith("Good overall - edited,C-1,Mobile App")
    crlf_multiline = records["R_11"]
    assert (crlf_multiline.text, crlf_multiline.nps, crlf_multiline.csat) == ("Two lines:\nworks well", 8, 4)
    assert crlf_multiline.location == "survey_responses.csv:15"
    integral_float = records["R_12"]
    assert (integral_float.nps, integral_float.text) == (7, "")
    assert integral_float.received_at == datetime(2026, 9, 2, 9, 0)  # +02:00 converted to UTC
    assert_reconciles(results, count_csv_records(path))


def test_survey_column_overrides_and_extra_metadata(tmp_path: Path) -> None:
    export = tmp_path / "survey.csv"
    export.write_text(
        "ResponseId,RecordedDate,NPS,CSAT,Comment,CustomerId,Plan,Region\n"
        "R1,2026-09-01 10:00:00,9,,Great,C1,Pro,EU\n",
        encoding="utf-8",
    )
    options = {"columns": {"product": "Plan"}, "metadata_columns": ["Region"]}
    config = SourceConfig("s", "survey_csv", export, options)
    record = loaded(read_all(config))["R1"]
    assert (record.product, record.metadata, record.nps) == ("Pro", {"Region": "EU"}, 9)


# ------------------------------------------------------------ calls


def customer_words(record: FeedbackRecord) -> list[str]:
    return [record.text[t.char_start : t.char_end] for t in record.turns if t.speaker == "customer"]


def test_calls_realistic_transcripts() -> None:
    results = read_all(SourceConfig("calls", "webvtt_calls", FIXTURES / "calls"))
    records = loaded(results)
    assert list(records) == ["CALL-1001", "CALL-1002", "CALL-1003"] and not quarantined(results)

    billing = records["CALL-1001"]
    assert billing.channel == "call"
    assert billing.text == (
        "Agent: Thanks for calling Acme billing, this is Jo.\n"
        "Customer: Hi. I was charged twice for my subscription this month. "
        "It's really annoying & it's the second time.\n"
        "Agent: I'm sorry about that. I can see both charges — I'll refund one now.\n"
        "Customer: Great, thank you."
    )
    assert customer_words(billing) == [
        "Hi. I was charged twice for my subscription this month. It's really annoying & it's the second time.",
        "Great, thank you.",
    ]
    assert [(t.speaker, t.start_ms, t.end_ms) for t in billing.turns] == [
        ("agent", 500, 3200),
        ("customer", 3400, 10250),  # two consecutive customer cues merged into one turn
        ("agent", 10500, 14000),
        ("customer", 14300, 15100),
    ]
    assert billing.received_at == datetime(2026, 9, 1, 14, 3, 12)
    assert (billing.handle_time_s, billing.customer_id) == (412.5, "C-1002")
    assert billing.metadata == {
        "queue": "billing",
        "agent_id": "A-17",
        "transcript_file": "transcripts/CALL-1001.vtt",
    }
    assert billing.payload["transcript_vtt"].startswith("WEBVTT - billing queue")
    assert billing.location == "call_metadata.csv:2"

    crlf = records["CALL-1002"]  # CRLF file, hour timestamps, two voices in one cue
    assert customer_words(crlf) == ["The scanner crashes on my Pixel.", "5.2, I think."]
    assert [t.speaker for t in crlf.turns] == ["agent", "customer", "agent", "customer"]
    assert crlf.turns[0].start_ms == 3_600_000

    styled = records["CALL-1003"]  # header metadata, STYLE block, mm:ss timings, class/lang tags
    assert customer_words(styled) == ["Honestly, the price went up 30% and I barely use the sync feature. Voilà."]
    assert styled.received_at == datetime(2026, 9, 2, 23, 45)  # -04:00 converted to UTC
    assert (styled.customer_id, styled.handle_time_s) == (None, None)


def test_calls_with_configured_speaker_names(tmp_path: Path) -> None:
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "call_metadata.csv").write_text(
        "call_id,started_at,customer_id,handle_time_seconds,queue,agent_id\nc-1,2026-09-01T10:00:00Z,C9,60,q,A1\n"
    )
    (tmp_path / "transcripts" / "c-1.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Jo Smith>Hello.\n\n"
        "00:01.000 --> 00:02.000\n<v caller>My card was declined.\n\n"
        "00:02.000 --> 00:03.000\n<v Supervisor>Joining the call.\n"
    )
    options = {"agent_speakers": ["Jo Smith"], "customer_speakers": ["Caller"]}
    record = loaded(read_all(SourceConfig("calls", "webvtt_calls", tmp_path, options)))["c-1"]
    assert record.text == "Agent: Hello.\nCustomer: My card was declined.\nSupervisor: Joining the call."
    assert [t.speaker for t in record.turns] == ["agent", "customer", "unknown"]
    assert customer_words(record) == ["My card was declined."]


def test_calls_broken_folder() -> None:
    folder = FIXTURES / "calls_broken"
    results = read_all(SourceConfig("calls", "webvtt_calls", folder))
    assert list(loaded(results)) == ["CALL-2001"]
    assert reasons_by_location(results) == {
        "transcripts/CALL-2002.vtt": "no speaker tags in transcript",
        "call_metadata.csv:4": "metadata row without transcript: transcripts/CALL-2003.vtt",
        "transcripts/CALL-2004.vtt": "malformed WebVTT: bad timestamp '00:00:01,000' at line 3",
        "call_metadata.csv:6": "unparseable date: started_at 'not a date'",
        "transcripts/CALL-2006.vtt": "undecodable bytes (not UTF-8): at byte 47",
        "call_metadata.csv:8": "invalid number: handle_time_seconds '12m' (expected seconds >= 0)",
        "call_metadata.csv:9": "invalid call id: '../secrets'",
        "transcripts/CALL-2008.vtt": "malformed WebVTT: missing 'WEBVTT' header on line 1",
        "transcripts/CALL-2009.vtt": (
            "no customer turn; unrecognised speakers: 'Caller', 'Rep' (see customer_speakers option)"
        ),
        "transcripts/CALL-2010.vtt": "empty text: transcript has no cue text",
        "call_metadata.csv:13": "wrong field count: expected 6, found 5",
        "call_metadata.csv:14": "missing id: call_id",
        "call_metadata.csv:15": "exact duplicate record",
        "transcripts/CALL-2999.vtt": "transcript without metadata row",
    }
    by_location = {q.location: q for q in quarantined(results)}
    no_tags = by_location["transcripts/CALL-2002.vtt"]
    assert no_tags.source_record_id == "CALL-2002"
    assert no_tags.raw_payload.startswith("CALL-2002,2026-09-03T10:05:00Z")
    assert "My invoice is wrong." in no_tags.raw_payload  # the transcript follows the row
    assert "Caf\ufffd order." in by_location["transcripts/CALL-2006.vtt"].raw_payload
    assert "Nobody logged this call." in by_location["transcripts/CALL-2999.vtt"].raw_payload
    # CALL-2011's row is malformed but present: its transcript is not reported as an orphan too
    assert by_location["call_metadata.csv:13"].source_record_id == "CALL-2011"
    assert_reconciles(results, count_call_inputs(folder))


# ------------------------------------------------------------ WebVTT parsing


def test_webvtt_cues_ids_notes_and_settings() -> None:
    cues = parse_webvtt(
        "\ufeffWEBVTT\r\n\r\nNOTE a note\r\nspanning lines\r\n\r\nintro\r\n"
        "00:01:02.003 --> 00:01:04.000 line:0 align:start\r\n<v Agent>Hi\r\nthere\r\n\r\n"
        "REGION\r\nid:fred\r\n\r\n10:00:00.000 --> 10:00:01.500\r\nno voice here\r\n"
    )
    assert [(c.identifier, c.start_ms, c.end_ms) for c in cues] == [
        ("intro", 62_003, 64_000),
        (None, 36_000_000, 36_001_500),
    ]
    assert [(s.speaker, s.text) for s in cues[0].spans] == [("Agent", "Hi there")]
    assert [(s.speaker, s.text) for s in cues[1].spans] == [(None, "no voice here")]


def test_webvtt_inline_markup() -> None:
    spans = voice_spans("<v.loud.x Ann Lee><b>Stop</b> &amp; <00:00:01.000>go</v> aside <v Bob>ok &lt;3")
    assert [(s.speaker, s.text) for s in spans] == [("Ann Lee", "Stop & go"), (None, "aside"), ("Bob", "ok <3")]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nhi\n", "missing 'WEBVTT' header"),
        ("WEBVTTX\n\n00:01.000 --> 00:02.000\nhi\n", "missing 'WEBVTT' header"),
        ("WEBVTT\n\n00:01.000 --> 00:02\nhi\n", "bad timestamp '00:02' at line 3"),
        ("WEBVTT\n\n00:03.000 --> 00:02.000\nhi\n", "cue ends before it starts at line 3"),
        ("WEBVTT\n\njust text without timing\n", "block without cue timing at line 3"),
        ("WEBVTT\n00:01.000 --> 00:02.000\nhi\n", "cue timing inside the header block at line 2"),
        ("WEBVTT\n\n00:01.000 -->\nhi\n", "cue timing without end time at line 3"),
    ],
)
def test_webvtt_malformed_documents(document: str, message: str) -> None:
    with pytest.raises(WebVttError, match=message):
        parse_webvtt(document)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("WEBVT0123456789:.-> \n<>v/&;abc")), max_size=200))
def test_webvtt_parser_fails_only_with_webvtt_error(document: str) -> None:
    try:
        cues = parse_webvtt("WEBVTT\n\n" + document)
    except WebVttError:
        return
    assert all(cue.end_ms >= cue.start_ms for cue in cues)


# ------------------------------------------------------------ X posts


def test_x_posts_realistic_export() -> None:
    results = read_all(SourceConfig("x", "x_posts", FIXTURES / "social" / "posts.jsonl"))
    records = loaded(results)
    assert len(records) == 5 and not quarantined(results)

    post = records["1830000000000000001"]
    assert post.channel == "social"
    assert post.text.startswith("@AcmeHelp your app logged me out 3 times")
    assert post.received_at == datetime(2026, 9, 1, 12, 0)
    assert (post.customer_id, post.language_hint) == ("2244994945", "en")
    assert post.metadata["reach"] == 3021 and post.metadata["is_repost"] is False
    assert post.metadata["public_metrics"]["like_count"] == 17
    assert post.metadata["conversation_id"] == "1830000000000000001"

    repost = records["1830000000000000002"]
    assert repost.metadata["is_repost"] is True
    assert repost.metadata["referenced_tweets"] == [{"type": "retweeted", "id": "1830000000000000001"}]
    reply = records["1830000000000000003"]
    assert reply.metadata["is_repost"] is False and reply.metadata["conversation_id"] == "1830000000000000001"
    assert records["1830000000000000004"].language_hint is None  # "und"

    long_post = records["1830000000000000005"]  # a stream envelope; full text from note_tweet
    assert long_post.text.endswith("support closing my ticket without a reply.")
    assert long_post.location == "posts.jsonl:6"  # the blank line 5 is not a record
    assert "includes" not in long_post.payload


def test_x_posts_broken_export() -> None:
    path = FIXTURES / "social_broken" / "posts.jsonl"
    results = read_all(SourceConfig("x", "x_posts", path))
    assert list(loaded(results)) == ["1830000000000000101", "1830000000000000107"]
    reasons = reasons_by_location(results)
    assert reason_kind(reasons.pop("posts.jsonl:2")) == "malformed JSON"
    assert reasons == {
        "posts.jsonl:3": "undecodable bytes (not UTF-8)",
        "posts.jsonl:4": "missing date: created_at",
        "posts.jsonl:5": "not a JSON object: found list",
        "posts.jsonl:6": "missing id: id",
        "posts.jsonl:7": "empty text: text",
        "posts.jsonl:8": "exact duplicate record",
        "posts.jsonl:9": "duplicate id with different content",
        "posts.jsonl:10": "unparseable date: created_at '2026-13-45T00:00:00Z'",
    }
    truncated = next(q for q in quarantined(results) if q.location == "posts.jsonl:2")
    assert truncated.raw_payload == '{"id": "1830000000000000102", "text": "half a post", "created_at": "2026-09-0'
    legacy_date = loaded(results)["1830000000000000107"]  # v1.1-style date, CRLF line
    assert legacy_date.received_at == datetime(2026, 9, 1, 12, 0) and legacy_date.language_hint is None
    assert_reconciles(results, count_jsonl_lines(path))


POST_KEYS = ["id", "text", "created_at", "lang", "data", "public_metrics", "note_tweet"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=40),
            st.recursive(
                JSON_SCALARS,
                lambda children: st.lists(children, max_size=3)
                | st.dictionaries(st.sampled_from(POST_KEYS), children, max_size=4),
                max_leaves=8,
            ).map(lambda value: json.dumps(value).encode()),
        ),
        max_size=12,
    )
)
def test_x_posts_never_raise_on_arbitrary_lines(lines: list[bytes]) -> None:
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "posts.jsonl"
        path.write_bytes(b"\n".join(lines))
        results = list(XPostsConnector(SourceConfig("x", "x_posts", path)).read())
        assert_reconciles(results, count_jsonl_lines(path))


# ------------------------------------------------------------ generic table


def test_table_regulator_complaints_csv() -> None:
    config = SourceConfig("cfpb", "table", FIXTURES / "regulator" / "complaints.csv", REGULATOR_OPTIONS)
    results = read_all(config)
    records = loaded(results)
    assert list(records) == ["10456231", "10457002"]
    complaint = records["10456231"]
    assert complaint.channel == "ticket"
    assert complaint.received_at == datetime(2026, 9, 3)
    assert complaint.text.startswith("On XX/XX/2026 I noticed two withdrawals of {$40.00}")
    assert (complaint.product, complaint.customer_id) == ("Checking or savings account", None)
    assert complaint.metadata == {
        "Issue": "Managing an account",
        "Sub-issue": "Problem using a debit or ATM card",
        "State": "CA",
    }
    assert complaint.payload["Company response to consumer"] == "Closed with monetary relief"
    assert records["10457002"].metadata["Sub-issue"] is None  # blank cell
    assert reasons_by_location(results) == {"complaints.csv:3": "empty text: Consumer complaint narrative"}
    assert quarantined(results)[0].source_record_id == "10456877"
    assert_reconciles(results, count_csv_records(config.path))


def test_table_date_format_is_strict_when_given(tmp_path: Path) -> None:
    export = tmp_path / "complaints.csv"
    export.write_text(
        "Complaint ID,Date received,Consumer complaint narrative\n1,2026-09-03,ISO date\n2,09/03/26,US date\n"
    )
    columns = {"source_record_id": "Complaint ID", "received_at": "Date received"}
    options = {"channel": "ticket", "columns": {**columns, "text": "Consumer complaint narrative"}}
    default_results = read_all(SourceConfig("t", "table", export, options))
    assert [r.received_at for r in loaded(default_results).values()] == [datetime(2026, 9, 3)] * 2
    strict = read_all(SourceConfig("t", "table", export, {**options, "date_format": "%m/%d/%y"}))
    assert list(loaded(strict)) == ["2"]
    assert reasons_by_location(strict) == {"complaints.csv:2": "unparseable date: Date received '2026-09-03'"}


def test_table_jsonl_with_nested_columns_and_numbers(tmp_path: Path) -> None:
    export = tmp_path / "chats.jsonl"
    rows = [
        {"chat": {"id": 7, "opened": "2026-09-01T10:00:00+01:00"}, "body": "Bot loops forever",
         "user": {"id": "u1"}, "wait_s": "42.5", "lang": "en", "csat": 2},
        {"chat": {"id": 8, "opened": "2026-09-01T11:00:00Z"}, "body": "ok",
         "user": {"id": "u2"}, "wait_s": "-3", "lang": "en", "csat": 4},
        {"chat": {"id": 9, "opened": "2026-09-01T12:00:00Z"}, "body": "",
         "user": {"id": "u3"}, "wait_s": None, "lang": "en", "csat": True},
    ]
    export.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    options = {
        "channel": "ticket",
        "columns": {
            "source_record_id": "chat.id", "received_at": "chat.opened", "text": "body",
            "customer_id": "user.id", "handle_time_s": "wait_s", "language_hint": "lang", "csat": "csat",
        },
        "metadata_columns": ["user.id"],
    }
    results = read_all(SourceConfig("chats", "table", export, options))  # format inferred from .jsonl
    record = loaded(results)["7"]
    assert (record.text, record.customer_id, record.language_hint) == ("Bot loops forever", "u1", "en")
    assert (record.handle_time_s, record.csat) == (42.5, 2)
    assert record.received_at == datetime(2026, 9, 1, 9, 0)
    assert record.metadata == {"user.id": "u1"} and record.payload == rows[0]
    assert reasons_by_location(results) == {
        "chats.jsonl:2": "invalid number: wait_s '-3' (expected seconds >= 0)",
        "chats.jsonl:3": "non-integer score: csat True",
    }


def test_table_file_level_problems(tmp_path: Path) -> None:
    options = {"channel": "survey", "columns": {"source_record_id": "id", "received_at": "at", "text": "comment"}}
    wrong_header = tmp_path / "wrong.csv"
    wrong_header.write_text("id,date,comment\n1,2026-09-01,hello\n2,2026-09-02,bye\n")
    results = read_all(SourceConfig("t", "table", wrong_header, options))
    assert [(q.location, q.reason, q.raw_payload) for q in quarantined(results)] == [
        ("wrong.csv:1", "header lacks mapped columns: 'at'", "id,date,comment")
    ]
    assert not loaded(results)

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert [q.reason for q in quarantined(read_all(SourceConfig("t", "table", empty, options)))] == ["empty file"]

    stray_cr = tmp_path / "stray.csv"
    stray_cr.write_bytes(b"id,at,comment\r\n1,2026-09-01,ok\r\n2,2026-09-01,bad\rvalue\r\n3,2026-09-01,fine\r\n")
    results = read_all(SourceConfig("t", "table", stray_cr, options))
    assert list(loaded(results)) == ["1", "3"]
    assert reason_kind(reasons_by_location(results)["stray.csv:3"]) == "unreadable CSV row"


MINIMAL_COLUMNS = {"source_record_id": "a", "received_at": "b", "text": "c"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": MINIMAL_COLUMNS}, "option 'channel' must be one of"),
        ({"channel": "email", "columns": MINIMAL_COLUMNS}, "option 'channel'"),
        ({"channel": "ticket", "columns": {"source_record_id": "a", "text": "c"}}, "required fields .'received_at'."),
        ({"channel": "ticket", "columns": {**MINIMAL_COLUMNS, "sentiment": "d"}}, "unknown fields"),
        ({"channel": "ticket", "columns": {**MINIMAL_COLUMNS, "text": 3}}, "non-empty string or null"),
        ({"channel": "ticket", "format": "xlsx", "columns": MINIMAL_COLUMNS}, "'csv' or 'jsonl'"),
        ({"channel": "ticket", "delimiter": ";;", "columns": MINIMAL_COLUMNS}, "single character"),
        ({"channel": "ticket", "colums": {}}, "unknown option"),
    ],
)
def test_table_options_are_validated(options: dict[str, object], message: str) -> None:
    with pytest.raises(SourceConfigError, match=message):
        TableConnector(SourceConfig("bad_table", "table", Path("x.csv"), options))


# ------------------------------------------------------------ streaming


def test_csv_and_jsonl_are_streamed_not_loaded_whole(tmp_path: Path) -> None:
    """Peak memory while reading stays far below the size of the file."""
    comment = "The export keeps timing out when I pick a full year of invoices. " * 160  # ~10 kB
    survey = tmp_path / "survey.csv"
    posts = tmp_path / "posts.jsonl"
    with survey.open("w", encoding="utf-8") as csv_out, posts.open("w", encoding="utf-8") as jsonl_out:
        csv_out.write("ResponseId,RecordedDate,NPS,CSAT,Comment,CustomerId,Product\n")
        for n in range(1200):
            csv_out.write(f'R{n},2026-09-01 10:00:00,5,3,"{comment}",C{n},App\n')
            post = {"id": str(n), "text": comment, "created_at": "2026-09-01T10:00:00.000Z", "author_id": "1"}
            jsonl_out.write(json.dumps(post) + "\n")
    assert survey.stat().st_size > 10_000_000
    for connector in (
        SurveyCsvConnector(SourceConfig("s", "survey_csv", survey)),
        XPostsConnector(SourceConfig("x", "x_posts", posts)),
    ):
        tracemalloc.start()
        count = sum(1 for _ in connector.read())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == 1200
        assert peak < 3_000_000


# ------------------------------------------------------------ registry


def test_load_sources_resolves_paths_against_the_yaml_folder() -> None:
    configs = load_sources(FIXTURES / "sources.yaml")
    assert [(c.name, c.kind) for c in configs] == [
        ("zendesk_tickets", "zendesk"),
        ("nps_survey", "survey_csv"),
        ("support_calls", "webvtt_calls"),
        ("x_mentions", "x_posts"),
        ("cfpb_complaints", "table"),
    ]
    assert configs[0].path == (FIXTURES / "tickets").resolve()
    assert configs[4].options == REGULATOR_OPTIONS
    connectors = [build_connector(c) for c in configs]
    assert [type(c) for c in connectors] == [
        ZendeskTicketsConnector, SurveyCsvConnector, WebVttCallsConnector, XPostsConnector, TableConnector,
    ]
    assert [c.channel for c in connectors] == ["ticket", "survey", "call", "social", "ticket"]
    counts = {c.name: len(loaded(read_all(c))) for c in configs}
    assert counts == {
        "zendesk_tickets": 4, "nps_survey": 6, "support_calls": 3, "x_mentions": 5, "cfpb_complaints": 2,
    }


def test_load_sources_reports_every_bad_entry_by_name(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "posts.jsonl").write_text("")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        """
sources:
  - {name: posts, kind: x_posts, path: exports/posts.jsonl}
  - {name: posts, kind: x_posts, path: exports/posts.jsonl}
  - {name: mystery, kind: fax_machine, path: exports/posts.jsonl}
  - {name: nowhere, kind: x_posts}
  - {name: gone, kind: x_posts, path: exports/missing.jsonl}
  - {name: folder_as_file, kind: x_posts, path: exports}
  - {name: typo, kind: x_posts, path: exports/posts.jsonl, option: {}}
  - {name: bad_options, kind: table, path: exports/posts.jsonl, options: {channel: ticket}}
  - just a string
"""
    )
    with pytest.raises(SourceConfigError) as raised:
        load_sources(sources)
    lines = str(raised.value).splitlines()[1:]
    assert [line.strip().split(":")[0] for line in lines] == [
        "sources[1] 'posts'",
        "sources[2] 'mystery'",
        "sources[3] 'nowhere'",
        "sources[4] 'gone'",
        "sources[5] 'folder_as_file'",
        "sources[6] 'typo'",
        "sources[7] 'bad_options'",
        "sources[8]",
    ]
    message = str(raised.value)
    assert "'posts': duplicate name" in message
    assert "unknown kind 'fax_machine'" in message
    assert "'nowhere': missing path" in message
    assert "missing.jsonl' is not a file" in message
    assert "exports' is not a file" in message
    assert "unknown key(s) ['option']" in message
    assert "option 'columns' must map" in message
    assert "must be a mapping" in message


@pytest.mark.parametrize("text", ["sources: [unclosed", "sources: []", "- name: x", ""])
def test_load_sources_rejects_unusable_files(tmp_path: Path, text: str) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(text)
    with pytest.raises(SourceConfigError, match="sources.yaml"):
        load_sources(sources)


def test_build_connector_rejects_unknown_kind_and_bad_options() -> None:
    with pytest.raises(SourceConfigError, match="unknown kind 'pdf'"):
        build_connector(SourceConfig("p", "pdf", FIXTURES))
    with pytest.raises(SourceConfigError, match="both agent and customer"):
        speakers = {"agent_speakers": ["Sam"], "customer_speakers": ["sam"]}
        build_connector(SourceConfig("c", "webvtt_calls", FIXTURES / "calls", speakers))
    with pytest.raises(SourceConfigError, match="product_field_id"):
        build_connector(SourceConfig("z", "zendesk", FIXTURES / "tickets", {"product_field_id": "360001"}))
    with pytest.raises(SourceConfigError, match="unknown option"):
        build_connector(SourceConfig("x", "x_posts", FIXTURES / "social", {"channel": "social"}))


# ------------------------------------------------------------ contract


def test_every_quarantine_reason_starts_with_a_known_kind() -> None:
    results = [
        *read_all(SourceConfig("t", "zendesk", FIXTURES / "tickets_broken")),
        *read_all(SourceConfig("s", "survey_csv", FIXTURES / "surveys_broken" / "survey_responses.csv")),
        *read_all(SourceConfig("c", "webvtt_calls", FIXTURES / "calls_broken")),
        *read_all(SourceConfig("x", "x_posts", FIXTURES / "social_broken" / "posts.jsonl")),
    ]
    kinds = {reason_kind(q.reason) for q in quarantined(results)}
    assert kinds <= set(QUARANTINE_REASON_KINDS)
    assert len(kinds) >= 20
    for record in loaded(results).values():  # loaded payloads are JSON-serialisable
        assert json.loads(payload_json(record.payload)) == record.payload
        assert record.received_at.tzinfo is None


# ------------------------------------------------------------ the committed samples

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
SAMPLE_SOURCES = {
    "ticket": ("zendesk", "tickets"),
    "survey": ("survey_csv", "surveys/survey_responses.csv"),
    "call": ("webvtt_calls", "calls"),
    "social": ("x_posts", "social/posts.jsonl"),
}


@pytest.mark.skipif(not (SAMPLES / "ground_truth_items.csv").exists(), reason="data/samples not generated")
@pytest.mark.parametrize("channel", list(SAMPLE_SOURCES))
def test_samples_load_exactly_the_records_the_generator_left_intact(channel: str) -> None:
    """The generator's ground truth says which records it damaged; only those are quarantined."""
    with (SAMPLES / "ground_truth_items.csv").open(encoding="utf-8") as truth_file:
        truth = [row for row in csv.DictReader(truth_file) if row["channel"] == channel]
    kind, path = SAMPLE_SOURCES[channel]
    results = read_all(SourceConfig(f"sample_{channel}", kind, SAMPLES / path))
    assert set(loaded(results)) == {row["source_record_id"] for row in truth if not row["malformed_reason"]}
    assert len(quarantined(results)) == sum(1 for row in truth if row["malformed_reason"])
