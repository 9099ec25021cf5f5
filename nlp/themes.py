"""Themes: BERTopic clusters of segment embeddings, readable labels, ids stable across runs.

`fit_themes` builds a real BERTopic from injected, seeded components (UMAP, Ward
agglomerative clustering, CountVectorizer, ClassTfidfTransformer) on precomputed embeddings,
so the same inputs always give the same themes. Ward is cut at a height that grows with
√n, so the number of themes is found from the data (benchmarks/research/README.md). Ward
needs O(n²) memory: at most `max_fit_texts` texts (a seeded sample) are clustered and the
rest join the theme with the nearest centroid. Identity across runs is not BERTopic's topic
number (that is just a size rank) but a `theme_id` carried over by `match_themes` when a new
theme's centroid is close to a previous one's.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from nlp.embeddings import l2_normalise

if TYPE_CHECKING:  # BERTopic pulls in torch, UMAP and numba: import only when fitting
    from bertopic import BERTopic

THEME_COLUMNS = ["theme_index", "label", "keywords", "size", "centroid", "representative"]
THEME_ID_PREFIX = "T"
CATEGORY_ID_PREFIX = "C"
UNASSIGNED = -1
_TOKEN = re.compile(r"[^\W\d_](?:[^\W_]|['’][^\W\d_])*", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# BERTopic joins a theme's texts with spaces before counting words; ending every text with
# this separator lets the analyzer keep n-grams inside one text ("arrives tried" is noise).
TEXT_BOUNDARY = "\u2029"
# Members (closest to the centroid first) read when phrasing a label.
_LABEL_SAMPLE = 200


@dataclass(frozen=True)
class UmapConfig:
    n_neighbors: int = 15
    n_components: int = 5
    min_dist: float = 0.0
    metric: str = "cosine"


@dataclass(frozen=True)
class VectorizerConfig:
    # spaCy stop-word lists to merge (sklearn only has English).
    stop_word_languages: tuple[str, ...] = ("en",)
    ngram_range: tuple[int, int] = (1, 2)
    # Counted over one concatenated document per theme, so 1 keeps theme-specific words.
    min_df: int = 1


@dataclass(frozen=True)
class ThemeConfig:
    embedding_backend: str = "minilm"
    seed: int = 42
    # Fewer texts than this are not clustered: everything stays unassigned.
    min_texts: int = 50
    # Ward on the UMAP space is the only clusterer (HDBSCAN was measured worse, see research).
    clusterer: str = "ward"
    # Ward's tree is cut at ward_distance_factor·√n_fit: the merge cost of two clusters that
    # each hold a fixed share of the data grows like √n, so the cut means the same at any n.
    ward_distance_factor: float = 0.07
    # Ward holds an n² distance matrix (20,000 texts ≈ 1.6 GB): larger inputs are fitted on
    # a seeded sample of this size, the rest assigned to the nearest centroid.
    max_fit_texts: int = 20_000
    umap: UmapConfig = field(default_factory=UmapConfig)
    vectorizer: VectorizerConfig = field(default_factory=VectorizerConfig)
    n_keywords: int = 10
    match_threshold: float = 0.8
    assign_threshold: float = 0.4
    # Longest phrase (in words) used for the second half of a label.
    label_phrase_words: int = 4
    # Executives read at most this many top-level categories (Ward over theme centroids).
    max_categories: int = 15
    # A new category keeps a previous category_id when their theme sets overlap this much
    # (Jaccard); overlap of members, unlike centroid cosine, means the same for every backend.
    category_match_jaccard: float = 0.34

    def __post_init__(self) -> None:
        if self.clusterer != "ward":
            raise ValueError(f"unknown theme clusterer {self.clusterer!r}; supported: 'ward'")
        if self.max_fit_texts < self.min_texts:
            raise ValueError(f"max_fit_texts ({self.max_fit_texts}) is below min_texts ({self.min_texts})")
        if not 1 <= self.max_categories:
            raise ValueError(f"max_categories must be at least 1, got {self.max_categories}")


@dataclass(frozen=True)
class ThemeFit:
    # Row index into `themes` per input text; -1 = unassigned.
    assignments: np.ndarray
    # theme_index (0 = largest), label, keywords (list[str]), size, centroid (unit vector),
    # representative (the member text closest to the centroid).
    themes: pd.DataFrame


# ---------------------------------------------------------------------------- components


# Redaction placeholders ("[PERSON]", "[EMAIL]") say nothing about what a theme is about.
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


def keyword_tokens(text: str) -> list[str]:
    """Word tokens for c-TF-IDF; Chinese runs are cut into words with jieba."""
    tokens: list[str] = []
    for token in _TOKEN.findall(_PLACEHOLDER.sub(" ", text)):
        if _HAN.search(token):
            tokens.extend(w for w in _jieba_cut(token) if w.strip())
        else:
            tokens.append(token)
    return tokens


@dataclass(frozen=True)
class KeywordAnalyzer:
    """CountVectorizer analyzer: lowercase tokens minus stop words, n-grams within one text."""

    stop_words: frozenset[str]
    ngram_range: tuple[int, int]

    def __call__(self, document: str) -> list[str]:
        features: list[str] = []
        low, high = self.ngram_range
        for text in document.split(TEXT_BOUNDARY):
            tokens = [t for t in keyword_tokens(text.lower()) if t not in self.stop_words]
            for n in range(low, high + 1):
                features.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return features


def _jieba_cut(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut(text)


@lru_cache(maxsize=4)
def _stop_words(languages: tuple[str, ...]) -> tuple[str, ...]:
    import spacy

    words: set[str] = set()
    for language in languages:
        words |= {w.lower() for w in spacy.blank(language).Defaults.stop_words}
    # Our tokenizer keeps contractions whole; spaCy's lists only hold their pieces ("n't").
    words |= {"don't", "can't", "doesn't", "didn't", "won't", "isn't", "i'm", "i've", "it's"}
    return tuple(sorted(words))


def ward_distance_threshold(config: ThemeConfig, n_fit: int) -> float:
    """Height at which the Ward tree of `n_fit` texts is cut into themes."""
    return config.ward_distance_factor * math.sqrt(n_fit)


def build_topic_model(config: ThemeConfig, n_texts: int) -> BERTopic:
    """A BERTopic whose every stage is an explicit, seeded component."""
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    umap_model = UMAP(
        n_neighbors=max(2, min(config.umap.n_neighbors, n_texts - 1)),
        n_components=config.umap.n_components,
        min_dist=config.umap.min_dist,
        metric=config.umap.metric,
        random_state=config.seed,
        n_jobs=1,  # a seeded UMAP is single-threaded anyway; saying so avoids its warning
        low_memory=True,
    )
    # BERTopic accepts any clusterer with fit() and labels_; Ward labels every text, so
    # there are no outliers to reduce. Ward needs euclidean distances: UMAP's output space.
    cluster_model = AgglomerativeClustering(
        n_clusters=None, linkage="ward", distance_threshold=ward_distance_threshold(config, n_texts)
    )
    analyzer = KeywordAnalyzer(
        stop_words=frozenset(_stop_words(tuple(config.vectorizer.stop_word_languages))),
        ngram_range=(int(config.vectorizer.ngram_range[0]), int(config.vectorizer.ngram_range[1])),
    )
    vectorizer_model = CountVectorizer(analyzer=analyzer, min_df=config.vectorizer.min_df)
    return BERTopic(
        umap_model=umap_model,
        hdbscan_model=cluster_model,
        vectorizer_model=vectorizer_model,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=config.n_keywords,
        calculate_probabilities=False,
        # Anything but "english" stops BERTopic from deleting every non-ASCII character
        # (accents, Cyrillic, Chinese, and our TEXT_BOUNDARY) before counting words.
        language="multilingual",
        verbose=False,
    )


# ---------------------------------------------------------------------------- fitting


def _empty_fit(n_texts: int) -> ThemeFit:
    return ThemeFit(np.full(n_texts, UNASSIGNED, dtype=np.int64), pd.DataFrame(columns=THEME_COLUMNS))


def fit_sample_indices(n_texts: int, config: ThemeConfig) -> np.ndarray:
    """Sorted row indices of the texts Ward clusters: all, or a seeded sample of max_fit_texts."""
    if n_texts <= config.max_fit_texts:
        return np.arange(n_texts)
    rng = np.random.default_rng(config.seed)
    return np.sort(rng.choice(n_texts, size=config.max_fit_texts, replace=False))


def fit_themes(
    texts: list[str],
    embeddings: np.ndarray,
    config: ThemeConfig,
    key_phrases: Sequence[Sequence[str]] | None = None,
) -> ThemeFit:
    """Cluster texts into themes (UMAP → Ward); texts outside the fit sample join the nearest
    theme when their cosine to its centroid is at least `assign_threshold`, else stay -1.
    `key_phrases` (per text, e.g. from nlp.keyphrases) make the labels; without them labels
    come from keywords."""
    if len(texts) != len(embeddings):
        raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
    if len(texts) < config.min_texts:
        return _empty_fit(len(texts))
    embeddings = l2_normalise(embeddings)
    fit_rows = fit_sample_indices(len(texts), config)
    documents = [texts[i] + TEXT_BOUNDARY for i in fit_rows]
    model = build_topic_model(config, len(fit_rows))
    fit_topics, _ = model.fit_transform(documents, embeddings=embeddings[fit_rows])
    topics = np.full(len(texts), UNASSIGNED, dtype=np.int64)
    topics[fit_rows] = fit_topics
    if len(fit_rows) < len(texts):
        topics = _assign_rest_to_nearest_topic(topics, embeddings, config.assign_threshold)
    assignments, _ = _rank_by_size(topics)
    return ThemeFit(assignments, describe_themes(texts, embeddings, assignments, config, key_phrases))


def _assign_rest_to_nearest_topic(topics: np.ndarray, embeddings: np.ndarray, threshold: float) -> np.ndarray:
    """Topics for the texts not fitted (-1 so far), from the fitted topics' centroids."""
    fitted = topics != UNASSIGNED
    present = np.array(sorted({int(t) for t in topics[fitted]}), dtype=np.int64)
    centroids = np.vstack([embeddings[topics == t].mean(axis=0) for t in present])
    rest = np.flatnonzero(~fitted)
    nearest = assign_to_themes(embeddings[rest], centroids, threshold)
    result = topics.copy()
    result[rest] = np.where(nearest >= 0, present[np.maximum(nearest, 0)], UNASSIGNED)
    return result


