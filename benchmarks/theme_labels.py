"""Theme label quality: the labels a warehouse holds ("before") against labels rebuilt now
from the same themes ("after").

Reads a warehouse built by `voc run` (read-only): each distinct segment text with its theme
(segment_theme), cached embedding and key phrases, and the stored labels. The labels are
rebuilt with `describe_themes` on exactly those assignments, with config/nlp.yaml, as a run
describes a refitted theme. For both label sets it reports:

- share of labels with a redaction placeholder's word ("person" where members say
  "[PERSON]"), a month or weekday name, a digit outside a code word ("spring25"), a hashtag
  or a hashtag's word ("customerservice" where members only say "#customerservice");
- share of labels all of whose words appear in the theme's representative text (the member
  closest to the centroid), and the mean share of label words that do;
- words per label, share longer than 6 words, share made distinct only by a "(2)" suffix;
- of themes with members in several languages (each text's item language), the share whose
  label's words all occur in the members of the theme's most common language;
- the 25 largest themes side by side with their planted majority theme: the most common
  planted story among their items (ground_truth_items.csv matched on (channel,
  source_record_id) through feedback; the pipeline never reads it) and its share of them.

    .venv/bin/python benchmarks/theme_labels.py --db /tmp/s5/voc.duckdb \
        [--truth /tmp/s5/samples/ground_truth_items.csv] [--tag NAME]

Writes benchmarks/results/theme_labels.json (one entry per tag).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from nlp.config import load_nlp_config
from nlp.keyphrases import CODE_WORD
from nlp.redact import KINDS
from nlp.themes import CALENDAR_WORDS, describe_themes
from pipelines.settings import PROJECT_ROOT, get_settings
from pipelines.steps import cached_vectors

OUT = PROJECT_ROOT / "benchmarks" / "results" / "theme_labels.json"
TOP_THEMES = 25
MAX_LABEL_WORDS = 6
_DISTINCT_SUFFIX = re.compile(r" \(\d+\)$")
_HASHTAG = re.compile(r"#(\w+)")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def load_themes(db: Path) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, pd.DataFrame]:
    """(texts: text_hash, text, theme_id, key_phrases, language, occurrences; their vectors;
    stored themes; items: theme_id, channel, source_record_id)."""
    with duckdb.connect(str(db), read_only=True) as con:
        texts = con.execute(
            """SELECT segs.text_hash, min(segs.text) AS text, st.theme_id,
                      coalesce(any_value(enrichment.key_phrases), []) AS key_phrases,
                      min(items.language) AS language, count(*) AS occurrences
               FROM nlp_segments AS segs JOIN segment_theme AS st USING (text_hash)
               LEFT JOIN nlp_items AS items USING (feedback_id, content_hash)
               LEFT JOIN nlp_segment_enrichment AS enrichment USING (text_hash)
               WHERE st.theme_id IS NOT NULL GROUP BY segs.text_hash, st.theme_id ORDER BY segs.text_hash"""
        ).df()
        (model_id,) = con.execute("SELECT model FROM embedding_cache GROUP BY model ORDER BY count(*) DESC").fetchall()[0]
        vectors = cached_vectors(con, model_id, texts["text_hash"].tolist())
        stored = con.execute("SELECT theme_id, label, count_items FROM themes").df()
        items = con.execute(
            """SELECT DISTINCT segs.theme_id, fb.channel, fb.source_record_id
               FROM segments AS segs JOIN feedback AS fb USING (feedback_id) WHERE segs.theme_id IS NOT NULL"""
        ).df()
    return texts, vectors, stored, items


def planted_majority(items: pd.DataFrame, truth_csv: Path) -> dict[str, tuple[str, float]]:
    """theme_id → (most common planted story among its items, share of its items carrying it)."""
    truth = pd.read_csv(truth_csv, dtype=str).fillna("")
    stories = {(c, r): [s for s in st.split("|") if s] for c, r, st in
               zip(truth["channel"], truth["source_record_id"], truth["stories"], strict=True)}
    result = {}
    for theme_id, group in items.groupby("theme_id"):
        counts = Counter(s for c, r in zip(group["channel"], group["source_record_id"].astype(str), strict=True)
                         for s in stories.get((c, r), []) or ["(none)"])
        story, count = counts.most_common(1)[0]
        result[str(theme_id)] = (story, round(count / len(group), 2))
    return result


def _in_text(word: str, text_words: set[str], text: str) -> bool:
    """A label word is in a text as a word, as an inflection of one (a shared stem of 4+
    letters: lemma "charge", text "charges"), or, for Chinese, as a substring."""
    if word in text_words or (_HAN.search(word) and word in text):
        return True
    stem = word[: max(4, len(word) - 2)]
    return len(word) >= 4 and any(w.startswith(stem) for w in text_words)


def main_language_texts(texts: pd.DataFrame) -> dict[str, list[str]]:
    """theme_id → its members in its most common language (texts weighted by how often they
    were said), for themes of several languages."""
    result = {}
    for theme_id, group in texts.groupby("theme_id"):
        counts = group.groupby(group["language"].fillna(""))["occurrences"].sum()
        if len(counts) > 1:
            main = min(counts.index, key=lambda language: (-counts[language], language))
            result[str(theme_id)] = group.loc[group["language"].fillna("") == main, "text"].tolist()
    return result


def share_in_main_language(labels: dict[str, str], main_texts: dict[str, list[str]]) -> float:
    """Of themes with members in several languages, the share whose label's words all occur in
    the members of the theme's most common language."""
    hits = []
    for theme_id, texts in main_texts.items():
        joined = " ".join(texts).lower()
        words = _WORD.findall(_DISTINCT_SUFFIX.sub("", labels[theme_id]).lower())
        hits.append(bool(words) and all(_in_text(w, set(_WORD.findall(joined)), joined) for w in words))
    return round(float(np.mean(hits)), 3) if hits else 1.0


