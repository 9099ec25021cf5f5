"""The shape of one language's phrasebook.

Templates use ``{slot}`` placeholders (filled per record, see ``samplegen.slots``) and
``[a|b|c]`` alternations (one option picked per use), so a few hundred templates give
many thousands of distinct sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ThemeText:
    core: tuple[str, ...]  # the customer states the issue; one is picked per mention
    subjects: tuple[str, ...]  # ticket subject lines
    details: tuple[str, ...] = ()  # optional follow-on sentences
    story_core: tuple[str, ...] = ()  # only for records planted by the theme's story
    story_details: tuple[str, ...] = ()
    short: tuple[str, ...] = ()  # extra tweet-length statements


@dataclass(frozen=True)
class CallText:
    greetings: tuple[str, ...]  # agent, uses {agent}
    verify_asks: tuple[str, ...]
    acks: tuple[str, ...]
    probes: tuple[str, ...]  # agent asks for more detail
    hold: tuple[str, ...]
    hold_return: tuple[str, ...]
    resolutions: tuple[str, ...]  # generic next steps
    anything_else: tuple[str, ...]
    goodbyes: tuple[str, ...]  # agent, closes the call
    customer_hello: tuple[str, ...]
    customer_verify: tuple[str, ...]  # uses {order}
    customer_verify_pii: tuple[str, ...]  # uses {pii}
    customer_thanks: tuple[str, ...]
    fillers: tuple[str, ...]  # "um", "yeah so"
    error_probes: tuple[str, ...] = ()  # asked when the problem is a failing screen or code
    customer_frustrated: tuple[str, ...] = ()  # said when put on hold yet again
    theme_resolutions: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailText:
    quote_header: str  # uses {weekday} {day} {month} {year} {time}
    weekdays: tuple[str, ...]  # Monday first, as mail clients abbreviate them
    months: tuple[str, ...]
    support_replies: tuple[str, ...]  # what the quoted earlier reply said; uses {first_name}
    sent_from: tuple[str, ...]
    disclaimers: tuple[str, ...]


@dataclass(frozen=True)
class SocialText:
    hashtags: dict[str, tuple[str, ...]]  # theme -> tags; "_" for any theme
    reply_openers: tuple[str, ...]  # joining someone else's complaint
    quote_comments: tuple[str, ...]


@dataclass(frozen=True)
class PiiText:
    email: tuple[str, ...]  # uses {email}
    phone: tuple[str, ...]  # uses {phone}
    card: tuple[str, ...]  # uses {card}
    iban: tuple[str, ...]  # uses {iban}


@dataclass(frozen=True)
class Lexicon:
    language: str
    themes: dict[str, ThemeText]
    openers: tuple[str, ...]  # ticket greetings
    closers: tuple[str, ...]  # ticket closing lines
    signoffs: tuple[str, ...]  # uses {first_name}
    connectors: tuple[str, ...]  # introduce a second issue
    generic_subjects: tuple[str, ...]
    pii: PiiText
    email: EmailText
    social: SocialText
    calls: CallText
    months: tuple[str, ...]  # for dates inside texts, January first
    weekdays: tuple[str, ...]  # Monday first
