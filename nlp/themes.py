"""Themes: BERTopic clusters of segment embeddings, readable labels, ids stable across runs.

`fit_themes` builds a real BERTopic from injected, seeded components (UMAP, Ward
agglomerative clustering, CountVectorizer, ClassTfidfTransformer) on precomputed embeddings,
so the same inputs always give the same themes. Ward is cut at a height that grows with
√n, so the number of themes is found from the data (benchmarks/research/README.md). UMAP and
Ward take more than linear time: at most `max_fit_texts` texts (a seeded sample) are clustered
and the rest join the theme with the nearest centroid. Identity across runs is not BERTopic's topic
number (that is just a size rank) but a `theme_id` carried over by `match_themes` when a new
theme's centroid is close to a previous one's.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix

from nlp.embeddings import l2_normalise

if TYPE_CHECKING:  # BERTopic pulls in torch, UMAP and numba: import only when fitting
    from bertopic import BERTopic

THEME_COLUMNS = ["theme_index", "label", "keywords", "size", "centroid", "representative"]
THEME_ID_PREFIX = "T"
CATEGORY_ID_PREFIX = "C"
UNASSIGNED = -1
# Texts compared with theme centroids at a time: bounds the memory of assigning a million.
ASSIGN_CHUNK_ROWS = 20_000
KNN_CHUNK_ROWS = 1_000
_TOKEN = re.compile(r"[^\W\d_](?:[^\W_]|['’][^\W\d_])*", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# N-grams never span this separator (Unicode's paragraph separator): the counts of a theme's
# texts then add up to those of one document of its texts joined by it.
TEXT_BOUNDARY = "\u2029"
# Members (closest to the centroid first) read when phrasing a label.
_LABEL_SAMPLE = 200
# Month and weekday names (and their abbreviations, and Russian genitives) in the supported
# languages: they date a complaint ("since August 10") and never say what it is about.
CALENDAR_WORDS = frozenset(
    # en
    "january february march april june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues "
    "wed thu thur thurs fri sat sun "
    # es, fr, de, it, pt, nl
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    "lunes martes miércoles jueves viernes sábado domingo "
    "janvier février mars avril mai juin juillet août octobre décembre lundi mardi mercredi jeudi "
    "vendredi samedi dimanche "
    "januar februar märz oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonnabend "
    "sonntag "
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre lunedì martedì mercoledì "
    "giovedì venerdì sabato domenica "
    "janeiro fevereiro março maio junho julho setembro outubro dezembro segunda terça quarta quinta sexta "
    "januari februari maart mei augustus maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
    # ro
    "ianuarie februarie martie aprilie iunie iulie septembrie octombrie noiembrie decembrie luni marți "
    "marti miercuri joi vineri sâmbătă sambata duminică duminica "
    # ru: lemmas and the genitive of dates ("10 августа")
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь января февраля "
    "марта апреля мая июня июля августа сентября октября ноября декабря понедельник вторник среда среду "
    "четверг пятница пятницу суббота субботу воскресенье "
    # zh (jieba cuts "10月5号" into 10 / 月 / 5 / 号)
    "月 号 日 星期 礼拜 周一 周二 周三 周四 周五 周六 周日 周末 星期一 星期二 星期三 星期四 星期五 星期六 "
    "星期日 星期天".split()
)


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
    embedding_backend: str = "bridged"
    seed: int = 42
    # Fewer texts than this are not clustered: everything stays unassigned.
    min_texts: int = 50
    # Ward on the UMAP space is the only clusterer (HDBSCAN was measured worse, see research).
    clusterer: str = "ward"
    # Ward's tree is cut at ward_distance_factor·√n_fit: the merge cost of two clusters that
    # each hold a fixed share of the data grows like √n, so the cut means the same at any n.
    ward_distance_factor: float = 0.07
    # UMAP and Ward take more than linear time: larger inputs are fitted on a seeded sample
    # of this size, the rest assigned to the nearest centroid.
    max_fit_texts: int = 20_000
    umap: UmapConfig = field(default_factory=UmapConfig)
    vectorizer: VectorizerConfig = field(default_factory=VectorizerConfig)
    n_keywords: int = 10
    # A keyword must be said by at least this share of the theme's (main-language) members,
    # and by two: c-TF-IDF alone ranks a typo said once ("refnd") as distinctive.
    keyword_min_support: float = 0.01
    # Words a keyword never contains (conversational fillers: "okay refund", "oh refund").
    keyword_ignore_words: tuple[str, ...] = ()
    match_threshold: float = 0.8
    assign_threshold: float = 0.4
    # Longest phrase (in words) used for the second half of a label.
    label_phrase_words: int = 3
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


# Redaction placeholders ("[PERSON]", "[EMAIL]") say nothing about what a theme is about;
# a segment boundary can leave only half of one ("PERSON] was lovely"). Hashtags and
# handles are tags, and identifiers ("LK-2119233", "$89.49") numbers, not the complaint's words.
_PLACEHOLDER = re.compile(r"\[[A-Z]+(?:\]|\b)|\b[A-Z]{2,}\]")
_TAG_OR_IDENTIFIER = re.compile(r"[#@]\w+|[A-Za-z0-9-]*\d[A-Za-z0-9-]*")


def keyword_tokens(text: str) -> list[str]:
    """Word tokens for c-TF-IDF (no placeholders, hashtags, handles or identifiers); Chinese
    runs are cut into words with jieba."""
    tokens: list[str] = []
    for token in _TOKEN.findall(_TAG_OR_IDENTIFIER.sub(" ", _PLACEHOLDER.sub(" ", text))):
        if _HAN.search(token):
            tokens.extend(w for w in _jieba_cut(token) if w.strip())
        else:
            tokens.append(token)
    return tokens


def is_label_word(word: str) -> bool:
    """False for words a label never shows: numbers and identifiers ("lk3562094"), month
    and weekday names. A code ("spring25", see nlp.keyphrases.CODE_WORD) may name a theme."""
    if any(c.isdigit() for c in word):
        from nlp.keyphrases import CODE_WORD  # spaCy is loaded only when a label has a digit

        if not CODE_WORD.fullmatch(word):
            return False
    return word.lower() not in CALENDAR_WORDS


# Verbs too common to say what a complaint is about ("why am I seeing two charges").
_LIGHT_VERBS = frozenset(
    "see sees seeing saw seen say says saying said tell tells telling told go goes going went gone get gets "
    "getting got gotten try tries trying tried know knows knowing knew known think thinks thinking thought "
    "want wants wanting wanted need needs needing needed like likes liked look looks looking looked make "
    "makes making made take takes taking took taken come comes coming came keep keeps keeping kept let lets "
    "letting seem seems seemed feel feels feeling felt happen happens happening happened ask asks asking "
    "asked use uses using used give gives giving gave given put puts putting hope hopes hoped guess mean "
    "means meant find finds found wonder wondering".split()
)
# A label's second half may start with a negation: "code not accepted", "never arrived".
_NEGATIONS = frozenset(
    "not no never nothing nobody n't isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't "
    "can't cannot couldn't won't wouldn't nunca jamás pas jamais ne nicht kein keine keinen nie не нет "
    "никогда ни nu niciodată 不 没 没有 未 别".split()
)
# Placeholders, tags, identifiers, punctuation and quote marks (an apostrophe outside a word)
# end a phrase.
_PHRASE_BREAK = re.compile(
    rf"{_PLACEHOLDER.pattern}|{_TAG_OR_IDENTIFIER.pattern}|[^\w\s'’-]+|(?<!\w)['’]|['’](?!\w)"
)


@dataclass(frozen=True)
class KeywordAnalyzer:
    """CountVectorizer analyzer: lowercase label words minus stop words, n-grams within one text."""

    stop_words: frozenset[str]
    ngram_range: tuple[int, int]

    def __call__(self, document: str) -> list[str]:
        features: list[str] = []
        low, high = self.ngram_range
        for text in document.split(TEXT_BOUNDARY):
            # Placeholders are found in the original case, before lowercasing.
            tokens = [t for t in (w.lower() for w in keyword_tokens(text)) if t not in self.stop_words and is_label_word(t)]
            for n in range(low, high + 1):
                features.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return features


def _jieba_cut(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut(text)


@lru_cache(maxsize=4)
def _stop_words(languages: tuple[str, ...]) -> tuple[str, ...]:
    from spacy.util import get_lang_class  # the language's defaults, without building a pipeline

    words: set[str] = set()
    for language in languages:
        words |= {w.lower() for w in get_lang_class(language).Defaults.stop_words}
    # Our tokenizer keeps contractions whole; spaCy's lists only hold their pieces ("n't").
    words |= {"don't", "can't", "doesn't", "didn't", "won't", "isn't", "i'm", "i've", "it's"}
    return tuple(sorted(words))


def ward_distance_threshold(config: ThemeConfig, n_fit: int) -> float:
    """Height at which the Ward tree of `n_fit` texts is cut into themes."""
    return config.ward_distance_factor * math.sqrt(n_fit)


class WardCut:
    """Ward's tree cut at a height, as BERTopic's clusterer (fit() then labels_).

    fastcluster's vector algorithm needs memory linear in the texts; scikit-learn's Ward builds
    the full distance matrix first (3.2 GB at 20,000 texts). Same tree, same heights.
    """

    def __init__(self, distance_threshold: float) -> None:
        self.distance_threshold = distance_threshold
        self.labels_: np.ndarray = np.empty(0, dtype=np.int64)

    def fit(self, points: np.ndarray) -> WardCut:
        import fastcluster
        from scipy.cluster.hierarchy import fcluster

        if len(points) < 2:
            self.labels_ = np.zeros(len(points), dtype=np.int64)
            return self
        tree = fastcluster.linkage_vector(np.asarray(points, dtype=np.float64), method="ward")
        # fcluster numbers clusters from 1; BERTopic reads -1 as outlier, so start at 0.
        self.labels_ = fcluster(tree, t=self.distance_threshold, criterion="distance").astype(np.int64) - 1
        return self


def umap_neighbours(config: ThemeConfig, n_texts: int) -> int:
    return max(2, min(config.umap.n_neighbors, n_texts - 1))


def exact_neighbours(unit_vectors: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Each unit vector's k nearest (itself first) and their distances, the way UMAP takes them
    as precomputed_knn; None for a metric other than cosine or euclidean.

    Beyond 4,096 texts UMAP would search with NNDescent, whose numba code is compiled again in
    every process (~12 s of a 20,000-text fit); blocked matrix products find the exact
    neighbours of 20,000 texts in ~3 s."""
    if metric not in ("cosine", "euclidean"):
        return None
    n = len(unit_vectors)
    indices = np.empty((n, k), dtype=np.int32)  # NNDescent's types: UMAP's compiled code is reused
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, KNN_CHUNK_ROWS):
        similarity = unit_vectors[start : start + KNN_CHUNK_ROWS] @ unit_vectors.T
        rows = np.arange(len(similarity))
        similarity[rows, start + rows] = np.inf  # itself first, even beside an identical vector
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        nearest_similarity = np.take_along_axis(similarity, nearest, axis=1)
        order = np.argsort(-nearest_similarity, axis=1, kind="stable")
        indices[start : start + KNN_CHUNK_ROWS] = np.take_along_axis(nearest, order, axis=1)
        cosine = np.take_along_axis(nearest_similarity, order, axis=1)
        cosine[:, 0] = 1.0
        cosine = np.minimum(cosine, 1.0)
        distances[start : start + KNN_CHUNK_ROWS] = 1.0 - cosine if metric == "cosine" else np.sqrt(2.0 - 2.0 * cosine)
    return indices, distances


