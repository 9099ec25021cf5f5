"""What one record is about (``ItemSpec``, decided by the plan) and what was written (``Outcome``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .kinds import Channel, DuplicateKind, Language, PiiKind
from .people import Author, Customer
from .plan import Component
from .products import Product


@dataclass(frozen=True)
class ItemSpec:
    channel: Channel
    when: datetime  # UTC, naive
    component: Component
    themes: tuple[str, ...]  # primary first; a second theme in about a quarter of records
    person: Customer | Author
    product: Product
    pii_kind: PiiKind | None
    malformed: str | None

    @property
    def language(self) -> Language:
        return self.person.language

    @property
    def is_story(self) -> bool:
        return self.component.story is not None

    @property
    def story_key(self) -> str | None:
        return self.component.story.key if self.component.story else None


@dataclass(frozen=True)
class Outcome:
    """One written record, as the ground truth describes it."""

    channel: Channel
    source_record_id: str
    when: datetime
    themes: tuple[str, ...]
    language: Language
    story_key: str | None
    customer_index: int | None  # shared-pool customers (not social authors)
    duplicate_of: str | None = None
    duplicate_kind: DuplicateKind | None = None
    pii_kinds: tuple[PiiKind, ...] = ()
    malformed_reason: str | None = None
    handle_time_s: int | None = None
    resolution_hours: float | None = None
    first_reply_hours: float | None = None
    nps: int | None = None
