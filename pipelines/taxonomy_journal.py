"""The taxonomy edit journal: what the CLI and the dashboard write, and runs read.

Light on purpose (no NLP imports), so `voc themes ...` and the dashboard page load fast.
Each edit is one JSON line in an append-only file beside the published snapshot
(``Settings.taxonomy_journal_path``); pipelines/taxonomy.py lands and applies them.
"""

from __future__ import annotations

import fcntl
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

THEME_ACTIONS = ("rename", "pin", "merge", "split", "owner")
CATEGORY_ACTIONS = ("category_rename", "category_pin", "category_owner")
ACTIONS = THEME_ACTIONS + CATEGORY_ACTIONS
_NEEDS_VALUE = ("rename", "category_rename")


MAX_SPLIT_K = 10  # more children than this are rarely what a person means by a split


@dataclass(frozen=True)
class TaxonomyEdit:
    """One edit. target_id is the theme (or category) acted on; for merge, the theme kept,
    with ``other_ids`` folded into it; ``value`` is the new label or team ("" clears an owner)."""

    action: str
    target_id: str
    other_ids: tuple[str, ...] = ()
    value: str | None = None
    k: int | None = None
    author: str | None = None
    edit_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown taxonomy action {self.action!r}; expected one of {ACTIONS}")
        if not self.target_id.strip():
            raise ValueError("an edit needs a target id")
        if self.action in _NEEDS_VALUE and not (self.value or "").strip():
            raise ValueError(f"{self.action} needs a non-empty label")
        if self.action == "merge" and (not self.other_ids or self.target_id in self.other_ids):
            raise ValueError("merge needs other themes to fold into the target, not the target itself")
        if self.action == "split" and (self.k is None or not 2 <= self.k <= MAX_SPLIT_K):
            raise ValueError(f"split needs k from 2 to {MAX_SPLIT_K}")

    def describe(self) -> str:
        """One line a person reads in a list of pending edits."""
        if self.action == "merge":
            return f"merge {', '.join(self.other_ids)} into {self.target_id}"
        if self.action == "split":
            return f"split {self.target_id} into {self.k}"
        if self.action in ("owner", "category_owner"):
            return f"{self.target_id}: owner → {self.value or '(none)'}"
        if self.value is None:
            return f"pin the current label of {self.target_id}"
        return f"{self.target_id}: label → {self.value}"


def append_edit(journal: Path, edit: TaxonomyEdit) -> None:
    """Append one edit as a JSON line; an exclusive lock keeps concurrent writers' lines whole."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({**asdict(edit), "created_at": edit.created_at.isoformat()}, ensure_ascii=False)
    with open(journal, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line + "\n")
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_journal(journal: Path) -> list[TaxonomyEdit]:
    """Every edit in the journal, oldest first (none when it does not exist yet)."""
    if not journal.is_file():
        return []
    edits = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            edits.append(TaxonomyEdit(**{
                **row, "other_ids": tuple(row.get("other_ids") or ()),
                "created_at": datetime.fromisoformat(row["created_at"]),
            }))
    return sorted(edits, key=lambda e: (e.created_at, e.edit_id))


def pending_edits(journal: Path, applied_edit_ids: set[str]) -> list[TaxonomyEdit]:
    """Journal edits no published run has applied yet."""
    return [e for e in read_journal(journal) if e.edit_id not in applied_edit_ids]
