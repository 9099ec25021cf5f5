"""Hostile additions to a generated sample, and how to find every planted personal value.

``plant_hostile_records`` appends one record per channel carrying known personal data (an
e-mail, an international and a local phone number, two Luhn-valid cards typed with spaces
and with dashes, an IBAN) and one call whose customer turn carries script payloads (the
cleaner and the WebVTT reader drop the HTML; the Markdown ``javascript:`` link is plain text
and reaches the warehouse). ``planted_personal_data`` collects those values plus everything
the generator planted, straight from the raw export files.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from samplegen.pii import is_iban_valid, is_luhn_valid

# Messages land in the newest complete week of the sample (2026-11-09 to 11-15).
PLANT_DAY = "2026-11-11"
PLANTED_MARKDOWN_LINK = "[my order](javascript:window.__pwned=1)"
SCRIPT_PAYLOAD = (
    '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1;alert(1)"> '
    f'<a href="javascript:window.__pwned=1;alert(2)">track parcel</a> {PLANTED_MARKDOWN_LINK}'
)


@dataclass(frozen=True)
class PlantedPii:
    email: str
    phone_international: str
    phone_local: str
    card_spaced: str
    card_dashed: str
    iban: str

    def values(self) -> tuple[str, ...]:
        return (self.email, self.phone_international, self.phone_local, self.card_spaced, self.card_dashed, self.iban)

    def message(self) -> str:
        return (
            f"I was charged twice for order LK-4821937 on my card {self.card_spaced}, and my other card "
            f"{self.card_dashed} shows the same payment. Please refund to my IBAN {self.iban}. "
            f"Email me at {self.email} or call {self.phone_international} (home: {self.phone_local})."
        )


PLANTED: dict[str, PlantedPii] = {
    "ticket": PlantedPii("nora.quill@example-mail.net", "+44 7700 900461", "(415) 555-0198",
                         "4539 1488 0343 6467", "5425-2334-3010-9903", "GB29 NWBK 6016 1331 9268 19"),
    "survey": PlantedPii("dmitri.vasquez+orders@example-mail.net", "+1 415 555 0142", "07700 900 387",
                         "4012 8888 8888 1881", "5500-0055-5555-0006", "DE89370400440532013000"),
    "call": PlantedPii("ayo.lindqvist@example-mail.org", "+44 (0)7700 900512", "415-555-0163",
                       "3714 496353 98431", "4111-1111-1111-1111", "ES91 2100 0418 4502 0005 1332"),
    "social": PlantedPii("kai.moreau@example-mail.org", "+1-415-555-0117", "07700 900218",
                         "5200 8282 8282 8210", "3400-000000-00009", "GB82 WEST 1234 5698 7654 32"),
}


def _append_ticket(samples: Path, record_id: int, subject: str, text: str) -> None:
    last_page = sorted((samples / "tickets").glob("tickets_page_*.json"))[-1]
    page = json.loads(last_page.read_text(encoding="utf-8"))
    ticket = json.loads(json.dumps(page["tickets"][-1]))  # a real ticket's shape
    stamp = f"{PLANT_DAY}T10:15:00Z"
    ticket.update(id=record_id, url=f"https://larkspur.zendesk.com/api/v2/tickets/{record_id}.json",
                  created_at=stamp, updated_at=stamp, subject=subject, description=text, status="open")
    ticket.pop("solved_at", None)
    ticket.pop("metric_set", None)
    page["tickets"].append(ticket)
    page["count"] = len(page["tickets"])
    last_page.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")


def _append_survey(samples: Path, response_id: str, text: str) -> None:
    path = samples / "surveys" / "survey_responses.csv"
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerow(
            [response_id, f"{PLANT_DAY} 09:40:00", 1, "", text, "361000043106", "gift-card"]
        )


def _append_call(samples: Path, call_id: str, customer_turns: list[str]) -> None:
    with (samples / "calls" / "call_metadata.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            [call_id, f"{PLANT_DAY}T14:05:00Z", "361000043106", 540, "billing", "AG-2019"]
        )
    turns = ["Larkspur, this is Sam. How can I help?", *customer_turns]
    cues = ["WEBVTT", ""]
    for index, text in enumerate(turns):
        speaker = "Agent" if index == 0 else "Customer"
        cues += [str(index + 1), f"00:00:{index * 6 + 1:02d}.000 --> 00:00:{index * 6 + 5:02d}.500",
                 f"<v {speaker}>{text}", ""]
    (samples / "calls" / "transcripts" / f"{call_id}.vtt").write_text("\n".join(cues), encoding="utf-8")


def _append_post(samples: Path, post_id: str, text: str) -> None:
    post = {
        "id": post_id, "text": text, "created_at": f"{PLANT_DAY}T16:20:00.000Z", "author_id": "1311888242446041284",
        "lang": "en", "conversation_id": post_id,
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0,
                           "impression_count": 40},
    }
    with (samples / "social" / "posts.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(post, ensure_ascii=False) + "\n")


def plant_hostile_records(samples: Path) -> None:
    _append_ticket(samples, 990001, "Charged twice", PLANTED["ticket"].message())
    _append_survey(samples, "R_security0000001", PLANTED["survey"].message())
    _append_call(samples, "CL20261111-990001", [PLANTED["call"].message()])
    _append_post(samples, "2099000000000000001", "@LarkspurHelp " + PLANTED["social"].message())
    _append_call(samples, "CL20261111-990002", [
        f"My tracking page shows this instead of the parcel: {SCRIPT_PAYLOAD} and it never loads.",
        "I was charged twice for the order and the refund has not arrived.",
    ])


# --------------------------------------------------------------------------- finding them

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Visa/Mastercard (4x4) and Amex (4-6-5), with spaces, dashes or nothing between groups.
CARD = re.compile(r"(?<![\d-])(?:3[47]\d{2}[ -]?\d{6}[ -]?\d{5}|[45]\d{3}(?:[ -]?\d{4}){3})(?![\d-])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
# The ways samplegen/pii.py types phone numbers, per country (international and local).
_PHONE_SHAPES = (
    r"\(\d{3}\) \d{3}-\d{4}", r"\d{3}-\d{3}-\d{4}", r"\d{3}\.\d{3}\.\d{4}",  # US
    r"\+1 \d{3} \d{3} \d{4}", r"\+1 \(\d{3}\) \d{3}-\d{4}", r"\+1-\d{3}-\d{3}-\d{4}",
    r"07\d{3} \d{6}", r"07\d{3} \d{3} \d{3}", r"07\d{9}",  # GB
    r"\+44 7\d{3} \d{6}", r"\+44 \(0\)7\d{3} \d{6}", r"\+447\d{9}",
    r"07\d{2} \d{3} \d{3}", r"07\d{8}", r"07\d{2}\.\d{3}\.\d{3}",  # RO
    r"\+40 7\d{2} \d{3} \d{3}", r"\+407\d{8}", r"0040 7\d{2} \d{6}",
    r"8 \(9\d{2}\) \d{3}-\d{2}-\d{2}", r"89\d{9}", r"8-9\d{2}-\d{3}-\d{2}-\d{2}",  # RU
    r"\+7 9\d{2} \d{3}-\d{2}-\d{2}", r"\+7 \(9\d{2}\) \d{3} \d{2} \d{2}", r"\+79\d{9}",
    r"6\d{2} \d{2} \d{2} \d{2}", r"\+34 6\d{2} \d{2} \d{2} \d{2}", r"\+34 6\d{8}", r"0034 6\d{8}",  # ES
    r"55 \d{4} \d{4}", r"\+52 55 \d{4} \d{4}",  # MX
    r"1[3589]\d \d{4} \d{4}", r"\+86 1[3589]\d \d{4} \d{4}",  # CN
)
PHONE = re.compile(r"(?<![\d+(.-])(?:" + "|".join(sorted(_PHONE_SHAPES, key=len, reverse=True)) + r")(?![\d-])")
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_JSON_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
COMPANY_ADDRESS = "support@larkspur.com"  # in quoted e-mail headers; not a customer's data


def _json_unescaped(text: str) -> str:
    # Line by line, so a truncated (malformed) JSON line is read too.
    return _JSON_ESCAPE.sub(
        lambda m: chr(int(m[1][1:], 16)) if m[1][0] == "u" else _JSON_ESCAPED[m[1]], text
    )


def raw_export_text(samples: Path) -> str:
    parts = []
    for path in sorted(samples.rglob("*")):
        if not path.is_file() or path.name.startswith("ground_truth"):
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        parts.append(_json_unescaped(text) if path.suffix in (".json", ".jsonl") else text)
    return "\n".join(parts)


@dataclass(frozen=True)
class PlantedData:
    by_kind: dict[str, list[str]]  # every occurrence in the exports, per kind

    @property
    def values(self) -> set[str]:
        return {value for found in self.by_kind.values() for value in found}


def planted_personal_data(samples: Path) -> PlantedData:
    raw = raw_export_text(samples)
    return PlantedData({
        "email": [v for v in EMAIL.findall(raw) if v != COMPANY_ADDRESS],
        "phone": PHONE.findall(raw),
        "card": [v for v in CARD.findall(raw) if is_luhn_valid(v)],
        "iban": [v for v in IBAN.findall(raw) if is_iban_valid(v)],
    })


def digit_forms(value: str) -> set[str]:
    """The digits of a phone or card number as a leak might reformat them: all its digits,
    and for a phone its national number (without country code or trunk prefix)."""
    if "@" in value or re.match(r"[A-Z]{2}\d{2}", value):
        return set()
    digits = re.sub(r"\D", "", value)
    forms = {digits}
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else "GB" if value.startswith("07") else "US")
        forms.add(str(number.national_number))
    except phonenumbers.NumberParseException:
        pass
    return {form for form in forms if len(form) >= 9}


_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s().\-/]+(?=\d)")


def leaked_values(planted: set[str], haystack: str) -> list[str]:
    """Planted values found in the text: as typed, or as the same digits however separated."""
    digits_joined = _BETWEEN_DIGITS.sub("", haystack)
    leaked = {v for v in planted if v in haystack}
    leaked |= {v for v in planted if any(form in digits_joined for form in digit_forms(v))}
    return sorted(leaked)
