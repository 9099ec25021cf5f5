"""Score the theme engine on labelled texts, beside BERTopic's defaults.

The engine runs exactly as in the pipeline (same config file, same embedder, same
``fit_themes``) on the texts as given; labels are used only to score the result.
Embeddings are cached by text hash in a DuckDB file, so a re-run never embeds a text twice.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.embeddings import Embedder, text_hash
from nlp.themes import ThemeConfig, fit_themes
from pipelines.steps import Progress, cache_embeddings, cached_vectors, no_progress
from pipelines.warehouse.db import connect, init_schema


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[str] | None
    skipped_undecodable: int = 0  # rows whose text or label held bytes that are not UTF-8


def read_labelled_csvs(paths: Sequence[Path], text_col: str, label_col: str | None) -> LabelledTexts:
    """Texts (and labels) from one or more CSV files; rows with empty text are skipped, and so
    are rows whose text or label is not valid UTF-8 (counted): exports often mix in a row
    saved as Latin-1, which the pipeline quarantines the same way."""
    texts: list[str] = []
    labels: list[str] = []
    undecodable = 0
    for path in paths:
        # Undecodable bytes become U+FFFD, which marks the row to skip.
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.DictReader(handle)
            missing = {c for c in (text_col, label_col) if c and c not in (reader.fieldnames or [])}
            if missing:
                raise ValueError(f"{path}: no column {sorted(missing)}; columns are {reader.fieldnames}")
            for row in reader:
                text = (row[text_col] or "").strip()
                label = (row[label_col] or "") if label_col else ""
                if "\ufffd" in text or "\ufffd" in label:
                    undecodable += 1
                elif text:
                    texts.append(text)
                    labels.append(label)
    return LabelledTexts(texts, labels if label_col else None, undecodable)


def embed_with_cache(
    cache_db: Path, embedder: Embedder, texts: list[str], progress: Progress = no_progress
) -> np.ndarray:
    hashes = [text_hash(t) for t in texts]
    with connect(cache_db) as con:
        init_schema(con)
        cache_embeddings(con, embedder, pd.DataFrame({"text_hash": hashes, "text": texts}), progress)
        return cached_vectors(con, embedder.model_id, hashes)


def score(assignments: np.ndarray, labels: list[str] | None) -> dict:
    result = {
        "n_themes": int(len(set(assignments[assignments >= 0].tolist()))),
        "unassigned_share": round(float(np.mean(assignments < 0)), 4),
    }
    if labels is not None:
        result["nmi"] = round(float(normalized_mutual_info_score(labels, assignments)), 4)
        result["ari"] = round(float(adjusted_rand_score(labels, assignments)), 4)
    return result


def evaluate_engine(texts: list[str], labels: list[str] | None, embeddings: np.ndarray, config: ThemeConfig) -> dict:
    began = time.perf_counter()
    fit = fit_themes(texts, embeddings, config)
    return {**score(fit.assignments, labels), "seconds_fit": round(time.perf_counter() - began, 1)}


def evaluate_bertopic_defaults(texts: list[str], labels: list[str] | None, embeddings: np.ndarray) -> dict:
    """BERTopic as a notebook would run it: defaults everywhere, same embeddings given."""
    from bertopic import BERTopic

    began = time.perf_counter()
    topics, _ = BERTopic().fit_transform(texts, embeddings=embeddings)
    return {**score(np.asarray(topics), labels), "seconds_fit": round(time.perf_counter() - began, 1)}


def read_parallel_csv(path: Path) -> pd.DataFrame:
    """Parallel complaints (columns complaint, phrasing, language, text): each non-English
    row says what the English row with the same complaint and phrasing says."""
    frame = pd.read_csv(path, dtype=str)
    missing = {"complaint", "phrasing", "language", "text"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: no column {sorted(missing)}")
    return frame


def counterpart_agreement(parallel: pd.DataFrame, assignments: np.ndarray) -> dict:
    """Share of non-English rows whose theme is their English counterpart's (overall and per
    language); an unassigned row never agrees."""
    frame = parallel.assign(theme=np.asarray(assignments))
    english = frame[frame["language"] == "en"].set_index(["complaint", "phrasing"])["theme"]
    others = frame[frame["language"] != "en"]
    counterpart = english.reindex(list(zip(others["complaint"], others["phrasing"], strict=True))).to_numpy()
    agrees = (others["theme"].to_numpy() == counterpart) & (others["theme"].to_numpy() >= 0)
    by_language = pd.Series(agrees, index=others["language"]).groupby(level=0).mean()
    return {
        "share_with_english_counterpart": round(float(agrees.mean()), 4),
        "by_language": {language: round(float(share), 4) for language, share in by_language.items()},
        "n_non_english": int(len(others)),
    }
