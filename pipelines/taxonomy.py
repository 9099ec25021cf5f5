"""The editable theme taxonomy: an append-only edit journal that every run lands and applies.

Only a run may write the warehouse and the dashboard reads a published snapshot, so edits
(from `voc themes ...` or the Theme management page) never touch a DuckDB file: they are
appended as JSON lines to a journal beside the published snapshot
(``Settings.taxonomy_journal_path``). Each run lands new lines into ``taxonomy_edits``,
applies the pending ones in the order they were made, and records the outcome. Their effect
lives in ``theme_state`` and ``category_state`` (pinned labels, owners, merged_into,
split_from), which every later fit and assignment honours (``nlp.themes.settle_theme_ids``),
so a refit never undoes an edit. Categories (at most ``max_categories``) are regrouped
whenever the themes change and keep their ids by membership overlap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from nlp.themes import (
    ThemeConfig,
    category_label,
    distinct_labels,
    group_into_categories,
    match_categories,
    next_theme_ids,
    split_theme,
)
from pipelines.steps import cached_vectors, describe_stored_themes
from pipelines.taxonomy_journal import TaxonomyEdit, read_journal
from pipelines.warehouse.db import fetch_row

def land_journal(con: duckdb.DuckDBPyConnection, journal: Path, run_id: str) -> int:
    """Insert the journal's edits not yet in ``taxonomy_edits``; returns how many."""
    edits = read_journal(journal)
    if not edits:
        return 0
    frame = pd.DataFrame([
        {**asdict(e), "other_ids": list(e.other_ids), "landed_run": run_id} for e in edits
    ])
    frame["k"] = frame["k"].astype("Int64")
    con.register("journal_edits", frame)
    before = fetch_row(con, "SELECT count(*) FROM taxonomy_edits")[0]
    con.execute(
        """INSERT INTO taxonomy_edits
           SELECT edit_id, created_at, action, target_id, other_ids::VARCHAR[], value, k, author,
                  landed_run, NULL, NULL
           FROM journal_edits ON CONFLICT DO NOTHING"""
    )
    con.unregister("journal_edits")
    return fetch_row(con, "SELECT count(*) FROM taxonomy_edits")[0] - before


class EditRejected(ValueError):
    """An edit that cannot be applied to the current themes (the reason is recorded)."""


# --- applying edits --------------------------------------------------------------------


def _active_theme_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT theme_id FROM theme_state WHERE is_active").fetchall()}


def _require_active(con: duckdb.DuckDBPyConnection, theme_ids: list[str]) -> None:
    missing = sorted(set(theme_ids) - _active_theme_ids(con))
    if missing:
        raise EditRejected(f"not an active theme: {', '.join(missing)}")


def _require_free_label(con: duckdb.DuckDBPyConnection, table: str, key: str, target: str, label: str) -> None:
    # table/key come from this module, never from an edit.
    taken = con.execute(
        f"SELECT {key} FROM {table} WHERE pinned_label = ? AND {key} <> ? AND is_active", [label, target]
    ).fetchall()
    if taken:
        raise EditRejected(f"label {label!r} is already pinned on {taken[0][0]}")


def _set_label(con: duckdb.DuckDBPyConnection, target: str, label: str | None) -> None:
    _require_active(con, [target])
    if label is None:  # pin the label as it is now
        label = fetch_row(con, "SELECT label FROM theme_state WHERE theme_id = ?", [target])[0]
    _require_free_label(con, "theme_state", "theme_id", target, label)
    con.execute("UPDATE theme_state SET pinned_label = ?, label = ? WHERE theme_id = ?", [label, label, target])


def _merge(con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, run_id: str, edit: TaxonomyEdit) -> None:
    others = list(edit.other_ids)
    _require_active(con, [edit.target_id, *others])
    con.execute(
        """UPDATE theme_state SET merged_into = ?, is_active = false, retired_run = ?
           WHERE theme_id = ANY(?) OR merged_into = ANY(?)""",
        [edit.target_id, run_id, others, others],
    )
    con.execute("UPDATE segment_theme SET theme_id = ? WHERE theme_id = ANY(?)", [edit.target_id, others])
    describe_stored_themes(con, config, model_id, [edit.target_id], run_id, keep_labels=True)


