"""Clean feedback text before it is segmented and stored.

The cleaned text becomes the stored text and segments keep character offsets into it, so
cleaning runs first and is idempotent: ``clean_text(clean_text(x).text, ch).text ==
clean_text(x, ch).text``. What is removed, per channel:

- every channel: control characters (NUL, C0/C1), zero-width and bidi controls (ZWSP, LRM/RLM,
  embeddings and isolates, soft hyphens, BOM), exotic spaces; mojibake fixed with ftfy;
  HTML entities unescaped ("&amp;" in X posts); runs of spaces collapsed, at most one blank
  line kept. Emoji stay (they carry sentiment), including their zero-width joiners.
- ticket, survey, social: HTML markup when the text contains HTML tags (``<br>``, ``<p>``,
  ``</div>``… become line breaks, ``<script>``/``<style>`` content is dropped); lines that
  are only a mobile signature ("Sent from my iPhone", "Get Outlook for Android").
- ticket (e-mail): quoted replies ("On Mon, 5 Oct 2026 at 10:02, X <x@y> wrote:" and all
  after), "-----Original Message-----"/forwarded headers and all after, ``>``-quoted lines,
  "-- " signature blocks, legal disclaimers ("This e-mail and any attachments are
  confidential…") and all after.
- call: transcripts arrive one turn per line ("Agent: …" / "Customer: …"); agent boilerplate
  ("thank you for calling…", "is there anything else I can help you with") is cut from
  agent lines and agent lines left empty are dropped. Lines are otherwise kept one for one,
  and `CleanResult.turn_spans` says where each input line's words ended up, so turn offsets
  can be carried over.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import ftfy

EMAIL_CHANNELS = frozenset({"ticket", "email"})
CALL_CHANNELS = frozenset({"call"})
AGENT_LABELS = frozenset({"agent"})
_MAX_PASSES = 3  # a pass can expose more to clean ("&lt;p&gt;" → "<p>"); repeat to a fixed point


@dataclass(frozen=True)
class Removal:
    kind: str  # html_markup, html_script, quoted_reply, quoted_line, signature, disclaimer,
    #            agent_boilerplate, invisible_chars, mojibake
    text: str  # what was removed (for mojibake: the text before the fix)


@dataclass(frozen=True)
class CleanResult:
    text: str
    removed: tuple[Removal, ...]
    # Calls only, one entry per input line: (start, end) in the cleaned text of the words
    # after "<speaker>: ", or None when the line was dropped. Empty for other channels.
    turn_spans: tuple[tuple[int, int] | None, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.removed)


# ---------------------------------------------------------------------------- characters

# Zero-width space, word joiner, BOM, soft hyphen, LRM/RLM/ALM, bidi embeddings/overrides/isolates.
# Zero-width (non-)joiners stay: emoji sequences (👨‍👩‍👧) and some scripts need them.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_EXOTIC_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_FTFY = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, fix_character_width=False, explain=False)
# Transcripts are one turn per line: a Unicode line separator inside a turn must not add a line.
_FTFY_KEEP_LINES = ftfy.TextFixerConfig(
    unescape_html=False, uncurl_quotes=False, fix_character_width=False, fix_line_breaks=False, explain=False
)
_UNICODE_LINE_BREAK = re.compile("[\u2028\u2029]")


@lru_cache(maxsize=1 << 16)  # transcript lines and templated texts repeat
def _ftfy_fixed(text: str, keep_lines: bool) -> str:
    # ASCII cannot hold mojibake, and the line breaks and controls ftfy would fix are gone by now.
    if text.isascii():
        return text
    return ftfy.fix_text(text, _FTFY_KEEP_LINES if keep_lines else _FTFY)


def strip_invisible(text: str) -> str:
    """The text without control, zero-width and bidi characters (what every channel loses first)."""
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def _fix_characters(text: str, removed: list[Removal], *, keep_lines: bool = False) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    invisible = "".join(_INVISIBLE.findall(text)) + "".join(_CONTROL.findall(text))
    if invisible:
        removed.append(Removal("invisible_chars", invisible))
        text = strip_invisible(text)
    fixed = _ftfy_fixed(text, keep_lines)
    if fixed != text:
        removed.append(Removal("mojibake", text))
    if keep_lines:
        fixed = _UNICODE_LINE_BREAK.sub(" ", fixed)
    return _EXOTIC_SPACE.sub(" ", fixed)


def _unescape_entities(text: str) -> str:
    return html.unescape(text) if _ENTITY.search(text) else text


# ---------------------------------------------------------------------------- HTML

_HTML_TAG = re.compile(
    r"<(?:!--|/?(?:p|br|div|span|a|b|i|u|em|strong|ul|ol|li|table|tr|td|th|tbody|thead|h[1-6]|img|font|"
    r"html|body|head|style|script|blockquote|pre|code|hr|center|section|article|header|footer|meta|"
    r"link|title|o:p|sup|sub|small|label|form|input|button)\b[^>]*>)",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset({
    "p", "br", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "hr", "section", "article", "header", "footer", "title",
})
_ITEM_TAGS = frozenset({"li", "tr", "br", "hr"})  # a line break before them is enough
_DROPPED_CONTENT_TAGS = frozenset({"script", "style", "head"})


class _TextExtractor(HTMLParser):
    """Text of an HTML fragment: block tags become line breaks, script/style/head are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.markup: list[str] = []
        self.dropped: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.markup.append(self.get_starttag_text() or f"<{tag}>")
        if tag in _DROPPED_CONTENT_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.markup.append(self.get_starttag_text() or f"<{tag}/>")
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.markup.append(f"</{tag}>")
        if tag in _DROPPED_CONTENT_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS and tag not in _ITEM_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        (self.dropped if self._skip_depth else self.parts).append(data)

    def handle_comment(self, data: str) -> None:
        self.markup.append(f"<!--{data}-->")