def label_scores(labels: dict[str, str], members: dict[str, list[str]], representative: dict[str, str]) -> dict:
    placeholder_words = {k.lower() for k in KINDS}
    rows = []
    for theme_id, label in labels.items():
        words = _WORD.findall(_DISTINCT_SUFFIX.sub("", label).lower())
        texts = members[theme_id]
        joined = " ".join(texts)
        bare = Counter(w.lower() for w in _WORD.findall(re.sub(r"\[[A-Z_]+\]|#\w+", " ", joined)))
        bracketed = Counter(m.lower() for m in re.findall(r"\[([A-Z_]+)\]", joined))
        tagged = Counter(m.lower() for m in _HASHTAG.findall(joined))
        rep = representative[theme_id].lower()
        rep_words = set(_WORD.findall(rep))
        in_rep = [_in_text(w, rep_words, rep) for w in words]
        rows.append({
            "placeholder": any(w in placeholder_words and bracketed[w] > bare[w] for w in words),
            "calendar": any(w in CALENDAR_WORDS for w in words),
            "digit": bool(re.search(r"\d", CODE_WORD.sub("", _DISTINCT_SUFFIX.sub("", label)))),
            "hashtag": "#" in label or any(tagged[w] > bare[w] for w in words),
            "all_words_in_representative": bool(words) and all(in_rep),
            "words_in_representative": float(np.mean(in_rep)) if in_rep else 0.0,
            "n_words": len(words),
            "suffix": bool(_DISTINCT_SUFFIX.search(label)),
        })
    frame = pd.DataFrame(rows)
    return {
        "n_themes": len(frame),
        "distinct": len(set(labels.values())) == len(labels),
        "share_placeholder_word": round(float(frame["placeholder"].mean()), 3),
        "share_month_or_weekday": round(float(frame["calendar"].mean()), 3),
        "share_digit": round(float(frame["digit"].mean()), 3),
        "share_hashtag": round(float(frame["hashtag"].mean()), 3),
        "share_all_words_in_representative": round(float(frame["all_words_in_representative"].mean()), 3),
        "mean_share_words_in_representative": round(float(frame["words_in_representative"].mean()), 3),
        "mean_words": round(float(frame["n_words"].mean()), 2),
        f"share_over_{MAX_LABEL_WORDS}_words": round(float((frame["n_words"] > MAX_LABEL_WORDS).mean()), 3),
        "share_with_distinct_suffix": round(float(frame["suffix"].mean()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--truth", type=Path, default=None, help="default: samples/ground_truth_items.csv beside --db")
    parser.add_argument("--tag", default="story_sample")
    args = parser.parse_args()
    truth = args.truth or args.db.parent / "samples" / "ground_truth_items.csv"
    config = load_nlp_config(get_settings().nlp_config_path).themes
    texts, vectors, stored, items = load_themes(args.db)
    theme_ids = sorted(texts["theme_id"].unique())
    index_of = {t: i for i, t in enumerate(theme_ids)}
    assignments = texts["theme_id"].map(index_of).to_numpy(dtype=np.int64)
    began = time.perf_counter()
    described = describe_themes(
        texts["text"].tolist(), vectors, assignments, config, [list(p) for p in texts["key_phrases"]],
        languages=texts["language"].tolist(), occurrences=texts["occurrences"].tolist(),
    )
    seconds = round(time.perf_counter() - began, 2)
    after = dict(zip(theme_ids, described["label"], strict=True))
    before = {t: label for t, label in zip(stored["theme_id"], stored["label"], strict=True) if t in index_of}
    members = {t: texts.loc[texts["theme_id"] == t, "text"].tolist() for t in theme_ids}
    representative = dict(zip(theme_ids, described["representative"], strict=True))
    main_texts = main_language_texts(texts)
    majority = planted_majority(items, truth)
    largest = stored[stored["theme_id"].isin(theme_ids)].sort_values(["count_items", "theme_id"], ascending=[False, True])
    side_by_side = [
        {"theme_id": t, "count_items": int(n), "before": before[t], "after": after[t],
         "planted_majority": majority.get(t, ("(none)", 0.0))[0], "planted_share": majority.get(t, ("", 0.0))[1]}
        for t, n in zip(largest["theme_id"][:TOP_THEMES], largest["count_items"][:TOP_THEMES], strict=True)
    ]
    result = {
        "db": str(args.db),
        "n_texts": len(texts),
        "seconds_describe_themes": seconds,
        "before": label_scores(before, members, representative),
        "after": label_scores(after, members, representative),
        "multilingual_themes": len(main_texts),
        "share_multilingual_labelled_in_main_language": {
            "before": share_in_main_language(before, main_texts),
            "after": share_in_main_language(after, main_texts),
        },
        "largest_themes": side_by_side,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "largest_themes"}, indent=2, ensure_ascii=False))
    print(f"\n{'items':>5}  {'before':<40} {'after':<48} planted majority")
    for row in side_by_side:
        print(f"{row['count_items']:>5}  {row['before'][:40]:<40} {row['after'][:48]:<48} "
              f"{row['planted_majority']} ({row['planted_share']:.0%})")
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results[args.tag] = result
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
