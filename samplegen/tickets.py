"""Support tickets as Zendesk incremental-export pages (``tickets/tickets_page_NNN.json``).

Pages are written as they fill (at most ``PAGE_SIZE`` tickets held in memory). Tickets carry a
subject and an e-mail-like description: greetings, sign-offs, "Sent from my iPhone", quoted
earlier replies, legal disclaimers and the odd stray HTML tag.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from .calendar import holiday_factor
from .form_letters import form_letter_for
from .kinds import EMPTY_TEXT, MISSING_DATE, UNPARSEABLE_DATE, Channel
from .lexicon import lexicon_for
from .lexicon.types import Lexicon
from .people import Customer
from .records import ItemSpec, Outcome
from .rng import lognormal_with_median
from .slots import SlotContext, SlotFiller
from .text import (add_typos, continue_sentence, double_quotes_for_single, join_sentences,
                   lowercase, pick_issue, pii_sentence, render, shout, typo_rate)
from .themes import THEMES

PAGE_SIZE = 1000
PRODUCT_FIELD_ID = 360001
BASE_URL = "https://larkspur.zendesk.com/api/v2"
MEDIAN_RESOLUTION_HOURS = 20.0
MEDIAN_FIRST_REPLY_HOURS = 3.0
# Each queue has its own staffing, so customers wait for a first reply longer in some.
QUEUE_FIRST_REPLY_FACTOR: dict[str, float] = {
    "orders": 1.2, "gift_cards": 2.0, "billing": 0.8, "tech_support": 0.9, "returns": 1.1,
    "membership": 1.0, "sales": 1.0, "general": 1.5,
}
# In the holiday peak the same team faces 2-3x the contacts: a backlog builds, so the
# first reply waits (and, less so, the resolution) grow faster than the volume.
FIRST_REPLY_LOAD_EXPONENT = 1.5
RESOLUTION_LOAD_EXPONENT = 0.5
BUSINESS_HOURS = (time(9, 0), time(18, 0))  # Monday to Friday, UTC (the support schedule)
METRIC_SET_ID_OFFSET = 9_000_000_000
DOUBLE_SUBMIT_RATE = 0.02
FORM_LETTER_RATE = 0.07
BAD_TIMESTAMPS = ("2026-09-31T08:15:00Z", "2026-13-02T10:00:00Z", "31/09/2026 25:61", "not available",
                  "2026-10-0T9:00Z", "TBD")
CHANNEL: Channel = "ticket"


def zendesk_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Written:
    """What a duplicate needs to copy."""

    subject: str
    description: str
    requester: Customer
    via: str
    product_slug: str
    themes: tuple[str, ...]
    language: str
    when: datetime
    story_key: str | None
    pii_kinds: tuple


class _PageWriter:
    def __init__(self, directory: Path, page_size: int = PAGE_SIZE) -> None:
        self.directory = directory
        self.page_size = page_size
        directory.mkdir(parents=True, exist_ok=True)
        self.page_number = 0
        self.buffer: list[str] = []
        self.last_created = 0

    def add(self, ticket_json: str, created_epoch: int) -> None:
        if len(self.buffer) == self.page_size:
            self._flush(is_last=False)
        self.buffer.append(ticket_json)
        self.last_created = created_epoch

    def _flush(self, is_last: bool) -> None:
        self.page_number += 1
        next_page = "null" if is_last else json.dumps(
            f"{BASE_URL}/incremental/tickets.json?start_time={self.last_created}")
        text = ('{"tickets": [' + ", ".join(self.buffer) + f'], "count": {len(self.buffer)}, '
                f'"end_of_stream": {"true" if is_last else "false"}, "next_page": {next_page}}}\n')
        (self.directory / f"tickets_page_{self.page_number:03d}.json").write_text(text, encoding="utf-8")
        self.buffer = []

    def close(self) -> None:
        self._flush(is_last=True)


def _via(rng: random.Random, theme: str) -> str:
    mobile_share = 0.45 if theme == "app_crash" else 0.15
    draw = rng.random()
    return "mobile" if draw < mobile_share else "email" if draw < mobile_share + 0.5 else "web"


def _subject_template(lex: Lexicon, theme: str, rng: random.Random, is_reply: bool) -> str:
    subjects = lex.themes[theme].subjects if rng.random() < 0.85 else lex.generic_subjects
    subject = rng.choice(subjects)
    style = rng.random()
    if style < 0.05:
        subject = shout(subject)
    elif style < 0.17:
        subject = lowercase(subject)
    elif style < 0.21:
        subject += "!!"
    elif style < 0.24:
        subject = "URGENT: " + subject
    return ("Re: " if is_reply else "") + subject


def _quoted_reply(lex: Lexicon, rng: random.Random, when: datetime, first_name: str) -> str:
    earlier = when - timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 600))
    header = lex.email.quote_header.format(
        weekday=lex.email.weekdays[earlier.weekday()], day=earlier.day, month=lex.email.months[earlier.month - 1],
        month_number=earlier.month, year=earlier.year, time=earlier.strftime("%H:%M"))
    reply = rng.choice(lex.email.support_replies).format(first_name=first_name)
    return header + "\n" + "\n".join("> " + line for line in reply.split("\n"))


def _with_html(description: str, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return description.replace("\n\n", "<br><br>", 2)
    if kind < 0.7:
        return "".join(f"<p>{para}</p>" for para in description.split("\n\n"))
    if kind < 0.85:
        return '<div dir="ltr">' + description + "</div>"
    return description.replace(". ", ".&nbsp; ", 1)


def compose_ticket(spec: ItemSpec, slots: SlotFiller, rng: random.Random, via: str) -> tuple[str, str]:
    """Subject and description, rendered."""
    lex = lexicon_for(spec.language)
    language = spec.language
    is_mobile = via == "mobile"
    primary = pick_issue(lex, spec.themes[0], rng, spec.is_story, max_details=1 if is_mobile else 2)
    paragraphs: list[str] = []
    if rng.random() < (0.3 if is_mobile else 0.65):
        paragraphs.append(rng.choice(lex.openers))
    body = join_sentences(list(primary.sentences), language)
    if THEMES[spec.themes[0]].anger > 0.5 and rng.random() < 0.05:
        body = shout(body)
    paragraphs.append(body)
    if len(spec.themes) > 1:
        second = pick_issue(lex, spec.themes[1], rng, False, max_details=1)
        joined = rng.choice(lex.connectors) + continue_sentence(second.sentences[0], language)
        second_text = join_sentences([joined, *second.sentences[1:]], language)
        if rng.random() < 0.6:
            paragraphs[-1] = join_sentences([paragraphs[-1], second_text], language)
        else:
            paragraphs.append(second_text)
    if spec.pii_kind:
        paragraphs.append(pii_sentence(lex, spec.pii_kind, rng))
    if rng.random() < 0.5:
        paragraphs.append(rng.choice(lex.closers))
    if rng.random() < (0.35 if is_mobile else 0.65):
        paragraphs.append(rng.choice(lex.signoffs))
    template = "\n\n".join(paragraphs)
    template = add_typos(template, rng, typo_rate(rng, language))
    if rng.random() < 0.2:
        template = double_quotes_for_single(template)
    if is_mobile and rng.random() < 0.3:
        template = lowercase(template)
    is_reply = via == "email" and rng.random() < 0.12
    subject = render(_subject_template(lex, spec.themes[0], rng, is_reply), slots)
    description = render(template, slots)
    if via == "email":
        description = _email_artefacts(description, lex, rng, spec, is_reply)
    if via != "mobile" and rng.random() < 0.05:
        description = _with_html(description, rng)
    return subject, description


def _email_artefacts(description: str, lex: Lexicon, rng: random.Random, spec: ItemSpec, is_reply: bool) -> str:
    if rng.random() < 0.25:
        description += "\n\n" + rng.choice(lex.email.sent_from)
    if rng.random() < 0.08:
        description += "\n\n" + rng.choice(lex.email.disclaimers)
    if is_reply:
        description += "\n\n" + _quoted_reply(lex, rng, spec.when, spec.person.first_name)
    return description


def _status_and_times(rng: random.Random, created: datetime, export_time: datetime, theme: str
                      ) -> tuple[str, datetime, datetime | None]:
    load = holiday_factor(created.date()) ** RESOLUTION_LOAD_EXPONENT
    hours = lognormal_with_median(rng, MEDIAN_RESOLUTION_HOURS * THEMES[theme].handle_time_factor * load, 0.9)
    solved = created + timedelta(hours=max(0.05, hours))
    if solved <= export_time:
        closed_at = solved + timedelta(days=4)
        if closed_at <= export_time:
            return "closed", closed_at, solved
        return "solved", solved, solved
    waited = (export_time - created).total_seconds()
    updated = created + timedelta(seconds=int(waited * rng.random()))
    if waited < 86_400 and rng.random() < 0.5:
        return "new", created, None
    return ("pending" if rng.random() < 0.45 else "open"), updated, None


def business_minutes(start: datetime, end: datetime) -> int:
    """Minutes of [start, end) inside the support schedule, as Zendesk's ``business`` figures."""
    opens, closes = BUSINESS_HOURS
    total = 0.0
    day: date = start.date()
    while day <= end.date():
        if day.weekday() < 5:
            window_start = max(start, datetime.combine(day, opens))
            window_end = min(end, datetime.combine(day, closes))
            total += max(0.0, (window_end - window_start).total_seconds())
        day += timedelta(days=1)
    return round(total / 60)


