"""The sample generator: determinism, export formats, planted stories and the ground truth."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from samplegen import generate_samples
from samplegen.__main__ import main
from samplegen.calendar import build_period, week_start
from samplegen.campaigns import build_campaigns
from samplegen.kinds import MALFORMED_REASONS
from samplegen.lexicon import LEXICONS
from samplegen.people import Customer
from samplegen.pii import card_number, iban, is_iban_valid, is_luhn_valid
from samplegen.plan import build_components
from samplegen.products import APPAREL
from samplegen.rng import substream
from samplegen.slots import SlotContext, SlotFiller
from samplegen.stories import build_stories
from samplegen.text import expand_alternations
from samplegen.themes import STEADY_THEMES, THEMES
from samplegen.tickets import _PageWriter

SMALL_ITEMS = 400
END = date(2026, 11, 15)
ZENDESK_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
X_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z")
CUE_TIMING = re.compile(r"(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD_CANDIDATE = re.compile(r"\b\d{4}[ -]?\d{4,6}[ -]?\d{4,5}(?:[ -]?\d{4})?\b")
IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b")
PHONE_CANDIDATE = re.compile(r"(?:\+|\b0|\(|\b8[ -(]|\b\d{3}[-. ])[\d ()\-.]{7,}\d")


# --- reading the exports back with standard tools ------------------------------------------------

def read_tickets(samples: Path) -> tuple[list[dict], list[dict]]:
    pages = sorted((samples / "tickets").glob("tickets_page_*.json"))
    documents = [json.loads(page.read_text(encoding="utf-8")) for page in pages]
    return documents, [ticket for document in documents for ticket in document["tickets"]]


def read_survey_rows(samples: Path) -> list[tuple[list[str], bool]]:
    """Rows and whether each decoded as UTF-8 (a planted row has a raw latin-1 byte)."""
    data = (samples / "surveys" / "survey_responses.csv").read_bytes()
    text = data.decode("utf-8", errors="surrogateescape")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [(row, not any("\udc80" <= ch <= "\udcff" for field in row for ch in field)) for row in rows]


def read_posts(samples: Path) -> tuple[list[dict], list[str]]:
    posts, broken = [], []
    for line in (samples / "social" / "posts.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            posts.append(json.loads(line))
        except json.JSONDecodeError:
            broken.append(line)
    return posts, broken


def read_call_rows(samples: Path) -> list[list[str]]:
    with (samples / "calls" / "call_metadata.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def read_truth_items(samples: Path) -> list[dict[str, str]]:
    with (samples / "ground_truth_items.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """A minimal WebVTT reader: header, optional cue ids, timing lines, cue text."""
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        if not CUE_TIMING.fullmatch(lines[0]):
            lines = lines[1:]  # a cue identifier
        match = CUE_TIMING.fullmatch(lines[0])
        assert match, block
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        start, end = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert end > start
        cues.append((start, end, "\n".join(lines[1:])))
    return cues


def is_parseable_timestamp(text: str | None) -> bool:
    if not text:
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        pass
    for fmt in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M:%S"):
        try:
            datetime.strptime(text, fmt)
            return True
        except ValueError:
            continue
    return False


def record_texts(samples: Path) -> dict[tuple[str, str], str]:
    """Every readable record's text by (channel, id): what a pipeline would analyse."""
    texts: dict[tuple[str, str], str] = {}
    for ticket in read_tickets(samples)[1]:
        texts[("ticket", str(ticket["id"]))] = f"{ticket['subject']}\n\n{ticket['description']}"
    for row, _ in read_survey_rows(samples)[1:]:
        if len(row) >= 5:
            texts[("survey", row[0])] = row[4]
    for row in read_call_rows(samples)[1:]:
        path = samples / "calls" / "transcripts" / f"{row[0]}.vtt"
        if path.exists():
            texts[("call", row[0])] = "\n".join(cue for _, _, cue in parse_vtt(path.read_text(encoding="utf-8")))
    for post in read_posts(samples)[0]:
        texts[("social", post["id"])] = post["text"]
    return texts


