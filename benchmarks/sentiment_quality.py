"""Sentiment quality per language on data the model never saw, and scoring throughput.

Two labelled sets, neither used for fitting (the model is fitted on nlp/data/sentiment_seed.jsonl):
- held-out: tests/data/sentiment_heldout.jsonl, hand-written feedback in en, es, fr, de, ru, ro,
  zh (negative / neutral / positive);
- survey: the committed survey export, whole comments labelled by score: NPS detractors
  (0-6) vs promoters (9-10), or when NPS is blank CSAT 1-2 vs 4-5; language detected with
  nlp.language.detect_languages and the project's config. (The sample has no fr/de comments.)

AUC (negative vs positive, from `score`) is reported per language and set, for each scorer:
text-only (character probe + emoji), and the same blended with a probe over MiniLM or e5
embeddings; plus the held-out 3-class accuracy of `label`, and scoring throughput (texts/s,
excluding the embedding itself, which the theme engine computes anyway).
A VADER baseline (English lexicon) is added when the `vader` module (nltk-vader-sentiment)
is importable.

Run:  python benchmarks/sentiment_quality.py [--backends minilm e5] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from nlp.config import load_nlp_config
from nlp.language import detect_languages
from nlp.sentiment import (
    BACKEND_LANGUAGES,
    SentimentModel,
    embedding_seed,
    fit_sentiment_model,
    load_emoji_valences,
    load_seed,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_HELDOUT = ROOT / "tests" / "data" / "sentiment_heldout.jsonl"
DEFAULT_SOURCES = ROOT / "sources.yaml"
DEFAULT_CONFIG = ROOT / "config" / "nlp.yaml"
DEFAULT_OUT = HERE / "results" / "sentiment_quality.json"
LANGUAGES = ("en", "es", "fr", "de", "ru", "ro", "zh")


@dataclass(frozen=True)
class LabelledSet:
    texts: list[str]
    languages: list[str | None]
    labels: list[str]  # negative | neutral | positive


def load_heldout(path: Path | str) -> LabelledSet:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return LabelledSet([r["text"] for r in rows], [r["language"] for r in rows], [r["label"] for r in rows])


def survey_label(nps: int | None, csat: int | None) -> str | None:
    """Detractor → negative, promoter → positive; CSAT when NPS is blank; passives → None."""
    if nps is not None:
        return "negative" if nps <= 6 else "positive" if nps >= 9 else None
    if csat is not None:
        return "negative" if csat <= 2 else "positive" if csat >= 4 else None
    return None


def load_survey(sources_path: Path | str, config_path: Path | str) -> LabelledSet:
    """Survey comments with a decisive score, read by the project's own survey connector."""
    from pipelines.connectors.base import FeedbackRecord
    from pipelines.connectors.registry import build_connector, load_sources

    texts, labels = [], []
    for source in load_sources(Path(sources_path)):
        if source.kind != "survey_csv":
            continue
        for record in build_connector(source).read():
            label = survey_label(record.nps, record.csat) if isinstance(record, FeedbackRecord) else None
            if label is not None and record.text.strip():
                texts.append(record.text)
                labels.append(label)
    languages = detect_languages(texts, config=load_nlp_config(config_path).language)
    return LabelledSet(texts, languages, labels)


def auc_by_language(scores: Sequence[float], data: LabelledSet) -> dict[str, dict]:
    """AUC of negative vs positive per language (neutral items are left out)."""
    result = {}
    for language in LANGUAGES:
        idx = [i for i, (lang, label) in enumerate(zip(data.languages, data.labels, strict=True))
               if lang == language and label != "neutral"]
        positives = sum(data.labels[i] == "positive" for i in idx)
        if positives == 0 or positives == len(idx):
            continue
        auc = roc_auc_score([data.labels[i] == "positive" for i in idx], [scores[i] for i in idx])
        result[language] = {"auc": round(float(auc), 3), "n_negative": len(idx) - positives, "n_positive": positives}
    return result


def accuracy_by_language(predicted: Sequence[str], data: LabelledSet) -> dict[str, float]:
    result = {}
    for language in LANGUAGES:
        idx = [i for i, lang in enumerate(data.languages) if lang == language]
        if idx:
            result[language] = round(float(np.mean([predicted[i] == data.labels[i] for i in idx])), 3)
    return result


