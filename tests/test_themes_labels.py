"""Theme labels: "<most shared key phrase> — <the representative member's own words>", with no
placeholder, date, number or hashtag in them, in every supported language.

The key phrases come from the real extractor (nlp.keyphrases) and the embeddings from the
real MiniLM model; benchmarks/theme_labels.py measures the same on a pipeline-built warehouse.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from nlp.config import load_nlp_config
from nlp.embeddings import load_embedder
from nlp.keyphrases import key_phrases
from nlp.themes import (
    CALENDAR_WORDS,
    TEXT_BOUNDARY,
    ThemeConfig,
    describe_themes,
    key_phrase_label,
    key_phrase_weights,
    keyword_analyzer,
    keyword_tokens,
    keyword_weights,
)
from pipelines.settings import get_settings

# Four complaints, each phrased five ways with the noise real feedback carries: redaction
# placeholders, dates, order numbers, hashtags.
THEMES = {
    "en": [
        "[PERSON] said my parcel is stuck at the depot since August 10.",
        "My parcel is stuck at the depot since Monday #customerservice",
        "parcel stuck at the depot for 9 days, order LK-2119233",
        "Still no parcel, it is stuck at the depot since Oct 3.",
        "[PERSON], my parcel has been stuck at the depot since Friday.",
    ],
    "en ": [
        "My gift card code was not accepted at checkout.",
        "The gift card was not accepted, it says invalid code.",
        "gift card not accepted at checkout on 12 March",
        "Why is my gift card not accepted?",
        "Gift card LKGC-T79F-YEA7 not accepted at checkout #fail",
    ],
    "ru": [
        "Где возврат денег за заказ LK-8411025?",
        "Уже две недели жду возврат денег за заказ.",
        "Когда будет возврат денег? Заказ LK-1234567 отменён 5 августа.",
        "Верните деньги, возврат денег за заказ так и не пришёл.",
        "Возврат денег за заказ до сих пор не получен.",
    ],
    "zh": [
        "我的礼品卡余额不见了。",
        "礼品卡余额显示为零，10月5号充值的。",
        "为什么礼品卡余额没有了？",
        "礼品卡余额消失了，请帮忙。",
        "我的礼品卡余额突然变成0了",
    ],
}
NOISE_WORDS = {"person", "customerservice", "fail", "lk", "lkgc"} | CALENDAR_WORDS


@pytest.fixture(scope="module")
def config() -> ThemeConfig:
    return load_nlp_config(get_settings().nlp_config_path).themes


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], np.ndarray, list[list[str]], np.ndarray]:
    texts = [t for group in THEMES.values() for t in group]
    languages = [language.strip() for language, group in THEMES.items() for _ in group]
    assignments = np.repeat(np.arange(len(THEMES)), [len(g) for g in THEMES.values()])
    return texts, assignments, key_phrases(texts, languages), load_embedder("minilm").encode(texts)


def label_words(label: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:['’][^\W_]+)*", label.lower())


def test_labels_name_the_complaint_in_the_representative_s_words(corpus, config: ThemeConfig) -> None:
    texts, assignments, phrases, embeddings = corpus
    described = describe_themes(texts, embeddings, assignments, config, phrases)
    labels = described["label"].tolist()
    # Head: the key phrase every member shares; tail: the closest member's words that most
    # members repeat (surface forms, not lemmas), never a word of the head again.
    assert labels[:3] == ["depot — parcel is stuck", "gift card — not accepted", "возврат денег — заказ"]
    assert labels[3].startswith("礼品卡余额")
    for row in described.itertuples():
        words = label_words(row.label)
        assert not set(words) & NOISE_WORDS and not re.search(r"\d|#", row.label), row.label
        assert len(words) <= 6
        assert all(w in row.representative.lower() for w in words), (row.label, row.representative)


def test_keyword_labels_without_key_phrases_carry_no_noise_either(corpus, config: ThemeConfig) -> None:
    texts, assignments, _, embeddings = corpus
    described = describe_themes(texts, embeddings, assignments, config)
    assert described["label"].is_unique
    for row in described.itertuples():
        assert not set(label_words(row.label)) & NOISE_WORDS and not re.search(r"\d|#", row.label), row.label
        assert not {w for k in row.keywords for w in k.split()} & NOISE_WORDS, row.keywords


def test_key_phrase_label_never_repeats_a_taken_label(corpus, config: ThemeConfig) -> None:
    texts, assignments, phrases, _ = corpus
    weights = key_phrase_weights(phrases, assignments, len(THEMES), texts)
    words = keyword_weights(texts, assignments, len(THEMES), config)
    stop = frozenset({"is", "at", "the", "my", "it", "was", "since", "for", "has", "been", "no", "still"})
    members, member_phrases = texts[:5], phrases[:5]
    first = key_phrase_label(weights[0], members, member_phrases, set(), words[0], stop)
    assert first == "depot — parcel is stuck"
    second = key_phrase_label(weights[0], members, member_phrases, {first}, words[0], stop)
    assert second.startswith("depot — ") and second != first
    # Every "head — tail" the theme can make is taken: the head alone, then with a number.
    every = {first}
    while (label := key_phrase_label(weights[0], members, member_phrases, every, words[0], stop)).startswith("depot — "):
        every.add(label)
    assert label == "depot" and len(every) >= 3
    assert key_phrase_label(weights[0], members, member_phrases, every | {"depot"}, words[0], stop) == "depot (2)"
    # No key phrase shared by two members: no key-phrase label (describe_themes uses keywords).
    assert key_phrase_weights([["a"], ["b"]], np.array([0, 0]), 1, ["a", "b"]) == [{}]
    assert key_phrase_label({}, ["a", "b"], [["a"], ["b"]], set(), {}, stop) is None


@pytest.mark.parametrize("min_df", [1, 2])
def test_keyword_weights_are_bertopic_s_c_tf_idf_over_one_document_per_theme(corpus, config: ThemeConfig, min_df: int) -> None:
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    texts, assignments, _, _ = corpus
    # Words two themes share (kept at min_df 2), and texts in no theme, which count for none.
    texts = [*texts, "the refund came late again", "a late refund again", "refund bonus"]
    assignments = np.append(assignments, [0, 1, -1])
    assignments[[0, 7]] = -1
    config = replace(config, vectorizer=replace(config.vectorizer, min_df=min_df))
    n_themes = len(THEMES)
    documents = [TEXT_BOUNDARY.join(t for t, a in zip(texts, assignments) if a == theme) for theme in range(n_themes)]
    counter = CountVectorizer(analyzer=keyword_analyzer(config), min_df=min_df).fit(documents)
    weights = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(counter.transform(documents)).toarray()
    vocabulary = counter.get_feature_names_out()
    expected = [
        {str(vocabulary[i]): float(row[i]) for i in sorted(np.flatnonzero(row > 0), key=lambda i: -row[i])}
        for row in weights
    ]
    found = keyword_weights(texts, assignments, n_themes, config)
    assert found == expected
    assert [list(theme) for theme in found] == [list(theme) for theme in expected]  # same order, ties included
    assert keyword_weights(texts, np.full(len(texts), -1), n_themes, config) == [{}] * n_themes


def test_keyword_tokens_drop_placeholders_halves_tags_and_identifiers() -> None:
    tokens = keyword_tokens("PERSON] was lovely, [EMAIL] and [PHONE #fail @Larkspur order LK-2119233 for $89.49")
    assert tokens == ["was", "lovely", "and", "order", "for"]
    assert keyword_tokens("订单LK-8767945什么时候发货") == ["订单", "什么", "时候", "发货"]


def test_a_theme_of_one_complaint_in_several_languages_is_labelled_in_its_main_language(config: ThemeConfig) -> None:
    # One theme: the app that will not open, in English (4 members), Spanish and Russian (3
    # each). The vectors put the Spanish members at the centroid, as bridged embeddings can:
    # without languages the label borrows their words ("no abre").
    texts = [
        "The app won't open after the update.",
        "My app won't open at all.",
        "since yesterday the app won't open",
        "The app won't open, please fix it.",
        "La app no abre desde la actualización.",
        "La app no abre, se cierra sola.",
        "Desde ayer la app no abre.",
        "Приложение не открывается после обновления.",
        "Приложение не открывается, вылетает сразу.",
        "После обновления приложение не открывается.",
    ]
    languages = ["en"] * 4 + ["es"] * 3 + ["ru"] * 3
    rng = np.random.default_rng(0)
    embeddings = np.zeros((len(texts), 8))
    embeddings[:, 0] = 1.0
    embeddings[:, 1:] = rng.normal(0, 0.5, (len(texts), 7))
    embeddings[4:7, 1:] *= 0.02
    assignments = np.zeros(len(texts), dtype=np.int64)
    phrases = key_phrases(texts, languages)
    english = " ".join(texts[:4]).lower()

    mixed = describe_themes(texts, embeddings, assignments, config, phrases).loc[0]
    assert mixed["representative"] in texts[4:7]
    assert not all(w in english for w in label_words(mixed["label"])), mixed["label"]

    worded = describe_themes(texts, embeddings, assignments, config, phrases, languages=languages).loc[0]
    assert worded["representative"] in texts[:4]
    assert all(w in english for w in label_words(worded["label"])), worded["label"]
    assert worded["size"] == len(texts)


def test_main_language_members_keeps_each_theme_s_most_common_language() -> None:
    from nlp.themes import main_language_members

    assignments = np.array([0, 0, 0, 1, 1, 1, 1, -1])
    languages = ["en", "es", "en", "ru", "zh", None, "zh", "en"]
    assert main_language_members(assignments, languages).tolist() == [0, -1, 0, -1, 1, -1, 1, -1]
    # A tie goes to the alphabetically first language.
    assert main_language_members(np.array([0, 0]), ["ro", "es"]).tolist() == [-1, 0]
    # A text said three times outweighs two texts said once.
    assert main_language_members(np.array([0, 0, 0]), ["en", "zh", "zh"], [3, 1, 1]).tolist() == [0, -1, -1]
    with pytest.raises(ValueError):
        main_language_members(assignments, languages[:-1])


def test_keywords_are_main_language_terms_said_by_several_members_without_fillers() -> None:
    from nlp.themes import main_language_members, term_counts, theme_keywords

    refund = [f"Okay, my refund for order {n} was never processed." for n in range(12)]
    refund += ["The refnd was never processed, oh well.", "Refund still not processed after two weeks."]
    refund_zh = ["退款一直没有处理。", "我的退款还没有到账。", "退款处理中显示错误。"]
    gift = [f"My gift card balance disappeared after top-up number {n}." for n in range(15)]
    texts = refund + refund_zh + gift
    assignments = np.array([0] * (len(refund) + len(refund_zh)) + [1] * len(gift))
    languages = ["en"] * len(refund) + ["zh"] * len(refund_zh) + ["en"] * len(gift)
    config = replace(load_nlp_config(get_settings().nlp_config_path).themes, n_keywords=10)
    main = main_language_members(assignments, languages)
    counts = term_counts(texts, config)
    weights = keyword_weights(texts, main, 2, config, counts)
    assert "refnd" in weights[0]  # c-TF-IDF alone keeps the typo said once

    refund_keywords, gift_keywords = theme_keywords(weights, main, counts, config)

    assert "refund" in refund_keywords and "processed" in refund_keywords
    assert not any("refnd" in k or "okay" in k.split() or "oh" in k.split() for k in refund_keywords)
    assert not any(re.search(r"[\u4e00-\u9fff]", k) for k in refund_keywords)
    assert {"gift", "card", "gift card"} <= set(gift_keywords)
