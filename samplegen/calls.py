"""Call-centre exports: ``calls/call_metadata.csv`` plus one WebVTT transcript per call.

A call is a scripted agent (greeting, verification, hold, resolution, closing) around a customer
who explains the problem over several turns, with fillers. Cue timings follow speaking speed;
holds fill the gap up to the call's handle time, which is ~10x longer for gift-card problems.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from .kinds import MISSING_DATE, MISSING_TRANSCRIPT, UNPARSEABLE_DATE, VTT_NO_SPEAKER_TAGS, WRONG_FIELD_COUNT, Channel
from .lexicon import lexicon_for
from .lexicon.types import CallText
from .people import AGENTS
from .records import ItemSpec, Outcome
from .rng import lognormal_with_median
from .slots import SlotContext, SlotFiller
from .text import continue_sentence, expand_alternations, join_sentences, pick_issue, pii_sentence, render
from .themes import THEMES

CALL_METADATA_HEADER = ("call_id", "started_at", "customer_id", "handle_time_seconds", "queue", "agent_id")
MEDIAN_HANDLE_SECONDS = 240.0
CHANNEL: Channel = "call"
ERROR_THEMES = frozenset({"app_crash", "password_reset", "gift_card_redemption", "promo_code_issue"})
BAD_STARTS = ("2026-10-32T09:00:00Z", "2026-09-31T14:22:10Z", "32/10/2026 09:00", "unknown")
_CUSTOMER_OKAY = {"en": ("Okay.", "Okay, great.", "Alright.", "Oh okay."), "es": ("Vale.", "Ah, vale.", "De acuerdo."),
                  "ru": ("Хорошо.", "Ага, понятно."), "ro": ("Bine.", "Aha, bine."), "zh": ("好的。", "嗯，好的。")}


@dataclass(frozen=True)
class Turn:
    speaker: str  # "Agent" or "Customer"
    text: str
    hold_after: bool = False


def _with_filler(sentence: str, fillers: tuple[str, ...], rng: random.Random, language: str) -> str:
    if rng.random() < 0.45:
        filler = rng.choice(fillers)
        glue = "" if language == "zh" else " "
        sentence = filler + glue + continue_sentence(sentence, language)  # type: ignore[arg-type]
    return sentence[:1].upper() + sentence[1:]


def build_turns(spec: ItemSpec, slots: SlotFiller, rng: random.Random, hold_cycles: int = 1) -> list[Turn]:
    """The conversation, already rendered; the customer's issue spreads over several turns."""
    lex = lexicon_for(spec.language)
    calls: CallText = lex.calls
    language = spec.language
    primary = pick_issue(lex, spec.themes[0], rng, spec.is_story, max_details=2)
    sentences = list(primary.sentences)  # templates until each turn is said

    def say(template: str) -> str:
        return render(template, slots)

    turns = [Turn("Agent", say(rng.choice(calls.greetings)))]
    opening = rng.choice(calls.customer_hello)
    first = _with_filler(sentences[0], calls.fillers, rng, language)
    turns.append(Turn("Customer", say(join_sentences([opening, first], language))))
    turns.append(Turn("Agent", join_sentences([rng.choice(calls.acks), rng.choice(calls.verify_asks)], language)))
    if spec.pii_kind in ("email", "phone"):
        turns.append(Turn("Customer", rng.choice(calls.customer_verify_pii).replace("{pii}", slots[spec.pii_kind])))
    else:
        turns.append(Turn("Customer", say(rng.choice(calls.customer_verify))))
    probes = calls.probes + (calls.error_probes if spec.themes[0] in ERROR_THEMES else ())
    turns.append(Turn("Agent", join_sentences([rng.choice(calls.acks), rng.choice(probes)], language)))
    later = sentences[1:] or [expand_alternations(rng.choice(lex.themes[spec.themes[0]].core), rng)]
    for sentence in later:
        turns.append(Turn("Customer", say(_with_filler(sentence, calls.fillers, rng, language))))
    if spec.pii_kind in ("card", "iban"):
        turns.append(Turn("Customer", say(pii_sentence(lex, spec.pii_kind, rng))))
    if len(spec.themes) > 1:
        second = pick_issue(lex, spec.themes[1], rng, False, max_details=0)
        turns.append(Turn("Agent", rng.choice(calls.acks)))
        connector = rng.choice(lex.connectors)
        turns.append(Turn("Customer", say(connector + continue_sentence(second.sentences[0], language))))
    for cycle in range(hold_cycles):
        turns.append(Turn("Agent", rng.choice(calls.hold), hold_after=True))
        turns.append(Turn("Agent", rng.choice(calls.hold_return)))
        if cycle < hold_cycles - 1:  # long calls go back and forth: the customer explains again
            turns.append(Turn("Agent", rng.choice(calls.acks)))
            turns.append(Turn("Customer", say(_with_filler(rng.choice(calls.customer_frustrated), calls.fillers,
                                                          rng, language))))
    resolutions = calls.theme_resolutions.get(spec.themes[0]) or calls.resolutions
    turns.append(Turn("Agent", rng.choice(resolutions)))
    turns.append(Turn("Customer", rng.choice(_CUSTOMER_OKAY[language])))
    turns.append(Turn("Agent", rng.choice(calls.anything_else)))
    turns.append(Turn("Customer", rng.choice(calls.customer_thanks)))
    turns.append(Turn("Agent", rng.choice(calls.goodbyes)))
    return turns