def build_topic_model(
    config: ThemeConfig, n_texts: int, precomputed_knn: tuple[np.ndarray, np.ndarray] | None = None
) -> BERTopic:
    """A BERTopic whose every stage is an explicit, seeded component; `precomputed_knn`: the
    fit texts' neighbours (exact_neighbours), else UMAP finds them."""
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    umap_model = UMAP(
        n_neighbors=umap_neighbours(config, n_texts),
        n_components=config.umap.n_components,
        min_dist=config.umap.min_dist,
        metric=config.umap.metric,
        random_state=config.seed,
        n_jobs=1,  # a seeded UMAP is single-threaded anyway; saying so avoids its warning
        low_memory=True,
        precomputed_knn=precomputed_knn or (None, None, None),
    )
    # BERTopic accepts any clusterer with fit() and labels_; Ward labels every text, so
    # there are no outliers to reduce. Ward needs euclidean distances: UMAP's output space.
    cluster_model = WardCut(ward_distance_threshold(config, n_texts))
    # BERTopic's own topic words are never read: describe_themes words each theme from all its
    # members, not the fit sample. Whitespace tokens keep its c-TF-IDF and representative
    # documents cheap (they took ~7 s of a 20,000-text fit with the keyword analyzer).
    vectorizer_model = CountVectorizer(analyzer=str.split)
    return BERTopic(
        umap_model=umap_model,
        hdbscan_model=cluster_model,
        vectorizer_model=vectorizer_model,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=config.n_keywords,
        calculate_probabilities=False,
        # Anything but "english" stops BERTopic from deleting every non-ASCII character before
        # counting words: a fit sample of Chinese or Cyrillic texts would have none left.
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
    languages: Sequence[str | None] | None = None,
    occurrences: Sequence[int] | None = None,
) -> ThemeFit:
    """Cluster texts into themes (UMAP → Ward); texts outside the fit sample join the nearest
    theme when their cosine to its centroid is at least `assign_threshold`, else stay -1.
    `key_phrases` (per text, e.g. from nlp.keyphrases) make the labels; without them labels
    come from keywords. `languages` (per text) word each label in its theme's main language,
    counted over `occurrences` (how often each text was said; once each by default)."""
    if len(texts) != len(embeddings):
        raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
    if len(texts) < config.min_texts:
        return _empty_fit(len(texts))
    # Only the fit sample is normalised here (the rest chunk by chunk where it is compared):
    # no second copy of every embedding.
    fit_rows = fit_sample_indices(len(texts), config)
    documents = [texts[i] for i in fit_rows]
    fit_vectors = l2_normalise(embeddings[fit_rows])
    neighbours = exact_neighbours(fit_vectors, umap_neighbours(config, len(fit_rows)), config.umap.metric)
    model = build_topic_model(config, len(fit_rows), neighbours)
    with warnings.catch_warnings():
        # Without NNDescent's search index UMAP cannot place new texts; they join by centroid.
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        fit_topics, _ = model.fit_transform(documents, embeddings=fit_vectors)
    topics = np.full(len(texts), UNASSIGNED, dtype=np.int64)
    topics[fit_rows] = fit_topics
    if len(fit_rows) < len(texts):
        topics = _assign_rest_to_nearest_topic(topics, embeddings, config.assign_threshold)
    assignments, _ = _rank_by_size(topics)
    described = describe_themes(
        texts, embeddings, assignments, config, key_phrases, languages=languages, occurrences=occurrences
    )
    return ThemeFit(assignments, described)


