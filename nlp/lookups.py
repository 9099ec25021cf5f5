"""spacy-lookups-data tables (lemmas, part-of-speech indexes) as plain dicts."""

from __future__ import annotations

from typing import Any

import spacy


def lookup_table(language: str, table: str) -> dict[str, Any]:
    """A spacy-lookups-data table of a language, e.g. "lemma_lookup" ({} when it has none).

    Read directly rather than through ``spacy.lookups.load_lookups``: its Table hashes every
    key on insertion (seconds per language for the lemma tables of 100k-600k entries) and
    answers the same string lookups as the dict.
    """
    if language not in spacy.util.registry.lookups:
        return {}
    files = spacy.util.registry.lookups.get(language)
    return spacy.util.load_language_data(files[table]) if table in files else {}
