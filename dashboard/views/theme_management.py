"""Theme management: rename, merge, split, pin labels and route themes to owner teams.

The page reads the published snapshot (read-only) and never writes a database: each edit is
appended to the taxonomy journal beside the snapshot, and the next pipeline run applies it.
Edits not yet applied are listed as pending. Labels and verbatims are shown as plain text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, queries
from pipelines.report import markdown_escape
from pipelines.settings import get_settings
from pipelines.taxonomy_journal import MAX_SPLIT_K, TaxonomyEdit, append_edit, pending_edits

KEY = "theme_management"  # prefix of this page's widget keys
ALL_CATEGORIES = "(all categories)"
PENDING_NOTE = "applied after the next run"


def theme_choice(themes: pd.DataFrame):
    labels = dict(zip(themes["theme_id"], themes["label"], strict=True))
    return list(labels), lambda theme_id: f"{theme_id} · {labels[theme_id]}"


def record(edit: TaxonomyEdit) -> None:
    append_edit(get_settings().taxonomy_journal_path(snapshot.path), edit)
    # labels are shown as written, not as Markdown ("**Gift**" stays two asterisks and a word)
    st.session_state[f"{KEY}.recorded"] = f"Recorded: {markdown_escape(edit.describe())} ({PENDING_NOTE})."
    st.rerun()


def pending_section(applied_ids: set[str]) -> None:
    waiting = pending_edits(get_settings().taxonomy_journal_path(snapshot.path), applied_ids)
    if not waiting:
        st.caption("No pending edits: the snapshot shows every edit made so far.")
        return
    st.subheader(f"Pending edits ({len(waiting)}), {PENDING_NOTE}")
    st.dataframe(
        pd.DataFrame({
            "made at (UTC)": [e.created_at for e in waiting],
            "edit": [e.describe() for e in waiting],
            "by": [e.author or "" for e in waiting],
            "status": [PENDING_NOTE] * len(waiting),
        }),
        hide_index=True, key=f"{KEY}.pending",
    )


def themes_table(themes: pd.DataFrame) -> None:
    st.dataframe(
        themes.fillna({"owner_team": ""}),  # no owner: blank, not a grey "None"
        hide_index=True,
        column_order=["theme_id", "label", "category_label", "owner_team", "count_items", "first_seen_at",
                      "last_seen_at", "merged_from", "split_from", "is_label_pinned"],
        column_config={
            "theme_id": st.column_config.TextColumn("Id", width="small"),
            "label": st.column_config.TextColumn("Theme", width="medium"),
            "category_label": st.column_config.TextColumn("Category"),
            "owner_team": st.column_config.TextColumn("Owner"),
            "count_items": st.column_config.NumberColumn("Items", format="localized"),
            "first_seen_at": st.column_config.DatetimeColumn("First seen", format="YYYY-MM-DD"),
            "last_seen_at": st.column_config.DatetimeColumn("Last seen", format="YYYY-MM-DD"),
            "merged_from": st.column_config.ListColumn("Merged from"),
            "split_from": st.column_config.TextColumn("Split from", width="small"),
            "is_label_pinned": st.column_config.CheckboxColumn("Pinned"),
        },
        key=f"{KEY}.themes",
    )


def theme_forms(themes: pd.DataFrame) -> None:
    ids, show = theme_choice(themes)
    rename_tab, merge_tab, split_tab, pin_tab, owner_tab = st.tabs(["Rename", "Merge", "Split", "Pin label", "Owner"])
    with rename_tab, st.form(f"{KEY}.rename_form"):
        theme_id = st.selectbox("Theme", ids, format_func=show, key=f"{KEY}.rename_theme")
        label = st.text_input("New label (pinned: refits keep it)", key=f"{KEY}.rename_label")
        if st.form_submit_button("Rename"):
            if label.strip():
                record(TaxonomyEdit("rename", theme_id, value=label.strip(), author="dashboard"))
            st.error("Type a label.")
    with merge_tab, st.form(f"{KEY}.merge_form"):
        into = st.selectbox("Keep this theme", ids, format_func=show, key=f"{KEY}.merge_into")
        others = st.multiselect("…and fold these into it", ids, format_func=show, key=f"{KEY}.merge_others")
        if st.form_submit_button("Merge"):
            folded = tuple(t for t in others if t != into)
            if folded:
                record(TaxonomyEdit("merge", into, other_ids=folded, author="dashboard"))
            st.error("Pick at least one other theme to fold in.")
    with split_tab, st.form(f"{KEY}.split_form"):
        theme_id = st.selectbox("Theme", ids, format_func=show, key=f"{KEY}.split_theme")
        k = st.number_input("Into how many themes", min_value=2, max_value=MAX_SPLIT_K, value=2, key=f"{KEY}.split_k")
        if st.form_submit_button("Split"):
            record(TaxonomyEdit("split", theme_id, k=int(k), author="dashboard"))
    with pin_tab, st.form(f"{KEY}.pin_form"):
        theme_id = st.selectbox("Theme", ids, format_func=show, key=f"{KEY}.pin_theme")
        if st.form_submit_button("Pin its current label"):
            record(TaxonomyEdit("pin", theme_id, author="dashboard"))
    with owner_tab, st.form(f"{KEY}.owner_form"):
        theme_id = st.selectbox("Theme", ids, format_func=show, key=f"{KEY}.owner_theme")
        team = st.text_input("Owner team (empty clears it)", key=f"{KEY}.owner_team")
        if st.form_submit_button("Set owner"):
            record(TaxonomyEdit("owner", theme_id, value=team.strip(), author="dashboard"))


def category_forms(categories: pd.DataFrame) -> None:
    labels = dict(zip(categories["category_id"], categories["label"], strict=True))

    def show(category_id: str) -> str:
        return f"{category_id} · {labels[category_id]}"

    col_rename, col_pin, col_owner = st.columns(3)
    with col_rename, st.form(f"{KEY}.category_rename_form"):
        category_id = st.selectbox("Category", list(labels), format_func=show, key=f"{KEY}.category_rename_id")
        label = st.text_input("New category label", key=f"{KEY}.category_label")
        if st.form_submit_button("Rename category"):
            if label.strip():
                record(TaxonomyEdit("category_rename", category_id, value=label.strip(), author="dashboard"))
            st.error("Type a label.")
    with col_pin, st.form(f"{KEY}.category_pin_form"):
        category_id = st.selectbox("Category", list(labels), format_func=show, key=f"{KEY}.category_pin_id")
        if st.form_submit_button("Pin its current label"):
            record(TaxonomyEdit("category_pin", category_id, author="dashboard"))
    with col_owner, st.form(f"{KEY}.category_owner_form"):
        category_id = st.selectbox("Category", list(labels), format_func=show, key=f"{KEY}.category_owner_id")
        team = st.text_input("Owner team for all its themes (empty clears it)", key=f"{KEY}.category_team")
        if st.form_submit_button("Set category owner"):
            record(TaxonomyEdit("category_owner", category_id, value=team.strip(), author="dashboard"))


snapshot = data.current_snapshot()
st.title("Theme management")
st.caption(
    "Rename, merge, split, pin labels and assign owners. Edits are recorded now and "
    f"{PENDING_NOTE} (`voc run`); until then the tables show the published snapshot."
)
if message := st.session_state.pop(f"{KEY}.recorded", None):
    st.success(message)

# Every landed edit, not only the newest the table below shows: older ones are not pending.
pending_section(set(queries.landed_edits(snapshot.path)["edit_id"]))

categories = queries.theme_management_categories(snapshot.path)
if categories.empty:
    st.info("The published snapshot has no themes yet.")
    st.stop()

st.subheader(f"{len(categories)} categories")
st.dataframe(
    categories.fillna({"owner_team": ""}), hide_index=True,
    column_order=["category_id", "label", "owner_team", "count_themes", "count_items", "is_label_pinned"],
    column_config={
        "category_id": st.column_config.TextColumn("Id", width="small"),
        "label": st.column_config.TextColumn("Category", width="medium"),
        "owner_team": st.column_config.TextColumn("Owner"),
        "count_themes": st.column_config.NumberColumn("Themes"),
        "count_items": st.column_config.NumberColumn("Items", format="localized"),
        "is_label_pinned": st.column_config.CheckboxColumn("Pinned"),
    },
    key=f"{KEY}.categories",
)
category_labels = dict(zip(categories["category_id"], categories["label"], strict=True))
picked = st.selectbox(
    "Show themes of", [ALL_CATEGORIES, *category_labels],
    format_func=lambda c: c if c == ALL_CATEGORIES else f"{c} · {category_labels[c]}", key=f"{KEY}.category",
)
themes = queries.theme_management_themes(snapshot.path, None if picked == ALL_CATEGORIES else picked)
st.subheader(f"{len(themes)} themes")
themes_table(themes)

all_themes = themes if picked == ALL_CATEGORIES else queries.theme_management_themes(snapshot.path)
st.subheader("Edit themes")
theme_forms(all_themes)
st.subheader("Edit categories")
category_forms(categories)

edits = queries.theme_management_edits(snapshot.path)
if not edits.empty:
    rejected = int(edits["outcome"].str.startswith("rejected").sum())
    title = f"Edits landed by runs ({len(edits)} newest" + (f", {rejected} rejected)" if rejected else ")")
    with st.expander(title, expanded=bool(rejected)):
        st.dataframe(
            edits, hide_index=True, key=f"{KEY}.edits",
            column_order=["created_at", "outcome", "action", "target_id", "other_ids", "value", "k", "author",
                          "applied_run"],
            column_config={
                "created_at": st.column_config.DatetimeColumn("Made at (UTC)"),
                "outcome": st.column_config.TextColumn("Outcome", width="medium"),
                "action": st.column_config.TextColumn("Edit"),
                "target_id": st.column_config.TextColumn("Theme or category"),
                "other_ids": st.column_config.ListColumn("Merged in"),
                "value": st.column_config.TextColumn("Label or owner"),
                "k": st.column_config.NumberColumn("Split into"),
                "author": st.column_config.TextColumn("By"),
                "applied_run": st.column_config.TextColumn("Run"),
            },
        )