def record_dates(samples: Path) -> dict[tuple[str, str], date]:
    dates: dict[tuple[str, str], date] = {}
    for ticket in read_tickets(samples)[1]:
        if is_parseable_timestamp(ticket.get("created_at")):
            dates[("ticket", str(ticket["id"]))] = date.fromisoformat(ticket["created_at"][:10])
    for row, _ in read_survey_rows(samples)[1:]:
        if len(row) > 1 and is_parseable_timestamp(row[1]):
            dates[("survey", row[0])] = date.fromisoformat(row[1][:10])
    for row in read_call_rows(samples)[1:]:
        if len(row) > 1 and is_parseable_timestamp(row[1]):
            dates[("call", row[0])] = date.fromisoformat(row[1][:10])
    for post in read_posts(samples)[0]:
        if is_parseable_timestamp(post.get("created_at")):
            dates[("social", post["id"])] = date.fromisoformat(post["created_at"][:10])
    return dates


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("samplegen")
    summary = generate_samples(root / "samples", root / "campaigns.csv", n_items=SMALL_ITEMS, seed=3)
    return root / "samples", root / "campaigns.csv", summary


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Enough items for weekly statistics to mean something."""
    root = tmp_path_factory.mktemp("samplegen_medium")
    summary = generate_samples(root / "samples", root / "campaigns.csv", n_items=3000, seed=5)
    return root / "samples", summary


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- determinism ------------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path, small) -> None:
    samples, campaigns, summary = small
    again = generate_samples(tmp_path / "a", tmp_path / "a.csv", n_items=SMALL_ITEMS, seed=3)
    assert again == summary
    assert all_files(tmp_path / "a") == all_files(samples)
    assert (tmp_path / "a.csv").read_bytes() == campaigns.read_bytes()
    other = generate_samples(tmp_path / "b", tmp_path / "b.csv", n_items=SMALL_ITEMS, seed=4)
    assert other["n_items"] == SMALL_ITEMS
    assert all_files(tmp_path / "b")["social/posts.jsonl"] != all_files(samples)["social/posts.jsonl"]


def test_regenerating_into_the_same_folder_leaves_no_stale_files(tmp_path: Path) -> None:
    generate_samples(tmp_path / "s", tmp_path / "c.csv", n_items=300, seed=1)
    first = all_files(tmp_path / "s")
    generate_samples(tmp_path / "s", tmp_path / "c.csv", n_items=200, seed=2)
    generate_samples(tmp_path / "s", tmp_path / "c.csv", n_items=300, seed=1)
    assert all_files(tmp_path / "s") == first


def test_command_line_writes_samples_and_prints_the_summary(tmp_path: Path, capsys) -> None:
    code = main(["--out", str(tmp_path / "s"), "--campaigns", str(tmp_path / "c.csv"), "--items", "150",
                 "--weeks", "10", "--end", "2026-11-15", "--seed", "9"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_items"] == 150 and summary["start_date"] == "2026-09-07"
    assert (tmp_path / "s" / "ground_truth.json").is_file()


def test_rejects_sizes_too_small_to_plant_the_stories(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_samples(tmp_path / "s", tmp_path / "c.csv", n_items=50)
    with pytest.raises(ValueError):
        generate_samples(tmp_path / "s", tmp_path / "c.csv", n_items=500, weeks=4)


# --- formats ---------------------------------------------------------------------------------

def test_ticket_pages_have_the_zendesk_export_shape(small) -> None:
    samples, _, summary = small
    documents, tickets = read_tickets(samples)
    for i, document in enumerate(documents):
        assert list(document) == ["tickets", "count", "end_of_stream", "next_page"]
        assert document["count"] == len(document["tickets"]) <= 1000
        is_last = i == len(documents) - 1
        assert document["end_of_stream"] is is_last
        assert (document["next_page"] is None) is is_last
    assert len(tickets) == summary["by_channel"]["ticket"]
    ids = [t["id"] for t in tickets]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) for i in ids)
    for ticket in tickets:
        assert ticket["url"] == f"https://larkspur.zendesk.com/api/v2/tickets/{ticket['id']}.json"
        assert ticket["status"] in {"new", "open", "pending", "solved", "closed"}
        assert ("solved_at" in ticket) == (ticket["status"] in {"solved", "closed"})
        assert ticket["via"]["channel"] in {"email", "web", "mobile"}
        assert ticket["custom_fields"][0]["id"] == 360001 and ticket["custom_fields"][0]["value"]
        assert isinstance(ticket["requester_id"], int) and all(isinstance(tag, str) for tag in ticket["tags"])
        assert ZENDESK_TIME.fullmatch(ticket["updated_at"])
        if "solved_at" in ticket:
            assert ZENDESK_TIME.fullmatch(ticket["solved_at"])
        if is_parseable_timestamp(ticket.get("created_at")):
            assert ZENDESK_TIME.fullmatch(ticket["created_at"])
            assert ticket.get("solved_at", ticket["created_at"]) >= ticket["created_at"]


def test_page_writer_splits_pages_and_links_them(tmp_path: Path) -> None:
    writer = _PageWriter(tmp_path, page_size=2)
    for n in range(5):
        writer.add(json.dumps({"id": n}), 1_790_000_000 + n)
    writer.close()
    pages = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("tickets_page_*.json"))]
    assert [p["count"] for p in pages] == [2, 2, 1]
    assert [p["end_of_stream"] for p in pages] == [False, False, True]
    assert pages[0]["next_page"].endswith("start_time=1790000001") and pages[2]["next_page"] is None


def test_survey_export_parses_and_scores_are_in_range(small) -> None:
    samples, _, summary = small
    rows = read_survey_rows(samples)
    assert rows[0][0] == ["ResponseId", "RecordedDate", "NPS", "CSAT", "Comment", "CustomerId", "Product"]
    truth = {r["source_record_id"]: r for r in read_truth_items(samples) if r["channel"] == "survey"}
    assert len(rows) - 1 == summary["by_channel"]["survey"] == len(truth)
    comments = []
    for row, is_utf8 in rows[1:]:
        reason = truth[row[0]]["malformed_reason"]
        assert is_utf8 == (reason != "undecodable_bytes")
        assert (len(row) != 7) == (reason == "wrong_field_count")
        if reason:
            continue
        assert re.fullmatch(r"R_[A-Za-z0-9]{15}", row[0])
        datetime.strptime(row[1], "%Y-%m-%d %H:%M:%S")
        assert row[2] or row[3]
        assert row[2] == "" or 0 <= int(row[2]) <= 10
        assert row[3] == "" or 1 <= int(row[3]) <= 5
        assert row[4].strip()
        comments.append(row[4])
    assert any("," in c for c in comments) and any('"' in c for c in comments) and any("\n" in c for c in comments)


def test_call_metadata_and_transcripts_are_webvtt_with_speaker_turns(small) -> None:
    samples, _, summary = small
    rows = read_call_rows(samples)
    assert rows[0] == ["call_id", "started_at", "customer_id", "handle_time_seconds", "queue", "agent_id"]
    truth = {r["source_record_id"]: r for r in read_truth_items(samples) if r["channel"] == "call"}
    assert len(rows) - 1 == summary["by_channel"]["call"] == len(truth)
    transcripts = {p.stem for p in (samples / "calls" / "transcripts").glob("*.vtt")}
    assert transcripts <= set(truth)
    for row in rows[1:]:
        reason = truth[row[0]]["malformed_reason"]
        assert (len(row) != 6) == (reason == "wrong_field_count")
        assert (row[0] in transcripts) == (reason != "missing_transcript")
        if row[0] not in transcripts:
            continue
        cues = parse_vtt((samples / "calls" / "transcripts" / f"{row[0]}.vtt").read_text(encoding="utf-8"))
        tagged = [re.match(r"<v (Agent|Customer)>", text) for _, _, text in cues]
        if reason == "vtt_no_speaker_tags":
            assert not any(tagged) and not any("<v" in text for _, _, text in cues)
            continue
        assert all(tagged)
        assert tagged[0].group(1) == "Agent" and "Larkspur" in cues[0][2]
        assert tagged[-1].group(1) == "Agent" and "Larkspur" in cues[-1][2]
        assert sum(m.group(1) == "Customer" for m in tagged) >= 3
        if not reason:
            assert ZENDESK_TIME.fullmatch(row[1])
            assert int(row[3]) >= cues[-1][1]


def test_posts_are_x_api_v2_objects(small) -> None:
    samples, _, summary = small
    posts, broken = read_posts(samples)
    assert len(posts) + len(broken) == summary["by_channel"]["social"]
    assert len(broken) == summary["malformed"]["truncated_json"]
    by_id = {p["id"]: p for p in posts}
    assert len(by_id) == len(posts)
    for post in posts:
        assert post["id"].isdigit() and post["author_id"].isdigit() and post["conversation_id"].isdigit()
        assert post["lang"] in {"en", "es", "ru", "ro", "zh", "und"}
        assert set(post["public_metrics"]) == {"retweet_count", "reply_count", "like_count", "quote_count",
                                               "impression_count"}
        for reference in post.get("referenced_tweets", []):
            assert reference["type"] in {"retweeted", "quoted", "replied_to"} and reference["id"].isdigit()
        if is_parseable_timestamp(post["created_at"]):
            assert X_TIME.fullmatch(post["created_at"])
        if not post["text"].startswith("RT @"):
            assert len(post["text"]) <= 280
        else:
            (reference,) = post["referenced_tweets"]
            assert reference["type"] == "retweeted"
            original = by_id[reference["id"]]
            handle = post["text"][4:].split(":", 1)[0]
            assert post["text"] == f"RT @{handle}: {original['text']}" and post["lang"] == original["lang"]
    texts = " ".join(p["text"] for p in posts)
    assert "@LarkspurHelp" in texts and "@Larkspur " in texts and "#" in texts


def test_campaigns_calendar_has_the_confusing_promotion(small) -> None:
    _, campaigns_path, _ = small
    with campaigns_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["name", "promo_code", "start_date", "end_date", "terms"]
    assert 4 <= len(rows) <= 6
    for row in rows:
        assert date.fromisoformat(row["start_date"]) <= date.fromisoformat(row["end_date"])
    fall = next(r for r in rows if r["promo_code"] == "FALL25")
    assert fall["name"] == "Fall Refresh" and "app only" in fall["terms"] and "gift cards" in fall["terms"]
    assert {"FREESHIP", "BTS15"} <= {r["promo_code"] for r in rows}


# --- ground truth and ratios -------------------------------------------------------------------

def test_ground_truth_lists_every_record_exactly_once(small) -> None:
    samples, _, summary = small
    items = read_truth_items(samples)
    assert len(items) == SMALL_ITEMS == summary["n_items"]
    keys = [(r["channel"], r["source_record_id"]) for r in items]
    assert len(set(keys)) == len(keys)
    readable = set(record_texts(samples))
    unreadable = {k for k, r in zip(keys, items) if r["malformed_reason"] in {"truncated_json", "missing_transcript"}}
    assert readable == set(keys) - unreadable
    assert Counter(r["channel"] for r in items) == Counter(summary["by_channel"])
    assert Counter(r["malformed_reason"] for r in items if r["malformed_reason"]) == Counter(
        {k: v for k, v in summary["malformed"].items() if k != "total" and v})


def test_languages_and_duplicates_match_the_files(small) -> None:
    samples, _, _ = small
    items = read_truth_items(samples)
    texts = record_texts(samples)
    posts = {p["id"]: p for p in read_posts(samples)[0]}
    for row in items:
        key = (row["channel"], row["source_record_id"])
        if row["channel"] == "social" and key[1] in posts:
            assert posts[key[1]]["lang"] == row["language"]
        if row["language"] == "zh" and key in texts:
            assert re.search(r"[\u4e00-\u9fff]", texts[key])
        if row["language"] == "ru" and key in texts:
            assert re.search(r"[а-яА-Я]", texts[key])
        if row["duplicate_of"]:
            original = (row["channel"], row["duplicate_of"])
            if row["channel"] == "social" and texts[key].startswith("RT @"):
                assert texts[key].endswith(": " + texts[original])
            else:
                assert texts[key] == texts[original]
        if row["malformed_reason"] == "empty_text":
            assert not texts[key].strip()


def test_ratios_the_issue_asks_for(medium) -> None:
    samples, summary = medium
    n = summary["n_items"]
    shares = {channel: count / n for channel, count in summary["by_channel"].items()}
    assert 0.30 <= shares["ticket"] <= 0.40 and 0.25 <= shares["survey"] <= 0.35
    assert 0.07 <= shares["call"] <= 0.11 and 0.20 <= shares["social"] <= 0.30
    assert summary["non_english_share"] >= 0.10
    assert {"es", "ru", "ro", "zh"} <= set(summary["by_language"])
    assert 0.03 <= summary["pii"]["total"] / n <= 0.08
    assert all(summary["pii"][kind] > 0 for kind in ("email", "phone", "card", "iban"))
    assert all(summary["duplicates"][kind] >= 3 for kind in ("double_submit", "repost", "template_copy"))
    assert 0.008 <= summary["malformed"]["total"] / n <= 0.02
    assert all(summary["malformed"][reason] >= 2 for reason in MALFORMED_REASONS)
    assert 0.18 <= summary["two_theme_share"] <= 0.32
    assert summary["repeat_contacts_within_14_days"] > 0


def test_small_samples_still_plant_every_malformed_kind(small) -> None:
    _, _, summary = small
    assert all(summary["malformed"][reason] >= 2 for reason in MALFORMED_REASONS)


def test_flagged_personal_data_is_in_the_text_and_validates(small) -> None:
    samples, _, _ = small
    texts = record_texts(samples)
    flagged = [r for r in read_truth_items(samples) if r["has_pii"] == "true"]
    assert flagged
    for row in flagged:
        text = texts[(row["channel"], row["source_record_id"])]
        emails = [e for e in EMAIL.findall(text) if e != "support@larkspur.com"]
        cards = [c for c in CARD_CANDIDATE.findall(text) if is_luhn_valid(c)]
        ibans = [i for i in IBAN_CANDIDATE.findall(text) if is_iban_valid(i)]
        assert emails or cards or ibans or PHONE_CANDIDATE.search(text), text
    for row in read_truth_items(samples):
        key = (row["channel"], row["source_record_id"])
        if row["has_pii"] == "false" and key in texts:
            assert not [e for e in EMAIL.findall(texts[key]) if e != "support@larkspur.com"], texts[key]


def test_scores_follow_the_content(medium) -> None:
    samples, _ = medium
    truth = {r["source_record_id"]: r for r in read_truth_items(samples) if r["channel"] == "survey"}
    nps_by_polarity: dict[str, list[int]] = defaultdict(list)
    for row, _ in read_survey_rows(samples)[1:]:
        item = truth[row[0]]
        if item["malformed_reason"] or not row[2] or "|" in item["stories"]:
            continue
        nps_by_polarity[THEMES[item["stories"]].polarity].append(int(row[2]))
    praise, problem = nps_by_polarity["praise"], nps_by_polarity["problem"]
    assert statistics.median(praise) >= 9 and statistics.median(problem) <= 6
    assert sum(score <= 6 for score in problem) / len(problem) > 0.7


# --- planted stories -----------------------------------------------------------------------------

def weekly_theme_counts(samples: Path) -> dict[str, Counter[date]]:
    dates = record_dates(samples)
    counts: dict[str, Counter[date]] = defaultdict(Counter)
    for row in read_truth_items(samples):
        key = (row["channel"], row["source_record_id"])
        if row["malformed_reason"] or key not in dates or not row["stories"]:
            continue
        for theme in row["stories"].split("|"):
            counts[theme][week_start(dates[key])] += 1
    return counts


def test_stories_land_in_their_declared_weeks(small) -> None:
    samples, _, _ = small
    truth = json.loads((samples / "ground_truth.json").read_text(encoding="utf-8"))
    stories = {s["key"]: s for s in truth["stories"]}
    counts = weekly_theme_counts(samples)
    promo = stories["promo_confusion"]
    assert promo["start_date"] == "2026-09-14" and promo["facts"]["promo_code"] == "FALL25"
    launch = date.fromisoformat(promo["start_date"])
    assert counts["promo_code_issue"].most_common(1)[0][0] == launch
    assert counts["promo_code_issue"][launch] >= 0.5 * promo["planted_count_well_formed"]
    shipping = stories["shipping_disruption"]
    wave = {date.fromisoformat(w) for w in shipping["weeks"]}
    assert len(wave) == 3
    assert {w for w, _ in counts["delivery_delay"].most_common(3)} == wave
    crash = stories["app_crash"]
    release = date.fromisoformat(crash["key_dates"]["release"])
    hotfix = date.fromisoformat(crash["key_dates"]["hotfix"])
    assert hotfix - release == timedelta(days=10)
    assert min(counts["app_crash"]) == week_start(release)
    assert max(counts["app_crash"]) <= week_start(hotfix) + timedelta(weeks=1)
    for story in truth["stories"]:
        theme_weeks = {date.fromisoformat(w): c for w, c in story["theme_weekly_counts"].items()}
        assert {w: c for w, c in theme_weeks.items() if c} == dict(counts[story["theme"]])


def test_gift_card_contacts_take_about_ten_times_longer(medium) -> None:
    samples, _ = medium
    truth = json.loads((samples / "ground_truth.json").read_text(encoding="utf-8"))
    measured = next(s for s in truth["stories"] if s["key"] == "gift_card_handling")["measured"]
    calls = measured["median_call_handle_seconds"]
    assert 150 <= calls["all_other_themes"] <= 350
    assert 7 <= calls["gift_card_redemption"] / calls["all_other_themes"] <= 14
    tickets = measured["median_ticket_resolution_hours"]
    assert 7 <= tickets["gift_card_redemption"] / tickets["all_other_themes"] <= 14
    # Cross-check against the files themselves.
    items = {r["source_record_id"]: r for r in read_truth_items(samples) if r["channel"] == "call"}
    handle: dict[bool, list[int]] = defaultdict(list)
    for row in read_call_rows(samples)[1:]:
        item = items[row[0]]
        if not item["malformed_reason"] and item["stories"]:
            handle[item["stories"].split("|")[0] == "gift_card_redemption"].append(int(row[3]))
    assert statistics.median(handle[True]) == pytest.approx(calls["gift_card_redemption"], abs=1)


def test_steady_themes_have_equal_expected_weeks_and_only_sampling_noise(medium) -> None:
    period = build_period(END, 20)
    campaigns = build_campaigns(period)
    components = build_components(period, build_stories(period, campaigns), campaigns)
    for component in components:
        if component.story is None and component.campaign is None:
            weekly = [sum(component.daily_rates[i:i + 7]) for i in range(0, period.n_days, 7)]
            assert max(weekly) == pytest.approx(min(weekly))
    # In the data: steady themes vary like Poisson counts, far less than any story's peak.
    samples, _ = medium
    counts = weekly_theme_counts(samples)
    weeks = period.week_starts()
    for theme in STEADY_THEMES:
        if theme == "delivery_delay":
            continue  # its baseline is steady, but the shipping story lifts three weeks
        series = [counts[theme][w] for w in weeks]
        mean = statistics.mean(series)
        assert statistics.pvariance(series) / mean < 2.5, (theme, series)
        assert (max(series) - mean) / mean**0.5 < 5.5, (theme, series)
    truth = json.loads((samples / "ground_truth.json").read_text(encoding="utf-8"))
    for story in truth["stories"]:
        if story["key"] == "gift_card_handling":
            continue
        outside = [counts[story["theme"]][w] for w in weeks if w.isoformat() not in story["weeks"]]
        baseline = max(1.0, statistics.mean(outside))
        peak = max(counts[story["theme"]].values())
        assert (peak - baseline) / baseline**0.5 > 10, story["key"]


def test_longer_horizon_gets_a_holiday_peak_led_by_delivery_and_gift_cards() -> None:
    period = build_period(date(2027, 1, 3), 60)
    campaigns = build_campaigns(period)
    components = build_components(period, build_stories(period, campaigns), campaigns)
    days = period.days()

    def volume(day_range: tuple[date, date], theme: str | None = None) -> float:
        indexes = [i for i, d in enumerate(days) if day_range[0] <= d <= day_range[1]]
        return sum(c.daily_rates[i] for c in components if c.story is None and theme in (None, c.theme.key)
                   for i in indexes) / len(indexes)

    september, december = (date(2026, 9, 7), date(2026, 9, 27)), (date(2026, 12, 1), date(2026, 12, 21))
    assert 2.0 <= volume(december) / volume(september) <= 3.0
    for leader in ("order_status", "gift_card_redemption"):
        assert volume(december, leader) / volume(september, leader) > volume(december) / volume(september)
    assert "BLACKFRIDAY30" in {c.promo_code for c in campaigns}


# --- the phrasebooks -----------------------------------------------------------------------------

def test_every_theme_is_written_natively_with_enough_phrasings() -> None:
    for language, lexicon in LEXICONS.items():
        assert set(lexicon.themes) == set(THEMES), language
        for theme, text in lexicon.themes.items():
            distinct = set(text.core) | set(text.story_core)
            assert len(distinct) >= (15 if language == "en" else 5), (language, theme)
            assert text.subjects, (language, theme)


def test_every_template_renders_with_known_slots() -> None:
    rng = substream(0, "test")
    countries = {"en": "GB", "es": "ES", "ru": "RU", "ro": "RO", "zh": "CN"}
    for language, lexicon in LEXICONS.items():
        person = Customer(index=0, language=language, first_name="Ana", last_name="Popa", first_latin="ana",
                          last_latin="popa", country=countries[language], customer_id=361000000001)
        slots = SlotFiller(rng, SlotContext(person, datetime(2026, 9, 20, 12), APPAREL[0]))
        templates = [t for text in lexicon.themes.values()
                     for t in (*text.core, *text.story_core, *text.details, *text.story_details, *text.subjects)]
        templates += [*lexicon.openers, *lexicon.closers, *lexicon.signoffs, *lexicon.pii.email, *lexicon.pii.phone,
                      *lexicon.pii.card, *lexicon.pii.iban, *lexicon.calls.greetings, *lexicon.calls.customer_verify,
                      *(tag for tags in lexicon.social.hashtags.values() for tag in tags)]
        for template in templates:
            rendered = expand_alternations(template, rng).format_map(slots)
            assert "{" not in rendered and "[" not in rendered, (language, template)
        header = lexicon.email.quote_header.format(weekday="Mon", day=5, month="Oct", month_number=10, year=2026,
                                                   time="10:02")
        assert "support@larkspur.com" in header and "{" not in header


def test_generated_card_numbers_and_ibans_validate() -> None:
    rng = substream(1, "pii")
    for _ in range(200):
        assert is_luhn_valid(card_number(rng))
        assert is_iban_valid(iban(rng, rng.choice(("GB", "RO", "ES", "DE", "US"))))
    assert not is_luhn_valid("4111 1111 1111 1112")


# --- support timings and the holiday peak ----------------------------------------------------

def test_tickets_carry_a_zendesk_metric_set_with_the_first_reply(small) -> None:
    samples, _, _ = small
    _, tickets = read_tickets(samples)
    for ticket in tickets:
        metrics = ticket["metric_set"]
        assert metrics["ticket_id"] == ticket["id"]
        assert metrics["url"] == f"https://larkspur.zendesk.com/api/v2/ticket_metrics/{metrics['id']}.json"
        reply = metrics["reply_time_in_minutes"]
        assert set(reply) == {"calendar", "business"}
        if ticket["status"] == "new":
            assert reply["calendar"] is None and metrics["replies"] == 0
        if reply["calendar"] is not None:
            assert 0 <= reply["business"] <= reply["calendar"] and metrics["replies"] >= 1
        resolution = metrics["full_resolution_time_in_minutes"]["calendar"]
        assert (resolution is not None) == ("solved_at" in ticket)
        if resolution is not None and reply["calendar"] is not None:
            assert reply["calendar"] <= resolution
    assert sum(t["metric_set"]["reply_time_in_minutes"]["calendar"] is not None for t in tickets) > 0.8 * len(tickets)


@pytest.fixture(scope="module")
def peak_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("samplegen_peak")
    generate_samples(root / "samples", root / "campaigns.csv", n_items=6000, weeks=60, end_date=date(2027, 1, 3),
                     seed=5)
    return root / "samples"


def test_the_holiday_peak_in_the_data_is_2_to_3x_and_led_by_delivery_and_gift_cards(peak_year: Path) -> None:
    items = [row for row in read_truth_items(peak_year) if not row["malformed_reason"] and row["stories"]]
    autumn = (date(2026, 9, 28), date(2026, 11, 15))  # after the promotion story, before the ramp
    peak = (date(2026, 11, 30), date(2026, 12, 20))

    def weekly(day_range: tuple[date, date], themes: set[str] | None = None) -> float:
        days = (day_range[1] - day_range[0]).days + 1
        count = sum(day_range[0] <= datetime.fromisoformat(row["received_at"]).date() <= day_range[1]
                    and (themes is None or row["stories"].split("|")[0] in themes) for row in items)
        return count / days * 7

    assert 2.0 <= weekly(peak) / weekly(autumn) <= 3.0
    leaders = {"delivery_delay", "gift_card_redemption"}
    assert weekly(peak, leaders) / weekly(peak) > 1.3 * weekly(autumn, leaders) / weekly(autumn)


def test_first_replies_wait_longer_in_the_peak_and_for_gift_cards(peak_year: Path) -> None:
    themes = {row["source_record_id"]: row["stories"].split("|")[0] for row in read_truth_items(peak_year)
              if row["channel"] == "ticket" and row["stories"] and not row["malformed_reason"]}
    replies: dict[str, list[float]] = defaultdict(list)
    open_at_export = 0
    for ticket in read_tickets(peak_year)[1]:
        minutes = ticket["metric_set"]["reply_time_in_minutes"]["calendar"]
        open_at_export += ticket["status"] in {"new", "open", "pending"}
        if str(ticket["id"]) not in themes or minutes is None:
            continue
        created = date.fromisoformat(ticket["created_at"][:10])
        season = "peak" if date(2026, 11, 30) <= created <= date(2026, 12, 20) else (
            "autumn" if date(2026, 9, 28) <= created <= date(2026, 11, 15) else "other")
        replies[season].append(minutes)
        replies["gift" if themes[str(ticket["id"])] == "gift_card_redemption" else "not_gift"].append(minutes)
    assert statistics.median(replies["peak"]) > 2 * statistics.median(replies["autumn"])
    assert statistics.median(replies["gift"]) > 1.4 * statistics.median(replies["not_gift"])
    assert open_at_export > 0  # a backlog is still open when the export is taken