def _split(con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, run_id: str, edit: TaxonomyEdit) -> None:
    _require_active(con, [edit.target_id])
    members = con.execute(
        "SELECT text_hash FROM segment_theme WHERE theme_id = ? ORDER BY text_hash", [edit.target_id]
    ).df()
    k = int(edit.k or 0)
    if len(members) < k:
        raise EditRejected(f"{edit.target_id} has {len(members)} segment texts, fewer than {k}")
    vectors = cached_vectors(con, model_id, members["text_hash"].tolist())
    children = split_theme(vectors, k, config.seed)
    all_ids = [r[0] for r in con.execute("SELECT theme_id FROM theme_state").fetchall()]
    child_ids = next_theme_ids(all_ids, k)
    # The children inherit the parent's category and owner: the same team still owns the fix.
    parent_category, parent_owner = fetch_row(
        con, "SELECT category_id, owner_team FROM theme_state WHERE theme_id = ?", [edit.target_id]
    )
    for child_id in child_ids:
        # Placeholder row; describe_stored_themes fills label, keywords and centroid below.
        con.execute(
            """INSERT INTO theme_state (theme_id, label, keywords, centroid, is_active, first_seen_run,
                                        last_seen_run, split_from, category_id, owner_team)
               VALUES (?, ?, [], [], true, ?, ?, ?, ?, ?)""",
            [child_id, child_id, run_id, run_id, edit.target_id, parent_category, parent_owner],
        )
    assigned = pd.DataFrame({"text_hash": members["text_hash"], "child": [child_ids[c] for c in children]})
    con.register("split_assignments", assigned)
    con.execute(
        """UPDATE segment_theme SET theme_id = split_assignments.child
           FROM split_assignments WHERE segment_theme.text_hash = split_assignments.text_hash"""
    )
    con.unregister("split_assignments")
    con.execute(
        "UPDATE theme_state SET is_active = false, retired_run = ? WHERE theme_id = ?", [run_id, edit.target_id]
    )
    describe_stored_themes(con, config, model_id, child_ids, run_id)


def _category_edit(con: duckdb.DuckDBPyConnection, edit: TaxonomyEdit) -> None:
    active = fetch_row(
        con, "SELECT count(*) FROM category_state WHERE category_id = ? AND is_active", [edit.target_id]
    )[0]
    if not active:
        raise EditRejected(f"not an active category: {edit.target_id}")
    if edit.action == "category_owner":
        con.execute(
            "UPDATE category_state SET owner_team = nullif(trim(?), '') WHERE category_id = ?",
            [edit.value or "", edit.target_id],
        )
        return
    label = edit.value
    if label is None:
        label = fetch_row(con, "SELECT label FROM category_state WHERE category_id = ?", [edit.target_id])[0]
    _require_free_label(con, "category_state", "category_id", edit.target_id, label)
    con.execute(
        "UPDATE category_state SET pinned_label = ?, label = ? WHERE category_id = ?", [label, label, edit.target_id]
    )


def apply_edit(
    con: duckdb.DuckDBPyConnection, config: ThemeConfig, model_id: str, run_id: str, edit: TaxonomyEdit
) -> None:
    """Apply one edit to the warehouse's theme state; raises EditRejected when it cannot."""
    if edit.action in ("rename", "pin"):
        _set_label(con, edit.target_id, edit.value.strip() if edit.value else None)
    elif edit.action == "owner":
        _require_active(con, [edit.target_id])
        con.execute(
            "UPDATE theme_state SET owner_team = nullif(trim(?), '') WHERE theme_id = ?",
            [edit.value or "", edit.target_id],
        )
    elif edit.action == "merge":
        _merge(con, config, model_id, run_id, edit)
    elif edit.action == "split":
        _split(con, config, model_id, run_id, edit)
    else:
        _category_edit(con, edit)


def _landed_pending(con: duckdb.DuckDBPyConnection) -> list[TaxonomyEdit]:
    rows = con.execute(
        """SELECT edit_id, created_at, action, target_id, other_ids, value, k, author
           FROM taxonomy_edits WHERE applied_run IS NULL ORDER BY created_at, edit_id"""
    ).df()
    return [
        TaxonomyEdit(
            action=r.action, target_id=r.target_id, other_ids=tuple(r.other_ids),
            value=None if pd.isna(r.value) else r.value, k=None if pd.isna(r.k) else int(r.k),
            author=None if pd.isna(r.author) else r.author, edit_id=r.edit_id,
            created_at=pd.Timestamp(r.created_at).to_pydatetime(),
        )
        for r in rows.itertuples()
    ]


# --- categories and distinct labels ----------------------------------------------------