def _first_reply(rng: random.Random, created: datetime, status: str, solved: datetime | None,
                 export_time: datetime, theme: str) -> datetime | None:
    """When an agent first replied; None if nobody had by the export (or the ticket is new).

    A solved ticket was replied to at the latest when it was solved."""
    load = holiday_factor(created.date()) ** FIRST_REPLY_LOAD_EXPONENT
    median = MEDIAN_FIRST_REPLY_HOURS * QUEUE_FIRST_REPLY_FACTOR[THEMES[theme].queue] * load
    reply = created + timedelta(hours=lognormal_with_median(rng, median, 0.8))
    if solved is not None:
        return min(reply, solved)
    return None if status == "new" or reply > export_time else reply


def _minutes(start: datetime, end: datetime | None) -> dict[str, int | None]:
    if end is None:
        return {"calendar": None, "business": None}
    return {"calendar": round((end - start).total_seconds() / 60), "business": business_minutes(start, end)}


def metric_set(ticket_id: int, created: datetime, updated: datetime, replied: datetime | None,
               solved: datetime | None, replies: int) -> dict:
    """The ticket's metrics as Zendesk sideloads them (``include=metric_sets``)."""
    return {
        "id": METRIC_SET_ID_OFFSET + ticket_id,
        "ticket_id": ticket_id,
        "url": f"{BASE_URL}/ticket_metrics/{METRIC_SET_ID_OFFSET + ticket_id}.json",
        "created_at": zendesk_time(created),
        "updated_at": zendesk_time(updated),
        "replies": replies,
        "reopens": 0,
        "solved_at": zendesk_time(solved) if solved else None,
        "reply_time_in_minutes": _minutes(created, replied),
        "first_resolution_time_in_minutes": _minutes(created, solved),
        "full_resolution_time_in_minutes": _minutes(created, solved),
    }


