"""A WebVTT parser for call transcripts, and the rendering of cues into speaker turns.

Follows the W3C WebVTT format as far as transcripts need it: the ``WEBVTT`` header block,
optional cue identifiers, ``[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]`` timings, NOTE /
STYLE / REGION blocks (skipped), multi-line cue text, ``<v Speaker>`` / ``<v.class Speaker>``
voice spans (several may share a cue), other inline tags (``<i>``, ``<c.x>``, ``<lang>``,
karaoke timestamps) stripped and HTML character references unescaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

from .base import Turn

Role = Literal["agent", "customer", "unknown"]
ROLE_LABELS: dict[Role, str] = {"agent": "Agent", "customer": "Customer"}
UNNAMED_SPEAKER_LABEL = "Unknown"

_TIMESTAMP = re.compile(r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})")
_TAG = re.compile(r"<([^<>]*)>")
_VOICE_TAG = re.compile(r"v(?:\.[^\s]*)?\s+(.+)", re.DOTALL)
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


class WebVttError(ValueError):
    """The transcript is not valid WebVTT; the message says where."""


@dataclass(frozen=True)
class VoiceSpan:
    speaker: str | None  # the <v> annotation, None for text outside any voice span
    text: str  # whitespace-collapsed plain text


@dataclass(frozen=True)
class Cue:
    identifier: str | None
    start_ms: int
    end_ms: int
    spans: tuple[VoiceSpan, ...]


def _timestamp_ms(text: str, line_number: int) -> int:
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise WebVttError(f"bad timestamp {text!r} at line {line_number}")
    hours, minutes, seconds, millis = (int(part or 0) for part in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _cue_timing(line: str, line_number: int) -> tuple[int, int]:
    start_text, _, rest = line.partition("-->")
    end_parts = rest.split()
    if not end_parts:
        raise WebVttError(f"cue timing without end time at line {line_number}")
    start_ms = _timestamp_ms(start_text.strip(), line_number)
    end_ms = _timestamp_ms(end_parts[0], line_number)
    if end_ms < start_ms:
        raise WebVttError(f"cue ends before it starts at line {line_number}")
    return start_ms, end_ms


def voice_spans(cue_text: str) -> tuple[VoiceSpan, ...]:
    """Split cue text at voice tags; drop every other tag; unescape; collapse whitespace."""
    spans: list[VoiceSpan] = []
    speaker: str | None = None
    pieces: list[str] = []

    def close_span() -> None:
        text = " ".join(html.unescape("".join(pieces)).split())
        if text:
            spans.append(VoiceSpan(speaker, text))
        pieces.clear()

    position = 0
    for tag in _TAG.finditer(cue_text):
        pieces.append(cue_text[position : tag.start()])
        position = tag.end()
        name = tag.group(1).strip()
        voice = _VOICE_TAG.fullmatch(name)
        if voice or name == "/v":
            close_span()
            speaker = " ".join(voice.group(1).split()) if voice else None
    pieces.append(cue_text[position:])
    close_span()
    return tuple(spans)


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Groups of consecutive non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _is_skipped_block(first_line: str) -> bool:
    return any(
        first_line == keyword or first_line.startswith((f"{keyword} ", f"{keyword}\t"))
        for keyword in _SKIPPED_BLOCKS
    )


def _cue(block: list[tuple[int, str]]) -> Cue:
    identifier: str | None = None
    if "-->" not in block[0][1]:
        if len(block) < 2 or "-->" not in block[1][1]:
            number, line = block[0]
            raise WebVttError(f"block without cue timing at line {number}: {line[:60]!r}")
        identifier, block = block[0][1].strip(), block[1:]
    number, timing_line = block[0]
    start_ms, end_ms = _cue_timing(timing_line, number)
    spans = voice_spans("\n".join(line for _, line in block[1:]))
    return Cue(identifier, start_ms, end_ms, spans)


def parse_webvtt(text: str) -> list[Cue]:
    """The cues of a WebVTT document, in order. Raises WebVttError when malformed."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise WebVttError("missing 'WEBVTT' header on line 1")
    header, *blocks = _blocks(lines)
    for number, line in header:
        if "-->" in line:  # a cue glued to the header would otherwise vanish silently
            raise WebVttError(f"cue timing inside the header block at line {number}")
    return [_cue(block) for block in blocks if not _is_skipped_block(block[0][1])]


# ---------------------------------------------------------------- turns


@dataclass(frozen=True)
class SpeakerRoles:
    """Which voice names are the agent and which the customer (compared case-insensitively)."""

    agent_names: frozenset[str] = frozenset({"agent"})
    customer_names: frozenset[str] = frozenset({"customer"})

    @classmethod
    def from_names(cls, agent: tuple[str, ...], customer: tuple[str, ...]) -> SpeakerRoles:
        return cls(frozenset(n.casefold() for n in agent), frozenset(n.casefold() for n in customer))

    def role(self, speaker: str | None) -> Role:
        name = (speaker or "").casefold()
        if name in self.agent_names:
            return "agent"
        return "customer" if name in self.customer_names else "unknown"


@dataclass
class _TurnDraft:
    role: Role
    label: str
    start_ms: int
    end_ms: int
    texts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Transcript:
    text: str  # one turn per line: "Agent: …" / "Customer: …"
    turns: tuple[Turn, ...]  # char offsets cover the words after "<label>: "
    unrecognised_speakers: tuple[str, ...]  # voice names mapped to neither role


def _turn_drafts(cues: list[Cue], roles: SpeakerRoles) -> list[_TurnDraft]:
    """Consecutive spans of the same speaker merge into one turn."""
    drafts: list[_TurnDraft] = []
    for cue in cues:
        for span in cue.spans:
            role = roles.role(span.speaker)
            label = ROLE_LABELS.get(role) or span.speaker or UNNAMED_SPEAKER_LABEL
            last = drafts[-1] if drafts else None
            if last and last.role == role and last.label.casefold() == label.casefold():
                last.texts.append(span.text)
                last.end_ms = max(last.end_ms, cue.end_ms)
            else:
                drafts.append(_TurnDraft(role, label, cue.start_ms, cue.end_ms, [span.text]))
    return drafts


def render_transcript(cues: list[Cue], roles: SpeakerRoles) -> Transcript:
    lines: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for draft in _turn_drafts(cues, roles):
        prefix, body = f"{draft.label}: ", " ".join(draft.texts)
        char_start = offset + len(prefix)
        turns.append(Turn(draft.role, draft.start_ms, draft.end_ms, char_start, char_start + len(body)))
        lines.append(prefix + body)
        offset += len(prefix) + len(body) + 1  # the newline between turns
    voices = {span.speaker for cue in cues for span in cue.spans if span.speaker}
    unrecognised = {voice for voice in voices if roles.role(voice) == "unknown"}
    return Transcript("\n".join(lines), tuple(turns), tuple(sorted(unrecognised)))


def has_voice_tags(cues: list[Cue]) -> bool:
    return any(span.speaker for cue in cues for span in cue.spans)
