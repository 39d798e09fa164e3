"""Measure the offline route classifier: Bitext's utterances, and our own examples per language."""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import Measure
from graph.classifier import RouteClassifier, build_classifier
from graph.routes import ROUTES
from graph.routing_examples import split as split_examples

REPO = Path(__file__).resolve().parent.parent


def bitext_dir() -> Path:
    """The folder holding the Bitext files: $BITEXT_DIR, else ../shared/datasets/bitext."""
    default = REPO.parent / "shared" / "datasets" / "bitext"
    return Path(os.environ.get("BITEXT_DIR", default))


def available() -> bool:
    """Whether the Bitext files are there to evaluate against."""
    return (bitext_dir() / "routes.csv").is_file()


def _load(split: str) -> list[tuple[str, str]]:
    folder = bitext_dir()
    with (folder / "routes.csv").open(newline="", encoding="utf-8") as handle:
        routes = {row["intent"]: row["route"] for row in csv.DictReader(handle)}
    with (folder / f"{split}.csv").open(newline="", encoding="utf-8") as handle:
        return [(row["utterance"], routes[row["intent"]]) for row in csv.DictReader(handle)]


def evaluate(split: str, classifier: RouteClassifier | None = None) -> dict[str, Any]:
    """Score the classifier on one Bitext split.

    Returns {"split", "n", "accuracy", "per_route": {route: {"n", "recall"}}, "confusions":
    [(expected, predicted, count), ...]}. Raises FileNotFoundError unless `available()`.
    """
    rows = _load(split)
    classifier = classifier or build_classifier()
    predicted = [route for route, _ in classifier.predict_many(text for text, _ in rows)]
    expected = [route for _, route in rows]
    totals = Counter(expected)
    hits = Counter(e for e, p in zip(expected, predicted, strict=True) if e == p)
    misses = Counter((e, p) for e, p in zip(expected, predicted, strict=True) if e != p)
    return {
        "split": split,
        "n": len(rows),
        "accuracy": sum(hits.values()) / len(rows),
        "per_route": {r: {"n": totals[r], "recall": hits[r] / totals[r]}
                      for r in ROUTES if totals[r]},
        "confusions": [(e, p, n) for (e, p), n in misses.most_common()],
    }


def own_languages() -> dict[str, tuple[int, float]]:
    """Held-out accuracy per language on the project's own examples (`graph/examples`).

    Trained on four lines of five of each file, scored on the fifth: {language: (n, accuracy)}.
    """
    train, held = split_examples()
    classifier = build_classifier(train)
    totals: Counter[str] = Counter(e.language for e in held)
    hits: Counter[str] = Counter(e.language for e in held
                                 if classifier.predict(e.text)[0] == e.route)
    return {lang: (n, hits[lang] / n) for lang, n in totals.items()}


def latency(classifier: RouteClassifier, texts: list[str], repeat: int = 3) -> dict[str, float]:
    """Time single-message predictions; return p50 and p99 in milliseconds."""
    for text in texts[:100]:  # warm caches before timing
        classifier.predict(text)
    samples = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            classifier.predict(text)
            samples.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": cuts[49], "p99_ms": cuts[98]}


def main(argv: list[str] | None = None) -> int:
    """Print accuracy, per-route recall, the main confusions and latency for each split."""
    parser = argparse.ArgumentParser(prog="python -m bench.routing_eval")
    parser.add_argument("--split", choices=["dev", "holdout", "both"], default="dev")
    args = parser.parse_args(argv)
    print("own examples, held out (one line in five), per language:")
    for language, (n, accuracy) in own_languages().items():
        print(f"  {language}: n={n:<4} accuracy={accuracy:.4f}")
    if not available():
        print(f"Bitext data not found at {bitext_dir()}: skipping the routing evaluation.")
        return 0
    start = time.perf_counter()
    classifier = build_classifier()
    print(f"trained in {(time.perf_counter() - start) * 1000:.0f} ms")
    splits = ["dev", "holdout"] if args.split == "both" else [args.split]
    for split in splits:
        result = evaluate(split, classifier)
        print(f"\n{split}: n={result['n']} accuracy={result['accuracy']:.4f}")
        for route, figures in result["per_route"].items():
            print(f"  {route:<15} n={figures['n']:<6} recall={figures['recall']:.4f}")
        print("  most frequent confusions (expected -> predicted):")
        for expected, predicted, count in result["confusions"][:10]:
            print(f"    {expected} -> {predicted}: {count}")
    texts = [text for text, _ in _load(splits[0])][:2000]
    timing = latency(classifier, texts)
    print(f"\nsingle predict latency: p50={timing['p50_ms']:.3f} ms p99={timing['p99_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def measures() -> list[Measure]:
    """The report's routing rows: error rates on both splits and single-message p99."""
    if not available():
        print(f"Bitext data not found at {bitext_dir()}: the routing measure is skipped.")
        return []
    classifier = build_classifier()
    rows = []
    for split in ("dev", "holdout"):
        result = evaluate(split, classifier)
        error = 1 - result["accuracy"]
        rows.append(Measure(f"routing_{split}_error", error, float(result["n"]), error, 0.05,
                            "error rate", f"accuracy {result['accuracy']:.4f} on Bitext {split}"))
    timing = latency(classifier, [text for text, _ in _load("dev")][:2000])
    rows.append(Measure("routing_latency", timing["p99_ms"], 2.0, timing["p99_ms"] / 2.0, 1.0,
                        "ms p99", "one offline routing decision vs the 2 ms budget"))
    return rows