def refresh_categories(con: duckdb.DuckDBPyConnection, config: ThemeConfig, run_id: str) -> int:
    """Regroup the active themes into categories; a category keeps its id (and label) when
    its themes mostly stay together. Returns the number of active categories."""
    themes = con.execute(
        """SELECT ts.theme_id, ts.label, ts.centroid, ts.category_id, count(st.text_hash) AS size
           FROM theme_state AS ts LEFT JOIN segment_theme AS st USING (theme_id)
           WHERE ts.is_active GROUP BY ALL ORDER BY ts.theme_id"""
    ).df()
    con.execute("UPDATE category_state SET is_active = false")
    if themes.empty:
        return 0
    groups = group_into_categories(np.vstack([np.asarray(c, np.float32) for c in themes["centroid"]]),
                                   config.max_categories)
    members = [set(themes["theme_id"][groups == g]) for g in range(int(groups.max()) + 1)]
    previous: dict[str, set[str]] = {}
    for theme_id, category_id in zip(themes["theme_id"], themes["category_id"], strict=True):
        if isinstance(category_id, str):
            previous.setdefault(category_id, set()).add(theme_id)
    known = [r[0] for r in con.execute("SELECT category_id FROM category_state").fetchall()]
    category_ids = match_categories(members, previous, config.category_match_jaccard, retired_ids=known)
    stored = dict(con.execute("SELECT category_id, label FROM category_state").fetchall())
    pinned = dict(con.execute(
        "SELECT category_id, pinned_label FROM category_state WHERE pinned_label IS NOT NULL").fetchall())
    auto: dict[str, str] = {}
    taken = set(pinned.values())
    for group, category_id in enumerate(category_ids):
        in_group = groups == group
        label = stored.get(category_id) or category_label(
            themes["label"][in_group].tolist(), themes["size"][in_group].tolist(), taken)
        auto[category_id] = label
        taken.add(label)
    labels = distinct_labels(auto, pinned)
    for category_id in category_ids:
        con.execute(
            """INSERT INTO category_state (category_id, label, is_active, first_seen_run, last_seen_run)
               VALUES (?, ?, true, ?, ?)
               ON CONFLICT (category_id) DO UPDATE SET label = excluded.label, is_active = true,
                   last_seen_run = excluded.last_seen_run""",
            [category_id, labels[category_id], run_id, run_id],
        )
    assignment = pd.DataFrame({"theme_id": themes["theme_id"], "category_id": [category_ids[g] for g in groups]})
    con.register("theme_categories", assignment)
    con.execute(
        """UPDATE theme_state SET category_id = theme_categories.category_id
           FROM theme_categories WHERE theme_state.theme_id = theme_categories.theme_id"""
    )
    con.unregister("theme_categories")
    return len(category_ids)


def _make_theme_labels_distinct(con: duckdb.DuckDBPyConnection) -> None:
    """Pinned labels win; another active theme that had the same label gets a suffix."""
    rows = con.execute("SELECT theme_id, label, pinned_label FROM theme_state WHERE is_active").fetchall()
    final = distinct_labels({t: label for t, label, _ in rows}, {t: p for t, _, p in rows if p is not None})
    changed = [(label, t) for t, label in final.items() if label != dict((r[0], r[1]) for r in rows)[t]]
    for label, theme_id in changed:
        con.execute("UPDATE theme_state SET label = ? WHERE theme_id = ?", [label, theme_id])


# --- one run's taxonomy step -----------------------------------------------------------


@dataclass(frozen=True)
class TaxonomyReport:
    edits_landed: int
    edits_applied: int
    edits_rejected: int
    categories_active: int
    rejections: tuple[str, ...] = ()  # "<edit>: <why>", one per rejected edit


def update_taxonomy(
    con: duckdb.DuckDBPyConnection,
    config: ThemeConfig,
    model_id: str,
    run_id: str,
    journal: Path,
    themes_changed: bool,
) -> TaxonomyReport:
    """Land the journal, apply pending edits in order, then regroup categories if the themes
    changed (or some theme has none yet) and keep every label distinct."""
    landed = land_journal(con, journal, run_id)
    applied = 0
    rejections: list[str] = []
    structural = False
    for edit in _landed_pending(con):
        try:
            apply_edit(con, config, model_id, run_id, edit)
            outcome = "applied"
            applied += 1
            structural |= edit.action in ("merge", "split")
        except EditRejected as reason:
            outcome = f"rejected: {reason}"
            rejections.append(f"{edit.describe()}: {reason}")
        con.execute(
            "UPDATE taxonomy_edits SET applied_run = ?, outcome = ? WHERE edit_id = ?", [run_id, outcome, edit.edit_id]
        )
    uncategorised = fetch_row(
        con,
        """SELECT count(*) FROM theme_state AS ts WHERE ts.is_active AND (ts.category_id IS NULL
           OR ts.category_id NOT IN (SELECT category_id FROM category_state WHERE is_active))""",
    )[0]
    if themes_changed or structural or uncategorised:
        categories = refresh_categories(con, config, run_id)
    else:
        categories = fetch_row(con, "SELECT count(*) FROM category_state WHERE is_active")[0]
    _make_theme_labels_distinct(con)
    return TaxonomyReport(landed, applied, len(rejections), categories, tuple(rejections))
