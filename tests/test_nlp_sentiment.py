"""Sentiment: AUC floors per language on data the model never saw, then behaviour and errors.

Floors sit a little under the figures measured by benchmarks/sentiment_quality.py (scoring is
deterministic, the margin absorbs nothing but future seed edits); the e5 figures are in the
benchmark only, as encoding the seed with e5 takes too long for the suite.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from nlp.sentiment import (
    LABELS,
    SeedExample,
    Sentiment,
    default_sentiment_model,
    fit_sentiment_model,
    load_seed,
    load_sentiment_model,
    score_sentiment,
)

ROOT = Path(__file__).resolve().parents[1]
HELDOUT_PATH = ROOT / "tests" / "data" / "sentiment_heldout.jsonl"

# Measured (text-only): held-out en .91 es .95 fr .92 de .87 ru .84 ro .91 zh .96;
# survey comments of the 15,000-record sample (3,932 with a decisive score): en .85 es .89
# ru .83 ro .86 zh .86 (no fr/de comments; the non-English groups have 90-190 comments, so
# about ±0.05). Floors sit a sampling error below.
TEXT_ONLY_HELDOUT_FLOORS = {"en": 0.88, "es": 0.92, "fr": 0.88, "de": 0.83, "ru": 0.80, "ro": 0.87, "zh": 0.92}
TEXT_ONLY_SURVEY_FLOORS = {"en": 0.82, "es": 0.85, "ru": 0.79, "ro": 0.82, "zh": 0.82}


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sentiment_quality", ROOT / "benchmarks" / "sentiment_quality.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["sentiment_quality"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    return _load_benchmark()


@pytest.fixture(scope="module")
def heldout(benchmark: ModuleType):
    return benchmark.load_heldout(HELDOUT_PATH)


def _scores(texts, languages, embeddings=None, model=None) -> list[float]:
    return [s.score for s in score_sentiment(texts, languages, embeddings, model)]


def test_seed_and_heldout_do_not_overlap(heldout) -> None:
    seed_texts = {example.text for example in load_seed()}
    assert not seed_texts & set(heldout.texts)
    for language in TEXT_ONLY_HELDOUT_FLOORS:
        labels = [e.label for e in load_seed() if e.language == language]
        assert set(labels) == set(LABELS), language


def test_text_only_auc_on_heldout_sentences(benchmark: ModuleType, heldout) -> None:
    aucs = benchmark.auc_by_language(_scores(heldout.texts, heldout.languages), heldout)
    for language, floor in TEXT_ONLY_HELDOUT_FLOORS.items():
        assert aucs[language]["auc"] >= floor, (language, aucs[language])


def test_text_only_auc_on_survey_scores(benchmark: ModuleType) -> None:
    """NPS detractors vs promoters (CSAT 1-2 vs 4-5 when NPS is blank), language detected."""
    survey = benchmark.load_survey(ROOT / "sources.yaml", ROOT / "config" / "nlp.yaml")
    aucs = benchmark.auc_by_language(_scores(survey.texts, survey.languages), survey)
    for language, floor in TEXT_ONLY_SURVEY_FLOORS.items():
        assert aucs[language]["n_negative"] >= 20 and aucs[language]["n_positive"] >= 10, aucs[language]
        assert aucs[language]["auc"] >= floor, (language, aucs[language])


def test_minilm_probe_lifts_english(benchmark: ModuleType, heldout) -> None:
    """Reusing the theme engine's MiniLM vectors: English only, where MiniLM is trained."""
    from nlp.embeddings import load_embedder

    model = load_sentiment_model("minilm")
    english = [i for i, lang in enumerate(heldout.languages) if lang == "en"]
    texts = [heldout.texts[i] for i in english]
    vectors = load_embedder("minilm").encode(texts)
    results = model.score(texts, ["en"] * len(texts), vectors)
    subset = benchmark.LabelledSet(texts, ["en"] * len(texts), [heldout.labels[i] for i in english])
    auc = benchmark.auc_by_language([r.score for r in results], subset)["en"]["auc"]
    accuracy = np.mean([r.label == label for r, label in zip(results, subset.labels, strict=True)])
    assert auc >= 0.97  # measured 1.00
    assert accuracy >= 0.9  # measured 0.97 (3 classes)


