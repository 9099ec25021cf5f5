"""Redaction quality on the labelled gold set, and throughput on realistic feedback texts.

Prints recall/precision per kind, the share of look-alikes (order numbers, amounts, dates,
promo codes, …) wrongly redacted, and texts/s; writes them to a JSON file.

Scoring (also used by tests/test_nlp_redact.py):
- a gold span is *found* when predicted spans of the same kind cover all its non-space
  characters (a half-redacted "John [PERSON]" is a miss);
- a predicted span is *correct* when it overlaps a gold span of the same kind;
- a look-alike is *wrongly redacted* when any predicted span overlaps it.
PERSON is scored separately for English (NER + patterns) and other languages (patterns only).

Run:  python benchmarks/redaction_quality.py [--gold PATH] [--out PATH] [--texts N] [--texts-file JSONL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nlp.redact import RedactionResult, redact_batch

HERE = Path(__file__).resolve().parent
DEFAULT_GOLD = HERE.parent / "tests" / "data" / "redaction_gold.jsonl"
DEFAULT_OUT = HERE / "results" / "redaction_quality.json"
# Language mix of the sample data (samplegen/people.py), plus the gold set's de/fr.
LANGUAGE_WEIGHTS = {"en": 0.80, "es": 0.05, "zh": 0.03, "ru": 0.03, "ro": 0.03, "de": 0.03, "fr": 0.03}


@dataclass
class KindScore:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None


@dataclass
class LookalikeScore:
    total: int = 0
    redacted: int = 0

    @property
    def rate(self) -> float | None:
        return self.redacted / self.total if self.total else None


@dataclass
class QualityReport:
    kinds: dict[str, KindScore] = field(default_factory=dict)
    lookalikes: dict[str, LookalikeScore] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)  # gold spans not found, for debugging
    false_positives: list[dict] = field(default_factory=list)  # predicted spans not correct
    wrongly_redacted: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "kinds": {
                k: {**asdict(s), "recall": s.recall, "precision": s.precision} for k, s in sorted(self.kinds.items())
            },
            "lookalikes": {k: {**asdict(s), "rate": s.rate} for k, s in sorted(self.lookalikes.items())},
        }


def load_gold(path: Path | str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _score_kind(record: dict, kind: str) -> str:
    if kind == "PERSON":
        return "PERSON_en" if record["language"] == "en" else "PERSON_other"
    return kind


def _covered(text: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return all(
        text[i].isspace() or any(s <= i < e for s, e in spans) for i in range(start, end)
    )


def score(records: Sequence[dict], results: Sequence[RedactionResult]) -> QualityReport:
    report = QualityReport()
    for record, result in zip(records, results, strict=True):
        text = record["text"]
        predicted = [(s.kind, s.start, s.end) for s in result.spans]
        for gold in record["pii"]:
            name = _score_kind(record, gold["kind"])
            kind_score = report.kinds.setdefault(name, KindScore())
            kind_score.gold += 1
            same_kind = [(s, e) for k, s, e in predicted if k == gold["kind"]]
            if _covered(text, gold["start"], gold["end"], same_kind):
                kind_score.found += 1
            else:
                report.misses.append({"id": record["id"], "kind": gold["kind"], "value": text[gold["start"]:gold["end"]],
                                      "text": text, "predicted": [(k, text[s:e]) for k, s, e in predicted]})
        for kind, start, end in predicted:
            name = _score_kind(record, kind)
            kind_score = report.kinds.setdefault(name, KindScore())
            kind_score.predicted += 1
            if any(g["kind"] == kind and start < g["end"] and g["start"] < end for g in record["pii"]):
                kind_score.correct += 1
            else:
                report.false_positives.append({"id": record["id"], "kind": kind, "value": text[start:end], "text": text})
        for keep in record["keep"]:
            look = report.lookalikes.setdefault(keep["kind"], LookalikeScore())
            look.total += 1
            if any(start < keep["end"] and keep["start"] < end for _, start, end in predicted):
                look.redacted += 1
                report.wrongly_redacted.append({"id": record["id"], "kind": keep["kind"],
                                                "value": text[keep["start"]:keep["end"]], "text": text})
    return report


def evaluate(records: Sequence[dict]) -> QualityReport:
    results = redact_batch([r["text"] for r in records], [r["language"] for r in records])
    return score(records, results)


def realistic_corpus(records: Sequence[dict], count: int, pii_share: float, seed: int = 7) -> tuple[list[str], list[str]]:
    """Feedback items of 1-4 gold sentences of one language, in the sample data's language mix.

    `pii_share` of the items get one sentence carrying personal data (the sample generator
    plants it in 2.5-8 % of items per channel); the other sentences come from gold sentences
    without any, which still carry order numbers, amounts, dates and product names.
    """
    rng = random.Random(seed)
    clean: dict[str, list[str]] = {}
    personal: dict[str, list[str]] = {}
    for record in records:
        (personal if record["pii"] else clean).setdefault(record["language"], []).append(record["text"])
    languages = [lang for lang in LANGUAGE_WEIGHTS if lang in clean and lang in personal]
    weights = [LANGUAGE_WEIGHTS[lang] for lang in languages]
    texts: list[str] = []
    text_languages: list[str] = []
    for _ in range(count):
        language = rng.choices(languages, weights)[0]
        pool = clean[language]
        sentences = rng.sample(pool, k=min(len(pool), rng.randint(1, 4)))
        if rng.random() < pii_share:
            sentences[rng.randrange(len(sentences))] = rng.choice(personal[language])
        texts.append(("" if language == "zh" else " ").join(sentences))
        text_languages.append(language)
    return texts, text_languages


def load_texts(path: Path) -> tuple[list[str], list[str | None]]:
    """Texts to time from a JSONL file of {"text": ..., "language": ...} objects."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["text"] for row in rows], [row.get("language") for row in rows]


