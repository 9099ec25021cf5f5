"""Theme quality on our own demo samples, scored against the planted ground truth.

Reads the segment texts (and their cached embeddings and key phrases) of a warehouse built
by `voc run` on data/samples, refits the themes exactly as the pipeline does (same config
file, same `fit_themes`), and scores segments of items that carry exactly one planted theme
(data/samples/ground_truth_items.csv; the pipeline never reads it):

- nmi: NMI between themes and planted themes;
- purity: share of scored segments in a theme whose majority planted theme is theirs;
- themes_per_planted_theme: themes holding >= 5 % of a planted theme's segments (median);
- non_english_with_their_story: share of non-English scored segments in a theme whose
  majority planted theme is theirs (language-split themes fail this);
- junk_theme_share: share of segments in themes where no planted theme reaches 50 %.

The same scores are given for the categories (themes grouped by `group_into_categories`, at
most 15), the level an executive reads, against the 13 planted themes.

    .venv/bin/python benchmarks/themes_samples_quality.py --db data/voc.duckdb [--backend minilm|e5] [--tag NAME]

For another commit's engine on the same warehouse, run it with that commit's worktree first on
PYTHONPATH (PYTHONPATH=/tmp/base ...): the editable install would import this checkout.

Writes benchmarks/results/themes_samples_quality.json (one entry per tag).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

from nlp.config import load_nlp_config
from nlp.embeddings import load_embedder
from nlp.themes import ThemeConfig, fit_themes, group_into_categories
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.steps import cache_embeddings, cached_vectors
from pipelines.warehouse.db import connect, init_schema

OUT = PROJECT_ROOT / "benchmarks" / "results" / "themes_samples_quality.json"
GROUND_TRUTH = PROJECT_ROOT / "data" / "samples" / "ground_truth_items.csv"


def load_segments(db: Path) -> pd.DataFrame:
    """One row per distinct segment text: text_hash, text, key_phrases, channel, source_record_id, language."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """SELECT DISTINCT ON (s.text_hash) s.text_hash, s.text, s.key_phrases, f.channel,
                      f.source_record_id, f.language
               FROM segments AS s JOIN feedback AS f USING (feedback_id)
               ORDER BY s.text_hash, f.feedback_id"""
        ).df()


def planted_theme_per_segment(segments: pd.DataFrame) -> pd.Series:
    truth = pd.read_csv(GROUND_TRUTH, dtype=str).fillna("")
    single = truth[(truth["stories"] != "") & ~truth["stories"].str.contains("|", regex=False)]
    story = dict(zip(zip(single["channel"], single["source_record_id"]), single["stories"], strict=True))
    return pd.Series([story.get((c, str(r))) for c, r in zip(segments["channel"], segments["source_record_id"])],
                     index=segments.index)


def score(assignments: np.ndarray, planted: pd.Series, languages: pd.Series) -> dict:
    scored = planted.notna().to_numpy()
    theme, truth = assignments[scored], planted[scored].to_numpy()
    frame = pd.DataFrame({"theme": theme, "truth": truth, "language": languages[scored].to_numpy()})
    frame = frame[frame["theme"] >= 0]
    majority = frame.groupby("theme")["truth"].agg(lambda s: s.value_counts().index[0])
    majority_share = frame.groupby("theme")["truth"].agg(lambda s: s.value_counts().iloc[0] / len(s))
    with_majority = frame["truth"].to_numpy() == frame["theme"].map(majority).to_numpy()
    per_story = frame.groupby("truth")["theme"].agg(lambda s: int((s.value_counts(normalize=True) >= 0.05).sum()))
    non_english = frame["language"].fillna("und") != "en"
    junk_themes = set(majority_share[majority_share < 0.5].index)
    return {
        "n_themes": int(len(set(assignments[assignments >= 0].tolist()))),
        "unassigned_share": round(float(np.mean(assignments < 0)), 4),
        "n_scored_segments": int(scored.sum()),
        "nmi": round(float(normalized_mutual_info_score(truth, theme)), 4),
        "purity": round(float(with_majority.mean()), 4),
        "themes_per_planted_theme_median": float(per_story.median()),
        "non_english_with_their_story": round(float(with_majority[non_english.to_numpy()].mean()), 4),
        "junk_theme_share": round(float(frame["theme"].isin(junk_themes).mean()), 4),
    }


def embeddings(db: Path, embedder, segments: pd.DataFrame) -> np.ndarray:
    """From the warehouse's own cache when it holds this model's vectors, else embedded once
    into .cache/themes_samples_embeddings.duckdb (the warehouse is only read)."""
    hashes = segments["text_hash"].tolist()
    with duckdb.connect(str(db), read_only=True) as con:
        try:
            return cached_vectors(con, embedder.model_id, hashes)
        except LookupError:
            pass
    with connect(get_settings().cache_dir / "themes_samples_embeddings.duckdb") as con:
        init_schema(con)
        cache_embeddings(con, embedder, segments[["text_hash", "text"]])
        return cached_vectors(con, embedder.model_id, hashes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=get_settings().db_path)
    parser.add_argument("--backend", choices=["minilm", "e5"], default=None, help="default: config/nlp.yaml")
    parser.add_argument("--tag", default=None)
    args = parser.parse_args()
    config: ThemeConfig = load_nlp_config(get_settings().nlp_config_path).themes
    if args.backend and args.backend != config.embedding_backend:
        document_thresholds = {"minilm": (0.80, 0.40), "e5": (0.99, 0.905)}[args.backend]
        config = replace(config, embedding_backend=args.backend, match_threshold=document_thresholds[0],
                         assign_threshold=document_thresholds[1])
    segments = load_segments(args.db)
    embedder = load_embedder(config.embedding_backend)
    began = time.perf_counter()
    vectors = embeddings(args.db, embedder, segments)
    embed_seconds = time.perf_counter() - began
    phrases = [list(p) if p is not None else [] for p in segments["key_phrases"]]
    began = time.perf_counter()
    fit = fit_themes(segments["text"].tolist(), vectors, config, phrases)
    seconds_fit = round(time.perf_counter() - began, 1)
    planted = planted_theme_per_segment(segments)
    category_of_theme = group_into_categories(np.vstack(fit.themes["centroid"].to_list()), config.max_categories)
    categories = np.where(fit.assignments >= 0, category_of_theme[np.maximum(fit.assignments, 0)], -1)
    result = {
        "db": str(args.db),
        "embedding_model": embedder.model_id,
        "n_texts": len(segments),
        **score(fit.assignments, planted, segments["language"]),
        "categories": score(categories, planted, segments["language"]),
        "seconds_fit": seconds_fit,
        "seconds_embed": round(embed_seconds, 1),
        "top_labels": fit.themes.head(20)["label"].tolist(),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results[args.tag or config.embedding_backend] = result
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