def _rank_by_size(topics: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Renumber BERTopic topics 0..k-1 by final size (ties: BERTopic's own order)."""
    present = sorted({int(t) for t in topics if t != UNASSIGNED})
    sizes = {t: int((topics == t).sum()) for t in present}
    order = sorted(present, key=lambda t: (-sizes[t], t))
    index_of = {t: i for i, t in enumerate(order)}
    assignments = np.array([index_of.get(int(t), UNASSIGNED) for t in topics], dtype=np.int64)
    return assignments, order


def theme_keywords(texts: Sequence[str], assignments: np.ndarray, n_themes: int, config: ThemeConfig) -> list[list[str]]:
    """Top c-TF-IDF words per theme 0..n_themes-1, as BERTopic computes them: one document per
    theme (its members joined), class-based TF-IDF with frequent words reduced."""
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = KeywordAnalyzer(
        stop_words=frozenset(_stop_words(tuple(config.vectorizer.stop_word_languages))),
        ngram_range=(int(config.vectorizer.ngram_range[0]), int(config.vectorizer.ngram_range[1])),
    )
    documents = [
        TEXT_BOUNDARY.join(texts[i] for i in np.flatnonzero(assignments == index)) + TEXT_BOUNDARY
        for index in range(n_themes)
    ]
    try:
        counts = CountVectorizer(analyzer=analyzer, min_df=config.vectorizer.min_df).fit(documents)
    except ValueError:  # no theme has a single word left (all stop words or placeholders)
        return [[] for _ in documents]
    matrix = counts.transform(documents)
    weights = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(matrix).toarray()
    vocabulary = counts.get_feature_names_out()
    keywords = []
    for row in weights:
        top = np.argsort(-row, kind="stable")[: config.n_keywords]
        keywords.append([str(vocabulary[i]) for i in top if row[i] > 0])
    return keywords


def describe_themes(
    texts: Sequence[str],
    embeddings: np.ndarray,
    assignments: np.ndarray,
    config: ThemeConfig,
    key_phrases: Sequence[Sequence[str]] | None = None,
    taken: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per theme 0..k-1 of `assignments` (THEME_COLUMNS): keywords, a label distinct
    from `taken` and from each other, size, unit centroid and representative text."""
    embeddings = l2_normalise(embeddings)
    n_themes = int(assignments.max()) + 1 if len(assignments) and assignments.max() >= 0 else 0
    all_keywords = theme_keywords(texts, assignments, n_themes, config)
    used_labels = set(taken)
    stop_words = frozenset(_stop_words(tuple(config.vectorizer.stop_word_languages)))
    rows = []
    for theme_index in range(n_themes):
        members = np.flatnonzero(assignments == theme_index)
        centroid = l2_normalise(embeddings[members].mean(axis=0, keepdims=True))[0]
        by_closeness = members[np.argsort(-(embeddings[members] @ centroid), kind="stable")]
        closest = by_closeness[:_LABEL_SAMPLE]
        member_texts = [texts[i] for i in closest]
        label = None
        if key_phrases is not None:
            label = key_phrase_label([key_phrases[i] for i in closest], used_labels)
        if label is None:
            label = theme_label(
                all_keywords[theme_index], member_texts, used_labels, stop_words, config.label_phrase_words
            )
        used_labels.add(label)
        rows.append((theme_index, label, all_keywords[theme_index], len(members), centroid, member_texts[0]))
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


# ---------------------------------------------------------------------------- labels


def theme_label(
    keywords: Sequence[str],
    members: Sequence[str],
    taken: set[str],
    stop_words: frozenset[str] | None = None,
    max_phrase_words: int = 4,
) -> str:
    """"<key phrase> — <frequent phrase>", distinct from the labels in `taken`.

    The key phrase is the top keyword, extended to the best-ranked n-gram among the top five
    keywords that contains it ("gift" → "gift card"). The second part is the phrase of 2 to
    `max_phrase_words` words that most members share, contains the next keyword adding new
    words, and neither starts nor ends with a stop word ("code was not accepted").
    `members` are the theme's texts, closest to its centroid first; `stop_words` default to
    English.
    """
    stop_words = stop_words if stop_words is not None else frozenset(_stop_words(("en",)))
    if not keywords:
        return _distinct(members[0][:40].lower() if members else "theme", taken)
    head = next(
        (k for k in keywords[:5] if " " in k and keywords[0] in k.split() and len(set(k.split())) == len(k.split())),
        keywords[0],
    )
    head_words = set(head.split())
    for tail in (k for k in keywords if not _shares_word(k.split(), head_words)):
        label = f"{head} — {_common_phrase(tail, head_words, members, stop_words, max_phrase_words)}"
        if label not in taken:
            return label
    return _distinct(head, taken)


def key_phrase_label(member_phrases: Sequence[Sequence[str]], taken: set[str], min_members: int = 2) -> str | None:
    """"<most shared key phrase> — <next most shared phrase with other words>", or None when
    no phrase is shared by `min_members` members. `member_phrases` hold each member's key
    phrases, closest to the centroid first (ties go to the phrase met first)."""
    counts: dict[str, int] = {}
    for phrases in member_phrases:
        for phrase in dict.fromkeys(p.strip().lower() for p in phrases if p and p.strip()):
            counts[phrase] = counts.get(phrase, 0) + 1
    ranked = [p for p in sorted(counts, key=lambda p: -counts[p]) if counts[p] >= min_members]
    if not ranked:
        return None
    head = ranked[0]
    head_words = set(head.split())
    for tail in (p for p in ranked[1:] if not _shares_word(p.split(), head_words)):
        label = f"{head} — {tail}"
        if label not in taken:
            return label
    return _distinct(head, taken)


def _shares_word(words: Iterable[str], others: set[str]) -> bool:
    """True if any word equals or extends another ("rate"/"rates", "refund"/"refunded")."""
    return any(w.startswith(o) or o.startswith(w) for w in words for o in others)


def _distinct(label: str, taken: set[str]) -> str:
    candidate, n = label, 2
    while candidate in taken:
        candidate, n = f"{label} ({n})", n + 1
    return candidate


def _token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lowercase word) per word; Chinese runs are cut with jieba."""
    spans = []
    for match in _TOKEN.finditer(text):
        if _HAN.search(match.group()):
            import jieba

            for word, start, end in jieba.tokenize(match.group()):
                if word.strip():
                    spans.append((match.start() + start, match.start() + end, word))
        else:
            spans.append((match.start(), match.end(), match.group().lower()))
    return spans


def _common_phrase(
    keyword: str, exclude: set[str], members: Sequence[str], stop: frozenset[str], max_words: int
) -> str:
    """Most shared phrase (by member count; then longer) containing `keyword`'s words."""
    key_words = keyword.split()
    counts: dict[tuple[str, ...], int] = {}
    rendering: dict[tuple[str, ...], str] = {}
    for text in members[:_LABEL_SAMPLE]:
        tokens = _token_spans(text)
        seen: set[tuple[str, ...]] = set()
        for n in range(max(2, len(key_words)), max_words + 1):
            for i in range(len(tokens) - n + 1):
                window = tokens[i : i + n]
                words = tuple(w for _, _, w in window)
                if words in seen or words[0] in stop or words[-1] in stop or _shares_word(words, exclude):
                    continue
                if not _contains(words, key_words):
                    continue
                seen.add(words)
                counts[words] = counts.get(words, 0) + 1
                rendering.setdefault(words, text[window[0][0] : window[-1][1]].lower())
    if not counts:
        return keyword
    best = min(counts, key=lambda w: (-counts[w], -len(w), w))
    return rendering[best] if counts[best] >= 2 else keyword


def _contains(words: tuple[str, ...], part: list[str]) -> bool:
    n = len(part)
    return any(list(words[i : i + n]) == part for i in range(len(words) - n + 1))


# ---------------------------------------------------------------------------- identity across runs


def next_theme_ids(existing_ids: Iterable[str], n: int, prefix: str = THEME_ID_PREFIX) -> list[str]:
    """n fresh ids after the highest existing one ("T0001", ...); ids are never reused."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [int(m.group(1)) for m in (pattern.match(str(i)) for i in existing_ids) if m]
    start = max(numbers, default=0) + 1
    width = 4 if prefix == THEME_ID_PREFIX else 2
    return [f"{prefix}{number:0{width}d}" for number in range(start, start + n)]


def _centroid_matrix(frame: pd.DataFrame) -> np.ndarray:
    if frame.empty:
        return np.zeros((0, 0), dtype=np.float32)
    return l2_normalise(np.vstack([np.asarray(c, dtype=np.float32) for c in frame["centroid"]]))


def match_themes(
    new: pd.DataFrame,
    previous: pd.DataFrame,
    config: ThemeConfig,
    retired_ids: Iterable[str] = (),
) -> dict[int, str]:
    """theme_index of each new theme → theme_id.

    New and previous themes are paired one-to-one by centroid cosine similarity (Hungarian
    assignment, maximising total similarity); a pair keeps the previous theme_id when its
    similarity is at least `match_threshold`. Every other new theme gets a fresh id above all
    previous and `retired_ids`, so an id never comes back with another meaning.
    """
    mapping: dict[int, str] = {}
    if not new.empty and not previous.empty:
        similarity = _centroid_matrix(new) @ _centroid_matrix(previous).T
        rows, cols = linear_sum_assignment(-similarity)
        for row, col in zip(rows, cols, strict=True):
            if similarity[row, col] >= config.match_threshold:
                mapping[int(new["theme_index"].iloc[row])] = str(previous["theme_id"].iloc[col])
    unmatched = sorted(int(i) for i in new["theme_index"] if int(i) not in mapping)
    known = [*(previous["theme_id"] if "theme_id" in previous else []), *retired_ids]
    mapping.update(zip(unmatched, next_theme_ids(known, len(unmatched)), strict=True))
    return mapping


def assign_to_themes(embeddings: np.ndarray, centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Row index of the nearest centroid per embedding if its cosine ≥ threshold, else -1."""
    if len(embeddings) == 0 or len(centroids) == 0:
        return np.full(len(embeddings), UNASSIGNED, dtype=np.int64)
    similarity = l2_normalise(embeddings) @ l2_normalise(centroids).T
    nearest = similarity.argmax(axis=1)
    best = similarity[np.arange(len(nearest)), nearest]
    return np.where(best >= threshold, nearest, UNASSIGNED).astype(np.int64)


# ---------------------------------------------------------------------------- edited taxonomy


@dataclass(frozen=True)
class TaxonomyRules:
    """What edits did to the theme tree; every fit and assignment honours it.

    merged_into: a merged-away theme → the theme that absorbed it.
    split_children: a split theme → its children (ids) and their centroids (rows).
    """

    merged_into: dict[str, str] = field(default_factory=dict)
    split_children: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)


def settle_theme_ids(theme_ids: Sequence[str | None], embeddings: np.ndarray, rules: TaxonomyRules) -> list[str | None]:
    """Each text's theme after the edits: a merged-away theme's texts go to the theme that
    absorbed it, a split theme's texts to its nearest child (repeatedly, for chains)."""
    embeddings = l2_normalise(embeddings)
    settled: list[str | None] = []
    for row, theme_id in enumerate(theme_ids):
        seen: set[str] = set()
        while theme_id is not None and theme_id not in seen:
            seen.add(theme_id)
            if theme_id in rules.merged_into:
                theme_id = rules.merged_into[theme_id]
            elif theme_id in rules.split_children:
                children, centroids = rules.split_children[theme_id]
                theme_id = children[int(np.argmax(l2_normalise(centroids) @ embeddings[row]))]
            else:
                break
        settled.append(theme_id)
    return settled


def split_theme(embeddings: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Child 0..k-1 of each member of one theme (seeded k-means on its unit embeddings)."""
    from sklearn.cluster import KMeans

    if not 2 <= k <= len(embeddings):
        raise ValueError(f"cannot split {len(embeddings)} texts into {k} themes")
    return KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(l2_normalise(embeddings)).astype(np.int64)


# ---------------------------------------------------------------------------- categories


def category_count(n_themes: int, max_categories: int) -> int:
    """√(themes), at most `max_categories`: about as many themes per category as categories."""
    return max(1, min(max_categories, n_themes, round(math.sqrt(n_themes))))


def group_into_categories(centroids: np.ndarray, max_categories: int) -> np.ndarray:
    """Category 0..c-1 of each theme: Ward on the unit theme centroids, c = category_count."""
    from sklearn.cluster import AgglomerativeClustering

    n_categories = category_count(len(centroids), max_categories)
    if n_categories == 1:
        return np.zeros(len(centroids), dtype=np.int64)
    ward = AgglomerativeClustering(n_clusters=n_categories, linkage="ward")
    return ward.fit_predict(l2_normalise(centroids)).astype(np.int64)


def category_label(theme_labels: Sequence[str], sizes: Sequence[int], taken: set[str]) -> str:
    """The heads ("gift card" of "gift card — code not accepted") of the category's two
    biggest themes with different heads, joined: "gift card · refund"; distinct from `taken`."""
    heads: dict[str, int] = {}
    for label, size in zip(theme_labels, sizes, strict=True):
        head = re.sub(r" \(\d+\)$", "", label.split(" — ")[0]).strip()
        heads[head] = heads.get(head, 0) + int(size)
    ranked = sorted(heads, key=lambda h: (-heads[h], h))
    for n in (2, 3, 1):
        label = " · ".join(ranked[:n])
        if label not in taken:
            return label
    return _distinct(" · ".join(ranked[:2]), taken)


def match_categories(
    new_members: Sequence[set[str]],
    previous: dict[str, set[str]],
    min_jaccard: float,
    retired_ids: Iterable[str] = (),
) -> list[str]:
    """category_id per new category (given as its set of theme ids): a previous id when the
    Hungarian pairing of theme sets reaches `min_jaccard`, else a fresh, never-used id."""
    previous_ids = sorted(previous)
    mapping: dict[int, str] = {}
    if new_members and previous_ids:
        jaccard = np.array([
            [len(new & previous[p]) / max(1, len(new | previous[p])) for p in previous_ids] for new in new_members
        ])
        rows, cols = linear_sum_assignment(-jaccard)
        for row, col in zip(rows, cols, strict=True):
            if jaccard[row, col] >= min_jaccard:
                mapping[int(row)] = previous_ids[col]
    unmatched = [i for i in range(len(new_members)) if i not in mapping]
    fresh = next_theme_ids([*previous_ids, *retired_ids], len(unmatched), prefix=CATEGORY_ID_PREFIX)
    mapping.update(zip(unmatched, fresh, strict=True))
    return [mapping[i] for i in range(len(new_members))]


def distinct_labels(auto: dict[str, str], pinned: dict[str, str]) -> dict[str, str]:
    """Final label per id: pinned labels as given, the others made distinct from them (and
    from each other) by a numeric suffix. Pinned labels are kept unique when they are set."""
    final = {key: label for key, label in pinned.items() if key in auto}
    taken = set(final.values())
    for key in sorted(k for k in auto if k not in final):
        final[key] = _distinct(auto[key], taken)
        taken.add(final[key])
    return final