def test_embedding_probe_is_used_only_for_covered_languages() -> None:
    seed = [e for e in load_seed() if e.language in {"en", "es"}]
    rng = np.random.default_rng(0)
    # Vectors that carry the label perfectly for English seed texts.
    english = [e for e in seed if e.language == "en"]
    direction = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
    vectors = np.array([[direction[e.label], *rng.normal(0, 0.01, 3)] for e in english], dtype=np.float32)
    model = fit_sentiment_model(seed, vectors, embedding_languages=["en"])
    texts = ["El envío llegó tarde.", "The delivery was late."]
    fake = np.array([[1.0, 0, 0, 0], [1.0, 0, 0, 0]], dtype=np.float32)  # "positive" vectors
    with_vectors = model.score(texts, ["es", "en"], fake)
    without = model.score(texts, ["es", "en"])
    assert with_vectors[0] == without[0]  # Spanish: the English-only probe is not consulted
    assert with_vectors[1].score > without[1].score


def test_emoji_carry_sentiment() -> None:
    angry, happy = score_sentiment(["@LarkspurHelp 🤬 ???", "@LarkspurHelp 😍🙌"], [None, None])
    assert angry.label == "negative" and angry.score < -0.5
    assert happy.label == "positive" and happy.score > 0.5
    plain, with_emoji = _scores(["The parcel arrived today.", "The parcel arrived today 😡"], ["en", "en"])
    assert with_emoji < plain


def test_labels_and_ranges_on_clear_examples() -> None:
    texts = [
        "Absolutely love it, fast delivery and great quality!",
        "Terrible service, I am never ordering again.",
        "Muy contenta con la compra, todo perfecto.",
        "Ужасное качество, вещь порвалась через день.",
        "质量太差了，非常失望。",
        "Service impeccable, merci beaucoup !",
        "Die Lieferung kam kaputt an, eine Frechheit.",
        "Comanda a venit repede, sunt foarte mulțumită.",
    ]
    languages = ["en", "en", "es", "ru", "zh", "fr", "de", "ro"]
    expected = ["positive", "negative", "positive", "negative", "negative", "positive", "negative", "positive"]
    results = score_sentiment(texts, languages)
    assert [r.label for r in results] == expected
    assert all(-1.0 <= r.score <= 1.0 for r in results)
    assert all((r.score > 0) == (r.label == "positive") for r in results)


def test_texts_without_words_or_emoji_are_neutral() -> None:
    assert score_sentiment(["", "   ", "12345", "https://x.co/abc", None], ["en"] * 5) == [  # type: ignore[list-item]
        Sentiment(0.0, "neutral")
    ] * 5


def test_deterministic_and_order_independent() -> None:
    texts = ["Refund took forever.", "Lovely staff!", "Where is my order?"]
    first = score_sentiment(texts, ["en"] * 3)
    reversed_ = score_sentiment(texts[::-1], ["en"] * 3)[::-1]
    assert first == reversed_
    assert fit_sentiment_model(load_seed()).score(texts, ["en"] * 3) == first


def test_errors() -> None:
    with pytest.raises(ValueError, match="languages"):
        score_sentiment(["a", "b"], ["en"])
    with pytest.raises(ValueError, match="embeddings given without"):
        score_sentiment(["a"], ["en"], np.zeros((1, 3)))
    with pytest.raises(ValueError, match="without an embedding probe"):
        default_sentiment_model().score(["a"], ["en"], np.zeros((1, 3)))
    seed = load_seed()
    with pytest.raises(ValueError, match="seed embeddings"):
        fit_sentiment_model(seed, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="lacks examples"):
        fit_sentiment_model([SeedExample("great", "en", "positive")], np.zeros((1, 4)), embedding_languages=["en"])
    model = fit_sentiment_model(seed, np.zeros((len(seed), 4)) + np.eye(len(seed), 4))
    with pytest.raises(ValueError, match="shape"):
        model.score(["a"], ["en"], np.zeros((1, 5)))