def evaluate(model: SentimentModel, data: LabelledSet, embeddings: np.ndarray | None) -> tuple[dict, list, float]:
    started = time.perf_counter()
    results = model.score(data.texts, data.languages, embeddings)
    rate = len(data.texts) / (time.perf_counter() - started)
    return auc_by_language([r.score for r in results], data), [r.label for r in results], rate


def vader_baseline(heldout: LabelledSet, survey: LabelledSet) -> dict | None:
    try:
        from vader import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return {
        name: auc_by_language([analyzer.polarity_scores(t)["compound"] for t in data.texts], data)
        for name, data in (("heldout", heldout), ("survey", survey))
    }


def run(backends: Sequence[str], heldout_path: Path, sources_path: Path, config_path: Path) -> dict:
    heldout = load_heldout(heldout_path)
    survey = load_survey(sources_path, config_path)
    seed = load_seed()
    emoji = load_emoji_valences()
    report: dict = {
        "survey_items": len(survey.texts),
        "survey_languages": dict(sorted(Counter(str(lang) for lang in survey.languages).items())),
        "scorers": {},
    }
    started = time.perf_counter()
    text_only = fit_sentiment_model(seed, emoji_valences=emoji)
    fit_seconds = time.perf_counter() - started
    scorers: list[tuple[str, SentimentModel, np.ndarray | None, np.ndarray | None]] = [
        ("text_only", text_only, None, None)
    ]
    for backend in backends:
        from nlp.embeddings import load_embedder

        embedder = load_embedder(backend)
        languages = BACKEND_LANGUAGES[backend]
        seed_vectors = embedder.encode([e.text for e in embedding_seed(seed, languages)])
        started = time.perf_counter()
        model = fit_sentiment_model(seed, seed_vectors, embedding_languages=languages, emoji_valences=emoji)
        report.setdefault("fit_seconds", {})[backend] = round(time.perf_counter() - started, 3)
        scorers.append((backend, model, embedder.encode(heldout.texts), embedder.encode(survey.texts)))
    report.setdefault("fit_seconds", {})["text_only"] = round(fit_seconds, 3)

    for name, model, heldout_vectors, survey_vectors in scorers:
        heldout_auc, heldout_labels, _ = evaluate(model, heldout, heldout_vectors)
        survey_auc, _, rate = evaluate(model, survey, survey_vectors)
        report["scorers"][name] = {
            "heldout_auc": heldout_auc,
            "survey_auc": survey_auc,
            "heldout_label_accuracy": accuracy_by_language(heldout_labels, heldout),
            "texts_per_second": round(rate),
        }
    baseline = vader_baseline(heldout, survey)
    report["vader_baseline"] = baseline if baseline is not None else "nltk-vader-sentiment not installed"
    return report


def print_report(report: dict) -> None:
    print(f"survey comments with a decisive score: {report['survey_items']} {report['survey_languages']}")
    print(f"fit seconds (excluding seed encoding): {report['fit_seconds']}")
    header = "scorer       set       " + " ".join(f"{lang:>5}" for lang in LANGUAGES)
    print(header)
    rows = [(name, s["heldout_auc"], s["survey_auc"]) for name, s in report["scorers"].items()]
    if isinstance(report["vader_baseline"], dict):
        rows.append(("vader", report["vader_baseline"]["heldout"], report["vader_baseline"]["survey"]))
    for name, heldout_auc, survey_auc in rows:
        for set_name, aucs in (("held-out", heldout_auc), ("survey", survey_auc)):
            cells = " ".join(f"{aucs[lang]['auc']:5.2f}" if lang in aucs else "    -" for lang in LANGUAGES)
            print(f"{name:<12} {set_name:<9} {cells}")
    for name, s in report["scorers"].items():
        print(f"{name}: held-out label accuracy {s['heldout_label_accuracy']}; {s['texts_per_second']} texts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="*", default=["minilm", "e5"], choices=sorted(BACKEND_LANGUAGES))
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT)
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    report = run(args.backends, args.heldout, args.sources, args.config)
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
