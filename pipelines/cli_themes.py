"""`voc themes ...`: list themes and edit the taxonomy.

Edits never open the warehouse for writing: they are appended to the taxonomy journal beside
the published snapshot, and the next `voc run` applies them (see pipelines/taxonomy.py).
Ids are checked against the published snapshot first, so a typo fails here, not in a run.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from pipelines.settings import get_settings
from pipelines.taxonomy_journal import MAX_SPLIT_K, TaxonomyEdit, append_edit, pending_edits

app = typer.Typer(help="List themes and edit the taxonomy (applied by the next run).", no_args_is_help=True)
console = Console()

DbOption = Annotated[Path | None, typer.Option("--db", help="Published warehouse file (default: data/voc.duckdb).")]


def _db(db: Path | None) -> Path:
    path = Path(db or get_settings().db_path)
    if not path.is_file():
        raise typer.BadParameter(f"no published warehouse at {path}; run `voc run` first", param_hint="--db")
    return path


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _check_ids(db: Path, ids: list[str], table: str = "themes", key: str = "theme_id") -> None:
    # table/key are fixed by the caller, never typed by the user.
    known = {r[0] for r in _query(db, f"SELECT {key} FROM {table} WHERE {key} = ANY(?)", [ids])}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise typer.BadParameter(f"not in the published snapshot: {', '.join(unknown)}")


def _edit(action: str, target_id: str, **fields: object) -> TaxonomyEdit:
    """The edit, or a usage error saying what is wrong with it (not a traceback)."""
    try:
        return TaxonomyEdit(action, target_id, author=_author(), **fields)  # type: ignore[arg-type]
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _write(db: Path, edit: TaxonomyEdit) -> None:
    append_edit(get_settings().taxonomy_journal_path(db), edit)
    console.print(f"Recorded: {edit.describe()}. It is applied by the next `voc run`.")


def _author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


@app.command("list")
def list_themes(
    db: DbOption = None,
    category: Annotated[str | None, typer.Option(help="Only this category id.")] = None,
) -> None:
    """Themes with category, owner, size and history; then the edits waiting for a run."""
    path = _db(db)
    if category is not None:
        _check_ids(path, [category], "category_state", "category_id")
    rows = _query(
        path,
        """SELECT theme_id, label, category_id, category_label, coalesce(owner_team, ''), count_items,
                  strftime(first_seen_at, '%Y-%m-%d'), strftime(last_seen_at, '%Y-%m-%d'),
                  array_to_string(merged_from, ','), coalesce(split_from, ''), is_label_pinned
           FROM themes WHERE ? IS NULL OR category_id = ? ORDER BY category_id, count_items DESC, theme_id""",
        [category, category],
    )
    table = Table(title=f"{len(rows)} themes")
    for column in ("id", "label", "category", "owner", "items", "first seen", "last seen", "merged from", "split from"):
        table.add_column(column, justify="right" if column == "items" else "left")
    for theme_id, label, category_id, category_label, owner, items, first, last, merged, split, pinned in rows:
        table.add_row(theme_id, label + (" (pinned)" if pinned else ""), f"{category_id} {category_label}", owner,
                      str(items), first or "", last or "", merged, split)
    console.print(table)
    applied = {r[0] for r in _query(path, "SELECT edit_id FROM taxonomy_edits WHERE applied_run IS NOT NULL")}
    waiting = pending_edits(get_settings().taxonomy_journal_path(path), applied)
    for edit in waiting:
        console.print(f"pending (applied after the next run): {edit.describe()}")


@app.command()
def rename(
    theme_id: str,
    label: Annotated[str, typer.Argument(help="The new label; it is pinned, so refits keep it.")],
    db: DbOption = None,
) -> None:
    """Rename a theme (or a category id such as C03)."""
    path = _db(db)
    if theme_id.startswith("C"):
        _check_ids(path, [theme_id], "category_state", "category_id")
        _write(path, _edit("category_rename", theme_id, value=label))
    else:
        _check_ids(path, [theme_id])
        _write(path, _edit("rename", theme_id, value=label))


@app.command()
def pin(theme_id: str, db: DbOption = None) -> None:
    """Pin a theme's (or category's) current label so no refit changes it."""
    path = _db(db)
    if theme_id.startswith("C"):
        _check_ids(path, [theme_id], "category_state", "category_id")
        _write(path, _edit("category_pin", theme_id))
    else:
        _check_ids(path, [theme_id])
        _write(path, _edit("pin", theme_id))


@app.command()
def merge(
    into: Annotated[str, typer.Argument(help="The theme that stays.")],
    others: Annotated[list[str], typer.Argument(help="Themes folded into it.")],
    db: DbOption = None,
) -> None:
    """Merge themes into one; later refits keep them merged."""
    path = _db(db)
    _check_ids(path, [into, *others])
    _write(path, _edit("merge", into, other_ids=tuple(others)))


@app.command()
def split(
    theme_id: str,
    k: Annotated[int, typer.Option("--k", min=2, max=MAX_SPLIT_K, help="Number of child themes.")] = 2,
    db: DbOption = None,
) -> None:
    """Re-cluster one theme's segments into k child themes with new ids."""
    path = _db(db)
    _check_ids(path, [theme_id])
    _write(path, _edit("split", theme_id, k=k))


@app.command()
def owner(
    theme_id: Annotated[str, typer.Argument(help="A theme id, or a category id (C…) for all its themes.")],
    team: Annotated[str, typer.Argument(help="The owning team; '' clears it.")],
    db: DbOption = None,
) -> None:
    """Route a theme or a whole category to the team that owns the fix."""
    path = _db(db)
    if theme_id.startswith("C"):
        _check_ids(path, [theme_id], "category_state", "category_id")
        _write(path, _edit("category_owner", theme_id, value=team))
    else:
        _check_ids(path, [theme_id])
        _write(path, _edit("owner", theme_id, value=team))