def _speaking_seconds(text: str, language: str) -> float:
    units = len(text) / 4.0 if language == "zh" else len(text.split()) / 2.6
    return max(1.0, units)


def vtt_timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def render_vtt(turns: list[Turn], handle_seconds: float, language: str, rng: random.Random,
               with_voice_tags: bool = True) -> tuple[str, float]:
    """The WebVTT document and the time its last cue ends."""
    talk = sum(_speaking_seconds(t.text, language) + 0.8 for t in turns)
    hold_total = max(0.0, handle_seconds - talk - 25.0)
    holds = sum(t.hold_after for t in turns) or 1
    with_ids = rng.random() < 0.4
    lines = ["WEBVTT", ""]
    clock = rng.uniform(0.5, 2.0)
    for number, turn in enumerate(turns, start=1):
        duration = _speaking_seconds(turn.text, language)
        if with_ids:
            lines.append(str(number))
        lines.append(f"{vtt_timestamp(clock)} --> {vtt_timestamp(clock + duration)}")
        lines.append(f"<v {turn.speaker}>{turn.text}" if with_voice_tags else turn.text)
        lines.append("")
        clock += duration + rng.uniform(0.2, 1.4)
        if turn.hold_after:
            clock += hold_total / holds
    return "\n".join(lines), clock


class CallWriter:
    def __init__(self, directory: Path) -> None:
        self.transcripts = directory / "transcripts"
        self.transcripts.mkdir(parents=True, exist_ok=True)
        self.handle = (directory / "call_metadata.csv").open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.handle, lineterminator="\n")
        self.csv.writerow(CALL_METADATA_HEADER)
        self.sequence = 0

    def write(self, spec: ItemSpec, rng: random.Random) -> Outcome:
        self.sequence += 1
        call_id = f"CL{spec.when:%Y%m%d}-{self.sequence:06d}"
        theme = THEMES[spec.themes[0]]
        target = lognormal_with_median(rng, MEDIAN_HANDLE_SECONDS * theme.handle_time_factor, 0.45)
        slots = SlotFiller(rng, SlotContext(spec.person, spec.when, spec.product, spec.component.story,
                                            spec.component.campaign))
        # Long calls are several holds (checking with another team), not one endless silence.
        turns = build_turns(spec, slots, rng, hold_cycles=min(4, 1 + int(target // 700)))
        vtt, talk_end = render_vtt(turns, target, spec.language, rng, spec.malformed != VTT_NO_SPEAKER_TAGS)
        handle_seconds = round(max(target, talk_end + rng.uniform(5, 40)))
        agent_id = rng.choice(AGENTS[spec.language])[0]
        customer_id = str(spec.person.customer_id)  # type: ignore[union-attr]
        started_at = spec.when.strftime("%Y-%m-%dT%H:%M:%SZ")
        row = [call_id, started_at, customer_id, str(handle_seconds), theme.queue, agent_id]
        themes, language = spec.themes, spec.language
        if spec.malformed == UNPARSEABLE_DATE:
            row[1] = rng.choice(BAD_STARTS)
        elif spec.malformed == MISSING_DATE:
            row[1] = ""
        elif spec.malformed == WRONG_FIELD_COUNT:
            row = row + ["transferred"] if rng.random() < 0.5 else row[:4]
        if spec.malformed == MISSING_TRANSCRIPT:
            themes, language = (), "und"
        else:
            (self.transcripts / f"{call_id}.vtt").write_text(vtt + "\n", encoding="utf-8")
        self.csv.writerow(row)
        return Outcome(
            channel=CHANNEL, source_record_id=call_id, when=spec.when, themes=themes, language=language,
            story_key=spec.story_key if themes else None, customer_index=spec.person.index,
            pii_kinds=(spec.pii_kind,) if spec.pii_kind and themes else (), malformed_reason=spec.malformed,
            handle_time_s=handle_seconds if not spec.malformed else None,
        )

    def close(self) -> None:
        self.handle.close()
