"""Survey responses (NPS and/or CSAT with a comment) as the survey tool's CSV export.

Rows are encoded one by one and written as bytes, which is how a row with a stray latin-1
byte (a broken integration) can sit in an otherwise UTF-8 file.
"""

from __future__ import annotations

import csv
import io
import random
import string
from pathlib import Path

from .kinds import (EMPTY_TEXT, MISSING_DATE, NPS_OUT_OF_RANGE, UNDECODABLE_BYTES, UNPARSEABLE_DATE,
                    WRONG_FIELD_COUNT, Channel)
from .lexicon import lexicon_for
from .records import ItemSpec, Outcome
from .slots import SlotContext, SlotFiller
from .text import (add_typos, continue_sentence, double_quotes_for_single, join_sentences, lowercase, pick_issue,
                   pii_sentence, render, typo_rate)
from .themes import THEMES

SURVEY_HEADER = ("ResponseId", "RecordedDate", "NPS", "CSAT", "Comment", "CustomerId", "Product")
CHANNEL: Channel = "survey"
BAD_DATES = ("31/09/2026 25:61", "2026-02-30 10:00:00", "yesterday", "N/A", "2026-13-05 09:12:44",
             "0000-00-00 00:00:00")
BAD_NPS = ("11", "-1", "ten", "12", "10.5")
_ID_ALPHABET = string.ascii_letters + string.digits


def nps_score(rng: random.Random, themes: tuple[str, ...]) -> int:
    """Detractors on problems, promoters on praise; mixed messages land in between."""
    polarities = [THEMES[t].polarity for t in themes]
    anger = THEMES[themes[0]].anger
    if polarities[0] == "praise":
        weights = (1, 0, 0, 0, 0, 1, 2, 4, 10, 30, 50) if "problem" not in polarities else (
            0, 0, 1, 2, 3, 6, 8, 12, 10, 4, 2)
    elif "praise" in polarities:
        weights = (2, 2, 3, 5, 6, 8, 10, 10, 6, 2, 1)
    else:
        heavy = 10 + 20 * anger
        weights = (heavy, 8, 9, 9, 8, 9, 7, 5, 3, 1.5, 1)
    return rng.choices(range(11), weights=weights)[0]


def csat_score(rng: random.Random, nps: int | None, themes: tuple[str, ...]) -> int:
    if nps is not None:  # answered together, they agree
        base = 1 + round(nps * 0.4)
        return max(1, min(5, base + rng.choice((-1, 0, 0, 0, 1))))
    praise = THEMES[themes[0]].polarity == "praise"
    weights = (2, 2, 6, 30, 60) if praise else (45, 25, 15, 10, 5)
    return rng.choices(range(1, 6), weights=weights)[0]


def response_id(rng: random.Random) -> str:
    return "R_" + "".join(rng.choice(_ID_ALPHABET) for _ in range(15))


def compose_comment(spec: ItemSpec, slots: SlotFiller, rng: random.Random) -> str:
    lex = lexicon_for(spec.language)
    primary = pick_issue(lex, spec.themes[0], rng, spec.is_story, max_details=1)
    sentences = list(primary.sentences)
    if len(spec.themes) > 1:
        second = pick_issue(lex, spec.themes[1], rng, False, max_details=0)
        sentences.append(rng.choice(lex.connectors) + continue_sentence(second.sentences[0], spec.language))
    if spec.pii_kind:
        sentences.append(pii_sentence(lex, spec.pii_kind, rng))
    separator = "\n" if rng.random() < 0.08 else None
    template = separator.join(sentences) if separator else join_sentences(sentences, spec.language)
    template = add_typos(template, rng, typo_rate(rng, spec.language))
    if rng.random() < 0.25:
        template = double_quotes_for_single(template)
    if rng.random() < 0.12:
        template = lowercase(template)
    return render(template, slots)


def _csv_line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(fields)
    return buffer.getvalue()


class SurveyWriter:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb")
        self.handle.write(_csv_line(list(SURVEY_HEADER)).encode("utf-8"))

    def write(self, spec: ItemSpec, rng: random.Random) -> Outcome:
        slots = SlotFiller(rng, SlotContext(spec.person, spec.when, spec.product, spec.component.story,
                                            spec.component.campaign))
        comment = compose_comment(spec, slots, rng)
        shape = rng.random()
        nps = nps_score(rng, spec.themes) if shape < 0.75 else None
        csat = csat_score(rng, nps, spec.themes) if shape > 0.4 else None
        fields = [
            response_id(rng),
            spec.when.strftime("%Y-%m-%d %H:%M:%S"),
            "" if nps is None else str(nps),
            "" if csat is None else str(csat),
            comment,
            "" if rng.random() < 0.03 else str(spec.person.customer_id),  # type: ignore[union-attr]
            "" if rng.random() < 0.1 else spec.product.slug,
        ]
        themes, language, pii_kinds = spec.themes, spec.language, (spec.pii_kind,) if spec.pii_kind else ()
        line = _csv_line(fields).encode("utf-8")
        if spec.malformed:
            line, themes, language, pii_kinds = self._damage(spec.malformed, fields, rng, themes, language, pii_kinds)
            nps = None
        self.handle.write(line)
        return Outcome(
            channel=CHANNEL, source_record_id=fields[0], when=spec.when, themes=themes, language=language,
            story_key=spec.story_key if themes else None, customer_index=spec.person.index, pii_kinds=pii_kinds,
            malformed_reason=spec.malformed, nps=nps,
        )

    @staticmethod
    def _damage(reason: str, fields: list[str], rng: random.Random, themes: tuple[str, ...], language: str,
                pii_kinds: tuple) -> tuple[bytes, tuple[str, ...], str, tuple]:
        if reason == UNPARSEABLE_DATE:
            fields[1] = rng.choice(BAD_DATES)
        elif reason == MISSING_DATE:
            fields[1] = ""
        elif reason == EMPTY_TEXT:
            fields[2], fields[3], fields[4] = "", "", rng.choice(("", " ", "   ", "\n"))
            return _csv_line(fields).encode("utf-8"), (), "und", ()
        elif reason == NPS_OUT_OF_RANGE:
            fields[2] = rng.choice(BAD_NPS)
        elif reason == UNDECODABLE_BYTES:
            # A latin-1 "é" (0xE9) from an integration that did not speak UTF-8.
            if "é" not in fields[4]:
                fields[4] += rng.choice((" Merci, Renée", " - sent from the café", " José"))
            line = _csv_line(fields).encode("utf-8").replace("é".encode("utf-8"), b"\xe9")
            return line, themes, language, pii_kinds
        elif reason == WRONG_FIELD_COUNT:
            return _wrong_field_count_line(fields, rng), themes, language, pii_kinds
        return _csv_line(fields).encode("utf-8"), themes, language, pii_kinds

    def close(self) -> None:
        self.handle.close()


def _wrong_field_count_line(fields: list[str], rng: random.Random) -> bytes:
    """A hand-edited export: an unquoted comma in the comment, or a trailing column lost."""
    if rng.random() < 0.5:
        comment = " ".join(fields[4].replace('"', "").split())
        if "," not in comment:
            comment = comment.replace(" ", ", ", 1) if " " in comment else comment + ", ok"
        return (",".join([*fields[:4], comment, *fields[5:]]) + "\r\n").encode("utf-8")
    return _csv_line(fields[:-1] if rng.random() < 0.5 else fields[:5]).encode("utf-8")