def _assign_rest_to_nearest_topic(topics: np.ndarray, embeddings: np.ndarray, threshold: float) -> np.ndarray:
    """Topics for the texts not fitted (-1 so far), from the fitted topics' centroids."""
    fitted = topics != UNASSIGNED
    present = np.array(sorted({int(t) for t in topics[fitted]}), dtype=np.int64)
    centroids = np.vstack([l2_normalise(embeddings[topics == t]).mean(axis=0) for t in present])
    result = topics.copy()
    # A chunk at a time: a copy of every unfitted row would cost as much as the embeddings.
    rest = np.flatnonzero(~fitted)
    for start in range(0, len(rest), ASSIGN_CHUNK_ROWS):
        rows = rest[start : start + ASSIGN_CHUNK_ROWS]
        nearest = assign_to_themes(embeddings[rows], centroids, threshold)
        result[rows] = np.where(nearest >= 0, present[np.maximum(nearest, 0)], UNASSIGNED)
    return result


def _rank_by_size(topics: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Renumber BERTopic topics 0..k-1 by final size (ties: BERTopic's own order)."""
    present = sorted({int(t) for t in topics if t != UNASSIGNED})
    sizes = {t: int((topics == t).sum()) for t in present}
    order = sorted(present, key=lambda t: (-sizes[t], t))
    index_of = {t: i for i, t in enumerate(order)}
    assignments = np.array([index_of.get(int(t), UNASSIGNED) for t in topics], dtype=np.int64)
    return assignments, order


def keyword_analyzer(config: ThemeConfig) -> KeywordAnalyzer:
    return KeywordAnalyzer(
        stop_words=frozenset(_stop_words(tuple(config.vectorizer.stop_word_languages))),
        ngram_range=(int(config.vectorizer.ngram_range[0]), int(config.vectorizer.ngram_range[1])),
    )


@dataclass(frozen=True)
class TermCounts:
    """How often each text (row) says each word and n-gram of `vocabulary` (sorted)."""

    matrix: csr_matrix
    vocabulary: np.ndarray


def term_counts(texts: Sequence[str], config: ThemeConfig) -> TermCounts:
    """Every text's word and n-gram counts, each text analysed once (keyword_weights sums them
    per theme for any assignment)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=keyword_analyzer(config))
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # not a single word left (all stop words or placeholders)
        return TermCounts(csr_matrix((len(texts), 0), dtype=np.int64), np.array([], dtype=object))
    return TermCounts(matrix.tocsr(), vectorizer.get_feature_names_out())


def keyword_weights(
    texts: Sequence[str], assignments: np.ndarray, n_themes: int, config: ThemeConfig,
    counts: TermCounts | None = None,
) -> list[dict[str, float]]:
    """c-TF-IDF weight of every word and n-gram per theme 0..n_themes-1, as BERTopic computes
    it: one document per theme (its members' counts summed), class-based TF-IDF with frequent
    words reduced; heaviest first (ties in vocabulary order). The first `n_keywords` are a
    theme's keywords. `counts`: term_counts of `texts`, when already made."""
    from bertopic.vectorizers import ClassTfidfTransformer

    counts = counts if counts is not None else term_counts(texts, config)
    members = np.flatnonzero((assignments >= 0) & (assignments < n_themes))
    membership = csr_matrix(
        (np.ones(len(members), dtype=np.int64), (assignments[members], members)), shape=(n_themes, len(texts))
    )
    per_theme = (membership @ counts.matrix).tocsr()
    # The vocabulary CountVectorizer(min_df) would keep over the themes' documents.
    min_df = config.vectorizer.min_df
    min_themes = min_df if isinstance(min_df, int) else min_df * n_themes
    themes_saying = np.asarray((per_theme > 0).sum(axis=0)).ravel()
    kept = np.flatnonzero(themes_saying >= max(min_themes, 1))
    if not len(kept):
        return [{} for _ in range(n_themes)]
    per_theme = per_theme[:, kept]
    per_theme.sort_indices()
    weights = csr_matrix(ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(per_theme))
    weights.sort_indices()
    vocabulary = counts.vocabulary[kept]
    rows = []
    # Row by row from the sparse matrix: a dense copy is themes x terms (118 MB at 100k items).
    for theme in range(n_themes):
        row = slice(weights.indptr[theme], weights.indptr[theme + 1])
        columns, values = weights.indices[row], weights.data[row]
        positive = values > 0
        columns, values = columns[positive], values[positive]
        order = np.argsort(-values, kind="stable")
        rows.append({str(vocabulary[c]): float(v) for c, v in zip(columns[order], values[order])})
    return rows


def theme_keywords(
    weights: Sequence[dict[str, float]],
    assignments: np.ndarray,
    counts: TermCounts,
    config: ThemeConfig,
    occurrences: Sequence[int] | None = None,
) -> list[list[str]]:
    """Each theme's `n_keywords` heaviest terms (`weights`, see keyword_weights, over the
    members `assignments` gives it) that at least `keyword_min_support` of those members say
    (each counted `occurrences` times), two at least, and that hold no `keyword_ignore_words`;
    the heaviest terms as they are when none qualifies."""
    n_themes = len(weights)
    members = np.flatnonzero((assignments >= 0) & (assignments < n_themes))
    said_times = np.ones(len(members)) if occurrences is None else np.asarray(occurrences, dtype=float)[members]
    membership = csr_matrix((said_times, (assignments[members], members)), shape=(n_themes, counts.matrix.shape[0]))
    says = counts.matrix.copy()
    says.data[:] = 1
    support = (membership @ says).tocsr()  # themes x terms: members saying the term
    theme_sizes = np.bincount(assignments[members], weights=said_times, minlength=n_themes)
    column_of = {term: column for column, term in enumerate(counts.vocabulary.tolist())}
    ignored = {word.lower() for word in config.keyword_ignore_words}
    keywords = []
    for theme in range(n_themes):
        row = slice(support.indptr[theme], support.indptr[theme + 1])
        saying = dict(zip(support.indices[row].tolist(), support.data[row].tolist(), strict=True))
        minimum = max(2.0, math.ceil(config.keyword_min_support * theme_sizes[theme]))
        qualified = [
            term for term in weights[theme]
            if saying.get(column_of[term], 0) >= minimum and not ignored.intersection(term.split())
        ]
        keywords.append((qualified or list(weights[theme]))[: config.n_keywords])
    return keywords


def describe_themes(
    texts: Sequence[str],
    embeddings: np.ndarray,
    assignments: np.ndarray,
    config: ThemeConfig,
    key_phrases: Sequence[Sequence[str]] | None = None,
    taken: Iterable[str] = (),
    languages: Sequence[str | None] | None = None,
    occurrences: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One row per theme 0..k-1 of `assignments` (THEME_COLUMNS): keywords, a label distinct
    from `taken` and from each other, size, unit centroid and representative text.
    With `languages` (per text), the label and keywords (see `theme_keywords`) come from the
    members in the theme's most common language only (counted over `occurrences`, see
    `main_language_members`), so a theme of one complaint in five languages reads in one of them."""
    n_themes = int(assignments.max()) + 1 if len(assignments) and assignments.max() >= 0 else 0
    counts = term_counts([texts[i] if assignments[i] >= 0 else "" for i in range(len(texts))], config)
    used_labels = set(taken)
    stop_words = frozenset(_stop_words(tuple(config.vectorizer.stop_word_languages)))
    label_assignments = (
        assignments if languages is None else main_language_members(assignments, languages, occurrences)
    )
    label_weights = keyword_weights(texts, label_assignments, n_themes, config, counts)
    all_keywords = theme_keywords(label_weights, label_assignments, counts, config, occurrences)
    centroids, closest = [], []
    for theme_index in range(n_themes):
        # Normalised a theme at a time: a normalised copy of every embedding would take
        # ~0.9 GB more at a million texts.
        members = np.flatnonzero(assignments == theme_index)
        centroid = l2_normalise(l2_normalise(embeddings[members]).mean(axis=0, keepdims=True))[0]
        centroids.append(centroid)
        readers = np.flatnonzero(label_assignments == theme_index)
        similarity = l2_normalise(embeddings[readers]) @ centroid
        closest.append(readers[np.argsort(-similarity, kind="stable")][:_LABEL_SAMPLE])
    if key_phrases is not None:
        phrase_weights = key_phrase_weights(key_phrases, label_assignments, n_themes, texts)
    rows = []
    for theme_index in range(n_themes):
        member_texts = [texts[i] for i in closest[theme_index]]
        label = None
        if key_phrases is not None:
            label = key_phrase_label(
                phrase_weights[theme_index], member_texts, [key_phrases[i] for i in closest[theme_index]],
                used_labels, label_weights[theme_index], stop_words, config.label_phrase_words,
            )
        if label is None:
            label = theme_label(
                list(label_weights[theme_index])[: config.n_keywords], member_texts, used_labels, stop_words,
                config.label_phrase_words,
            )
        used_labels.add(label)
        size = int((assignments == theme_index).sum())
        rows.append((theme_index, label, all_keywords[theme_index], size, centroids[theme_index], member_texts[0]))
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


# ---------------------------------------------------------------------------- labels


def main_language_members(
    assignments: np.ndarray, languages: Sequence[str | None], occurrences: Sequence[int] | None = None
) -> np.ndarray:
    """`assignments` with every member outside its theme's most common language set to -1.
    Each member counts `occurrences` times (how often the text was said: distinct texts would
    favour a language whose speakers repeat each other less); ties go to the alphabetically
    first language; an unknown language counts as one more."""
    weights = np.ones(len(assignments)) if occurrences is None else np.asarray(occurrences, dtype=float)
    if len(languages) != len(assignments) or len(weights) != len(assignments):
        raise ValueError(f"{len(languages)} languages, {len(weights)} occurrences for {len(assignments)} assignments")
    codes = np.asarray([language if isinstance(language, str) else "" for language in languages], dtype=object)
    kept = np.full(len(assignments), UNASSIGNED, dtype=np.int64)
    for theme_index in np.unique(assignments[assignments >= 0]):
        members = np.flatnonzero(assignments == theme_index)
        counts: Counter[str] = Counter()
        for code, weight in zip(codes[members].tolist(), weights[members].tolist(), strict=True):
            counts[code] += weight
        main = min(counts, key=lambda language: (-counts[language], language))
        kept[members[codes[members] == main]] = theme_index
    return kept


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


def key_phrase_label(
    phrase_weights: Mapping[str, float],
    members: Sequence[str],
    member_phrases: Sequence[Sequence[str]],
    taken: set[str],
    word_weights: Mapping[str, float],
    stop_words: frozenset[str],
    max_phrase_words: int = 3,
) -> str | None:
    """"<head> — <tail>", distinct from `taken`; None when no key phrase is shared.

    The head is the key phrase with the highest weight in the theme (`phrase_weights`, see
    `key_phrase_weights`). The tail is a phrase of the closest member that holds the head
    (its own words, e.g. "code not accepted"): the word run of up to `max_phrase_words`
    words, sharing no word with the head, that most members also contain, weighted by its
    words' c-TF-IDF weights in the theme (`word_weights`, see `keyword_weights`). `members` and
    `member_phrases` are the theme's texts and key phrases, closest to the centroid first.
    """
    ranked = sorted(phrase_weights, key=lambda p: (-phrase_weights[p], p))
    if not ranked:
        return None
    head = ranked[0]
    head_words = set(head.split())
    anchor = next((t for t, ps in zip(members, member_phrases, strict=True) if head in ps), members[0])
    runs = [_word_runs(text) for text in members]
    # The anchor's phrases of two words or more, then its single words, then the theme's
    # other key phrases (when none is shared or every label they make is taken).
    tails = _ranked_tails(anchor, runs, head.split(), word_weights, stop_words, range(2, max_phrase_words + 1))
    tails += _ranked_tails(anchor, runs, head.split(), word_weights, stop_words, range(1, 2))
    tails += [p for p in ranked[1:] if _can_close_label(tuple(p.split()), head_words, stop_words)]
    for tail in tails:
        label = f"{head} — {tail}"
        if label not in taken:
            return label
    return _distinct(head, taken)


def key_phrase_weights(
    key_phrases: Sequence[Sequence[str]], assignments: np.ndarray, n_themes: int, texts: Sequence[str],
    min_members: int = 2,
) -> list[dict[str, float]]:
    """Weight of each key phrase per theme 0..n_themes-1, a class-based TF-IDF counting each
    member once: (share of the theme's members holding it)² × log(1 + themes / themes where
    `min_members` hold it) × √(its words). Squaring the share lets the phrase most members
    share win over a rarer one unique to the theme ("double charge" over "billed two"),
    unless many themes have it ("order").
    Only phrases `min_members` members share and that may appear in a label: no numbers,
    month or weekday names, stop-like verbs ("seeing"), nor a redaction placeholder's word
    ("person" from "[PERSON]")."""
    counts: list[Counter[str]] = []
    for index in range(n_themes):
        members = np.flatnonzero(assignments == index)
        hidden = _placeholder_words([texts[i] for i in members])
        shared = Counter(
            phrase
            for i in members
            for phrase in dict.fromkeys(p.strip().lower() for p in key_phrases[i] if p and p.strip())
            if all(_is_head_word(w, hidden) for w in phrase.split())
        )
        counts.append(Counter({p: n / len(members) for p, n in shared.items() if n >= min_members}))
    themes_with = Counter(p for shares in counts for p in shares)
    # A compound names the thing more precisely ("app crash" over "launch", "gift card" over
    # "card"): √(words) favours it at a similar share.
    return [
        {p: share**2 * math.log(1 + n_themes / themes_with[p]) * math.sqrt(len(p.split())) for p, share in shares.items()}
        for shares in counts
    ]


@lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    """Words that name no topic in any language ("day", "problem"; nlp.keyphrases)."""
    from nlp.keyphrases import GENERIC_WORDS

    return frozenset().union(*GENERIC_WORDS.values())


def _is_head_word(word: str, hidden: set[str]) -> bool:
    # One or two Latin letters are abbreviations or identifier prefixes ("lk", "io").
    return is_label_word(word) and word not in _LIGHT_VERBS and word not in hidden and (
        len(word) > 2 or not word.isascii()
    )


def _placeholder_words(texts: Sequence[str]) -> set[str]:
    """Placeholder kinds ("person") that these texts hold more often as a placeholder than as
    a word."""
    hidden = Counter(re.sub(r"[^A-Z]", "", m).lower() for t in texts for m in _PLACEHOLDER.findall(t))
    if not hidden:
        return set()
    said = Counter(w for t in texts for run in _word_runs(t) for _, _, w in run if w in hidden)
    return {w for w, n in hidden.items() if n > said[w]}


def _word_runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of (start, end, lowercase word) a label phrase may span: placeholders, tags,
    identifiers and punctuation end a run."""
    runs, position = [], 0
    for gap in (*_PHRASE_BREAK.finditer(text), None):
        stop = gap.start() if gap else len(text)
        run = [(position + a, position + b, w) for a, b, w in _token_spans(text[position:stop])]
        if run:
            runs.append(run)
        if gap:
            position = gap.end()
    return runs


def _ranked_tails(
    anchor: str,
    member_runs: Sequence[list[list[tuple[int, int, str]]]],
    head: list[str],
    word_weights: Mapping[str, float],
    stop: frozenset[str],
    lengths: range,
) -> list[str]:
    """The anchor's word runs of `lengths` words that can close a label, best first: members
    holding the run (at least two) × the summed c-TF-IDF weights of its words."""
    candidates: dict[tuple[str, ...], str] = {}
    for run in _word_runs(anchor):
        for n in lengths:
            for i in range(len(run) - n + 1):
                window = run[i : i + n]
                words = tuple(w for _, _, w in window)
                if words in candidates or not _can_close_label(words, set(head), stop):
                    continue
                # Never cut a compound: "wide[-leg]", or "combine my gift [card]" for the head
                # "credit card" (a head word follows, not the whole head as in "can't redeem
                # [gift card]").
                start, end = window[0][0], window[-1][1]
                following = [w for _, _, w in run[i + n : i + n + len(head)]]
                hyphenated = anchor[start - 1 : start] == "-" or anchor[end : end + 1] == "-"
                if hyphenated or (_shares_word(following[:1], set(head)) and not _is_head(following, head)):
                    continue
                candidates[words] = anchor[start:end].lower()
    if not candidates:
        return []
    shared: Counter[tuple[str, ...]] = Counter()
    for runs in member_runs:
        present: set[tuple[str, ...]] = set()
        for run in runs:
            words = [w for _, _, w in run]
            for n in lengths:
                present.update(g for g in zip(*(words[k:] for k in range(n))) if g in candidates)
        shared.update(present)
    score = {
        g: shared[g] * sum(word_weights.get(w, 0.0) for w in g)
        for g in candidates
        if shared[g] >= min(2, len(member_runs))
    }
    return [candidates[g] for g in sorted(score, key=lambda g: (-score[g], -len(g), g))]


def _is_head(words: list[str], head: list[str]) -> bool:
    return len(words) == len(head) and all(_shares_word([w], {h}) for w, h in zip(words, head, strict=True))


def _can_close_label(words: tuple[str, ...], exclude: set[str], stop: frozenset[str]) -> bool:
    """Starts with a content word or a negation ("not accepted"), ends with a content word,
    is mostly content words or negations ("wrong and the reset" is not) and repeats nothing
    of the head."""
    def content(word: str) -> bool:
        # Contractions of stop words ("i'd", "there's") are stop words; one or two Latin
        # letters are abbreviations nobody reads ("oh" for Ohio, "io").
        return (
            re.split(r"['’]", word)[0] not in stop
            and word not in _LIGHT_VERBS
            and word not in _NEGATIONS
            and (len(word) > 2 or not word.isascii())
        )

    meaningful = sum(content(w) or w in _NEGATIONS for w in words)
    return (
        (content(words[0]) or words[0] in _NEGATIONS)
        and content(words[-1])
        and meaningful * 2 > len(words)
        and any(content(w) and w not in _generic_words() for w in words)
        and all(is_label_word(w) for w in words)
        and not _shares_word(words, exclude)
    )


def _shares_word(words: Iterable[str], others: set[str]) -> bool:
    """True if any word equals, extends or inflects another ("rate"/"rates",
    "refund"/"refunded", "подписка"/"подписку": a common stem of 4+ letters missing at most
    two letters of the shorter word), or, in Chinese, holds it."""
    return any(w.startswith(o) or o.startswith(w) or _same_stem(w, o) for w in words for o in others)


def _same_stem(word: str, other: str) -> bool:
    if _HAN.search(word) and _HAN.search(other):  # Chinese compounds hold their parts: 礼品卡余额 / 余额
        return word in other or other in word
    common = len(os.path.commonprefix([word, other]))
    return common >= max(4, min(len(word), len(other)) - 2)


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
        seen: set[tuple[str, ...]] = set()
        for tokens in _word_runs(text):  # never across an identifier, placeholder or comma
            for n in range(max(2, len(key_words)), max_words + 1):
                for i in range(len(tokens) - n + 1):
                    window = tokens[i : i + n]
                    words = tuple(w for _, _, w in window)
                    if words in seen or words[0] in stop or words[-1] in stop or _shares_word(words, exclude):
                        continue
                    if not all(is_label_word(w) for w in words) or not _contains(words, key_words):
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
    nearest = np.full(len(embeddings), UNASSIGNED, dtype=np.int64)
    if len(embeddings) == 0 or len(centroids) == 0:
        return nearest
    unit_centroids = l2_normalise(centroids).T
    # In chunks of rows, so the similarity matrix stays small however many texts come.
    for start in range(0, len(embeddings), ASSIGN_CHUNK_ROWS):
        similarity = l2_normalise(embeddings[start : start + ASSIGN_CHUNK_ROWS]) @ unit_centroids
        best_index = similarity.argmax(axis=1)
        best = similarity[np.arange(len(best_index)), best_index]
        nearest[start : start + len(best_index)] = np.where(best >= threshold, best_index, UNASSIGNED)
    return nearest


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
    # Nearest child by cosine: a text's own length does not change which child is nearest,
    # so only the centroids are normalised (no copy of every embedding).
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


def keep_merges_together(
    mapping: Mapping[int, str],
    assignments: np.ndarray,
    previous_theme_ids: Sequence[str | None],
    absorbers: Iterable[str],
    new_ids: Iterable[str],
) -> dict[int, str]:
    """`mapping` (theme_index → theme_id, see match_themes) with each fitted theme that got a
    new id but whose texts mostly (more than half, by `previous_theme_ids` per text) sat in a
    theme that absorbed others given that theme's id. A refit can find the merged themes
    apart again; the one-to-one centroid match then keeps only one of them, and the merge
    a person made would be undone."""
    absorbers, new_ids = set(absorbers), set(new_ids)
    kept = dict(mapping)
    if not absorbers:
        return kept
    for index, theme_id in mapping.items():
        if theme_id not in new_ids:
            continue
        members = np.flatnonzero(assignments == index)
        if not len(members):
            continue
        owner, count = Counter(previous_theme_ids[i] for i in members).most_common(1)[0]
        if owner in absorbers and 2 * count > len(members):
            kept[index] = owner
    return kept


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