@dataclass
class Throughput:
    texts: int
    mean_chars: float
    wall_texts_per_s: float
    cpu_texts_per_s: float  # per CPU-second of this process: less sensitive to other load


def throughput(texts: Sequence[str], languages: Sequence[str | None], repeats: int = 3) -> Throughput:
    """Best of `repeats` timed runs, after one warm-up that loads the models."""
    redact_batch(list(texts[:50]), list(languages[:50]))
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        redact_batch(list(texts), list(languages))
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    mean_chars = sum(map(len, texts)) / max(1, len(texts))
    return Throughput(len(texts), round(mean_chars, 1), round(len(texts) / best_wall, 1), round(len(texts) / best_cpu, 1))


def _format(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1%}"


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--texts", type=int, default=3000, help="texts per throughput corpus")
    parser.add_argument("--pii-share", type=float, default=0.08, help="share of items with personal data")
    parser.add_argument("--texts-file", type=Path, help="also time these texts (JSONL: text, language)")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)

    records = load_gold(args.gold)
    report = evaluate(records)
    by_batch = {batch: evaluate([r for r in records if r["batch"] == batch]).summary()
                for batch in sorted({r["batch"] for r in records})}
    corpora = {
        f"typical ({args.pii_share:.0%} of items with personal data)": realistic_corpus(records, args.texts, args.pii_share),
        "dense (every item with personal data)": realistic_corpus(records, args.texts, 1.0),
    }
    if args.texts_file:
        corpora[str(args.texts_file)] = load_texts(args.texts_file)
    speeds = {name: throughput(*corpus) for name, corpus in corpora.items()}

    print(f"{'kind':<14}{'gold':>6}{'recall':>9}{'pred':>6}{'precision':>11}")
    for name, kind_score in sorted(report.kinds.items()):
        print(f"{name:<14}{kind_score.gold:>6}{_format(kind_score.recall):>9}{kind_score.predicted:>6}"
              f"{_format(kind_score.precision):>11}")
    print(f"\n{'look-alike':<14}{'total':>6}{'wrongly redacted':>18}")
    for name, look in sorted(report.lookalikes.items()):
        print(f"{name:<14}{look.total:>6}{look.redacted:>9} ({_format(look.rate).strip()})")
    print("\nrecall by batch (dev, holdout, holdout2 informed later changes; holdout3 is untouched):")
    for batch, summary in by_batch.items():
        cells = [f"{k} {_format(v['recall']).strip()}" for k, v in summary["kinds"].items() if v["gold"]]
        print(f"  {batch:<9} " + ", ".join(cells))
    for name, speed in speeds.items():
        print(f"\nthroughput, {name}: {speed.wall_texts_per_s:,.0f} texts/s wall, "
              f"{speed.cpu_texts_per_s:,.0f} texts per CPU-second ({speed.texts} texts, mean {speed.mean_chars:.0f} chars)")
    if args.show_errors:
        for title, rows in (("MISSES", report.misses), ("FALSE POSITIVES", report.false_positives),
                            ("WRONGLY REDACTED", report.wrongly_redacted)):
            print(f"\n{title}")
            for row in rows:
                print(" ", json.dumps(row, ensure_ascii=False))

    result = {
        "gold_records": len(records),
        "overall": report.summary(),
        "by_batch": by_batch,
        "throughput": {name: asdict(speed) for name, speed in speeds.items()},
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