def _tags(rng: random.Random, theme: str, language: str, via: str) -> list[str]:
    """Tags as triggers and agents set them: noisy, so they are a hint, not the answer."""
    tags = [tag for tag in THEMES[theme].tags if rng.random() < 0.5]
    tags.append({"email": "email_in", "web": "web_widget", "mobile": "mobile_sdk"}[via])
    if rng.random() < 0.15:
        tags.append("plus_member")
    if language != "en" and rng.random() < 0.6:
        tags.append(f"lang_{language}")
    return sorted(set(tags))


class TicketWriter:
    def __init__(self, directory: Path, export_time: datetime, timing_rng: random.Random,
                 first_id: int = 41_872) -> None:
        self.pages = _PageWriter(directory)
        self.export_time = export_time
        # Reply times draw from their own stream, so adding them left every text unchanged.
        self.timing_rng = timing_rng
        self.next_id = first_id
        self.pending_double: tuple[_Written, str] | None = None
        self.form_letter_originals: dict[str, str] = {}

    def _new_id(self, rng: random.Random) -> int:
        self.next_id += rng.randint(1, 3)  # ids are account-wide: other tickets take the gaps
        return self.next_id

    def write(self, spec: ItemSpec, rng: random.Random) -> Outcome:
        if self.pending_double is not None and spec.malformed is None:
            (original, original_id), self.pending_double = self.pending_double, None
            return self._write_double_submit(original, original_id, rng)
        if spec.malformed is None and spec.is_story and rng.random() < FORM_LETTER_RATE:
            letter = form_letter_for(spec.component.story)
            if letter is not None:
                return self._write_form_letter(spec, rng, letter.subject, letter.body)
        slots = SlotFiller(rng, SlotContext(spec.person, spec.when, spec.product, spec.component.story,
                                            spec.component.campaign))
        via = _via(rng, spec.themes[0])
        subject, description = compose_ticket(spec, slots, rng, via)
        written = _Written(subject, description, spec.person, via, spec.product.slug, spec.themes, spec.language,
                           spec.when, spec.story_key, (spec.pii_kind,) if spec.pii_kind else ())
        outcome = self._emit(rng, written, spec.malformed)
        if spec.malformed is None and rng.random() < DOUBLE_SUBMIT_RATE:
            self.pending_double = (written, outcome.source_record_id)
        return outcome

    def _write_form_letter(self, spec: ItemSpec, rng: random.Random, subject: str, body: str) -> Outcome:
        story_key = spec.story_key or ""
        written = _Written(subject, body, spec.person, "email", spec.product.slug, (spec.themes[0],), "en",
                           spec.when, spec.story_key, ())
        original = self.form_letter_originals.get(story_key)
        outcome = self._emit(rng, written, None, duplicate_of=original,
                             duplicate_kind="template_copy" if original else None)
        self.form_letter_originals.setdefault(story_key, outcome.source_record_id)
        return outcome

    def _write_double_submit(self, original: _Written, original_id: str, rng: random.Random) -> Outcome:
        """The same message sent again a few minutes later (a double click, an impatient resend)."""
        when = original.when + timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))
        return self._emit(rng, replace(original, when=when), None, duplicate_of=original_id,
                          duplicate_kind="double_submit")

    def _emit(self, rng: random.Random, written: _Written, malformed: str | None, duplicate_of: str | None = None,
              duplicate_kind: str | None = None) -> Outcome:
        ticket_id = self._new_id(rng)
        status, updated, solved = _status_and_times(rng, written.when, self.export_time, written.themes[0])
        ticket: dict = {
            "id": ticket_id,
            "url": f"{BASE_URL}/tickets/{ticket_id}.json",
            "created_at": zendesk_time(written.when),
            "updated_at": zendesk_time(updated),
        }
        if solved is not None:
            ticket["solved_at"] = zendesk_time(solved)
        replied = _first_reply(self.timing_rng, written.when, status, solved, self.export_time, written.themes[0])
        replies = 0 if replied is None else 1 + self.timing_rng.randrange(4)
        ticket.update({
            "subject": written.subject,
            "description": written.description,
            "tags": _tags(rng, written.themes[0], written.language, written.via),
            "requester_id": written.requester.customer_id,
            "status": status,
            "via": {"channel": written.via},
            "custom_fields": [{"id": PRODUCT_FIELD_ID, "value": written.product_slug}],
            "metric_set": metric_set(ticket_id, written.when, updated, replied, solved, replies),
        })
        themes, language = written.themes, written.language
        if malformed is not None:
            themes, language = self._damage(ticket, malformed, rng, themes, language)
        created_epoch = int(written.when.replace(tzinfo=timezone.utc).timestamp())
        self.pages.add(json.dumps(ticket, ensure_ascii=False), created_epoch)
        return Outcome(
            channel=CHANNEL, source_record_id=str(ticket_id), when=written.when, themes=themes, language=language,
            story_key=written.story_key if themes else None, customer_index=written.requester.index,
            duplicate_of=duplicate_of, duplicate_kind=duplicate_kind,  # type: ignore[arg-type]
            pii_kinds=written.pii_kinds if malformed != EMPTY_TEXT else (),
            malformed_reason=malformed,
            resolution_hours=(solved - written.when).total_seconds() / 3600 if solved and not malformed else None,
            first_reply_hours=(replied - written.when).total_seconds() / 3600 if replied and not malformed else None,
        )

    @staticmethod
    def _damage(ticket: dict, reason: str, rng: random.Random, themes: tuple[str, ...], language: str
                ) -> tuple[tuple[str, ...], str]:
        if reason == UNPARSEABLE_DATE:
            ticket["created_at"] = rng.choice(BAD_TIMESTAMPS)
        elif reason == MISSING_DATE:
            if rng.random() < 0.5:
                del ticket["created_at"]
            else:
                ticket["created_at"] = None
        elif reason == EMPTY_TEXT:
            ticket["subject"] = rng.choice(("", " "))
            ticket["description"] = rng.choice(("", "   ", "\n\n", " \n "))
            return (), "und"
        return themes, language

    def close(self) -> None:
        self.pages.close()