def _strip_html(text: str, removed: list[Removal]) -> str:
    if not _HTML_TAG.search(text):
        return text
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    removed.append(Removal("html_markup", "".join(extractor.markup)))
    if extractor.dropped:
        removed.append(Removal("html_script", "".join(extractor.dropped)))
    return "".join(extractor.parts)


# ---------------------------------------------------------------------------- e-mail artefacts

_WROTE = (
    r"wrote|escribió|escribio|a écrit|a ecrit|schrieb|a scris|написал|написала|писал|писала|"
    r"пишет|写道|scrisse|escreveu|schreef"
)
# "On Mon, 5 Oct 2026 at 10:02, Anna <anna@x.com> wrote:" (may wrap onto a second line).
_QUOTE_HEADER = re.compile(
    rf"^[ \t]*(?:On|El|Le|Am|În|In|Il|Em|Op|Den|\S.{{0,20}}?)\b[^\n]{{0,250}}(?:\n[^\n]{{0,120}})?"
    rf"(?:{_WROTE})(?:\s*\([аa]\))?(?:[ \t][^\n]{{0,100}}?)?[ \t]*[:：][ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_WROTE_WORD = re.compile(_WROTE, re.IGNORECASE)  # cheap test before the costly header pattern
_FORWARD_SEPARATOR = re.compile(
    r"^[ \t]*(?:-{2,}\s*(?:Original Message|Forwarded message|Mensaje original|Message d'origine|"
    r"Message transféré|Ursprüngliche Nachricht|Weitergeleitete Nachricht|Mesaj original|"
    r"Исходное сообщение|Пересылаемое сообщение|原始邮件|转发的邮件)\s*-{2,}|_{10,})[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# An Outlook header block: "From: …" followed within a few lines by "Sent:"/"Date:" and "To:"/"Subject:".
_OUTLOOK_HEADER = re.compile(
    r"^[ \t]*(?:From|De|Von|От|发件人)[ \t]*[:：].*\n(?:.*\n){0,3}?[ \t]*(?:Sent|Date|Enviado|Envoyé|Gesendet|"
    r"Отправлено|Дата|发送时间)[ \t]*[:：]",
    re.MULTILINE | re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*(?:\n|$)", re.MULTILINE)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$", re.MULTILINE)
_DISCLAIMER = re.compile(
    r"^[ \t]*(?:(?:CONFIDENTIALITY NOTICE|DISCLAIMER|LEGAL NOTICE|IMPORTANT NOTICE)\b|"
    r"(?:This|The information in this) (?:e-?mail|message|communication|transmission)"
    r"(?: \([^)]*\))?(?: and any (?:attachments?|files?)(?: (?:to|with) it)?)?(?: transmitted with it)? "
    r"(?:is|are|may be|may contain|contains?)\b[^\n]{0,80}?(?:confidential|privileged|intended (?:solely|only)))",
    re.MULTILINE | re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^[ \t]*(?:Sent from my [\w ]{2,30}|Sent from (?:Mail|Outlook|Yahoo Mail|Gmail)(?: for| on) [\w ]{2,20}|"
    r"Sent via [\w ]{2,30}|Get Outlook for (?:iOS|Android)|Enviado desde mi [\w ]{2,30}|"
    r"Envoyé de mon [\w ]{2,30}|Von meinem [\w ]{2,30} gesendet|Trimis de pe [\w\- ]{2,30}|"
    r"Отправлено с [\w ]{2,30}|发自我的[\w ]{2,30})[ \t]*[.!]?[ \t]*$\n?",
    re.MULTILINE | re.IGNORECASE,
)


def _cut_from(pattern: re.Pattern[str], kind: str, text: str, removed: list[Removal]) -> str:
    """Drop everything from the first match on, unless that would leave nothing."""
    match = pattern.search(text)
    if match is None or not text[: match.start()].strip():
        return text
    removed.append(Removal(kind, text[match.start() :]))
    return text[: match.start()]


def _remove_lines(pattern: re.Pattern[str], kind: str, text: str, removed: list[Removal]) -> str:
    found = pattern.findall(text)
    if not found:
        return text
    remaining = pattern.sub("", text)
    if not remaining.strip():
        return text  # a text that is only this is kept: it is all the customer wrote
    removed.extend(Removal(kind, line.strip("\n")) for line in found)
    return remaining


def _cut_quoted_reply(text: str, removed: list[Removal]) -> str:
    """Cut at the first "… wrote:" line that carries a date or an address (so a customer's
    own "My neighbour wrote:" stays)."""
    if not _WROTE_WORD.search(text):
        return text
    for match in _QUOTE_HEADER.finditer(text):
        if re.search(r"\d|@", match.group()) and text[: match.start()].strip():
            removed.append(Removal("quoted_reply", text[match.start() :]))
            return text[: match.start()]
    return text


def _strip_email_artefacts(text: str, removed: list[Removal]) -> str:
    text = _cut_quoted_reply(text, removed)
    for pattern in (_FORWARD_SEPARATOR, _OUTLOOK_HEADER):
        text = _cut_from(pattern, "quoted_reply", text, removed)
    text = _remove_lines(_QUOTED_LINE, "quoted_line", text, removed)
    text = _cut_from(_SIGNATURE_DELIMITER, "signature", text, removed)
    return _cut_from(_DISCLAIMER, "disclaimer", text, removed)


# ---------------------------------------------------------------------------- call transcripts

_AGENT_BOILERPLATE = re.compile(
    r"(?:"
    r"(?:thank you|thanks) (?:so much )?for (?:calling|contacting|holding|waiting|your patience)[^.!?\n]*|"
    r"(?:welcome to|you(?:'re| are) (?:through|speaking) to)[^.!?\n]*|"
    r"(?:my name is|this is|i'm|i am) \S+(?: \S+)?,? (?:and )?how (?:can|may) i (?:help|assist)(?: you)?(?: today)?|"
    r"how (?:can|may) i (?:help|assist)(?: you)?(?: today)?|"
    r"this call (?:may|will|is) (?:be )?(?:recorded|monitored)[^.!?\n]*|"
    r"(?:is there )?anything else (?:i can|i could|we can) (?:help|assist) (?:you )?with(?: today)?|"
    r"is there anything else(?: today)?|"
    r"(?:please )?(?:bear with me|hold (?:on|the line)|let me put you on hold)[^.!?\n]*|"
    r"have a (?:great|good|nice|lovely|wonderful) (?:day|evening|weekend|one)|"
    r"gracias por (?:llamar|su llamada|contactar)[^.!?\n]*|¿?(?:hay )?algo más en (?:lo|que) (?:pueda|puedo) ayudar(?:le|te)?\??|"
    r"merci (?:d'avoir appelé|pour votre appel|de votre patience)[^.!?\n]*|"
    r"(?:vielen )?dank für ihren anruf[^.!?\n]*|kann ich (?:ihnen )?sonst noch (?:etwas|irgendwie) helfen\??|"
    r"vă mulțumim (?:că ați sunat|pentru apel)[^.!?\n]*|"
    r"спасибо за (?:звонок|ожидание|обращение)[^.!?\n]*|чем (?:ещё|еще) (?:я )?могу (?:вам )?помочь\??|"
    r"感谢您的来电[^。！？\n]*|还有(?:什么|其他)(?:可以|能)帮(?:您|你)的吗[？?]?"
    r")[ \t]*[.!?。！？]*",
    re.IGNORECASE,
)
_SPEAKER_LINE = re.compile(r"^(?P<label>[^:\n]{1,40}):[ \t]?(?P<body>.*)$")


def _clean_agent_body(body: str, removed: list[Removal]) -> str:
    found = [m.group() for m in _AGENT_BOILERPLATE.finditer(body)]
    if not found:
        return body
    removed.extend(Removal("agent_boilerplate", phrase.strip()) for phrase in found)
    return _AGENT_BOILERPLATE.sub(" ", body)


def _clean_transcript(text: str, agent_labels: frozenset[str], removed: list[Removal]) -> tuple[str, list[tuple[int, int] | None]]:
    lines: list[str] = []
    spans: list[tuple[int, int] | None] = []
    offset = 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # Line by line, so nothing (not even "&#10;") can add or remove a line.
        line = _fix_characters(_unescape_entities(_fix_characters(line, removed, keep_lines=True)), removed, keep_lines=True)
        line = line.replace("\n", " ")
        match = _SPEAKER_LINE.match(line)
        label, body = (_collapse_spaces(match.group("label")), match.group("body")) if match else (None, line)
        if label is not None and label.casefold() in agent_labels:
            body = _clean_agent_body(body, removed)
        body = _collapse_spaces(body)
        if not body:  # an agent line that was all boilerplate, or a blank line
            spans.append(None)
            continue
        prefix = f"{label}: " if label is not None else ""
        if lines:
            offset += 1  # the newline before this line
        spans.append((offset + len(prefix), offset + len(prefix) + len(body)))
        lines.append(prefix + body)
        offset += len(prefix) + len(body)
    return "\n".join(lines), spans


# ---------------------------------------------------------------------------- whitespace

_SPACE_RUN = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _collapse_spaces(line: str) -> str:
    return _SPACE_RUN.sub(" ", line).strip()


def _normalise_whitespace(text: str) -> str:
    lines = [_collapse_spaces(line) for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# ---------------------------------------------------------------------------- entry point


def _clean_once(text: str, channel: str, agent_labels: frozenset[str], removed: list[Removal]) -> tuple[str, list[tuple[int, int] | None]]:
    if channel in CALL_CHANNELS:
        return _clean_transcript(text, agent_labels, removed)
    text = _unescape_entities(_fix_characters(text, removed))
    text = _strip_html(text, removed)
    text = _fix_characters(text, removed)  # entities inside the HTML may decode to anything
    if channel in EMAIL_CHANNELS:
        text = _strip_email_artefacts(text, removed)
    text = _remove_lines(_MOBILE_SIGNATURE, "signature", text, removed)
    return _normalise_whitespace(text), []


def _compose_spans(
    first: Sequence[tuple[int, int] | None], later: Sequence[tuple[int, int] | None]
) -> list[tuple[int, int] | None]:
    """Carry input-line spans through a later pass (whose input lines are the kept lines)."""
    kept = iter(later)
    return [next(kept, None) if span is not None else None for span in first]


def clean_text(text: str, channel: str, agent_labels: Iterable[str] = AGENT_LABELS) -> CleanResult:
    """Clean one feedback text for its channel (ticket, survey, call, social); see the module doc."""
    if not isinstance(text, str):
        text = ""
    labels = frozenset(label.casefold() for label in agent_labels)
    removed: list[Removal] = []
    spans: list[tuple[int, int] | None] | None = None
    for _ in range(_MAX_PASSES):
        cleaned, pass_spans = _clean_once(text, channel, labels, removed)
        if channel in CALL_CHANNELS:
            spans = pass_spans if spans is None else _compose_spans(spans, pass_spans)
        if cleaned == text:
            break
        text = cleaned
    return CleanResult(text, tuple(removed), tuple(spans or ()))


def clean_texts(texts: Sequence[str], channels: Sequence[str]) -> list[CleanResult]:
    if len(texts) != len(channels):
        raise ValueError(f"{len(channels)} channels for {len(texts)} texts")
    return [clean_text(text, channel) for text, channel in zip(texts, channels, strict=True)]
