"""The model tiers side by side: accuracy, pairs/s, articles/s and training time, one process, one machine.

    python benchmarks/bench_tiers.py --model stance:fast --model stance:accurate --model stance:fast-distilled

Per model: the tier and base from its registration; the test F1m it was registered with (NewsMTSC test-rw
/ test-mt sentiment, directed-sentiment and stance_news test stance); pairs/s of the backend `auto`
serves on this CPU (batch 32, the same NewsMTSC test-rw pairs, rounds interleaved between the models);
articles/s of the pipelined article analysis (`analyze_batches`); the evaluation set's triples F1 and
polar F1; training wall-clock and precision as the run recorded them. Prints a table, writes JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_articles import build_articles, run_pipelined  # noqa: E402
from benchmarks.bench_classifier import OtherLoad, load_items, pairs_per_second  # noqa: E402
from stance.article.analyze import ArticleAnalyzer  # noqa: E402
from stance.article.evalset import evaluate_evalset  # noqa: E402
from stance.classifier import StanceClassifier  # noqa: E402
from stance.precision import detect_hardware  # noqa: E402
from stance.store import store_entry  # noqa: E402

HEADLINE = {
    "test-rw": "newsmtsc:test-rw:sentiment",
    "test-mt": "newsmtsc:test-mt:sentiment",
    "directed": "directed_sentiment_news:test:stance",
    "stance_news": "stance_news:test:stance",
}


def registration(tag: str) -> dict:
    entry = store_entry(tag)
    meta = entry.info.metadata
    precision = meta.get("training_precision") or {}
    return {
        "tag": str(entry.tag),
        "path": entry.path,
        "tier": entry.info.labels.get("tier", "custom"),
        "base": entry.info.labels.get("base", ""),
        "test_f1m": {short: meta.get("headline", {}).get(key) for short, key in HEADLINE.items()},
        "training_minutes": round(meta["training_seconds"] / 60, 1) if meta.get("training_seconds") else None,
        "training_precision": precision.get("precision"),
        "training_cpu": precision.get("cpu_class") or precision.get("reason"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", required=True, help="model-store tag or tier tag (repeatable)")
    parser.add_argument("--n", type=int, default=400, help="NewsMTSC test-rw pairs per round")
    parser.add_argument("--seconds", type=float, default=6.0, help="classifier time per model (over all rounds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--no-evalset", action="store_true", help="skip the evaluation set's triples")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/tiers.json"))
    args = parser.parse_args()

    rows = [registration(tag) for tag in args.model]
    classifiers = [StanceClassifier.from_path(row["path"], batch_size=32) for row in rows]
    items = load_items(args.n)
    for row, classifier in zip(rows, classifiers):
        row["backend"] = classifier.backend_name
        classifier.predict(items[:64])  # warm-up
    busy = OtherLoad()
    speeds: list[list[float]] = [[] for _ in rows]
    for r in range(args.rounds):
        for i, classifier in enumerate(classifiers):
            speeds[i].append(pairs_per_second(classifier.predict, items, args.seconds / args.rounds, len(items)))
    for row, s in zip(rows, speeds):
        row["pairs_per_s"] = round(float(np.median(s)), 1)
    articles = build_articles(args.articles)
    for row, classifier in zip(rows, classifiers):
        analyzer = ArticleAnalyzer(classifier)
        run_pipelined(analyzer, articles[:4], 4)  # warm-up
        row["articles_per_s"] = run_pipelined(analyzer, articles, 8)["articles_per_s"]
        if not args.no_evalset:
            started = time.perf_counter()
            scores = evaluate_evalset(analyzer)
            row["evalset"] = {k: scores[k] for k in ("triples", "triples_polar") if k in scores}
            row["evalset_seconds"] = round(time.perf_counter() - started, 1)
    hardware = detect_hardware()
    out = {"cpu": hardware.cpu_class, "threads": hardware.threads, "other_load": busy.share(), "models": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(f"CPU: {hardware.cpu_class}, {hardware.threads} threads; other load {out['other_load']}")
    print(f"{'tier':15} {'tag':26} {'rw':>6} {'mt':>6} {'dir':>6} {'sn':>6} {'pairs/s':>8} {'art/s':>6} {'triplesF1':>9} {'polarF1':>8} {'train min':>9}")
    for row in rows:
        f = row["test_f1m"]
        ev = row.get("evalset", {})
        print(
            f"{row['tier']:15} {row['tag']:26} {f['test-rw'] or 0:6.2f} {f['test-mt'] or 0:6.2f} {f['directed'] or 0:6.2f} "
            f"{f['stance_news'] or 0:6.2f} {row['pairs_per_s']:8.1f} {row['articles_per_s']:6.2f} "
            f"{ev.get('triples', {}).get('f1', 0):9.3f} {ev.get('triples_polar', {}).get('f1', 0):8.3f} {row['training_minutes'] or 0:9.1f}"
        )
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
